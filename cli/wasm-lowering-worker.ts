/**
 * The worker thread that lowers WebAssembly batches for `vmidbt run --wasm`
 * (cli/wasm-lowering.ts starts it). Its first message is the port to answer
 * on; each later one a numbered batch job (translator/compile/wasm-batch.ts),
 * answered with the lowered batch, the compiled `WebAssembly.Module`
 * included, or the error that stopped it. Built as its own script beside the
 * command's (bin/build-cli.mjs).
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { lowerBatch, type BatchJob } from '../translator/compile/wasm-batch.ts';

const jobs = parentPort;
if (!jobs) throw new Error('cli/wasm-lowering-worker.ts runs as a worker thread (cli/wasm-lowering.ts starts it)');
let answers: MessagePort | undefined;
jobs.on('message', (m: { port: MessagePort } | { id: number; job: BatchJob }) => {
  if ('port' in m) { answers = m.port; return; }
  try {
    answers!.postMessage({ id: m.id, ok: true, batch: lowerBatch(m.job) });
  } catch (e) {
    answers!.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
