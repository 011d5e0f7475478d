/**
 * The debug registers as breakpoints (Intel SDM vol. 3B, chapter 17):
 * which of DR0-DR3 are armed by DR7, matching an instruction fetch or a data
 * access against them, and the DR6 status bits each #DB reports.
 *
 * - Instruction breakpoints (R/W 00) are faults: checked before an
 *   instruction runs, at the linear address of CS:EIP, unless EFLAGS.RF is
 *   set (a handler's iret sets RF so the instruction can restart); the
 *   frame's RF is 0 for them (every other fault pushes RF = 1,
 *   cpu/interrupts.ts).
 * - Data breakpoints (R/W 01 writes, 11 reads and writes) are traps: an
 *   access of any size that overlaps the breakpoint's 1, 2 or 4 bytes (the
 *   address aligned down to the length) is noted during the instruction
 *   and reported after it completes. I/O breakpoints (R/W 10) are not
 *   implemented: CR4.DE with R/W 10 arms nothing.
 * - A mov ss or pop ss holds back every debug trap (data breakpoints on its
 *   own operand, the single-step trap) until the next instruction has run,
 *   and the instruction breakpoint at that boundary is not taken.
 * - DR7.GD makes any mov to or from a debug register a #DB fault with DR6.BD
 *   set; the processor clears GD so the handler can use them.
 *
 * The interpreter (runtime/interpreter.ts) does all of this; the translator
 * leaves a vCPU with an armed breakpoint, or with RF set, to the
 * interpreter, so translated code stops exactly where the interpreter would.
 *
 * A host debugger (cli/gdb/) has breakpoints and watchpoints of its own,
 * kept apart from DR0-DR7 in a `HostDebug` that every vCPU of a machine
 * shares: they stop the machine instead of raising #DB, so the guest's own
 * debug registers and int3 keep working under a debugger. Its breakpoints
 * are checked by the interpreter before each instruction at their linear
 * address; the translator never translates code on a page that has one (it
 * asks `breakOnPage`), so such code runs interpreted and stops exactly at the
 * instruction. Its watchpoints ride on the data-breakpoint path: the
 * HOST_WATCH bit in bpWrite/bpRead sends every access through
 * `noteDataAccess` (and the vCPU to the interpreter), which reports the hit
 * after the instruction completes, as a trap.
 */
/** The part of a Cpu this module reads and writes (an interface, so that cpu.ts may import this module). */
export interface DebugState {
  readonly dr: Int32Array;
  bpExec: number;
  bpWrite: number;
  bpRead: number;
  dbHits: number;
  hostDebug: HostDebug | null;
}

/** bit of bpWrite / bpRead (above DR0-DR3's) meaning "a host debugger's watchpoints are armed" */
export const HOST_WATCH = 0x10;

export const DR6_BS = 0x4000, DR6_BD = 0x2000, DR6_BT = 0x8000;
export const DR7_GD = 0x2000;
const BYTES_OF_LEN = [1, 2, 8, 4];

/** Recompute which breakpoints are armed after a write to DR0-DR3 or DR7. */
export function armBreakpoints(cpu: DebugState): void {
  const dr7 = cpu.dr[7];
  let exec = 0, write = 0, read = 0;
  for (let n = 0; n < 4; n++) {
    if (!((dr7 >>> (2 * n)) & 3)) continue;
    const rw = (dr7 >>> (16 + 4 * n)) & 3;
    if (rw === 0) exec |= 1 << n;
    else if (rw === 1) write |= 1 << n;
    else if (rw === 3) { write |= 1 << n; read |= 1 << n; }
  }
  cpu.bpExec = exec;
  // a host debugger's watchpoints stay armed whatever the guest does with DR7
  cpu.bpWrite = write | (cpu.bpWrite & HOST_WATCH);
  cpu.bpRead = read | (cpu.bpRead & HOST_WATCH);
}

/** The instruction breakpoints matching linear address `lin`, as DR6's low bits. */
export function instructionBreakpoints(cpu: DebugState, lin: number): number {
  let hits = 0;
  for (let n = 0; n < 4; n++) if (cpu.bpExec & (1 << n) && cpu.dr[n] === lin) hits |= 1 << n;
  return hits;
}

