/**
 * The Node implementation of the machine's host interface (base/host.ts):
 * `process.hrtime()` and `Date.now()` for time, `setImmediate` to let
 * the event loop run (stdin, signals, pipes) between slices, and the
 * process environment for debugging switches.
 *
 * Installed by every Node entry point before it builds a machine:
 * `bin/cli.ts` (the command), `bin/register.mjs` (so every `node --import
 * ./bin/register.mjs script.ts`) and vitest's setup file (cli/test-setup.ts).
 */
import { installHost, type Host } from '../base/host.ts';

/**
 * Milliseconds since this module was loaded. `process.hrtime()` is the clock
 * `performance.now()` reads too, at the same cost a call, without Node's
 * performance module (a dozen internal modules, 1.1-1.6 ms at every start).
 */
const [originS, originNs] = process.hrtime();
function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return (s - originS) * 1e3 + (ns - originNs) / 1e6;
}

export const nodeHost: Host = {
  name: 'node',
  now: monotonicMs,
  wallClock: () => Date.now(),
  yieldNow: () => new Promise<void>((resolve) => setImmediate(resolve)),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  setting: (name) => process.env[name],
};

export function installNodeHost(): void {
  installHost(nodeHost);
}
