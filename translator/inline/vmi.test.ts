/**
 * The VMI call inliner against the ROM path: the same code run by the
 * interpreter (every call through the ROM) and by the translating engine
 * with the inliner (threshold 0), from the same state, in a world with
 * paging on, the ROM of each ABI and the vCPU paravirtual; the final states
 * (registers, flags, control registers, the paravirtual state, all of
 * memory) must agree. Then what only the inlined path does: fault reports,
 * the interrupt check after enabling, the guards that fall back to the
 * plain call, leaving the region after an address-space change, the clock
 * at the call, lockstep.
 */
import { describe, expect, it } from 'vitest';
import { testWorld, LAYOUT, ROM_AT, SEL, gate, handlerAt, vectorAt, type World } from '../../spec-tests/world.ts';
import { FakeBus } from '../../spec-tests/fake-machine.ts';
import { Seg } from '../../isa/instr.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../engine/engine.ts';
import { ABIS, CALL_NAMES, type AbiCall, type VmiAbi } from '../../vmirom/abis.ts';
import { SHARED_CALLS } from '../../vmirom/calls.ts';
import { callAddress } from '../../vmirom/symbols.ts';
import { POISON } from '../../vmirom/rom.ts';
import type { VcpuVmi } from '../../vmirom/state.ts';
import { captureState, diffBytes, diffStates } from '../../runtime/state.ts';
import { VmiInliner } from './vmi.ts';
import type { InlineProfile, VmiProfileHooks } from '../../vmirom/profile-hooks.ts';

const CODE = LAYOUT.code;
/** where pointer parameters point, and the data a test writes */
const DATA = 0x20000;
const PTR = 0x30000;

const le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A few instructions, laid out at an address. */
class Asm {
  /** a nop first: the engine interprets its first instruction (the TLB is empty), so the code to test comes after */
  readonly bytes: number[] = [0x90];
  constructor(readonly at: number) {}
  get pc(): number { return this.at + this.bytes.length; }
  mov(r: number, v: number): this { this.bytes.push(0xb8 + r, ...le(v)); return this; }
  push(v: number): this { this.bytes.push(0x68, ...le(v)); return this; }
  call(to: number): this { this.bytes.push(0xe8, ...le(to - (this.pc + 5))); return this; }
  callPtr(p: number): this { this.bytes.push(0xff, 0x15, ...le(p)); return this; }
  jmp(to: number): this { this.bytes.push(0xe9, ...le(to - (this.pc + 5))); return this; }
  jmpPtr(p: number): this { this.bytes.push(0xff, 0x25, ...le(p)); return this; }
  drop(n: number): this { if (n) this.bytes.push(0x8d, 0x64, 0x24, n); return this; }
  raw(...b: number[]): this { this.bytes.push(...b); return this; }
  /** `jmp $`: where a run ends */
  end(): number { const at = this.pc; this.bytes.push(0xeb, 0xfe); return at; }
}

interface Side { w: World; ctx: VcpuVmi; bus: FakeBus; engine: Engine }

/** A world with the ROM of `abi`, paging on, the vCPU paravirtual; its engine inlines when asked. */
function side(abi: VmiAbi, inline: boolean, opts: { lockstep?: boolean; holes?: number[]; profile?: InlineProfile } = {}): Side {
  const w = testWorld({ memBytes: 4 << 20, rom: { abi }, paging: { holes: opts.holes ?? [] } });
  const ctx = w.rom!.vcpus[0];
  w.cpu.pv = ctx;
  const bus = new FakeBus(w.machine!);
  w.cpu.bus = bus;
  const engine = new Engine(w.cpu, w.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, lockstep: !!opts.lockstep });
  if (inline) engine.compiler.inliners.push(new VmiInliner(w.rom!, ctx, opts.profile));
  return { w, ctx, bus, engine };
}

/** Interpret until EIP reaches `end` or a handler; returns the instructions run. */
function interpret(s: Side, end: number, interrupts = false): number {
  const { cpu, interp } = s.w;
  let n = 0;
  while (n < 10000 && cpu.eip >>> 0 !== end && vectorAt(cpu.eip) < 0) {
    if (interrupts) interp.checkInterrupts();
    interp.step();
    n++;
  }
  return n;
}

/** The differences between the reference's state and the inlining side's, one line each. */
function differences(ref: Side, inl: Side): string[] {
  const labels = ['ROM path', 'inlined'] as const;
  const out = diffStates(captureState(ref.w.cpu), captureState(inl.w.cpu), {
    labels,
    // the engine may run the terminator once more before noticing the budget
    instructionsAgree: (x, y) => y.instructions === x.instructions || (y.instructions === x.instructions + 1 && y.eip === x.eip),
  });
  const a = ref.w.mem.u8, b = inl.w.mem.u8;
  if (Buffer.compare(a, b) !== 0) {
    const bytes: [number, number, number][] = [];
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) bytes.push([k, a[k], b[k]]);
    out.push(...diffBytes(bytes, labels));
  }
  return out;
}

interface Run { ref: Side; inl: Side; end: number }

/** The reference and the inlining side with the same code loaded (ending in `jmp $` at `end`), `prepare` run on each. */
function sides(abi: VmiAbi, build: (a: Asm) => void, prepare: (s: Side) => void, opts: { holes?: number[] } = {}): Run {
  const ref = side(abi, false, opts), inl = side(abi, true, opts);
  const a = new Asm(CODE);
  build(a);
  const end = a.end();
  for (const s of [ref, inl]) {
    s.w.mem.load(CODE, new Uint8Array(a.bytes));
    s.w.cpu.eip = CODE;
    prepare(s);
  }
  return { ref, inl, end };
}

