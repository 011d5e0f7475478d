/**
 * What generated code calls: the `h` object. Slow paths of memory accesses
 * (TLB miss, unaligned, device, segment limits), flag arithmetic the emitter
 * could not specialise, and running a helper row in its interpreter form.
 * Each of these is the same code the interpreter runs.
 */
import type { VcpuVmi } from '../../vmirom/state.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault } from '../../isa/faults.ts';
import { computeLazy } from '../../cpu/flags.ts';
import { testCC } from '../../isa/eflags.ts';
import type { Instr } from '../../isa/instr.ts';
import { admit } from '../../semantics/admit.ts';
import type { Exec } from '../../semantics/ops.ts';
import { X87_KERNELS } from '../../semantics/families/fpu.ts';
import { InterpOps } from '../../runtime/interp-ops.ts';
import { Access } from '../../cpu/mmu.ts';
import { deliverableInterrupt } from '../../cpu/interrupts.ts';
import { checkpoint, type Checkpoint } from '../../runtime/state.ts';


function modeStamp(cpu: Cpu): number {
  return 2 * (cpu.segEpoch + cpu.mmu.flushes) + (cpu.nmiBlocked ? 1 : 0);
}

/** The interpreter's operations on each CPU, made once (helpers run through them). */
const opsByCpu = new WeakMap<Cpu, InterpOps>();
function opsOf(cpu: Cpu): InterpOps {
  // the last vCPU's first: a helper runs on every pass of its loop, and the map lookup was a cost of its own
  if (cpu === lastCpu) return lastOps!;
  let o = opsByCpu.get(cpu);
  if (!o) { o = new InterpOps(cpu); opsByCpu.set(cpu, o); }
  lastCpu = cpu;
  lastOps = o;
  return o;
}
let lastCpu: Cpu | undefined;
let lastOps: InterpOps | undefined;

/**
 * The physical frame an instruction fetch at `lin` reaches now, or -1 where
 * it would fault: a page walk that refills the TLB, but raises nothing and
 * leaves CR2 alone (translation-time questions, guards of generated code).
 */
export function fetchFrame(cpu: Cpu, lin: number): number {
  const cr2 = cpu.cr2;
  try {
    return cpu.mmu.translate(lin, Access.FETCH) & ~0xfff;
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    cpu.cr2 = cr2;
    return -1;
  }
}

