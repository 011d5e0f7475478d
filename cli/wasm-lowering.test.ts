/**
 * `vmidbt run --wasm`'s lowering thread (cli/wasm-lowering.ts): it answers
 * a batch as the vCPU's thread would have lowered it, and an engine that
 * hands its regions over runs them as WebAssembly once they come back, to
 * the same results as its JavaScript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWasmLoweringWorker } from './wasm-lowering.ts';
import { loadWasmLowering } from '../translator/compile/wasm-region.ts';
import { lowerBatch, type BatchJob, type BatchLowering, type LoweredBatch } from '../translator/compile/wasm-batch.ts';
import { testWorld } from '../spec-tests/world.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../translator/engine/engine.ts';
import { VCPU_AREA_STATE, VCPU_AREA_TLB } from '../cpu/memory.ts';

let lowering: BatchLowering;
beforeAll(async () => {
  await loadWasmLowering();
  lowering = startWasmLoweringWorker();
});
afterAll(() => lowering.poll());

/** Poll until nothing is out (the worker answers in milliseconds; the bound only keeps a broken worker from hanging the test). */
async function drain(): Promise<void> {
  for (let waited = 0; lowering.pending > 0 && waited < 60_000; waited += 5) {
    lowering.poll();
    await new Promise((r) => setTimeout(r, 5));
  }
  lowering.poll();
}

const REGION = 'return(function translated(cpu,pc){const R=cpu.regs;const lim=cpu.budget;const i0=cpu.instructions;let a=0,b=0;' +
  'try{a=R[0]+R[1]|0;b=a>>>0;R[2]=a;}finally{cpu.a=a;cpu.b=b;}return L[0];});';

describe('the WebAssembly lowering thread', () => {
  it('lowers a batch as the calling thread does: the same wrappers, refusals and exports', async () => {
    const w = testWorld({ wasm: true });
    const area = w.cpu.area!;
    const job: BatchJob = { sources: [REGION, 'return(1);', REGION], layout: { tlb: area + VCPU_AREA_TLB, state: area + VCPU_AREA_STATE, pages: w.mem.buffer.byteLength / 65536 } };
    let answer: LoweredBatch | undefined;
    lowering.submit(job, (r) => { answer = r; });
    expect(lowering.pending).toBe(1);
    await drain();
    expect(lowering.pending).toBe(0);
    const here = lowerBatch(job);
    expect(answer!.regions).toEqual(here.regions);
    expect(answer!.regions[1].refused).toBe('not a region function');
    expect(answer!.imports).toEqual(here.imports);
    expect(WebAssembly.Module.exports(answer!.module!)).toEqual(WebAssembly.Module.exports(here.module!));
    expect(WebAssembly.Module.exports(answer!.module!).map((e) => e.name)).toEqual(['r0', 'r2']);
  });

  it('reports a batch the worker could not compile as an error of the engine\'s next poll, in one line', async () => {
    // a memory past 4 GiB: the module does not compile (a lowering bug would show the same way)
    lowering.submit({ sources: [REGION], layout: { tlb: 0, state: 0, pages: 65537 } }, () => {});
    let error: unknown;
    for (let waited = 0; error === undefined && waited < 60_000; waited += 5) {
      try { lowering.poll(); } catch (e) { error = e; }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(String(error)).toMatch(/^Error: lowering a WebAssembly batch failed: [^\n]+$/);
    expect(lowering.pending).toBe(0);
  });

  it('gives an engine its regions as WebAssembly once they are back, with the results of the JavaScript', async () => {
    // sums 64 words into ecx-indexed slots: a loop region and its exit
    const code = [
      0x31, 0xc9, // xor ecx, ecx
      0x31, 0xc0, // xor eax, eax
      0x03, 0x04, 0x8d, 0x00, 0x30, 0x00, 0x00, // add: add eax, [ecx*4+0x3000]
      0x89, 0x04, 0x8d, 0x00, 0x40, 0x00, 0x00, // mov [ecx*4+0x4000], eax
      0x41, // inc ecx
      0x83, 0xf9, 0x40, // cmp ecx, 64
      0x75, 0xec, // jne add
      0xf4, // hlt
    ];
    const run = async (wasm: boolean) => {
      const w = testWorld({ wasm });
      for (let k = 0; k < 64; k++) w.w32(0x3000 + 4 * k, (k * 0x9e3779b1) | 0);
      w.mem.load(0x2000, Uint8Array.from(code));
      const e = new Engine(w.cpu, w.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, backOff: false, wasm: wasm ? 1 : 0, wasmLowering: wasm ? lowering : undefined });
      const once = () => { w.cpu.eip = 0x2000; w.cpu.halted = false; e.run(1000); };
      once();
      const handedOver = e.stats.compile.wasm.pending + e.stats.compile.wasm.regions;
      await drain();
      const installed = e.stats.compile.wasm.regions;
      // the second run finds the regions the first made, now WebAssembly
      once();
      return { regs: [...w.cpu.regs], out: [...w.mem.u8.slice(0x4000, 0x4100)], installed, handedOver };
    };
    const [js, wasm] = [await run(false), await run(true)];
    expect(wasm.handedOver).toBeGreaterThan(0);
    expect(wasm.installed).toBe(wasm.handedOver);
    expect(wasm.regs).toEqual(js.regs);
    expect(wasm.out).toEqual(js.out);
  });
});
