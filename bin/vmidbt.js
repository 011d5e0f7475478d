#!/usr/bin/env node
// Entry point of the `vmidbt` command: loads the TypeScript sources through
// the project's esbuild loader hook (bin/ts-loader.mjs).
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
// the machine's host interface (base/host.ts): Node's
(await import('../cli/node-host.ts')).installNodeHost();
const { main } = await import('../cli/main.ts');
// bench/ sits above cli/ in the layers: its command is handed in, and loaded only when used
const bench = async (suite, opts) => (await import('../bench/command.ts')).benchCommand(suite, opts);
// so is web/ (the page's build), for `vmidbt web`
const web = async () => (await import('../web/build.ts')).pageBuilder;
process.exitCode = await main(process.argv, { bench, web });
