/**
 * The fallback interpreter: exact architectural state after each
 * instruction. It is the reference the translator is checked against, and
 * it runs whatever the translator does not (cold code, helpers).
 *
 * A step decodes at CS:EIP (through a decode cache by physical address),
 * sets EIP to the next instruction, and runs the row's semantics (through
 * InterpOps) or its helper. A `Fault` thrown on the way rewinds EIP and ESP
 * to the instruction's start (semantics do their faulting accesses before
 * other writes, see semantics/ops.ts) and is delivered through the IDT.
 *
 * The run loop does not step: it runs instructions in runs (`runOn`), with
 * the checks a step is preceded by (interrupts, the machine's requests,
 * debugging) made between runs, since nothing they look at can change
 * inside one unnoticed; inside a run each decoding leads to the next
 * without a fetch. `step` stays the reference the runs are checked against
 * (SteppingEngine, the code fuzzer).
 */
import { decode } from '../isa/decoder.ts';
import { TABLE } from '../semantics/table.ts';
import type { Instr } from '../isa/instr.ts';
import { Reg } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';
import type { Cpu } from '../cpu/cpu.ts';
import { InterpOps } from './interp-ops.ts';
import { admit } from '../semantics/admit.ts';
import { deliver, deliverableInterrupt, deliverFault, IntKind } from '../cpu/interrupts.ts';
import { RF, TF } from '../isa/eflags.ts';
import { executable, physical } from '../cpu/tlb.ts';
import { DR6_BS, DR7_GD, instructionBreakpoints, reportDebug } from '../cpu/debug.ts';
import { Seg } from '../isa/instr.ts';

/**
 * Slots of the decode cache (a power of two, at least a page's worth). It is
 * direct-mapped by physical address, so its memory is fixed (2 MB of slots,
 * about 64 MB of decoded instructions at most) however much code the guest
 * runs. Linux's initialisation interprets 25 million instructions at 266,000
 * addresses spread over megabytes of kernel text: with 2^16 slots, 1.5
 * million of them were decoded afresh (addresses a page-multiple of 64 KiB
 * apart evicting each other), with 2^18 0.63 million, with 2^20 0.37 million
 * (`vmidbt run --stats`, "decoded afresh").
 */
const DECODE_BITS = 18;
export const DECODE_SLOTS = 1 << DECODE_BITS;

/**
 * A decoding's cache tag: the physical address's bits above the slot's,
 * then the code size, plus one (0 is no tag); a small integer.
 */
function tagOf(phys: number, code32: boolean): number {
  return (phys >>> DECODE_BITS) * 2 + (code32 ? 1 : 0) + 1;
}
/** The physical address's bits above the slot's, back from a tag. */
const addressBitsOf = (tag: number): number => (tag - 1) >>> 1;

export class Interpreter {
  readonly ops: InterpOps;
  /**
   * Decoded instructions by physical address, direct-mapped: slot
   * `phys % DECODE_SLOTS` holds one decoding, tagged (`Instr.cacheTag`)
   * with the rest of its key: the physical address's bits above the slot's,
   * and whether it is 32-bit code. The tag lives in the decoding, so a hit
   * reads the slot and the object it holds, which running it reads anyway
   * (a separate array of keys was a third memory access, often a cache miss
   * on kernel code). A page with cached decodings is marked as code in
   * physical memory, so a guest write to it drops them (self-modifying
   * code); its addresses fill one aligned run of slots, which is all that
   * has to be looked at. The slots come in arrays of a page's worth, made
   * when code first lands there: one array of all the slots is a large
   * object for V8, which cost a new machine several milliseconds (the code
   * fuzzer builds three machines per stream).
   */
  private readonly decoded: ((Instr | undefined)[] | undefined)[] = new Array(DECODE_SLOTS >>> 12);

  constructor(readonly cpu: Cpu) {
    this.ops = new InterpOps(cpu);
    cpu.mem.onCodeInvalidated((page, offset, size) => this.forgetBytes(page, offset, size));
  }

