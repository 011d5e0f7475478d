/**
 * WebAssembly regions: the module writer, the lowering's types (the cases
 * where a JavaScript number is no int32), what it refuses, and the regions
 * of a machine run as WebAssembly against the interpreter (the differential
 * fuzzer's sandbox, spec-tests/fuzz/differential-wasm.test.ts, does many).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Code, Op, Ty, moduleBytes } from './wasm-module.ts';
import { loadWasmLowering, synced } from './wasm-region.ts';
import { ImportTable, PARAMS, Unsupported, lowerRegion, type ImportSpec } from './wasm-lower.ts';
import { testWorld } from '../../spec-tests/world.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../engine/engine.ts';
import { VCPU_AREA_STATE, VCPU_AREA_TLB } from '../../cpu/memory.ts';

beforeAll(() => loadWasmLowering());

describe('the module writer', () => {
  it('writes a module V8 compiles and runs: imports, memory, locals, a loop', () => {
    // sum of i32.load(4k) for k = 0..n-1, then one call of the import with the sum
    const body = new Code();
    body.open(Op.block).open(Op.loop)
      .opU(Op.local_get, 0).op(Op.i32_eqz).opU(Op.br_if, 1)
      .opU(Op.local_get, 0).i32(-1).op(Op.i32_add).opU(Op.local_tee, 0).i32(2).op(Op.i32_shl).mem(Op.i32_load, 2, 0)
      .opU(Op.local_get, 1).op(Op.i32_add).opU(Op.local_set, 1)
      .opU(Op.br, 0).op(Op.end).op(Op.end)
      .opU(Op.local_get, 1).opU(Op.call, 0);
    const bytes = moduleBytes({
      memoryPages: 1,
      imports: [{ module: 'h', name: '0', params: [Ty.I32], results: [] }],
      functions: [{ params: [Ty.I32], results: [], locals: [Ty.I32], body, exportName: 'f' }],
    });
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    new Int32Array(memory.buffer).set([5, -7, 1 << 30, 3]);
    let seen = 0;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory }, h: { 0: (v: number) => { seen = v; } } });
    (inst.exports.f as (n: number) => void)(4);
    expect(seen).toBe((5 - 7 + (1 << 30) + 3) | 0);
  });
});

/** Lower a region-shaped function whose `try` block is `body`, run it once, and give back what its `finally` saw. */
function runLowered(body: string, locals: string, finallyNames: string[], regs: number[] = []): Record<string, number> {
  const source = `return(function translated(cpu,pc){const R=cpu.regs;const lim=cpu.budget;const i0=cpu.instructions;let ${locals};` +
    `try{${body}}finally{${finallyNames.map((n) => `cpu.${n}=${n};`).join('')}}return L[0];});`;
  const w = testWorld({ wasm: true });
  const area = w.cpu.area!;
  const table = new ImportTable();
  const lowered = lowerRegion(source, { tlb: area + VCPU_AREA_TLB, state: area + VCPU_AREA_STATE, pages: w.mem.buffer.byteLength / 65536 }, table, 0);
  const bytes = moduleBytes({ memoryPages: w.mem.buffer.byteLength / 65536, imports: table.types, functions: [{ params: PARAMS, results: [], locals: lowered.locals, body: lowered.body, exportName: 'r0' }] });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: w.mem.wasm! }, h: {} });
  const state = new Int32Array(w.mem.buffer, area + VCPU_AREA_STATE, 1024);
  const state64 = new Float64Array(w.mem.buffer, area + VCPU_AREA_STATE, 512);
  w.cpu.regs.set(regs);
  const cpu: Record<string, unknown> = { regs: w.cpu.regs, budget: 1000, instructions: 2 ** 40, exitSite: -1 };
  const fn = new Function('WF', 'S', 'D', 'L', 'MEM', lowered.wrapper)(inst.exports.r0, state, state64, [undefined], w.mem) as (cpu: unknown, pc: number) => unknown;
  fn(cpu, 0);
  return Object.fromEntries(finallyNames.map((n) => [n, cpu[n] as number]));
}