/** The same code on both sides (`prepare` runs on each first); the inlining side runs as many instructions as the reference took. */
function compare(abi: VmiAbi, build: (a: Asm) => void, prepare: (s: Side) => void = () => {}, opts: { holes?: number[] } = {}): Run {
  const { ref, inl, end } = sides(abi, build, prepare, opts);
  inl.engine.run(interpret(ref, end));
  expect(differences(ref, inl)).toEqual([]);
  return { ref, inl, end };
}

/**
 * The same code on both sides, then `mov eax, 1` and the end, with `prepare` run on each (by default: interrupt
 * 0x40 pending); the reference interprets, checking interrupts at every instruction boundary, until the
 * handler. The budget is exact and checked per block (a block that would pass it is interpreted), so both
 * sides run on in the handler's `jmp $` for a budget that admits the whole block. The states agree, in the
 * handler, before the `mov`.
 */
function untilInterrupt(abi: VmiAbi, build: (a: Asm) => void, prepare: (s: Side) => void = (s) => { s.bus.pending.push(0x40); }): Run {
  const { ref, inl, end } = sides(abi, (a) => { build(a); a.mov(0, 1); }, prepare);
  const steps = interpret(ref, handlerAt(0x40), true);
  ref.w.interp.run(20);
  inl.engine.run(steps + 20);
  expect(differences(ref, inl)).toEqual([]);
  expect(inl.w.cpu.eip).toBe(handlerAt(0x40));
  expect(inl.w.cpu.regs[0]).not.toBe(1);
  return { ref, inl, end };
}

const slot = (abi: VmiAbi, name: string): number => callAddress(abi, ROM_AT, name);
const inlinedCount = (s: Side, name: string): number => s.ctx.inlined[CALL_NAMES.indexOf(name as (typeof CALL_NAMES)[number])];

/** Every returning call of an ABI the inliner takes: written against VmiOps or an inlinable function, not leaving the region by its row. */
function inlinable(abi: VmiAbi): AbiCall[] {
  return abi.calls.filter((c) => {
    const s = SHARED_CALLS[c.call];
    return (s.sem !== undefined || s.inlinable) && s.exits !== 'always' && !c.conv.jump;
  });
}

/** A plausible value for a parameter, by its name in the shared call (a CR3 value keeps the address space). */
function argument(c: AbiCall, name: string, k: number): number {
  if (c.call === 'SetCR3') return LAYOUT.pd;
  switch (name) {
    case 'pointer': case 'tss': return PTR + 0x40 * k;
    case 'mode': return 3;
    case 'which': return 0xc0;
    case 'flags': return 1;
    case 'bit': return 5 + k;
    case 'counter': return 1;
    case 'register': return 0xfee00080;
    case 'ss': return 0x10;
    default: return (0x1234567 * (k + 3)) | 0;
  }
}

/** Load a call's parameters as its convention says, make the call one of four ways, drop the stack words. */
function makeCall(a: Asm, abi: VmiAbi, c: AbiCall, how: 'call' | 'callPtr' | 'jmp' | 'jmpPtr'): void {
  const params = SHARED_CALLS[c.call].params;
  const stack: number[] = [];
  c.conv.params.forEach((src, k) => {
    const v = argument(c, params[k], k);
    if (src === 'eax' || src === 'ecx' || src === 'edx') a.mov({ eax: 0, ecx: 1, edx: 2 }[src], v);
    else if (src === 'st0' || src === 'st1') stack[src === 'st0' ? 0 : 1] = v;
  });
  for (let k = stack.length - 1; k >= 0; k--) a.push(stack[k] ?? 0);
  const to = callAddress(abi, ROM_AT, c.number ?? c.name);
  const ptr = DATA + 0x100;
  if (how === 'call') a.call(to);
  else if (how === 'callPtr') a.callPtr(ptr);
  else {
    // a tail call: the ROM's ret takes the address pushed here
    const ret = a.pc + 5 + (how === 'jmp' ? 5 : 6);
    a.push(ret);
    if (how === 'jmp') a.jmp(to); else a.jmpPtr(ptr);
  }
  a.drop(4 * stack.length);
}

