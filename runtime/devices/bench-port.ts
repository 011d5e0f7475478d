/**
 * The bench port: a guest marks the boundaries of what it wants timed by
 * writing a 32-bit code to port 0xE0, and the host records each write with
 * its own timestamp, so a benchmark measures host time, not guest time
 * (which vmidbt derives from instruction counts unless --host-time).
 *
 * Reading the port returns a signature ("VMIB" in memory order), so a guest
 * can tell whether anyone is timing it; on a PC without this device the read
 * floats to all ones and the guest leaves the port alone. The guest kernel's
 * microbenchmarks (guest/src/vmibench.c) write (operation << 8) | phase;
 * this device gives the codes no meaning of its own.
 *
 * A measurement that repeats until its figures settle asks the host after
 * each pass whether to run another: a read of the second dword (port 0xE4)
 * returns 1 while the host's `wantsMore` (given the records so far) says
 * so, else 0; with no such policy installed it returns 0, so a guest runs
 * its fixed number of passes. The policy is the host benchmark's (it knows
 * what the codes mean: bench/timeline.ts `steadyPasses`), not this device's.
 *
 * Records are kept in order, up to `limit` of them (then the oldest stay and
 * later writes are counted in `dropped`), so a guest cannot grow host memory
 * without bound. The clock is injected: the host's (base/host.ts) in milliseconds
 * by default, a fake one in tests.
 */
import type { PortDevice } from './ports.ts';
import { host } from '../../base/host.ts';

export const BENCH_PORT = 0xe0;
/** what a read returns: "VMIB" little endian */
export const BENCH_SIGNATURE = 0x42494d56;
/** the port whose read asks whether another pass is wanted (1) or not (0) */
export const BENCH_MORE_PORT = BENCH_PORT + 4;
/** ports the device answers: the mark/signature dword and the more-passes dword */
export const BENCH_PORTS = 8;

export interface BenchMark {
  /** the value written (a byte or word write is zero-extended) */
  code: number;
  /** host time of the write, in milliseconds from an arbitrary origin */
  ms: number;
}

export class BenchPort implements PortDevice {
  readonly name = 'bench-port';
  readonly marks: BenchMark[] = [];
  dropped = 0;
  /** the host's answer to "another pass?", from the records so far (none: never) */
  wantsMore: ((marks: readonly BenchMark[]) => boolean) | undefined;

  constructor(
    private readonly clock: () => number = () => host().now(),
    private readonly limit = 1 << 20,
  ) {}

  read(port: number, size: number): number {
    if (port >= BENCH_MORE_PORT) return port === BENCH_MORE_PORT && this.wantsMore?.(this.marks) ? 1 : 0;
    const shift = (port - BENCH_PORT) * 8;
    const v = BENCH_SIGNATURE >>> shift;
    return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v | 0;
  }

  write(port: number, size: number, value: number): void {
    const ms = this.clock();
    if (port !== BENCH_PORT) return; // only the first port of the dword takes marks
    if (this.marks.length >= this.limit) {
      this.dropped++;
      return;
    }
    const code = size === 1 ? value & 0xff : size === 2 ? value & 0xffff : value >>> 0;
    this.marks.push({ code, ms });
  }

  /** Forget every record (a new measurement). */
  clear(): void {
    this.marks.length = 0;
    this.dropped = 0;
  }
}