describe('the lowering', () => {
  it('keeps JavaScript\'s numbers: unsigned compares, sums past 2^31, counts past 2^32, int32 wrap-around', () => {
    const r = runLowered(
      'a=R[0];b=a>>>0<5?1:0;c=a+a;d=a+a|0;e=i0+7;f=R[1]>>>4;',
      'a,b,c,d,e,f', ['a', 'b', 'c', 'd', 'e', 'f'], [-1, -16]);
    expect(r).toEqual({ a: -1, b: 0, c: -2, d: -2, e: 2 ** 40 + 7, f: (-16 >>> 4) });
    const big = runLowered('a=R[0]>>>0;b=a+a;c=a>>>0>4?1:0;', 'a,b,c', ['a', 'b', 'c'], [-2]);
    expect(big).toEqual({ a: 2 ** 32 - 2, b: 2 * (2 ** 32 - 2), c: 1 });
  });

  it('runs the dispatch loop: a switch with fall-through, labelled loops, break and continue', () => {
    // pc 0 counts a down from 10 in a self loop, falls into case 1, which jumps to case 2 through the loop
    const r = runLowered(
      'run:for(;;){switch(pc){case 0:self:for(;;){a=a-1|0;n=n+1|0;if(a!==0)continue self;break self;}case 1:{n=n+100|0;pc=2;continue run;}case 2:{break run;}}}',
      'a=10,n=0', ['a', 'n']);
    expect(r).toEqual({ a: 0, n: 110 });
  });

  it('refuses what it does not lower, so that the region stays JavaScript', () => {
    const refuse = (body: string) => () => runLowered(body, 'a=1', ['a']);
    expect(refuse('a=a/3;')).toThrow(Unsupported);
    expect(refuse('a=a*3;')).toThrow(Unsupported);
    expect(refuse('try{a=2;}finally{a=3;}')).toThrow(Unsupported);
  });
});

describe('fields moved around a host call', () => {
  /** The imports of one region lowered alone. */
  const importsOf = (source: string) => {
    const table = new ImportTable();
    lowerRegion(source, { tlb: 1 << 20, state: 2 << 20, pages: 64 }, table, 0);
    return table.specs;
  };
  const region = (body: string) => `return(function translated(cpu,pc){const R=cpu.regs;const lim=cpu.budget;const i0=cpu.instructions;let a=0,b=0,x=0;try{${body}}finally{cpu.a=a;}return L[0];});`;

  it('moves the stores before a helper and the loads after it through the state block: one import, no setter or getter', () => {
    const specs = importsOf(region('cpu.eflags=a;x=1;cpu.instructions=i0+a;cpu.eip=4103;h.exec(cpu,INS[1]);x=0;a=R[0];b=cpu.eflags;a=cpu.eip;'));
    expect(specs.map((s) => s.kind)).toEqual(['call']);
    const call = specs[0] as Extract<ImportSpec, { kind: 'call' }>;
    expect(call.sync?.before.map((f) => f.field)).toEqual(['eflags', 'instructions', 'eip']);
    expect(call.sync?.after.map((f) => [f.field, f.wide])).toEqual([['eflags', false], ['eip', false]]);
    // one slot per field, shared by its store and its load
    expect(call.sync!.after[0].slot).toBe(call.sync!.before[0].slot);
  });

  it('sets the fields before the call and reads them after as the setter and getter imports would', () => {
    const state64 = new Float64Array(16), state32 = new Int32Array(state64.buffer);
    const cpu = { eflags: 2, vif: true, pv: {} as object | null, instructions: 0 };
    const seen: unknown[] = [];
    const call = (p: number, q: number) => { seen.push(cpu.eflags, cpu.vif, p, q); cpu.eflags = -7; cpu.instructions = 2 ** 40; return 9; };
    const f = synced(call as never, 2, {
      before: [{ object: 'cpu', field: 'eflags', slot: 0 }, { object: 'cpu', field: 'vif', slot: 8 }],
      after: [{ object: 'cpu', field: 'eflags', slot: 0, wide: false }, { object: 'cpu', field: 'pv', slot: 16, wide: false }, { object: 'cpu', field: 'instructions', slot: 24, wide: true }],
    }, cpu as never, undefined, state32, state64);
    state64[0] = 0x80000002; state64[1] = 0;
    expect(f(3, 4)).toBe(9);
    // a double from the slot, a boolean field kept boolean
    expect(seen).toEqual([0x80000002, false, 3, 4]);
    // an int32 as ToInt32 gives it, an object by its truth, a wide field as a double
    expect([state32[0], state32[4], state64[3]]).toEqual([-7, 1, 2 ** 40]);
  });

  it('keeps setters and getters where something between reads a field or calls out', () => {
    const between = importsOf(region('cpu.eflags=a;x=cpu.lop;h.exec(cpu,INS[1]);'));
    expect(between.map((s) => s.kind).sort()).toEqual(['call', 'get', 'set']);
    expect((between.find((s) => s.kind === 'call') as Extract<ImportSpec, { kind: 'call' }>).sync).toBeUndefined();
    // an argument that reads a field is read before the call, so the stores before it cannot wait
    const argument = importsOf(region('cpu.eflags=a;h.exec(cpu,cpu.lop);'));
    expect(argument.map((s) => s.kind).sort()).toEqual(['call', 'get', 'set']);
  });
});

