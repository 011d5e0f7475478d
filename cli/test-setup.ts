/** vitest's setup file (vitest.config.ts): every test file runs with the Node host installed, as the command does. */
import { installNodeHost } from './node-host.ts';
import { prepareSourceChecks } from '../translator/compile/assemble.ts';

installNodeHost();
// the allow-list check of every generated function (vitest.config.ts sets VMIDBT_CHECK_GENERATED=1), and pretty sources for reports
await prepareSourceChecks(true);
