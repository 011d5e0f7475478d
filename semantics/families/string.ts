/**
 * String instructions: movs cmps stos lods scas (A4-AF) and ins outs
 * (6C-6F), each in byte and word/dword forms, with or without a rep prefix.
 *
 * The source operand (X) is seg:eSI, where seg is DS or the override; the
 * destination (Y) is always ES:eDI. The address size picks SI/DI/CX or
 * ESI/EDI/ECX, and the indexes step by the element size, down when DF is set.
 * rep repeats while the count is nonzero; for cmps/scas F3 (repe) also stops
 * when ZF is clear after an element and F2 (repne) when it is set. The
 * other forms repeat under either prefix.
 *
 * One element of movs, cmps, stos, lods or scas is written against Ops
 * (`*Element`): its operands X and Y through semantics/operands.ts, then
 * the flags and the index registers, so the translator inlines a string
 * instruction without a prefix as it does a mov. Under a rep prefix the
 * decoder picks the opcode's rep row (`F3 op`, isa/table.ts), a helper
 * whose loop (`repeatElement`) runs the same element through the
 * interpreter's Ops until the count runs out: each element is done in full
 * (its faulting accesses first) and the count written back before the next,
 * so a fault in the middle leaves ECX/ESI/EDI as the completed elements
 * left them; the interpreter puts EIP back at the instruction and the
 * guest's fault handler returns into it to finish the job. ins and outs
 * stay helpers in both forms (`repeat`, with their port accesses). A long rep stops the
 * same way after REP_CHUNK elements, so interrupts come in between. `rep movs` and `rep stos`
 * with 32-bit addresses through flat segments also take a fast path that
 * works a page at a time on the RAM array (`copyWithin` / `fill`), with the
 * same write-back, unless data breakpoints are armed (cpu/debug.ts: each
 * element's access must be checked against them); `rep stos` passes over a
 * page where writes vanish (ROM, nothing mapped) the same way, and so does
 * `rep movs` when its source is no device (a corrupt count copying between
 * unmapped addresses took 350 ns an element: a code-fuzzer stream, 20,000
 * chunks of it, ran 7-10 s). `repne
 * scasb` going up (strlen, memchr) searches each page's run with `indexOf`
 * and runs only the element it stops at as an element (`scasbAhead`).
 */
import { FlagKind, makeLop } from '../../cpu/flags.ts';
import { ARITH, DF, ZF } from '../../isa/eflags.ts';
import type { RowSpec } from '../../isa/table.ts';
import type { Exec, Ops, Sem } from '../ops.ts';
import { REP_F2, REP_F3, Seg, type Instr } from '../../isa/instr.ts';
import type { Size } from '../../base/arith.ts';
import { SEG_R, SEG_W, type Cpu } from '../../cpu/cpu.ts';
import { Access } from '../../cpu/mmu.ts';
import { checkIoPermission } from './io.ts';
import { stringIndex } from '../operands.ts';
import { grants, physical } from '../../cpu/tlb.ts';

const ECX = 1, ESI = 6, EDI = 7;
const USES_SI = 1, USES_DI = 2;

/**
 * Most elements one execution of a rep string instruction processes before
 * it returns with EIP still at the instruction (registers written back, so
 * the next execution resumes where this one stopped), as hardware lets
 * interrupts in between iterations. Each such execution retires as one
 * instruction, so a rep with ECX = 0xFFFFFFFF is a million instructions of
 * the `--max-instructions` budget, with interrupts, the scheduler and
 * Ctrl-C between them, not one step that runs for minutes. A page of bytes
 * (the fast paths' unit) keeps the interrupt window short.
 */
export const REP_CHUNK = 4096;
let iterationLimit = REP_CHUNK;

/** Bound the elements a single execution of a rep string instruction processes (tests; 0 restores REP_CHUNK). */
export function setRepIterationLimit(n: number): void {
  iterationLimit = n > 0 ? n : REP_CHUNK;
}

