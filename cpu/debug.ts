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
 */
/** The part of a Cpu this module reads and writes (an interface, so that cpu.ts may import this module). */
export interface DebugState {
  readonly dr: Int32Array;
  bpExec: number;
  bpWrite: number;
  bpRead: number;
  dbHits: number;
}

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
  cpu.bpWrite = write;
  cpu.bpRead = read;
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
}

/** DR6 for a #DB reporting `bits` (B0-B3 say which breakpoints hit this time; BS, BD, BT stay set). */
export function reportDebug(cpu: DebugState, bits: number): void {
  cpu.dr[6] = (cpu.dr[6] & ~0xf) | bits | 0xffff0ff0;
}