export const H = {
  Fault,
  /** the x87 kernels (semantics/families/fpu.ts), called with an x87 row's decoded numbers as literals */
  ...X87_KERNELS,
  /**
   * Every access the TLB fast path does not take: through the segment, so
   * its rights and limit are checked as the interpreter checks them (a flat
   * segment's limit keeps its top pages out of the TLB, cpu/mmu.ts
   * `setCeiling`, so this is where a segment's end is enforced). `n` is the
   * instructions retired before this one, so that a device sees the time
   * the interpreter would give it.
   */
  rdf: (cpu: Cpu, seg: number, off: number, size: number, n: number): number => { cpu.instructions = n; return cpu.read(seg, off, size); },
  /** (a store returns the code epoch after it: generated code compares it with the one it started with) */
  wrf: (cpu: Cpu, seg: number, off: number, size: number, v: number, n: number): number => { cpu.instructions = n; cpu.write(seg, off, size, v); return cpu.mem.codeEpoch; },
  /** accesses through a segment that is not flat: full checks */
  rds: (cpu: Cpu, seg: number, off: number, size: number): number => cpu.read(seg, off, size),
  wrs: (cpu: Cpu, seg: number, off: number, size: number, v: number): number => { cpu.write(seg, off, size, v); return cpu.mem.codeEpoch; },

  /** EFLAGS with the lazy flags in `w` computed into it */
  mat(fl: number, w: number, lop: number, lres: number, la: number, lb: number): number {
    return (fl & ~w) | computeLazy(w, lop, lres, la, lb);
  },
  flag(f: number, fl: number, lz: number, lop: number, lres: number, la: number, lb: number): number {
    if (lz & f) return computeLazy(f, lop, lres, la, lb) ? 1 : 0;
    return fl & f ? 1 : 0;
  },
  cond(cc: number, fl: number, lz: number, lop: number, lres: number, la: number, lb: number): number {
    const f = lz ? (fl & ~lz) | computeLazy(lz, lop, lres, la, lb) : fl;
    return testCC(cc, f) ? 1 : 0;
  },

  /** 32-bit physical accesses that are not to plain RAM, or not aligned (an inlined VMI call's page-table entries) */
  rdPhys: (cpu: Cpu, a: number): number => cpu.mem.read(a >>> 0, 4),
  wrPhys: (cpu: Cpu, a: number, v: number): number => { cpu.mem.write(a >>> 0, 4, v); return cpu.mem.codeEpoch; },

  /**
   * Would code be fetched at linear `lin` from physical frame `frame` now?
   * Generated code tests the TLB first; this walks the page tables.
   */
  fetchesFrom: (cpu: Cpu, lin: number, frame: number): boolean => fetchFrame(cpu, lin) === frame,

  /**
   * After a data segment load: are the segments translated code relies on
   * still flat at least to the page the TLB caches up to (the ceiling the
   * engine set for the region's entry)?
   */
  stillFlat: (cpu: Cpu): boolean => cpu.translationFlatTop() >= cpu.mmu.ceilingVpn,

  /** an inlined VMI call reporting itself to the profiler (vmirom/profile-hooks.ts; emitted only when profiling) */
  vmiSite: (v: VcpuVmi, slot: number, ebp: number, esp: number): void => v.rom.profile?.inlined(v, slot, ebp >>> 0, esp >>> 0),

  /**
   * What a far transfer may change that a translation relies on or the
   * engine must see at once, as one number: it moves when a segment register
   * is loaded with something new (segEpoch), the TLB is flushed (a CR3 load,
   * a task switch) or NMIs are unblocked (an iret: one waiting is taken right
   * after it). The counters only grow, so twice their sum moves by 2 or more
   * when either does, and the blocking bit below it by exactly 1.
   */
  modeStamp,

  /**
   * After a far transfer (iret, a far ret, jmp or call; the VMI ROM's IRET):
   * may translated code go on at the new EIP, inside its region? Only if it
   * left the mode as it was (`modeStamp` taken before it), and nothing the
   * engine does between regions is due: an interrupt to take, or an
   * instruction only the interpreter may run.
   */
  goesOnAfterTransfer: (cpu: Cpu, stamp: number): boolean =>
    modeStamp(cpu) === stamp && !cpu.interpreterOnly() && deliverableInterrupt(cpu) < 0,

  /** Would the CPU take an external interrupt now (cpu/interrupts.ts)? */
  irq: (cpu: Cpu): boolean => deliverableInterrupt(cpu) >= 0,

  /**
   * An inlined VMI call of a hypervisor function (translator/inline/vmi.ts):
   * the ROM path's own entry, state in the CPU and EIP at the slot's `ret`,
   * as for a helper row; a machine stop inside it leaves the state the
   * interpreter leaves.
   */
  vmiCall(v: VcpuVmi, entry: number): void {
    try {
      v.rom.runInlined(v, entry);
    } catch (e) {
      noteStop(v.cpu, e);
      throw e;
    }
  },

  /** After an inlined call that reached a device: an interrupt to take, or the machine wants the vCPU back (a stop, a reset)? */
  vmiLeave: (v: VcpuVmi): boolean => deliverableInterrupt(v.cpu) >= 0 || v.machine.yieldRequested,

  /** run a helper row exactly as the interpreter does (EIP already at the next instruction) */
  exec: (cpu: Cpu, i: Instr): void => runHelper(cpu, i, i.row.exec!),

  /** the long form of a row with a common case (semantics/ops.ts withCommonCase), where the region's copy of the case did not apply */
  long: (cpu: Cpu, i: Instr): void => runHelper(cpu, i, i.row.long!),

  /** a semantic row the emitter could not express, run through the interpreter's Ops */
  interp(cpu: Cpu, i: Instr): void {
    admit(cpu, i);
    const ops = opsOf(cpu);
    ops.begin();
    try {
      i.row.sem!(ops, i);
    } catch (e) {
      noteStop(cpu, e);
      throw e;
    }
  },
};

/**
 * The CPU as a helper left it when something other than a guest fault (a
 * machine stop: debug exit, shutdown) ended it. The interpreter leaves that
 * state (EIP at the next instruction, the instruction not counted); the
 * region's `finally` rewinds to the instruction's start as for a fault, so
 * the engine puts this back (takeStopState).
 */
const stopStates = new WeakMap<Cpu, Checkpoint>();

/** A helper's behaviour run as the interpreter runs it: admitted, on the interpreter's Ops, a machine stop noted. */
function runHelper(cpu: Cpu, i: Instr, behaviour: Exec): void {
  admit(cpu, i);
  const ops = opsOf(cpu);
  ops.begin();
  try {
    behaviour(cpu, i, ops);
  } catch (e) {
    noteStop(cpu, e);
    throw e;
  }
}

function noteStop(cpu: Cpu, e: unknown): void {
  if (!(e instanceof Fault)) stopStates.set(cpu, checkpoint(cpu));
}

/** The state a helper stopped the CPU in, once (undefined if none did). */
export function takeStopState(cpu: Cpu): Checkpoint | undefined {
  const c = stopStates.get(cpu);
  stopStates.delete(cpu);
  return c;
}

export type Helpers = typeof H;