/**
 * What the loop reads of a string instruction. The VMI ROM's string I/O
 * calls (vmirom/) describe the `rep ins`/`rep outs` they perform with it.
 */
export type StringInstr = Pick<Instr, 'opcode' | 'opsize' | 'adsize' | 'rep' | 'seg' | 'eip'>;

/** One ins or outs element at (si, di). */
type Body = (cpu: Cpu, i: StringInstr, size: number, si: number, di: number) => void;

/** Element size: the even opcode of each pair is the byte form. */
function elemSize(i: StringInstr): number {
  return i.opcode & 1 ? i.opsize : 1;
}

/** SI, DI and CX are the 16-bit registers with 16-bit addresses */
function writeIndex(cpu: Cpu, r: number, a16: boolean, v: number): void {
  cpu.setReg(r, a16 ? 2 : 4, v);
}

/**
 * Run ins or outs: one element without rep, else up to the count.
 * `uses` says which index registers the form advances.
 */
function repeat(cpu: Cpu, i: StringInstr, uses: number, body: Body): void {
  const size = elemSize(i);
  const a16 = i.adsize === 2;
  const mask = a16 ? 0xffff : -1;
  // DF is never part of the lazy record, so eflags holds it
  const step = cpu.eflags & DF ? -size : size;
  const regs = cpu.regs;
  let si = regs[ESI] & mask;
  let di = regs[EDI] & mask;
  if (!i.rep) {
    body(cpu, i, size, si, di);
    if (uses & USES_SI) writeIndex(cpu, ESI, a16, si + step);
    if (uses & USES_DI) writeIndex(cpu, EDI, a16, di + step);
    return;
  }
  let count = a16 ? regs[ECX] & 0xffff : regs[ECX] >>> 0;
  if (count === 0) return;
  let budget = iterationLimit;
  try {
    for (;;) {
      body(cpu, i, size, si, di);
      si = (si + step) & mask;
      di = (di + step) & mask;
      count--;
      if (count === 0) break;
      if (--budget === 0) {
        // out of budget: leave EIP at the instruction so it resumes
        cpu.eip = i.eip;
        break;
      }
    }
  } finally {
    if (uses & USES_SI) writeIndex(cpu, ESI, a16, si);
    if (uses & USES_DI) writeIndex(cpu, EDI, a16, di);
    writeIndex(cpu, ECX, a16, count);
  }
}

// ---- elements ----------------------------------------------------------------------

/** Move the index registers in `uses` on by one element, down when DF is set (DF is never lazy). */
function advance<V>(o: Ops<V>, i: Instr, uses: number): void {
  const size = elemSize(i);
  const a = i.adsize as Size;
  const step = o.select(o.flagBits(DF), o.c(-size), o.c(size));
  if (uses & USES_SI) o.setReg(ESI, a, o.add(stringIndex(o, i, ESI), step));
  if (uses & USES_DI) o.setReg(EDI, a, o.add(stringIndex(o, i, EDI), step));
}

/** movs, stos, lods: operand 0 = operand 1 */
function moveElement(uses: number): Sem {
  return (o, i) => {
    o.set(i, 0, o.get(i, 1));
    advance(o, i, uses);
  };
}

/** cmps, scas: the flags of operand 0 - operand 1 */
function compareElement(uses: number): Sem {
  return (o, i) => {
    const size = elemSize(i) as Size;
    const a = o.get(i, 0);
    const b = o.get(i, 1);
    o.setFlags(o.c(makeLop(FlagKind.SUB, size)), o.trunc(o.sub(a, b), size), a, b, ARITH);
    advance(o, i, uses);
  };
}

const movsElement = moveElement(USES_SI | USES_DI);
const stosElement = moveElement(USES_DI);
const lodsElement = moveElement(USES_SI);
const cmpsElement = compareElement(USES_SI | USES_DI);
const scasElement = compareElement(USES_DI);

/**
 * Elements a fast path passed over before the next one runs (it has moved
 * the index registers over them), given the count and the budget left; at
 * most one less than either, so an element always runs after it.
 */
