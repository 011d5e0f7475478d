/**
 * A batch of regions' sources to one compiled WebAssembly module, and where
 * that work is done.
 *
 * `lowerBatch` is pure: sources in, a module and each region's wrapper (or
 * the reason it stays JavaScript) out. It depends on the lowering and the
 * module writer alone, so a worker thread can load it without the CPU, and
 * a `WebAssembly.Module` posted from a worker is the same compiled code in
 * the thread that instantiates it.
 *
 * Why a worker at all: lowering reparses what emission wrote and compiles a
 * module, about 2 ms a region, which on a Linux boot was 2.7 s of the vCPU's
 * own thread (bench/README.md, "WebAssembly regions"); the region runs its
 * JavaScript meanwhile, so the work can be done elsewhere and picked up when
 * it is ready. `BatchLowering` is that seam: `lowerHere` does it at once on
 * the calling thread (tests, the fuzzer: deterministic), a worker-backed one
 * (cli/wasm-lowering.ts) posts the job and delivers the result when the
 * engine next asks (`poll`, at a slice's end).
 */
import { moduleBytes, type FunctionSpec } from './wasm-module.ts';
import { ImportTable, lowerRegion, PARAMS, Unsupported, type ImportSpec, type WasmLayout } from './wasm-lower.ts';

/** Regions' sources to lower together. */
export interface BatchJob {
  sources: string[];
  layout: WasmLayout;
}

/** The result: the module (exports `r<k>` for the k-th source taken), its imports, and per source its wrapper or why not. */
export interface LoweredBatch {
  module: WebAssembly.Module | undefined;
  /** how to make each import, in order (a spec's `region`: the index of its source in the job) */
  imports: ImportSpec[];
  regions: ({ wrapper: string; refused?: undefined } | { wrapper?: undefined; refused: string })[];
}

/** Lower and compile a batch where this runs. A non-Unsupported error (a lowering bug) is thrown. */
export function lowerBatch(job: BatchJob): LoweredBatch {
  const table = new ImportTable();
  const functions: FunctionSpec[] = [];
  const regions: LoweredBatch['regions'] = job.sources.map((source, k) => {
    try {
      const lowered = lowerRegion(source, job.layout, table, k);
      functions.push({ params: PARAMS, results: [], locals: lowered.locals, body: lowered.body, exportName: `r${k}` });
      return { wrapper: lowered.wrapper };
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      return { refused: e.message };
    }
  });
  const module = functions.length === 0 ? undefined
    : new WebAssembly.Module(moduleBytes({ memoryPages: job.layout.pages, imports: table.types, functions }));
  return { module, imports: table.specs, regions };
}

/** Where batches are lowered: `submit` hands one over, `poll` delivers those done (to their `done`), never waiting. */
export interface BatchLowering {
  submit(job: BatchJob, done: (result: LoweredBatch) => void): void;
  poll(): void;
  /** jobs submitted and not yet delivered */
  readonly pending: number;
}

/** Lowering on the calling thread: each batch is done as it is submitted. */
export const lowerHere: BatchLowering = {
  submit(job, done) { done(lowerBatch(job)); },
  poll() {},
  pending: 0,
};
