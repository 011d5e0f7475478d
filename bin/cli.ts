/**
 * The `vmidbt` command as one program: Node's host interface, the command
 * line of cli/main.ts, and the commands whose code sits above cli/ in the
 * layers (bench/, web/), handed in and loaded only when they run.
 *
 * bin/vmidbt.js calls `start` either from the compiled bundle (dist/cli/,
 * built by bin/build-cli.mjs, a CommonJS script it compiles with V8's code
 * cache) or, as a fallback, through the TypeScript loader; it behaves the
 * same either way.
 */
import { installNodeHost } from '../cli/node-host.ts';
import { main } from '../cli/main.ts';
import { prepareSourceChecks } from '../translator/compile/assemble.ts';

/** Run the command line in process.argv; its exit status goes to process.exitCode. */
export async function start(): Promise<void> {
  installNodeHost();
  await prepareSourceChecks();
  const bench = async (suite: string, opts: Record<string, unknown>) => (await import('../bench/command.ts')).benchCommand(suite, opts);
  const web = async () => (await import('../web/build.ts')).pageBuilder;
  process.exitCode = await main(process.argv, { bench, web });
}