type SkipAhead = (cpu: Cpu, count: number, budget: number) => number;

/**
 * A rep form of movs, cmps, stos, lods or scas through the interpreter's
 * Ops `o`: elements until the count is out (or, for cmps and scas, until
 * ZF says repe/repne stops), ECX written back after each; `skip`, if
 * given, may pass over elements whose only effects the next one replaces.
 */
function repeatElement(cpu: Cpu, i: Instr, o: Ops<number>, element: Sem, compares: boolean, skip?: SkipAhead): void {
  const a16 = i.adsize === 2;
  let count = a16 ? cpu.regs[ECX] & 0xffff : cpu.regs[ECX] >>> 0;
  if (count === 0) return;
  let budget = iterationLimit;
  for (;;) {
    if (skip !== undefined) {
      const passed = skip(cpu, count, budget);
      if (passed > 0) {
        count -= passed;
        budget -= passed;
        writeIndex(cpu, ECX, a16, count);
      }
    }
    element(o, i);
    count--;
    writeIndex(cpu, ECX, a16, count);
    if (count === 0) break;
    if (compares && (o.flag(ZF) !== 0) !== (i.rep === REP_F3)) break;
    if (--budget === 0) {
      // out of budget: leave EIP at the instruction so it resumes
      cpu.eip = i.eip;
      break;
    }
  }
}

/**
 * One ins or outs element for the port in DX, without the I/O permission
 * check. ins probes its destination for writing first: a port read may have
 * side effects, so it must not happen for an element whose store then
 * faults (the value would be consumed and lost).
 */
const insElement: Body = (cpu, _i, size, _si, di) => {
  const lin = cpu.linear(Seg.ES, di, size, true);
  cpu.mmu.translate(lin, Access.WRITE);
  if ((lin & 0xfff) + size > 0x1000) cpu.mmu.translate((lin + size - 1) | 0, Access.WRITE);
  const v = cpu.bus.portRead(cpu.regs[2] & 0xffff, size);
  cpu.write(Seg.ES, di, size, size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff));
};

const outsElement: Body = (cpu, i, size, si) => {
  cpu.bus.portWrite(cpu.regs[2] & 0xffff, size, cpu.read(i.seg, si, size));
};

/** The instructions check the I/O permission of each element first. */
function checked(element: Body): Body {
  return (cpu, i, size, si, di) => {
    checkIoPermission(cpu, cpu.regs[2] & 0xffff, size);
    element(cpu, i, size, si, di);
  };
}
const insBody = checked(insElement);
const outsBody = checked(outsElement);

/**
 * `rep ins` (input) or `rep outs` exactly as the instruction runs them, but
 * without the I/O permission check: the VMI ROM's string I/O calls, which
 * the hypervisor performs for the deprivileged kernel.
 */
export function repPortString(cpu: Cpu, i: StringInstr, input: boolean): void {
  if (input) repeat(cpu, i, USES_DI, insElement);
  else repeat(cpu, i, USES_SI, outsElement);
}

// ---- fast paths ----------------------------------------------------------------------

/** Physical address for an access at linear `lin`, from the TLB when it has the right cached. */
function physicalFor(cpu: Cpu, lin: number, access: Access): number {
  const mmu = cpu.mmu;
  const e = mmu.entry(lin);
  if (grants(e, access === Access.WRITE ? mmu.wmask : mmu.rmask)) return physical(e, lin) >>> 0;
  return mmu.translate(lin, access);
}

/**
 * Can a rep movs/stos use the page-wise path? It needs 32-bit addressing and
 * flat segments (cpu.ts flatTop) with the access rights, so that offsets
 * are linear addresses and the only segment check left is the limit, which
 * ends a page: a run within one page is either wholly inside the segment or
 * wholly outside, and a run outside goes element by element, which faults
 * there as the hardware does.
 */
