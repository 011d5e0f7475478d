/**
 * The Node implementation of the machine's host interface (base/host.ts):
 * `performance.now()` and `Date.now()` for time, `setImmediate` to let
 * the event loop run (stdin, signals, pipes) between slices, and the
 * process environment for debugging switches.
 *
 * Installed by every Node entry point before it builds a machine:
 * `bin/cli.ts` (the command), `bin/register.mjs` (so every `node --import
 * ./bin/register.mjs script.ts`) and vitest's setup file (cli/test-setup.ts).
 */
import { installHost, type Host } from '../base/host.ts';

export const nodeHost: Host = {
  name: 'node',
  now: () => performance.now(),
  wallClock: () => Date.now(),
  yieldNow: () => new Promise<void>((resolve) => setImmediate(resolve)),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  setting: (name) => process.env[name],
};

export function installNodeHost(): void {
  installHost(nodeHost);
}