describe('VMI calls inlined: the state the ROM path leaves', () => {
  for (const abi of Object.values(ABIS)) {
    for (const how of ['call', 'callPtr', 'jmp', 'jmpPtr'] as const) {
      it(`${abi.id}: every inlinable call, by ${how}`, () => {
        for (const c of inlinable(abi)) {
          const { inl } = compare(abi, (a) => {
            a.mov(3, 0x3bbb).mov(6, 0x6eee).mov(7, 0x7ddd);
            makeCall(a, abi, c, how);
            a.raw(0x89, 0xc6); // mov esi, eax: what the call left in EAX stays visible
          }, (s) => {
            s.w.mem.write(DATA + 0x100, 4, callAddress(abi, ROM_AT, c.number ?? c.name));
            for (let k = 0; k < 0x100; k += 4) s.w.mem.write(PTR + k, 4, 0x1000 * k + 0x63);
          });
          // INVD faults before anything is counted, on either path
          expect(inlinedCount(inl, c.call), `${c.name}`).toBe(c.call === 'INVD' ? 0 : 1);
        }
      });
    }
  }

  it('a call that writes memory reads its return address back: SetPxE over that very word returns where it wrote', () => {
    for (const abi of [ABIS.proposal, ABIS.vmware13]) {
      let skipped = 0;
      const { ref, inl, end } = sides(abi, (a) => {
        // mov eax, imm32 (5), mov edx, esp (2), sub edx, 4 (3), call (5): the return address is then
        // the `mov edi, 1` (5) after the call; the "entry" written over it skips that instruction
        skipped = a.pc + 5 + 2 + 3 + 5 + 5;
        a.mov(0, skipped).raw(0x89, 0xe2, 0x83, 0xea, 0x04).call(slot(abi, 'SetPxE')).mov(7, 1);
      }, () => {});
      // both run on in the final `jmp $`, so that the whole block fits the inlining side's budget
      const steps = interpret(ref, end);
      ref.w.interp.run(20);
      inl.engine.run(steps + 20);
      expect(differences(ref, inl)).toEqual([]);
      expect(skipped).toBe(end);
      expect(inl.w.cpu.eip).toBe(end);
      expect(inl.w.cpu.regs[7]).toBe(0);
      expect(inlinedCount(inl, 'SetPxE')).toBe(1);
    }
  });

  it('clobbered registers get the ROM\'s marker values; flags-only calls keep EAX, ECX, EDX', () => {
    const abi = ABIS.proposal;
    const { inl } = compare(abi, (a) => a.mov(0, 0x1111).mov(1, 0x2222).mov(2, 0x3333).call(slot(abi, 'SetCR2')));
    expect([...inl.w.cpu.regs.slice(0, 3)]).toEqual([0, 1, 2].map(() => POISON | 21));
    expect(inl.w.cpu.cr2).toBe(0x1111);
    const flags = compare(abi, (a) => a.mov(0, 0x1111).mov(1, 0x2222).mov(2, 0x3333).call(slot(abi, 'DisableInterrupts')));
    expect([...flags.inl.w.cpu.regs.slice(0, 3)]).toEqual([0x1111, 0x2222, 0x3333]);
    expect(inlinedCount(flags.inl, 'DisableInterrupts')).toBe(1);
  });
});