function pageWise(cpu: Cpu, i: Instr, srcTop: number, dstTop: number): boolean {
  // armed data breakpoints (the guest's DR7 or a host debugger's watchpoints) see every element's access
  return i.rep !== 0 && i.adsize === 4 && srcTop >= 0 && dstTop >= 0 && cpu.bpWrite === 0;
}

/** Is the page holding offset `off` inside a flat segment whose last page is `top`? */
function inSegment(off: number, top: number): boolean {
  return off >>> 12 <= top;
}

/**
 * How many elements from the one at `off` on, in the direction of travel,
 * lie wholly in its page (0 when that element itself straddles a page).
 */
function runInPage(off: number, size: number, down: boolean): number {
  const o = off & 0xfff;
  if (!down) return ((0x1000 - o) / size) | 0;
  return o + size <= 0x1000 ? ((o / size) | 0) + 1 : 0;
}

/**
 * rep movs, flat: copy runs of elements that stay within one source page and
 * one destination page with `copyWithin`. Each run translates its source
 * page for reading and its destination page for writing (setting A/D bits
 * and raising #PF exactly as the run's first element would). A run whose
 * writes all vanish (ROM or nothing mapped there) from a source that is no
 * device is passed over. An element
 * that straddles a page, a page that is not plain RAM (ROM, devices, pages
 * holding decoded code, whose writes must invalidate), and a run whose
 * destination overlaps the part of the source still to be read (element-wise
 * copying then replicates data, which `copyWithin` would not) go one element
 * at a time through the ordinary accesses.
 */
function movsFast(cpu: Cpu, i: Instr, o: Ops<number>, srcTop: number, dstTop: number): void {
  const size = elemSize(i);
  const down = (cpu.eflags & DF) !== 0;
  const step = down ? -size : size;
  const regs = cpu.regs;
  const mem = cpu.mem;
  const u8 = mem.u8;
  let si = regs[ESI];
  let di = regs[EDI];
  let count = regs[ECX] >>> 0;
  let budget = iterationLimit;
  try {
    while (count !== 0 && budget !== 0) {
      const n = Math.min(runInPage(si, size, down), runInPage(di, size, down), count, budget);
      // the run's lowest addresses (going down, the last element's)
      const back = down ? (n - 1) * size : 0;
      if (n > 0 && inSegment(si - back, srcTop) && inSegment(di - back, dstTop)) {
        const sp = physicalFor(cpu, (si - back) | 0, Access.READ);
        const dp = physicalFor(cpu, (di - back) | 0, Access.WRITE);
        const bytes = n * size;
        const ahead = down ? sp - dp : dp - sp;
        const copies = mem.fastReadable(sp) && mem.bulkWritable(dp) && !(ahead > 0 && ahead < bytes);
        // writes that vanish (ROM, nothing mapped) of what reads without effect (not a device): the run only
        // moves the index registers, as a rep stos there does
        if (copies || (mem.ignoresWrites(dp) && mem.readsWithoutEffect(sp))) {
          if (copies) {
            mem.journalRange(dp, bytes);
            u8.copyWithin(dp, sp, sp + bytes);
          }
          si = (si + n * step) | 0;
          di = (di + n * step) | 0;
          count -= n;
          budget -= n;
          continue;
        }
      }
      regs[ESI] = si;
      regs[EDI] = di;
      movsElement(o, i);
      si = regs[ESI];
      di = regs[EDI];
      count--;
      budget--;
    }
  } finally {
    regs[ESI] = si;
    regs[EDI] = di;
    regs[ECX] = count | 0;
  }
  if (count !== 0) cpu.eip = i.eip;
}

