/**
 * `vmidbt run --wasm` lowers its regions on a worker thread: the vCPU's
 * thread emits each region's JavaScript and runs it, the worker reparses it,
 * lowers it and compiles the module (translator/compile/wasm-batch.ts), and
 * the engine picks up what is done at each slice's end with a non-blocking
 * read of the port (`receiveMessageOnPort`: no turn of the event loop, which
 * a running guest does not give). On a Linux boot that moved about 2.7 s of
 * lowering and compilation off the vCPU's thread (bench/README.md,
 * "WebAssembly regions").
 *
 * The worker is the bundle's second script (bin/build-cli.mjs) or, from the
 * sources, the TypeScript file through the same loader. It does not keep
 * the process alive; jobs still out at exit are counted (`pending`).
 * VMIDBT_WASM_LOWERING=here lowers on the vCPU's thread instead (profiling,
 * or a run that must not depend on timing).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchJob, BatchLowering, LoweredBatch } from '../translator/compile/wasm-batch.ts';

type Answer = { id: number } & ({ ok: true; batch: LoweredBatch } | { ok: false; error: string });

/** The worker's script: the bundle's own beside the running bundle, else the source through the loader. */
function workerEntry(): { file: string | URL; execArgv: string[] } {
  // in the bundle (a CommonJS script) __filename is the bundle's; from the sources it is not defined
  const bundle = typeof __filename === 'string' && __filename.endsWith('.cjs') ? join(dirname(__filename), 'wasm-lowering-worker.cjs') : undefined;
  if (bundle && existsSync(bundle)) return { file: bundle, execArgv: [] };
  return { file: new URL('./wasm-lowering-worker.ts', import.meta.url), execArgv: ['--import', fileURLToPath(new URL('../bin/register.mjs', import.meta.url))] };
}

/** A batch lowering on a worker thread, shared by every vCPU's engine. */
export function startWasmLoweringWorker(): BatchLowering {
  const { file, execArgv } = workerEntry();
  const worker = new Worker(file, { execArgv });
  worker.unref();
  const waiting = new Map<number, (r: LoweredBatch) => void>();
  let failure: string | undefined;
  worker.on('error', (e) => { failure ??= e.message; });
  worker.on('exit', (code) => { if (waiting.size) failure ??= `exited with status ${code}`; });
  // answers come on a port of our own, read synchronously; the worker's default port would need the event loop
  const { port1: mine, port2: theirs } = new MessageChannel();
  worker.postMessage({ port: theirs }, [theirs]);
  let next = 0;
  const lowering: BatchLowering = {
    get pending() { return waiting.size; },
    submit(job: BatchJob, done: (r: LoweredBatch) => void) {
      const id = next++;
      waiting.set(id, done);
      worker.postMessage({ id, job });
    },
    poll() {
      for (let m = receiveMessageOnPort(mine as MessagePort); m; m = receiveMessageOnPort(mine as MessagePort)) {
        const answer = m.message as Answer;
        const done = waiting.get(answer.id);
        waiting.delete(answer.id);
        if (!answer.ok) throw new Error(`lowering a WebAssembly batch failed: ${answer.error}`);
        done?.(answer.batch);
      }
      if (failure !== undefined) throw new Error(`the WebAssembly lowering thread failed: ${failure}`);
    },
  };
  return lowering;
}