describe('what only the inlined path does', () => {
  it('a fault inside the call is reported at the slot\'s vmicall with the return address pushed, as on the ROM path', () => {
    const abi = ABIS.proposal;
    const hole = 0x50000;
    let ret = 0;
    const { inl } = compare(abi, (a) => { a.mov(0, 0x123).mov(2, hole + 8).call(slot(abi, 'SetPxE')); ret = a.pc; }, () => {}, { holes: [hole] });
    const cpu = inl.w.cpu;
    expect(inl.w.vectorTaken()).toBe(14);
    expect(cpu.cr2).toBe(hole + 8);
    const esp = cpu.regs[4];
    // error code, EIP, CS, EFLAGS, and above the frame the call's return address
    expect(inl.w.r32(esp + 4) >>> 0).toBe(slot(abi, 'SetPxE'));
    expect(inl.w.r32(esp + 16)).toBe(ret);
    expect(inl.engine.compiler.inlined.get('SetPxE')).toBe(1);
  });

  it('calls inlined before a fault in the same region are counted: the region adds its counts as it leaves', () => {
    const abi = ABIS.proposal;
    const hole = 0x50000;
    // two inlined calls, then a SetPxE that faults in the hole: the region leaves by the fault (and the
    // engine runs on into the handler, so that the whole block fits its budget)
    const { inl } = sides(abi, (a) => {
      a.call(slot(abi, 'DisableInterrupts')).call(slot(abi, 'GetCR3'));
      a.mov(0, 0x123).mov(2, hole + 8).call(slot(abi, 'SetPxE'));
    }, () => {}, { holes: [hole] });
    inl.engine.run(200);
    expect(inl.w.vectorTaken()).toBe(14);
    expect(inl.engine.stats.regionRuns).toBeGreaterThan(0);
    expect([inlinedCount(inl, 'DisableInterrupts'), inlinedCount(inl, 'GetCR3'), inlinedCount(inl, 'SetPxE')]).toEqual([1, 1, 0]);
    // the counts are the region's locals until it leaves, not a store into the vCPU's counters per call
    const source = inl.engine.translations().map((t) => t.source).join('');
    expect(source).not.toMatch(/V\.inlined\[\d+\]\+=1/);
    expect(source).toMatch(/finally\{V\.inlined\[\d+\]\+=vc\d+;/);
  });

  it('enabling with an interrupt pending leaves the region at the slot\'s ret, where the ROM path takes the interrupt', () => {
    for (const [name, setup] of [['EnableInterrupts', () => {}], ['SetInterruptMask', (a: Asm) => a.mov(0, 0x200)]] as const) {
      const abi = ABIS.proposal;
      let next = 0;
      const { inl } = untilInterrupt(abi, (a) => { setup(a); a.call(slot(abi, name)); next = a.pc; });
      const cpu = inl.w.cpu;
      // the frame holds the slot's ret, the call's return address above it: the handler's iret runs the ret
      expect(inl.w.r32(cpu.regs[4]) >>> 0).toBe(slot(abi, name) + 3);
      expect(inl.w.r32(cpu.regs[4] + 12)).toBe(next);
      expect(inl.bus.acked).toEqual([0x40]);
      expect(inlinedCount(inl, name)).toBe(1);
    }
  });

  it('a call through a pointer with a segment override (Linux\'s entry code calls through %cs:) is inlined too', () => {
    const abi = ABIS.proposal;
    const ptr = DATA + 0x100;
    for (const prefix of [0x2e, 0x36, 0x26]) {
      const { inl } = compare(abi, (a) => {
        a.mov(0, 0x1111);
        a.raw(prefix, 0xff, 0x15, ...le(ptr)); // call [seg:ptr]
        a.raw(0x89, 0xc6); // mov esi, eax
      }, (s) => { s.w.mem.write(ptr, 4, slot(abi, 'GetCR3')); });
      expect(inlinedCount(inl, 'GetCR3'), `prefix ${prefix.toString(16)}`).toBe(1);
      expect(inl.w.rom!.stats.count('GetCR3')).toBe(0);
    }
  });

  it('a pointer that no longer holds the slot it held at translation time: the plain call', () => {
    const abi = ABIS.proposal;
    const ptr = DATA + 0x100;
    const { inl } = compare(abi, (a) => {
      a.mov(3, 2);
      const loop = a.pc;
      a.callPtr(ptr);
      a.raw(0x89, 0xc6); // mov esi, eax
      a.raw(0xc7, 0x05, ...le(ptr), ...le(slot(abi, 'GetCR0'))); // mov dword [ptr], GetCR0
      a.raw(0x4b); // dec ebx
      a.raw(0x0f, 0x85, ...le(loop - (a.pc + 6))); // jnz loop
    }, (s) => { s.w.mem.write(ptr, 4, slot(abi, 'GetCR3')); });
    expect(inlinedCount(inl, 'GetCR3')).toBe(1);
    expect(inlinedCount(inl, 'GetCR0')).toBe(0);
    expect(inl.w.rom!.stats.count('GetCR0')).toBe(1);
  });

  it('a slot whose page no longer maps the ROM: the plain call, to whatever the page holds now', () => {
    const abi = ABIS.proposal;
    const other = 0x60000;
    const target = slot(abi, 'GetCR3');
    const { inl } = compare(abi, (a) => {
      a.call(target);
      a.raw(0x89, 0xc6); // mov esi, eax
      // map the ROM's page to another frame and drop its translation
      a.raw(0xc7, 0x05, ...le(LAYOUT.pt + (ROM_AT >>> 12) * 4), ...le(other | 3));
      a.raw(0x0f, 0x01, 0x3d, ...le(ROM_AT)); // invlpg [ROM_AT]
      a.call(target);
    }, (s) => {
      // the other frame: `mov eax, 0x5a5a; ret` where the slot was
      s.w.mem.load(other + (target & 0xfff), new Uint8Array([0xb8, ...le(0x5a5a), 0xc3]));
    });
    expect(inl.w.cpu.regs[0]).toBe(0x5a5a);
    expect(inl.w.cpu.regs[6]).toBe(LAYOUT.pd);
    expect(inlinedCount(inl, 'GetCR3')).toBe(1);
  });

  it('after a CR3 load the region goes on only while its code is mapped where it was; a queued load waits for the flush', () => {
    const abi = ABIS.proposal;
    const pd2 = 0x92000, pt2 = 0x93000, alt = 0x40000;
    let code: number[] = [];
    const { inl } = compare(abi, (a) => {
      a.mov(0, 2).call(slot(abi, 'SetDeferredMode')); // CPU deferred
      a.mov(0, pd2).call(slot(abi, 'SetCR3')); // queued
      a.mov(6, 1); // runs from the first mapping on both
      a.mov(0, 0).call(slot(abi, 'SetDeferredMode')); // narrowing: the CR3 load happens
      a.mov(7, 1); // the second mapping has `mov edi, 2` here
      code = a.bytes.slice();
    }, (s) => {
      // a second address space: the same, but the code page is another frame whose code differs after the flush
      for (let k = 0; k < 1024; k++) s.w.mem.write(pt2 + 4 * k, 4, s.w.mem.read(LAYOUT.pt + 4 * k, 4));
      s.w.mem.write(pt2 + 4, 4, alt | 3);
      s.w.mem.write(pd2, 4, pt2 | 3);
      const bytes = code.slice();
      bytes[bytes.length - 4] = 2; // mov edi, 2
      s.w.mem.load(alt, new Uint8Array([...bytes, 0xeb, 0xfe]));
    });
    expect([inl.w.cpu.regs[6], inl.w.cpu.regs[7]]).toEqual([1, 2]);
    expect(inl.w.cpu.cr3).toBe(pd2);
    expect(inlinedCount(inl, 'SetCR3')).toBe(1);
  });

  it('after FlushTLB the region goes on: its code page is walked again as the ROM path\'s next fetch walks it', () => {
    for (const abi of Object.values(ABIS)) {
      const { inl } = compare(abi, (a) => {
        // the code page's accessed bit cleared, then the flush: the next fetch sets it again on either path
        a.raw(0x83, 0x25, ...le(LAYOUT.pt + (CODE >>> 12) * 4), 0xdf); // and dword [pte], ~0x20
        a.mov(0, 1).call(slot(abi, 'FlushTLB'));
        a.mov(6, 0x5555);
      });
      expect(inl.w.mem.read(LAYOUT.pt + (CODE >>> 12) * 4, 4) & 0x20, abi.id).toBe(0x20);
      expect(inlinedCount(inl, 'FlushTLB'), abi.id).toBe(1);
      // the first nop is interpreted (the TLB is empty); everything after it ran in one region
      expect([inl.engine.stats.interpretedSteps, inl.engine.stats.regionRuns], abi.id).toEqual([1, 1]);
    }
  });

  it('a call that reads the clock sees the instructions retired before its vmicall, as on the ROM path', () => {
    const abi = ABIS.proposal;
    const { inl } = compare(abi, (a) => {
      a.mov(3, 1).mov(3, 2).mov(0, 0).call(slot(abi, 'GetCycleCounter')).raw(0x89, 0xc6);
    }, (s) => { s.w.machine!.vcpus[0].cycles = (clock) => (clock === 'real' ? s.w.cpu.instructions * 10 : 0); });
    // nop, three movs and the call: 5 instructions at 10 cycles each
    expect(inl.w.cpu.regs[6]).toBe(50);
    expect(inlinedCount(inl, 'GetCycleCounter')).toBe(1);
  });

  it('lockstep compares inlined calls with the ROM path, and leaves the calls that reach a device to the ROM', () => {
    const abi = ABIS.linux3;
    const s = side(abi, true, { lockstep: true });
    const a = new Asm(CODE);
    for (const c of inlinable(abi)) makeCall(a, abi, c, 'call');
    const end = a.end();
    s.w.mem.load(CODE, new Uint8Array(a.bytes));
    for (let k = 0; k < 0x100; k += 4) s.w.mem.write(PTR + k, 4, 0x1000 * k + 0x63);
    s.w.cpu.eip = CODE;
    s.engine.run(2000);
    expect(s.w.cpu.eip).toBe(end);
    expect(s.engine.stats.lockstepRegions).toBeGreaterThan(0);
    const sites = s.engine.compiler.inlined;
    expect(sites.get('SetPxE')).toBeGreaterThan(0);
    expect(sites.has('APICRead') || sites.has('APICWrite')).toBe(false);
    // the engine counts the inlined runs lockstep compared and rolled back; the ROM path's runs are kept
    // (each call ran once; some ran inlined in a region, the rest interpreted between regions)
    const called = s.w.rom!.stats.byName().reduce((n, c) => n + c.calls, 0);
    expect(called).toBe(inlinable(abi).length);
    expect(s.engine.stats.lockstepInlinedCalls).toBeGreaterThan(called / 3);
    expect(s.engine.stats.lockstepInlinedCalls).toBeLessThanOrEqual(called);
    expect(s.ctx.inlined.every((k) => k === 0)).toBe(true);
  });
});

describe('calls through a register or a register-based address', () => {
  const abi = ABIS.proposal;
  const cr2 = slot(abi, 'GetCR2'), cr3 = slot(abi, 'GetCR3');

  it('are inlined with the slot the ROM path saw that site call, which the ROM path records', () => {
    let site = 0;
    const { ref, inl } = compare(abi, (a) => { a.mov(0, cr2).raw(0xff, 0xd0); site = a.pc; }, // call eax
      (s) => s.w.rom!.siteCallees.note(site, cr2));
    expect(inlinedCount(inl, 'GetCR2')).toBe(1);
    expect(inl.engine.stats.regionRuns).toBe(1);
    // the reference interpreted the call: the ROM path noted where it went
    ref.w.rom!.siteCallees.note(site, cr3);
    const again = compare(abi, (a) => { a.mov(0, cr2).raw(0xff, 0xd0); });
    expect(again.ref.w.rom!.siteCallees.slotCalledFrom(site)).toBe(cr2);
    expect(inlinedCount(again.inl, 'GetCR2')).toBe(0); // no prediction yet: the ROM path ran
  });

  it('a call through a register-based address: [ebx+8]', () => {
    let site = 0;
    const { inl } = compare(abi, (a) => { a.mov(3, PTR - 8).raw(0xff, 0x53, 0x08); site = a.pc; }, (s) => {
      s.w.mem.write(PTR, 4, cr2);
      s.w.rom!.siteCallees.note(site, cr2);
    });
    expect(inlinedCount(inl, 'GetCR2')).toBe(1);
  });

  it('a wrong prediction fails the guard: the call goes where the register says, through the ROM', () => {
    let site = 0;
    const { inl } = compare(abi, (a) => { a.mov(0, cr2).raw(0xff, 0xd0); site = a.pc; }, (s) => s.w.rom!.siteCallees.note(site, cr3));
    expect(inlinedCount(inl, 'GetCR3')).toBe(0);
    expect(inlinedCount(inl, 'GetCR2')).toBe(0);
    expect(inl.w.rom!.stats.count('GetCR2')).toBe(1);
  });
});

describe('profiling inlined calls', () => {
  /** Two calls at two sites and a tail call, run translated with the inliner profiling as asked. */
  function profiled(profile: InlineProfile) {
    const abi = ABIS.proposal;
    const s = side(abi, true, { profile });
    const heard: { slot: number; ebp: number }[] = [];
    s.w.rom!.profile = { inlined: (_c, slot, ebp) => heard.push({ slot, ebp }), called() {}, flushed() {}, delivered() {} } satisfies VmiProfileHooks;
    const a = new Asm(CODE);
    const sites: number[] = [];
    a.mov(5, 0x7000);
    a.call(slot(abi, 'DisableInterrupts')); sites.push(a.pc);
    a.call(slot(abi, 'DisableInterrupts')); sites.push(a.pc);
    const back = a.pc + 10;
    a.push(back).jmp(slot(abi, 'DisableInterrupts'));
    const end = a.end();
    s.w.mem.load(CODE, new Uint8Array(a.bytes));
    s.w.cpu.eip = CODE;
    s.engine.run(40);
    expect(s.w.cpu.eip >>> 0).toBe(end);
    expect(inlinedCount(s, 'DisableInterrupts')).toBe(3);
    const table = s.w.rom!.inlinedSites.sites;
    const hits = (site: number) => s.ctx.siteHits[table.findIndex((t) => t.site === site)];
    return { table, heard, hits, sites };
  }

  it('off: nothing is emitted, no site gets a slot', () => {
    const { table, heard } = profiled('off');
    expect(table).toHaveLength(1);
    expect(heard).toEqual([]);
  });

  it('count: a counter per call site; a tail call, whose site is on the stack, reports to the host', () => {
    const { table, heard, hits, sites } = profiled('count');
    expect(table.slice(1).map((t) => t.site)).toEqual([...sites, -1]);
    expect(sites.map(hits)).toEqual([1, 1]);
    expect(heard).toEqual([{ slot: 3, ebp: 0x7000 }]);
  });

  it('report: every run reports its slot and the frame pointer', () => {
    const { heard, hits, sites } = profiled('report');
    expect(heard.map((h) => h.slot)).toEqual([1, 2, 3]);
    expect(heard.every((h) => h.ebp === 0x7000)).toBe(true);
    expect(sites.map(hits)).toEqual([0, 0]);
  });
});

/** The instruction's own iret and sysexit, jumped to (IRET, SYSEXIT), and the port calls' devices. */
describe('IRET, SYSEXIT and port I/O inlined', () => {
  /** Push an IRET frame (`outer`: with SS:ESP, to CPL 3) whose EIP is just past the jump to IRET, and jump there. */
  function iretTo(a: Asm, abi: VmiAbi, flags: number, how: 'jmp' | 'jmpPtr', outer = false, cs: number = outer ? SEL.CODE3 : SEL.CODE0): number {
    if (outer) a.push(SEL.DATA3).push(LAYOUT.esp3);
    const target = a.pc + 15 + (how === 'jmp' ? 5 : 6);
    a.push(flags).push(cs).push(target);
    if (how === 'jmp') a.jmp(slot(abi, 'IRET')); else a.jmpPtr(DATA + 0x100);
    return target;
  }
  /** The pointer `jmpPtr` jumps through, and the code pages user-accessible (a return to CPL 3 runs there). */
  const prepareFor = (abi: VmiAbi, name: string) => (s: Side) => {
    s.w.mem.write(DATA + 0x100, 4, slot(abi, name));
    s.w.mem.write(LAYOUT.pd, 4, LAYOUT.pt | 7);
    s.w.mem.write(LAYOUT.pt + 4, 4, CODE | 7);
  };

  for (const abi of Object.values(ABIS)) {
    it(`${abi.id}: IRET to the same ring, by jmp and through a pointer, the virtual IF from the popped flags`, () => {
      for (const how of ['jmp', 'jmpPtr'] as const) {
        for (const flags of [0x2, 0x202, 0x8d7]) {
          const { inl } = compare(abi, (a) => { a.mov(0, 0x1111); iretTo(a, abi, flags, how); a.mov(6, 0x6666); }, prepareFor(abi, 'IRET'));
          expect(inlinedCount(inl, 'IRET'), `${how} ${flags}`).toBe(1);
          expect(inl.w.rom!.stats.count('IRET')).toBe(0);
          expect(inl.ctx.vif).toBe((flags & 0x200) !== 0);
          // a flags-only jump: EAX kept, and the code after the return ran
          expect([inl.w.cpu.regs[0], inl.w.cpu.regs[6]]).toEqual([0x1111, 0x6666]);
        }
      }
    });

    it(`${abi.id}: IRET to CPL 3 (SS:ESP popped, data segments nulled) and SYSEXIT to CPL 3`, () => {
      const ring3 = compare(abi, (a) => { iretTo(a, abi, 0x202, 'jmp', true); a.mov(6, 0x6666); }, prepareFor(abi, 'IRET'));
      expect(ring3.inl.w.cpu.cpl).toBe(3);
      expect(ring3.inl.w.cpu.regs[4]).toBe(LAYOUT.esp3);
      expect(ring3.inl.w.cpu.regs[6]).toBe(0x6666);
      expect(inlinedCount(ring3.inl, 'IRET')).toBe(1);
      const sysexit = compare(abi, (a) => {
        const target = a.pc + 10 + 6;
        a.mov(2, target).mov(1, LAYOUT.esp3).jmpPtr(DATA + 0x100);
        a.mov(6, 0x7777);
      }, (s) => { prepareFor(abi, 'SYSEXIT')(s); s.w.cpu.sysenterCs = SEL.CODE0; });
      expect(sysexit.inl.w.cpu.cpl).toBe(3);
      expect(sysexit.inl.w.cpu.regs[6]).toBe(0x7777);
      expect(sysexit.inl.ctx.vif).toBe(true);
      expect(inlinedCount(sysexit.inl, 'SYSEXIT')).toBe(1);
    });
  }

  it('an IRET to CPL 3 that nulls a data segment: the code there runs with the null segment and faults, as on the ROM path', () => {
    const abi = ABIS.proposal;
    let handler = 0;
    // three passes: IRET to CPL 3 at T, which reads through DS and comes back by int 0x80; the first two with
    // DS = ES = the user data selector (flat: T may run translated), the last with DS = the kernel's, which the
    // return to CPL 3 nulls: T's read faults (#GP), as the interpreter's does
    const { inl } = compare(abi, (a) => {
      // the loop starts the region (EBX = 3 from the start): the next passes come back to it by a chain link
      const loop = a.pc;
      a.push(SEL.DATA3).push(LAYOUT.esp3).push(0x2).push(SEL.CODE3).push(a.pc + 10).jmp(slot(abi, 'IRET'));
      a.raw(0xa1, ...le(DATA)); // T: mov eax, [DATA]
      a.raw(0xcd, 0x80); // int 0x80
      handler = a.pc;
      a.raw(0x83, 0xc4, 20); // add esp, 20: the interrupt frame
      a.raw(0x83, 0xfb, 0x02, 0x75, 0x07); // cmp ebx, 2; jne +7: the kernel's DS for the last pass only
      a.mov(0, SEL.DATA0).raw(0x8e, 0xd8); // mov ds, ax
      a.raw(0x4b, 0x0f, 0x85, ...le(loop - (a.pc + 7))); // dec ebx; jnz loop
    }, (s) => {
      prepareFor(abi, 'IRET')(s);
      s.w.mem.write(LAYOUT.pt + (DATA >>> 12) * 4, 4, DATA | 7);
      const g = gate(SEL.CODE0, handler, 0xe, 3);
      s.w.w32(LAYOUT.idt + 0x80 * 8, g[0]);
      s.w.w32(LAYOUT.idt + 0x80 * 8 + 4, g[1]);
      s.w.loadSeg(s.w.cpu, Seg.DS, SEL.DATA3);
      s.w.loadSeg(s.w.cpu, Seg.ES, SEL.DATA3);
      s.w.cpu.regs[3] = 3;
    });
    expect(inl.w.vectorTaken()).toBe(13);
    expect(inl.w.cpu.cpl).toBe(0);
    expect(inlinedCount(inl, 'IRET')).toBe(3);
  });

  it('a faulting IRET faults at the slot\'s vmicall with the frame intact, as on the ROM path', () => {
    const abi = ABIS.linux3;
    let target = 0;
    // CS 0x30 lies past the GDT's limit: #GP(0x30)
    const { inl } = compare(abi, (a) => { target = iretTo(a, abi, 0x202, 'jmp', false, 0x30); }, prepareFor(abi, 'IRET'));
    const cpu = inl.w.cpu;
    expect(inl.w.vectorTaken()).toBe(13);
    const esp = cpu.regs[4];
    expect(inl.w.r32(esp)).toBe(0x30);
    expect(inl.w.r32(esp + 4) >>> 0).toBe(slot(abi, 'IRET'));
    expect(inl.w.r32(esp + 16)).toBe(target);
    expect(inlinedCount(inl, 'IRET')).toBe(0);
    expect(inl.engine.compiler.inlined.get('IRET')).toBe(1);
  });

  it('an interrupt pending when IRET sets the virtual IF is taken at the return address, as on the ROM path', () => {
    const abi = ABIS.proposal;
    let target = 0;
    const { inl } = untilInterrupt(abi, (a) => { target = iretTo(a, abi, 0x202, 'jmp'); });
    expect(inl.w.r32(inl.w.cpu.regs[4])).toBe(target);
    expect(inlinedCount(inl, 'IRET')).toBe(1);
  });

  const abi13 = ABIS.vmware13;
  /** OUTB to port 0x80 with the value 0x55, then `mov edi, 1`. */
  const outbThenMov = (a: Asm) => { a.mov(0, 0x55).mov(2, 0x80).call(slot(abi13, 'OUTB')).mov(7, 1); };
  /** The side's device does `onWrite` after recording a write. */
  const onPortWrite = (s: Side, onWrite: (s: Side) => void) => {
    const m = s.w.machine!;
    const write = m.portWrite.bind(m);
    m.portWrite = (port, size, v) => { write(port, size, v); onWrite(s); };
  };

  /** `outbThenMov` on both sides, its device doing `onWrite`. */
  function outb(onWrite: (s: Side) => void) {
    const { ref, inl, end } = sides(abi13, outbThenMov, (s) => onPortWrite(s, onWrite));
    return { abi: abi13, ref, inl, after: end - 5, end };
  }

  it('OUTB: a device that raises an interrupt has it taken at the slot\'s ret, as on the ROM path', () => {
    const { inl } = untilInterrupt(abi13, outbThenMov, (s) => { s.ctx.vif = true; onPortWrite(s, (t) => t.bus.raise(0x40)); });
    expect(inl.w.r32(inl.w.cpu.regs[4]) >>> 0).toBe(slot(abi13, 'OUTB') + 3);
    expect(inl.w.machine!.portWrites).toEqual([[0x80, 1, 0x55]]);
    expect(inlinedCount(inl, 'OUTB')).toBe(1);
  });

  it('INB: a device that raises an interrupt when read has it taken at the slot\'s ret, as on the ROM path', () => {
    const { inl } = untilInterrupt(abi13, (a) => { a.mov(2, 0x80).call(slot(abi13, 'INB')).mov(7, 1); }, (s) => {
      s.ctx.vif = true;
      const m = s.w.machine!;
      const read = m.portRead.bind(m);
      m.portRead = (port, size) => { s.bus.raise(0x40); return read(port, size); };
    });
    expect(inl.w.r32(inl.w.cpu.regs[4]) >>> 0).toBe(slot(abi13, 'INB') + 3);
    expect(inlinedCount(inl, 'INB')).toBe(1);
  });

  it('OUTB: a device that stops the machine (debug exit) ends the slice at the slot\'s ret, as on the ROM path', () => {
    const { abi, ref, inl } = outb((s) => s.w.machine!.stop('debug exit', 0));
    // the ROM path translated too: both engines honour the stop between regions
    for (const s of [ref, inl]) s.engine.run(100, () => s.w.machine!.yieldRequested);
    expect(differences(ref, inl)).toEqual([]);
    expect(inl.w.cpu.eip).toBe(slot(abi, 'OUTB') + 3);
    expect(inl.w.cpu.regs[7]).toBe(0);
    expect(inlinedCount(inl, 'OUTB')).toBe(1);
  });

  it('APICWrite: a write that wants the vCPU back (a start-up IPI to another vCPU) ends the slice at the slot\'s ret, as on the ROM path', () => {
    const { ref, inl } = sides(abi13, (a) => { a.mov(0, 0x300).mov(2, 0x4608).call(slot(abi13, 'APICWrite')).mov(7, 1); }, (s) => {
      const m = s.w.machine!, apic = m.vcpus[0].apic;
      const write = apic.write.bind(apic);
      apic.write = (offset, value) => { write(offset, value); if (offset === 0x300) m.wantVcpuBack(); };
    });
    for (const s of [ref, inl]) s.engine.run(100, () => s.w.machine!.yieldRequested);
    expect(differences(ref, inl)).toEqual([]);
    expect(inl.w.cpu.eip).toBe(slot(abi13, 'APICWrite') + 3);
    expect(inl.w.cpu.regs[7]).toBe(0);
    expect(inl.w.machine!.vcpus[0].apic.regs.get(0x300)).toBe(0x4608);
    expect(inlinedCount(inl, 'APICWrite')).toBe(1);
  });

  it('OUTB: a device that writes the code after the call (DMA) runs the new code, as on the ROM path', () => {
    const { ref, inl, after, end } = outb((s) => s.w.mem.write(after + 1, 4, 2));
    inl.engine.run(interpret(ref, end));
    expect(differences(ref, inl)).toEqual([]);
    expect(inl.w.cpu.regs[7]).toBe(2);
    expect(inlinedCount(inl, 'OUTB')).toBe(1);
  });

  it('lockstep compares IRET and CPUID inlined with the ROM path; INB and OUTB reach a device and stay with the ROM', () => {
    for (const abi of Object.values(ABIS)) {
      const s = side(abi, true, { lockstep: true });
      const a = new Asm(CODE);
      a.mov(6, 3);
      const loop = a.pc;
      a.mov(0, 0).call(slot(abi, 'CPUID'));
      iretTo(a, abi, 0x202, 'jmp');
      // Linux's API 3.0 has no port calls
      const ports = abi.calls.some((c) => c.call === 'INB');
      if (ports) a.mov(2, 0x80).call(slot(abi, 'INB')).mov(2, 0x80).call(slot(abi, 'OUTB'));
      a.raw(0x4e, 0x0f, 0x85, ...le(loop - (a.pc + 7))); // dec esi; jnz loop (CPUID writes EBX)
      const end = a.end();
      s.w.mem.load(CODE, new Uint8Array(a.bytes));
      s.w.cpu.eip = CODE;
      s.engine.run(200);
      expect(s.w.cpu.eip, abi.id).toBe(end);
      const sites = s.engine.compiler.inlined;
      expect(sites.get('IRET'), abi.id).toBeGreaterThan(0);
      expect(sites.get('CPUID'), abi.id).toBeGreaterThan(0);
      expect(sites.has('INB') || sites.has('OUTB'), abi.id).toBe(false);
      expect(s.engine.stats.lockstepInlinedCalls, abi.id).toBeGreaterThan(0);
      expect(s.w.rom!.stats.count('IRET') + s.w.rom!.stats.count('CPUID'), abi.id).toBe(6);
    }
  });

  it('profiling counts IRET at site -1, where the ROM path counts a call that was jumped to', () => {
    const abi = ABIS.proposal;
    const s = side(abi, true, { profile: 'count' });
    const heard: number[] = [];
    s.w.rom!.profile = { inlined: (_c, slot) => heard.push(slot), called() {}, flushed() {}, delivered() {} } satisfies VmiProfileHooks;
    const a = new Asm(CODE);
    iretTo(a, abi, 0x2, 'jmp');
    const end = a.end();
    s.w.mem.load(CODE, new Uint8Array(a.bytes));
    s.w.cpu.eip = CODE;
    s.engine.run(20);
    expect(s.w.cpu.eip).toBe(end);
    const table = s.w.rom!.inlinedSites.sites;
    const k = table.findIndex((t) => t.name === 'IRET');
    expect(table[k].site).toBe(-1);
    expect(s.ctx.siteHits[k]).toBe(1);
    expect(heard).toEqual([]);
  });
});