/** rep stos, flat: fill each destination page's run at once (see movsFast). */
function stosFast(cpu: Cpu, i: Instr, o: Ops<number>, dstTop: number): void {
  const size = elemSize(i);
  const down = (cpu.eflags & DF) !== 0;
  const step = down ? -size : size;
  const regs = cpu.regs;
  const mem = cpu.mem;
  const v = cpu.getReg(0, size);
  let di = regs[EDI];
  let count = regs[ECX] >>> 0;
  let budget = iterationLimit;
  try {
    while (count !== 0 && budget !== 0) {
      const n = Math.min(runInPage(di, size, down), count, budget);
      const low = di - (down ? (n - 1) * size : 0);
      if (n > 0 && inSegment(low, dstTop)) {
        const dp = physicalFor(cpu, low | 0, Access.WRITE);
        const fast = mem.bulkWritable(dp);
        if (fast || mem.ignoresWrites(dp)) {
          if (fast) {
            mem.journalRange(dp, n * size);
            fill(mem.u8, mem.u16, mem.i32, mem.view, dp, size, n, v);
          }
          di = (di + n * step) | 0;
          count -= n;
          budget -= n;
          continue;
        }
      }
      regs[EDI] = di;
      stosElement(o, i);
      di = regs[EDI];
      count--;
      budget--;
    }
  } finally {
    regs[EDI] = di;
    regs[ECX] = count | 0;
  }
  if (count !== 0) cpu.eip = i.eip;
}

/**
 * repne scasb going up through a flat ES (strlen, memchr): the rest of the
 * page's run is searched for AL with `indexOf` on the RAM array, and the
 * elements before the match, or before the run's last, are passed over:
 * their only effects are flags the next element replaces and the steps of
 * EDI and ECX. The match and each run's last element run as elements
 * (repeatElement), so flags and registers are the element's own at the end,
 * at a resumption point and at a fault on the next page.
 */
const scasbAhead: SkipAhead = (cpu, count, budget) => {
  const di = cpu.regs[EDI];
  const n = Math.min(runInPage(di, 1, false), count, budget);
  if (n < 2 || !inSegment(di, cpu.flatTop(Seg.ES, SEG_R))) return 0;
  const p = physicalFor(cpu, di, Access.READ);
  if (!cpu.mem.fastReadable(p)) return 0;
  const at = cpu.mem.u8.subarray(p, p + n - 1).indexOf(cpu.regs[0] & 0xff);
  const passed = at < 0 ? n - 1 : at;
  cpu.regs[EDI] = (di + passed) | 0;
  return passed;
};

/** Store n little-endian elements of `size` bytes at physical p (within one page of RAM). */
function fill(u8: Uint8Array, u16: Uint16Array, i32: Int32Array, view: DataView, p: number, size: number, n: number, v: number): void {
  if (size === 1) { u8.fill(v, p, p + n); return; }
  if (size === 2 && !(p & 1)) { u16.fill(v, p >>> 1, (p >>> 1) + n); return; }
  if (size === 4 && !(p & 3)) { i32.fill(v, p >>> 2, (p >>> 2) + n); return; }
  for (let k = 0; k < n; k++, p += size) {
    if (size === 2) view.setUint16(p, v, true); else view.setInt32(p, v, true);
  }
}

// ---- rows ----------------------------------------------------------------------------

const movs: Exec = (cpu, i, o) => {
  const srcTop = cpu.flatTop(i.seg, SEG_R), dstTop = cpu.flatTop(Seg.ES, SEG_W);
  if (pageWise(cpu, i, srcTop, dstTop)) movsFast(cpu, i, o, srcTop, dstTop);
  else repeatElement(cpu, i, o, movsElement, false);
};
const stos: Exec = (cpu, i, o) => {
  const dstTop = cpu.flatTop(Seg.ES, SEG_W);
  if (pageWise(cpu, i, dstTop, dstTop)) stosFast(cpu, i, o, dstTop);
  else repeatElement(cpu, i, o, stosElement, false);
};
const lods: Exec = (cpu, i, o) => repeatElement(cpu, i, o, lodsElement, false);
const cmps: Exec = (cpu, i, o) => repeatElement(cpu, i, o, cmpsElement, true);
const scas: Exec = (cpu, i, o) => {
  const top = cpu.flatTop(Seg.ES, SEG_R);
  // read breakpoints see every element's access
  const ahead = i.rep === REP_F2 && elemSize(i) === 1 && i.adsize === 4 && top >= 0 && !(cpu.eflags & DF) && cpu.bpRead === 0;
  repeatElement(cpu, i, o, scasElement, true, ahead ? scasbAhead : undefined);
};
const ins: Exec = (cpu, i) => repeat(cpu, i, USES_DI, insBody);
const outs: Exec = (cpu, i) => repeat(cpu, i, USES_SI, outsBody);