  /**
   * The cached decodings that run onto the next page, with their slot and
   * the physical page their last bytes were fetched from: a hit on one
   * checks that its second page still maps there, and a write to that page
   * drops it as a write to its first page does. Few instructions straddle
   * pages, but one that does in a loop was decoded afresh every time it ran
   * (the benchmark's interp_straddle: 12 MIPS against 21 for the same loop
   * on one page).
   */
  private readonly straddlers = new Map<Instr, { slot: number; page: number }>();
  /** the same by second page (entries the cache has since let go of are skipped, and pruned as a list grows) */
  private readonly straddlersOn = new Map<number, Instr[]>();

  /**
   * `size` bytes at `offset` of a page holding decodings were written: drop
   * the decodings whose bytes they touched (and every one that runs onto the
   * page from the one before: few, and their bytes here are not looked at
   * one by one). The others stay, and mark the page as code again, without
   * their links (`follow`), which the next runs make again.
   */
  private forgetBytes(page: number, offset: number, size: number): void {
    let kept = false;
    for (const i of this.straddlersOn.get(page) ?? []) {
      const at = this.straddlers.get(i);
      if (at === undefined || at.page !== page) continue;
      const chunk = this.decoded[at.slot >>> 12];
      if (chunk !== undefined && chunk[at.slot & 0xfff] === i) this.drop(chunk, at.slot & 0xfff, i);
    }
    this.straddlersOn.delete(page);
    const first = (page << 12) & (DECODE_SLOTS - 1);
    const chunk = this.decoded[first >>> 12];
    if (chunk !== undefined) {
      const high = (page << 12) >>> DECODE_BITS;
      const end = offset + size;
      // (k is the page offset: a slot's low bits are the address's; an instruction is at most 15 bytes)
      for (let k = Math.max(0, offset - 15); k < end; k++) {
        const i = chunk[k];
        if (i !== undefined && addressBitsOf(i.cacheTag) === high && k + i.len > offset) this.drop(chunk, k, i);
      }
      // every link from the page's decodings goes: one may lead to a decoding that has left the cache for another
      // sharing its slot, and from there on to one of the bytes written, which no slot shows any more
      for (let k = 0; k < 0x1000; k++) {
        const i = chunk[k];
        if (i === undefined || addressBitsOf(i.cacheTag) !== high) continue;
        kept = true;
        i.follow = i.followTaken = undefined;
      }
    }
    if (kept) this.cpu.mem.markCode(page);
  }

  /** Take a decoding out of its slot; its tag then says it is in none (so `onPageOf` links nothing to it). */
  private drop(chunk: (Instr | undefined)[], k: number, i: Instr): void {
    chunk[k] = undefined;
    i.cacheTag = 0;
    this.straddlers.delete(i);
  }

  /** instructions decoded afresh for the interpreter: the decode cache did not hold them (`--stats`) */
  decodings = 0;
  /** the physical address of the last `decodeAt` through the TLB and the decode cache (-1: it decoded around them) */
  private fetchedPhys = -1;
  /** the page of `fetchedPhys` (-1: not known) */
  private fetchedPage(): number {
    return this.fetchedPhys < 0 ? -1 : this.fetchedPhys >>> 12;
  }

  /** Decode the instruction at CS:EIP (faults propagate), through the decode cache. */
  decodeAt(eip: number): Instr {
    const cpu = this.cpu;
    const off = eip >>> 0;
    if (off <= cpu.segHi[Seg.CS]) {
      const lin = (cpu.segBase[Seg.CS] + off) | 0;
      const e = cpu.mmu.entry(lin);
      if (executable(e, cpu.mmu.rmask)) {
        const phys = physical(e, lin) >>> 0;
        this.fetchedPhys = phys;
        const tag = tagOf(phys, cpu.code32);
        const slot = phys & (DECODE_SLOTS - 1);
        const chunk = this.decoded[slot >>> 12];
        if (chunk !== undefined) {
          const hit = chunk[slot & 0xfff];
          // the same bytes at another EIP decode to other branch targets
          if (hit !== undefined && hit.cacheTag === tag && hit.eip === eip &&
            ((lin & 0xfff) + hit.len <= 0x1000 || this.secondPage(lin) === this.straddlers.get(hit)?.page)) return hit;
        }
        const i = decode(TABLE, cpu, eip, cpu.code32);
        this.decodings++;
        if ((lin & 0xfff) + i.len <= 0x1000) this.remember(slot, tag, phys >>> 12, i);
        else {
          // decode fetched the second page: its TLB entry is there to read
          const second = this.secondPage(lin);
          if (second >= 0) this.rememberStraddler(slot, tag, phys >>> 12, second, i);
        }
        return i;
      }
    }
    this.fetchedPhys = -1;
    return decode(TABLE, cpu, eip, cpu.code32);
  }

