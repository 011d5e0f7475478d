// `node --import ./bin/register.mjs file.ts` runs a TypeScript entry point.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
// the machine's host interface (base/host.ts), installed before the script builds a machine
const { installNodeHost } = await import('../cli/node-host.ts');
installNodeHost();
// the allow-list check of generated code, when asked for (VMIDBT_CHECK_GENERATED=1), is loaded on demand
if (process.env.VMIDBT_CHECK_GENERATED === '1') await (await import('../translator/compile/assemble.ts')).prepareSourceChecks();