describe('a machine\'s regions as WebAssembly', () => {
  it('run a loop over memory to the state the interpreter leaves, and say so in the statistics', () => {
    // sum = Σ dword [0x3000 + 4k], k < 64, with a store of each partial sum back (slow path on a code page aside)
    const code = [
      0x31, 0xc0, // xor eax, eax
      0x31, 0xc9, // xor ecx, ecx
      0x03, 0x04, 0x8d, 0x00, 0x30, 0x00, 0x00, // add eax, [ecx*4 + 0x3000]
      0x89, 0x04, 0x8d, 0x00, 0x40, 0x00, 0x00, // mov [ecx*4 + 0x4000], eax
      0x41, // inc ecx
      0x83, 0xf9, 0x40, // cmp ecx, 64
      0x75, 0xec, // jne add
      0xf4, // hlt
    ];
    const results = ([false, true] as const).map((wasm) => {
      const w = testWorld({ wasm });
      for (let k = 0; k < 64; k++) w.w32(0x3000 + 4 * k, (k * 0x9e3779b1) | 0);
      const at = 0x2000;
      w.mem.load(at, Uint8Array.from(code));
      w.cpu.eip = at;
      const e = new Engine(w.cpu, w.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, backOff: false, wasm: wasm ? 1 : 0 });
      // twice: the second run finds the region made (and compiled) by the first
      e.run(1000);
      w.cpu.eip = at; w.cpu.halted = false;
      e.run(1000);
      return { regs: [...w.cpu.regs], eflags: w.cpu.eflags, flags: w.cpu.lazy, out: [...w.mem.u8.slice(0x4000, 0x4100)], wasm: e.stats.compile.wasm };
    });
    expect(results[1].regs).toEqual(results[0].regs);
    expect(results[1].out).toEqual(results[0].out);
    expect(results[1].wasm.regions).toBeGreaterThan(0);
    expect(results[0].wasm.regions).toBe(0);
  });

  it('asks for the lowering to be loaded and for a WebAssembly memory, rather than falling back in silence', () => {
    const w = testWorld();
    const e = new Engine(w.cpu, w.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, backOff: false, wasm: 1 });
    w.mem.load(0x2000, Uint8Array.from([0x90, 0xf4]));
    w.cpu.eip = 0x2000;
    expect(() => e.run(10)).toThrow(/WebAssembly memory/);
  });
});