  /** The physical page that the page after `lin`'s maps to now, executable (-1 when the TLB does not say). */
  private secondPage(lin: number): number {
    const next = ((lin | 0xfff) + 1) | 0;
    const e = this.cpu.mmu.entry(next);
    return executable(e, this.cpu.mmu.rmask) ? physical(e, next) >>> 12 : -1;
  }

  private rememberStraddler(slot: number, tag: number, page: number, second: number, i: Instr): void {
    this.remember(slot, tag, page, i);
    this.straddlers.set(i, { slot, page: second });
    let list = this.straddlersOn.get(second) ?? [];
    if (list.length >= 64) list = list.filter((x) => this.straddlers.get(x)?.page === second);
    list.push(i);
    this.straddlersOn.set(second, list);
    this.cpu.mem.markCode(second);
  }

  private remember(slot: number, tag: number, page: number, i: Instr): void {
    const chunk = this.decoded[slot >>> 12] ?? (this.decoded[slot >>> 12] = new Array(0x1000));
    const old = chunk[slot & 0xfff];
    if (old !== undefined && (slot & 0xfff) + old.len > 0x1000) this.straddlers.delete(old);
    i.cacheTag = tag;
    chunk[slot & 0xfff] = i;
    this.cpu.mem.markCode(page);
  }

  /**
   * The last instruction `step` completed (undefined after a fault): when
   * EIP is its `next` and it does not end a block, control went straight on,
   * and EIP is no place a translated region starts (translator/engine/
   * engine.ts looks regions up only at such places).
   */
  last: Instr | undefined = undefined;

  /** Run one decoded instruction's semantics on the live CPU (EIP already advanced). */
  execute(i: Instr): void {
    const cpu = this.cpu;
    const row = i.row;
    admit(cpu, i);
    this.ops.begin();
    if (row.sem) row.sem(this.ops, i);
    else row.exec!(cpu, i, this.ops);
  }

  /**
   * Execute one instruction, delivering any exception it raises.
   * Returns false when the CPU is halted and nothing happened.
   */
  step(): boolean {
    const cpu = this.cpu;
    this.last = undefined;
    if (cpu.halted) return false;
    if (this.debugging()) return this.debugStep();
    cpu.interruptShadow = false;
    this.run1(cpu.eip);
    return true;
  }

  /** Single-stepping, RF, armed breakpoints, a mov ss shadow or held-back traps: the next instruction takes the debug path. */
  private debugging(): boolean {
    const cpu = this.cpu;
    return (cpu.eflags & (TF | RF)) !== 0 || (cpu.bpExec | cpu.bpWrite | cpu.pendingDebug) !== 0 || cpu.debugShadow ||
      (cpu.hostDebug !== null && cpu.hostDebug.armed);
  }

  /** Decode and execute the instruction at `start`; a fault is delivered at it (EIP and ESP as before it). Returns whether it completed. */
  private run1(start: number): boolean {
    const cpu = this.cpu;
    const startEsp = cpu.regs[Reg.ESP];
    try {
      const i = this.decodeAt(start);
      cpu.eip = i.next;
      this.last = undefined;
      this.execute(i);
      cpu.instructions++;
      this.last = i;
      return true;
    } catch (e) {
      this.faulted(e, start, startEsp);
      return false;
    }
  }