/** one element: a plain memory instruction (an MMIO access is an ordinary load or store) */
const one = { string: true, fin: 0, fout: 0 };
const oneCmp = { string: true, fin: 0, fout: ARITH };
const rep = { string: true, fin: 0, fout: 0, external: true };
// rep with a zero count leaves the flags alone, so rep cmps/scas also count as reading them
const repCmp = { string: true, fin: ARITH, fout: ARITH, external: true };
// port accesses may fault on the I/O bitmap and reach devices
const port = { string: true, fin: 0, fout: 0, fault: true, end: true, external: true };

export const rows: RowSpec[] = [
  { op: '6C', mn: 'insb', args: 'Yb,DX', exec: ins, ...port },
  { op: '6D', mn: 'insw/insd', args: 'Yv,DX', exec: ins, ...port },
  { op: '6E', mn: 'outsb', args: 'DX,Xb', exec: outs, ...port },
  { op: '6F', mn: 'outsw/outsd', args: 'DX,Xv', exec: outs, ...port },
  { op: 'A4', mn: 'movsb', args: 'Yb,Xb', sem: movsElement, ...one },
  { op: 'A5', mn: 'movsw/movsd', args: 'Yv,Xv', sem: movsElement, ...one },
  { op: 'A6', mn: 'cmpsb', args: 'Xb,Yb', sem: cmpsElement, ...oneCmp },
  { op: 'A7', mn: 'cmpsw/cmpsd', args: 'Xv,Yv', sem: cmpsElement, ...oneCmp },
  { op: 'AA', mn: 'stosb', args: 'Yb,AL', sem: stosElement, ...one },
  { op: 'AB', mn: 'stosw/stosd', args: 'Yv,eAX', sem: stosElement, ...one },
  { op: 'AC', mn: 'lodsb', args: 'AL,Xb', sem: lodsElement, ...one },
  { op: 'AD', mn: 'lodsw/lodsd', args: 'eAX,Xv', sem: lodsElement, ...one },
  { op: 'AE', mn: 'scasb', args: 'AL,Yb', sem: scasElement, ...oneCmp },
  { op: 'AF', mn: 'scasw/scasd', args: 'eAX,Yv', sem: scasElement, ...oneCmp },
  // under a rep prefix (F2 or F3; `F3` in the opcode text)
  { op: 'F3 A4', mn: 'movsb', args: 'Yb,Xb', exec: movs, ...rep },
  { op: 'F3 A5', mn: 'movsw/movsd', args: 'Yv,Xv', exec: movs, ...rep },
  { op: 'F3 A6', mn: 'cmpsb', args: 'Xb,Yb', exec: cmps, ...repCmp },
  { op: 'F3 A7', mn: 'cmpsw/cmpsd', args: 'Xv,Yv', exec: cmps, ...repCmp },
  { op: 'F3 AA', mn: 'stosb', args: 'Yb,AL', exec: stos, ...rep },
  { op: 'F3 AB', mn: 'stosw/stosd', args: 'Yv,eAX', exec: stos, ...rep },
  { op: 'F3 AC', mn: 'lodsb', args: 'AL,Xb', exec: lods, ...rep },
  { op: 'F3 AD', mn: 'lodsw/lodsd', args: 'eAX,Xv', exec: lods, ...rep },
  { op: 'F3 AE', mn: 'scasb', args: 'AL,Yb', exec: scas, ...repCmp },
  { op: 'F3 AF', mn: 'scasw/scasd', args: 'eAX,Yv', exec: scas, ...repCmp },
];
