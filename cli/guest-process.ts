/**
 * How the benchmarks and the guest tools start a Node process that runs a
 * guest, so that it runs as the `vmidbt` command does.
 *
 * V8 compiles hot functions, the translator's regions among them, with
 * TurboFan on its worker threads, and Node starts four of those whatever
 * the machine has. On a host with two cores, four busy compiling threads
 * took turns with the one thread that runs the vCPU; with one worker, the
 * vCPU keeps a core and the compiles share the other (bench/README.md,
 * "V8's worker threads": Debian's kernel to /init 12-13 % sooner and with
 * 7-10 % less CPU time, `npm start` 10-20 % sooner). `bin/vmidbt.js`, run
 * as a program, starts Node with the same rule in its first lines, written
 * for the shell; a test keeps the two in agreement.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** the command's launcher: run it as a program (its first lines pick the worker pool), or through Node with `guestNodeOptions()` */
export const LAUNCHER = fileURLToPath(new URL('../bin/vmidbt.js', import.meta.url));

/** Node's own number of V8 worker threads */
const NODE_POOL = 4;

/** V8 worker threads for a process that runs a guest on a host with `cores` cores: one core left to the vCPU, at most Node's own four. */
export function guestV8Pool(cores: number): number {
  return Math.max(1, Math.min(NODE_POOL, cores - 1));
}

/**
 * V8 flags of every process that runs a guest: no on-stack replacement. A
 * region whose loop runs a whole slice from its first call was optimised
 * mid-loop, and where V8 never made the ordinary optimised code after that
 * the loop stayed in the replaced code, about twice as slow, for the run;
 * without it the first call finishes unoptimised and the next one gets the
 * ordinary code (bench/README.md, "On-stack replacement off").
 */
export const GUEST_V8_FLAGS: readonly string[] = ['--no-use-osr'];

/** Node's options for a process that runs a guest on this host (before the script's name). */
export function guestNodeOptions(): string[] {
  return [`--v8-pool-size=${guestV8Pool(availableParallelism())}`, ...GUEST_V8_FLAGS];
}