  /** An instruction that started at `start` with ESP `startEsp` raised `e`: counted, rewound and delivered (anything but a Fault goes on). */
  private faulted(e: unknown, start: number, startEsp: number): void {
    if (!(e instanceof Fault)) throw e;
    const cpu = this.cpu;
    cpu.eip = start;
    cpu.regs[Reg.ESP] = startEsp;
    cpu.instructions++;
    deliverFault(cpu, e);
  }

  /**
   * Run from CS:EIP to the end of its basic block, as `step` would run each
   * instruction: the translator's engine runs the code it has not
   * translated this way, looking regions up only where blocks start. With
   * a `gate`, the run goes on into the next block, and the next, for as
   * long as the gate answers true for each block's start.
   */
  runBlock(end: number, gate: BlockGate | null = null): void {
    this.runOn(end, false, gate);
  }

  /**
   * Run instructions one after another from CS:EIP, as `step` runs each,
   * for as long as nothing the run loop checks between two of them can have
   * changed: until a helper that ends a block or is opaque (RowSpec.end,
   * opaque: a far transfer, an interrupt, iret, popf, sti, hlt, a segment,
   * descriptor table, paging or mode change, port I/O), a fault, the
   * instruction count reaching `end`, or a move of the code epoch
   * (cpu/memory.ts: a write to a code page, or a device, the machine or
   * another vCPU asking for the vCPU back, which is also how a newly raised
   * interrupt ends the run). Near jumps, calls and returns (rows written
   * against Ops, which can change nothing but registers, memory, the
   * arithmetic flags and EIP) end it too unless `acrossJumps`.
   *
   * So the interrupt checks between instructions are left out, and so is the
   * fetch of each instruction through the TLB and the decode cache where the
   * next one follows on the same page: after their first run in a row, each
   * decoding holds the next one (`Instr.follow`). Under single-stepping,
   * breakpoints and the like this is one `step`.
   *
   * A `gate` (with `acrossJumps` false) is asked at each near jump, call or
   * return's destination, the start of a block, before it runs: the
   * translator's engine counts its heat there and answers false where a
   * region starts or is due (the run then ends, EIP there), so that the
   * code it has not translated runs block after block without a return to
   * its loop and a fetch through the decode cache at each block.
   */
  private runOn(end: number, acrossJumps: boolean, gate: BlockGate | null = null): void {
    const cpu = this.cpu;
    this.last = undefined;
    if (cpu.halted) return;
    if (this.debugging()) {
      this.debugStep();
      return;
    }
    cpu.interruptShadow = false;
    const mem = cpu.mem;
    const regs = cpu.regs;
    const epoch = mem.codeEpoch;
    let start = cpu.eip;
    let startEsp = regs[Reg.ESP];
    const gated = gate !== null && !acrossJumps;
    try {
      let i = this.decodeAt(start);
      // the physical page the instruction in hand was fetched from (-1: not known), for the gate
      let frame = this.fetchedPage();
      for (;;) {
        cpu.eip = i.next;
        this.execute(i);
        cpu.instructions++;
        const row = i.row;
        const endsBlock = row.exec !== undefined ? row.end || row.opaque : row.end && !acrossJumps;
        if (cpu.instructions >= end || mem.codeEpoch !== epoch || (endsBlock && (!gated || row.exec !== undefined))) {
          this.last = i;
          return;
        }
        start = cpu.eip;
        startEsp = regs[Reg.ESP];
        // (a CS limit lowered since a link was made faults as the fetch would)
        const inLimit = (start >>> 0) <= cpu.segHi[Seg.CS];
        let next: Instr | undefined;
        if (start === i.next) {
          next = i.follow;
          if (next === undefined || !inLimit) {
            next = this.decodeAt(start);
            if (this.onPageOf(i, next)) i.follow = next;
            frame = this.fetchedPage();
          }
        } else {
          // a near jump, call or return; a rep string instruction that goes on at itself
          next = i.followTaken;
          if (next === undefined || next.eip !== start || !inLimit) {
            next = this.decodeAt(start);
            if (this.onPageOf(i, next)) i.followTaken = next;
            frame = this.fetchedPage();
          }
        }
        // a block starts at `next`: the gate has its say before it runs (EIP and the count are there)
        if (endsBlock && (frame < 0 || !gate!(frame * 0x1000 + ((cpu.segBase[Seg.CS] + start) & 0xfff), start))) {
          this.last = i;
          return;
        }
        i = next;
      }
    } catch (e) {
      this.faulted(e, start, startEsp);
    }
  }