/** Note the data breakpoints an access of `size` bytes at `lin` hits (called only while some are armed). */
export function noteDataAccess(cpu: DebugState, lin: number, size: number, write: boolean): void {
  const armed = write ? cpu.bpWrite : cpu.bpRead;
  const dr7 = cpu.dr[7];
  const lo = lin >>> 0;
  for (let n = 0; n < 4; n++) {
    if (!(armed & (1 << n))) continue;
    const len = BYTES_OF_LEN[(dr7 >>> (18 + 4 * n)) & 3];
    const start = (cpu.dr[n] >>> 0) & ~(len - 1) >>> 0;
    if (lo < start + len && lo + size > start) cpu.dbHits |= 1 << n;
  }
  if (armed & HOST_WATCH) cpu.hostDebug?.noteAccess(lo, size, write);
}

/** DR6 for a #DB reporting `bits` (B0-B3 say which breakpoints hit this time; BS, BD, BT stay set). */
export function reportDebug(cpu: DebugState, bits: number): void {
  cpu.dr[6] = (cpu.dr[6] & ~0xf) | bits | 0xffff0ff0;
}

/** What a host debugger's watchpoint watches (gdb's Z2, Z3, Z4). */
export type WatchKind = 'write' | 'read' | 'access';
export interface HostWatch { addr: number; len: number; kind: WatchKind }

/** Why a vCPU stopped for the host debugger. */
export type HostStop =
  | { kind: 'break'; lin: number; soft: boolean }
  | { kind: 'step' }
  | { kind: 'watch'; watch: HostWatch; addr: number; write: boolean };

const NO_SKIP = -1;

/**
 * A host debugger's breakpoints, watchpoints and single-step request,
 * shared by every vCPU of one machine (cpu.hostDebug). The debugger edits
 * it while the machine is paused; `onStop` is told (during the vCPU's
 * slice, which then ends) when a vCPU must stop.
 */
export class HostDebug {
  /** breakpoints by linear address: whether gdb set it as a software (Z0) and/or hardware (Z1) one */
  private readonly breaks = new Map<number, { soft: boolean; hard: boolean }>();
  /** how many breakpoints each linear page holds */
  private readonly breakPages = new Map<number, number>();
  watches: HostWatch[] = [];
  /** the vCPU (id) that stops after its next instruction, or -1 */
  stepCpu = -1;
  /** per vCPU: a breakpoint address its next instruction resumes from, not stopped at again */
  private readonly skip: number[] = [];
  /** bumped when a breakpoint is set on a page no translation can be found for by its physical page: engines drop everything */
  flushEpoch = 0;
  /** a watchpoint hit by the running instruction */
  private hit: { watch: HostWatch; addr: number; write: boolean } | null = null;
  onStop: (cpuId: number, why: HostStop) => void = () => {};
  private cpus: DebugState[] = [];

  /** Serve these vCPUs (all of one machine); they share this object. */
  attach(cpus: DebugState[]): void {
    this.cpus = cpus;
    for (const c of cpus) c.hostDebug = this;
    this.arm();
  }

  detach(): void {
    this.clear();
    for (const c of this.cpus) c.hostDebug = null;
    this.cpus = [];
  }

  /** Forget every breakpoint, watchpoint and step request. */
  clear(): void {
    this.breaks.clear();
    this.breakPages.clear();
    this.watches = [];
    this.stepCpu = -1;
    this.skip.length = 0;
    this.arm();
  }

  /** Set a breakpoint at a linear address; returns whether it is new (the caller then drops translations of its page). */
  addBreak(lin: number, soft: boolean): boolean {
    lin >>>= 0;
    const b = this.breaks.get(lin);
    if (b) { if (soft) b.soft = true; else b.hard = true; return false; }
    this.breaks.set(lin, { soft, hard: !soft });
    this.breakPages.set(lin >>> 12, (this.breakPages.get(lin >>> 12) ?? 0) + 1);
    return true;
  }

