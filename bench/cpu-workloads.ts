/**
 * The guest's CPU workloads as the benchmarks run them, and their native
 * baseline: the same C source (guest/src/wl_cpu.c) built for the host with
 * `gcc -O2 -fno-tree-vectorize` (scalar, like the i686 guest) and timed by
 * bench/native/main.c (the bytecode interpreter, assembly in the guest, is C
 * there: bench/native/interp_host.c).
 *
 * Shared by `npm run bench:jit` (jit.ts) and `npm run bench` (bench.ts), so
 * both time the same iteration counts against the same native build.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './vmi-boot.ts';

/** Iterations per workload at the benchmarks' full scale (4x the guest's base counts). */
export const CPU_WORKLOADS: readonly [string, number][] = [
  ['crc32b', 2048], ['crc32t', 16384], ['sieve', 160], ['sort', 240], ['interp', 1_600_000],
  ['interp_straddle', 1_600_000], ['matmul', 240], ['memops', 1600], ['fp', 1600],
];

export interface NativeTiming { name: string; iters: number; ns: number; checksum: string }

/** Builds the native baseline into `dir`; undefined (with the reason on stderr) without a host gcc. */
export function buildNative(dir: string, log: (s: string) => void): string | undefined {
  mkdirSync(dir, { recursive: true });
  // wl_cpu.c includes "kernel.h" from its own directory: build a copy beside the host shim
  copyFileSync(join(ROOT, 'guest', 'src', 'wl_cpu.c'), join(dir, 'wl_cpu.c'));
  copyFileSync(join(ROOT, 'bench', 'native', 'kernel.h'), join(dir, 'kernel.h'));
  const exe = join(dir, 'native');
  try {
    // scalar code, as the guest's (no SIMD: gcc 12 vectorises at -O2, the i686 guest cannot)
    execFileSync('gcc', ['-O2', '-fno-tree-vectorize', '-I', dir, '-o', exe, join(dir, 'wl_cpu.c'),
      join(ROOT, 'bench', 'native', 'interp_host.c'), join(ROOT, 'bench', 'native', 'main.c')], { stdio: 'pipe' });
    return exe;
  } catch (e) {
    log(`cannot build the native baseline (${(e as Error).message.split('\n')[0]}); native ratios are skipped`);
    return undefined;
  }
}

/** Runs the native build once over `list` (each workload the best of 3 inside it). */
export function runNative(exe: string, list: readonly [string, number][]): Map<string, NativeTiming> {
  const out = execFileSync(exe, list.flatMap(([n, i]) => [n, String(i)]), { encoding: 'utf8' });
  const m = new Map<string, NativeTiming>();
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line) as NativeTiming;
    m.set(r.name, r);
  }
  return m;
}