  /**
   * May `i` lead to `next` without a fetch? Both are held by the decode
   * cache and `next` lies on `i`'s page, so that page's mapping, its rights
   * and its code are those `i` was fetched with (and a page offset is the
   * same whatever the CS base of a later run); a write to the page drops
   * both decodings from the cache, and a run in progress sees the code epoch
   * move.
   */
  private onPageOf(i: Instr, next: Instr): boolean {
    if (i.cacheTag === 0 || next.cacheTag === 0) return false;
    const base = this.cpu.segBase[Seg.CS];
    // (never to a decoding that runs onto the next page: a hit on it checks that page's mapping)
    return (((base + i.eip) ^ (base + next.eip)) & ~0xfff) === 0 && ((base + next.eip) & 0xfff) + next.len <= 0x1000;
  }

  /**
   * step() with the debug machinery (cpu/debug.ts): a host debugger's
   * breakpoint before (the instruction then does not run: the machine
   * stops), instruction breakpoints, then the instruction, debug traps and
   * the host debugger's step and watchpoint stops after.
   */
  private debugStep(): boolean {
    const cpu = this.cpu;
    const start = cpu.eip;
    const host = cpu.hostDebug;
    if (host !== null && host.breakBefore(cpu.id, (cpu.segBase[Seg.CS] + start) | 0)) return true;
    this.guestDebugStep(start);
    host?.afterInstruction(cpu.id);
    return true;
  }

  /** One instruction with the guest's own debug machinery: instruction breakpoints before, debug traps after. */
  private guestDebugStep(start: number): void {
    const cpu = this.cpu;
    const trap = (cpu.eflags & TF) !== 0;
    // a mov ss / pop ss before this instruction holds back debug exceptions at this boundary
    const shadowed = cpu.debugShadow;
    cpu.interruptShadow = cpu.debugShadow = false;
    if (this.instructionBreakpoint(start, shadowed)) return;
    cpu.dbHits = 0;
    if (!this.run1(start)) return;
    const bits = (trap ? DR6_BS : 0) | cpu.dbHits | cpu.pendingDebug;
    if (bits) this.debugTrap(bits);
  }

  /**
   * Before an instruction: RF set lets it run once without its instruction
   * breakpoint (and is cleared); otherwise an armed breakpoint at CS:EIP is a
   * #DB fault, delivered with RF clear in the frame. Returns whether one was.
   */
  private instructionBreakpoint(eip: number, shadowed: boolean): boolean {
    const cpu = this.cpu;
    if (cpu.eflags & RF) { cpu.setEflags(0, RF); return false; }
    if (cpu.bpExec === 0 || shadowed) return false;
    const hits = instructionBreakpoints(cpu, (cpu.segBase[Seg.CS] + eip) | 0);
    if (!hits) return false;
    reportDebug(cpu, hits);
    cpu.dr[7] &= ~DR7_GD;
    this.deliverEvent(Vec.DB, IntKind.EXCEPTION, eip);
    return true;
  }

  /** Deliver an event whose own delivery may fault (then that fault is delivered: #DF, a triple fault). */
  private deliverEvent(vector: number, kind: IntKind, eip: number): void {
    try {
      deliver(this.cpu, vector, kind, -1, eip);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      deliverFault(this.cpu, e);
    }
  }

  /** After an instruction: single-step and data-breakpoint traps (held back past the next one after mov ss). */
  private debugTrap(bits: number): void {
    const cpu = this.cpu;
    if (cpu.debugShadow) { cpu.pendingDebug = bits & ~DR6_BS; return; }
    cpu.pendingDebug = 0;
    cpu.dbHits = 0;
    reportDebug(cpu, bits & 0xf);
    cpu.dr[6] |= bits & DR6_BS;
    // the handler may use the debug registers: every #DB clears DR7.GD
    cpu.dr[7] &= ~DR7_GD;
    this.deliverEvent(Vec.DB, IntKind.EXCEPTION, cpu.eip);
  }