  /** Remove a breakpoint (of that kind); returns whether one was there. */
  removeBreak(lin: number, soft: boolean): boolean {
    lin >>>= 0;
    const b = this.breaks.get(lin);
    if (!b || (soft ? !b.soft : !b.hard)) return false;
    if (soft) b.soft = false; else b.hard = false;
    if (b.soft || b.hard) return true;
    this.breaks.delete(lin);
    const n = this.breakPages.get(lin >>> 12)! - 1;
    if (n) this.breakPages.set(lin >>> 12, n); else this.breakPages.delete(lin >>> 12);
    return true;
  }

  get breakCount(): number {
    return this.breaks.size;
  }

  /** Must the interpreter look before and after each instruction (a breakpoint or a step request; watchpoints arm bpWrite)? */
  get armed(): boolean {
    return this.breaks.size !== 0 || this.stepCpu >= 0;
  }

  /** Does linear page `page` hold a breakpoint (so no translation may cover it)? */
  breakOnPage(page: number): boolean {
    return this.breakPages.size !== 0 && this.breakPages.has(page);
  }

  addWatch(w: HostWatch): void {
    this.watches.push(w);
    this.arm();
  }

  removeWatch(addr: number, len: number, kind: WatchKind): boolean {
    const k = this.watches.findIndex((w) => w.addr === addr >>> 0 && w.len === len && w.kind === kind);
    if (k < 0) return false;
    this.watches.splice(k, 1);
    this.arm();
    return true;
  }

  /** Must this vCPU run interpreted (single-stepping it, or watching data)? */
  interprets(cpuId: number): boolean {
    return this.stepCpu === cpuId || this.watches.length !== 0;
  }

  /** On resuming: vCPU `cpuId` at linear `lin` runs its next instruction even if a breakpoint is there. */
  resumeFrom(cpuId: number, lin: number): void {
    this.skip[cpuId] = lin >>> 0;
  }

  /** The resume point of a vCPU is forgotten (it took an interrupt or ran an instruction first). */
  forgetResume(cpuId: number): void {
    this.skip[cpuId] = NO_SKIP;
  }

  /** Before an instruction at `lin`: is it a breakpoint to stop at? (Tells onStop if so.) */
  breakBefore(cpuId: number, lin: number): boolean {
    lin >>>= 0;
    const skipped = this.skip[cpuId] === lin;
    this.skip[cpuId] = NO_SKIP;
    this.hit = null;
    const b = this.breaks.size !== 0 ? this.breaks.get(lin) : undefined;
    if (!b || skipped) return false;
    this.onStop(cpuId, { kind: 'break', lin, soft: b.soft });
    return true;
  }

  /** After an instruction (completed or faulted): a watchpoint hit or the end of a single step stops the vCPU. */
  afterInstruction(cpuId: number): void {
    const hit = this.hit;
    this.hit = null;
    if (hit) {
      if (this.stepCpu === cpuId) this.stepCpu = -1;
      this.onStop(cpuId, { kind: 'watch', ...hit });
    } else if (this.stepCpu === cpuId) {
      this.stepCpu = -1;
      this.onStop(cpuId, { kind: 'step' });
    }
  }

  /** A data access of the running instruction (noteDataAccess). */
  noteAccess(lin: number, size: number, write: boolean): void {
    if (this.hit) return;
    for (const w of this.watches) {
      if (w.kind === 'write' ? !write : w.kind === 'read' ? write : false) continue;
      if (lin < w.addr + w.len && lin + size > w.addr) {
        this.hit = { watch: w, addr: Math.max(lin, w.addr), write };
        return;
      }
    }
  }

  /** Arm or disarm the HOST_WATCH bit of every vCPU. */
  private arm(): void {
    const write = this.watches.length ? HOST_WATCH : 0;
    const read = this.watches.some((w) => w.kind !== 'write') ? HOST_WATCH : 0;
    for (const c of this.cpus) {
      c.bpWrite = (c.bpWrite & ~HOST_WATCH) | write;
      c.bpRead = (c.bpRead & ~HOST_WATCH) | read;
    }
  }
}