  /** Take a pending external interrupt if IF allows it now. */
  checkInterrupts(): boolean {
    const cpu = this.cpu;
    const host = cpu.hostDebug;
    // a debugger's single step runs the instruction at EIP, not an interrupt handler (QEMU's default too);
    // a halted vCPU still wakes, and its step is the handler's first instruction
    if (host !== null && host.stepCpu === cpu.id && !cpu.halted) return false;
    // under a VMI ROM the virtual IF decides, the real IF stays set (cpu/cpu.ts Paravirt)
    const vector = deliverableInterrupt(cpu);
    if (vector < 0) return false;
    host?.forgetResume(cpu.id);
    cpu.bus.ackInterrupt(cpu, vector);
    this.deliverEvent(vector, IntKind.EXTERNAL, cpu.eip);
    return true;
  }

  /**
   * The interpreter's run loop: up to `n` instructions, interrupts taken
   * between them; fewer if the CPU halts with nothing pending or `stop`
   * answers true. Returns how many ran. The loop runs instructions in runs
   * (`runOn`), and looks for interrupts and asks `stop` between runs;
   * `stepwise` does both before every instruction, as the reference the
   * runs are checked against (SteppingEngine).
   */
  run(n: number, stop?: () => boolean, stepwise = false): number {
    const cpu = this.cpu;
    const start = cpu.instructions;
    const end = start + n;
    while (cpu.instructions < end && !(stop !== undefined && stop())) {
      this.checkInterrupts();
      if (cpu.halted) break;
      if (stepwise) this.step();
      else this.runOn(end, true);
    }
    return cpu.instructions - start;
  }
}

/**
 * Asked by a gated run (`Interpreter.runBlock`) at the start of each block
 * it reaches, before the block runs: the start's physical address and EIP
 * (CS:EIP in the mode the run is in). True lets the run go on into it.
 */
export type BlockGate = (phys: number, eip: number) => boolean;

/** What an execution engine is given of a vCPU (runtime/machine.ts `Vcpu`). */
export interface EngineVcpu {
  readonly cpu: Cpu;
  readonly interp: Interpreter;
  readonly machine: { readonly yieldRequested: boolean };
}

/**
 * How a vCPU runs guest code for one slice: the seam between the machine
 * and what executes. The interpreter's engine is below; the translator
 * supplies another (translator/engine/machine-engine.ts).
 */
export interface ExecutionEngine {
  readonly name: string;
  /**
   * Run at most `budget` instructions on `v`; return early when the vCPU
   * halts or `v.machine.yieldRequested` becomes true. Exceptions other than
   * guest faults (MachineStop, TripleFault) propagate. `softEnd`: the
   * budget is only the scheduler's slice length (no timer event or
   * instruction limit falls at its end), so the engine may also stop a little
   * short of it, at a place it can go on from quickly next slice.
   */
  runSlice(v: EngineVcpu, budget: number, softEnd?: boolean): void;
}

/** The interpreter as an engine: its run loop, stopping when the machine asks. */
export class InterpreterEngine implements ExecutionEngine {
  readonly name = 'interpreter';
  runSlice(v: EngineVcpu, budget: number): void {
    const machine = v.machine;
    v.interp.run(budget, () => machine.yieldRequested);
  }
}

/**
 * The interpreter one instruction at a time, interrupts and the machine's
 * requests looked at before each (`run`'s `stepwise`): slower, and the
 * reference that the interpreter's runs of instructions are checked against
 * (the code fuzzer, spec-tests/fuzz/code.ts, and the interpreter's tests).
 */
export class SteppingEngine implements ExecutionEngine {
  readonly name = 'stepping interpreter';
  runSlice(v: EngineVcpu, budget: number): void {
    const machine = v.machine;
    v.interp.run(budget, () => machine.yieldRequested, true);
  }
}
