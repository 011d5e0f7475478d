/**
 * Block discovery: which guest code one translation covers.
 *
 * Starting at the entry EIP, instructions are decoded up to the end of a
 * basic block (a row with `end` or `opaque`), and the block's successors that
 * lie on the entry's 4 KiB page or the next one are decoded in turn: the
 * targets of direct jumps and branches, the fall-through of a branch, the
 * return point of a call (the callee's `ret` reaches it through the region's
 * indirect dispatch) and the entries of a jump table `jmp [table + reg*4]`
 * (hints only: the jump is still checked when it runs). A block stops early
 * before an instruction that cannot be decoded now (it may fault only when
 * run), where the instruction budget ends, and, under lockstep, before an
 * `external` helper. A call a call-site inliner takes (`inlined`, asked of
 * each call and jump) does not end its block: the code after it runs on in
 * place; it takes `CLAIMED_CALL_WEIGHT` of the instruction budget, as its
 * code is that much larger than an instruction's. Only the entry block is
 * ever cut where the budget ends: a later block that does not fit is left
 * out whole, so the region leaves at its start (a block leader, the same
 * on every pass) rather than mid-block at a point that moves with the
 * phase a loop was entered at (which made a region per call site of a
 * long loop body: 80 translations of the `batch64` microbenchmark's).
 * Blocks found to start inside an earlier block split it, so every block
 * has one entry. Code where another translation already starts, or has a
 * block a lookup would enter (`elsewhere`: the engine asks its code cache),
 * is neither followed forward nor run into: the region leaves for it there
 * and the link or the site cache goes on into that code, instead of a
 * second copy of it being emitted and compiled. A branch back is followed
 * all the same: a loop entered in its middle (an iret's or a call's return
 * point) then runs in this region instead of hopping between two each pass.
 * So does held code that leads back into the region within a few
 * instructions and has no loop of its own (`wayBack`, LOOP_CLOSING_REACH):
 * a loop whose other half another region holds, reached by running into it
 * or by a forward branch, is taken in whole rather than split across two
 * regions. (Held code with an inner loop stays where it is: a pass through
 * it is long enough that the two entries per pass do not count.)
 * Before this, regions made later copied what earlier ones held: Linux's
 * boot to its shell translated 77,951 instructions, 42,263 of them distinct
 * (1.84 copies each), `npm start`'s run 8,062 for 4,595.
 *
 * Invariants: the entry block comes first and is the only one that may be
 * empty (it then only records where decoding stopped); every instruction
 * lies on the entry page or the next, in one block only (a leader found
 * inside a block already decoded splits it instead of being decoded again);
 * iteration order is the order blocks were found, so output is deterministic.
 *
 * `discoverBlocks` is a function of a code source and limits (tests call it
 * on plain byte arrays); `discover` binds it to a CPU's current mapping.
 * Called by the compile pipeline only.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault } from '../../isa/faults.ts';
import { Access } from '../../cpu/mmu.ts';
import { decode, type CodeSource } from '../../isa/decoder.ts';
import { TABLE } from '../../semantics/table.ts';
import { Seg, type Instr } from '../../isa/instr.ts';
import { K } from '../../isa/operands.ts';

/** How much code one region may hold. */
export interface CompileLimits {
  /** guest instructions in the region, all blocks together; a block stops where they run out */
  maxInstructions: number;
  /** basic blocks in the region (blocks are the cases of the generated function's `switch`) */
  maxBlocks: number;
  /**
   * Stop blocks before helpers marked `external` (devices, the machine):
   * lockstep runs a region twice, and those must happen once, in the
   * interpreter.
   */
  excludeExternal?: boolean;
}

/** The limits the engine compiles with. */
export const DEFAULT_LIMITS: CompileLimits = {
  /**
   * 160 instructions: enough for a hot loop nest with its exits, while a
   * region's function stays small (it is compiled whole, even the parts that
   * never run; commit 38918e8 made regions this small)
   */
  maxInstructions: 160,
  /** 24 blocks: the cases of the region's switch and of its dispatch case */
  maxBlocks: 24,
  // excludeExternal: unset; the engine sets it under lockstep only
};

/**
 * What an inlined call costs of the instruction budget. Its code is about
 * five instructions' worth of JavaScript (a VMI call's push, guard,
 * description, clobbers and ret: ~1.1 KB against ~220 bytes an
 * instruction); counted as one, a loop of calls (64 SetPxE) made regions of
 * 74 KB that V8 never optimizes (they ran in Ignition or Sparkplug, 10-20x
 * slower), where regions under ~30 KB are optimized.
 */
export const CLAIMED_CALL_WEIGHT = 5;

/** What an instruction costs of the region's instruction budget: one, or a claimed call's weight. */
export function weightOf(claimed: boolean): number {
  return claimed ? CLAIMED_CALL_WEIGHT : 1;
}

/** Entries read from a jump table as block hints, at most (reading stops at the first entry off the region's pages). */
export const JUMP_TABLE_HINTS = 64;

export interface Block {
  eip: number;
  instrs: Instr[];
  /** the block stops before an instruction that could not be decoded at translation time */
  stopEip?: number;
}

/** The code of a region and where it came from. */
export interface RegionCode {
  entry: number;
  blocks: Block[];
  /** [linear page, physical address of its frame] of each page code was read from, entry page first */
  pages: [number, number][];
  /**
   * The bytes discovery read on each of those pages, in chunks of
   * 2^CODE_CHUNK_SHIFT bytes: CHUNK_WORDS words of bits a page, in the order
   * of `pages`. A write elsewhere on a page leaves the region standing
   * (cache.ts).
   */
  chunks: number[];
}

/** A bit of RegionCode.chunks stands for 2^CODE_CHUNK_SHIFT bytes. */
export const CODE_CHUNK_SHIFT = 4;
/** Words of chunk bits a page. */
export const CHUNK_WORDS = 4096 >>> CODE_CHUNK_SHIFT >>> 5;

/** Reads guest data without faulting (jump-table entries); undefined where a read would fault. */
export type Peek32 = (lin: number) => number | undefined;

const onEntryPages = (entry: number, eip: number): boolean => {
  const page = eip >>> 12;
  return page === entry >>> 12 || page === (((entry >>> 12) + 1) & 0xfffff);
};

/**
 * Reads guest data at translation time without faulting (a jump table, a
 * function pointer) from RAM: a page walk at most, which sets no more
 * accessed bits than a read would and leaves CR2 as it was.
 */
export function peekOf(cpu: Cpu): Peek32 {
  return (lin) => {
    const cr2 = cpu.cr2;
    try {
      const at = cpu.mmu.translate(lin, Access.READ);
      // never a device register: reading one is not free of effects
      return (lin & 0xfff) <= 0xffc && cpu.mem.fastReadable(at) ? cpu.mem.read(at, 4) : undefined;
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      cpu.cr2 = cr2;
      return undefined;
    }
  };
}

/** Is the code at this EIP (on the region's pages) already where another translation starts or has a block? */
export type Elsewhere = (eip: number) => boolean;

/**
 * Has no run reached a block starting at this EIP yet (engine/tiering.ts)?
 * A branch there stays an exit of the region: code that has not run when
 * its region is made mostly stays cold, and V8 would optimise it as a trap
 * back to unoptimised code.
 */
export type NotReached = (eip: number) => boolean;

/** Does a call-site inliner take this call or jump (a call's block then goes on after it)? */
export type InlinedCall = (i: Instr) => boolean;

/** The code at the CPU's CS:EIP, as blocks on the entry page and the next. */
export function discover(cpu: Cpu, limits: CompileLimits, inlined?: InlinedCall, elsewhere?: Elsewhere, notReached?: NotReached): RegionCode {
  const entry = cpu.eip;
  const physOfPage = new Map<number, number>();
  // the chunks read, by linear page
  const readOf = new Map<number, number[]>();
  const src: CodeSource = {
    fetch8(eip: number): number {
      if (!onEntryPages(entry, eip)) throw new Fault(14, 0);
      const page = eip >>> 12;
      let read = readOf.get(page);
      if (read === undefined) readOf.set(page, (read = new Array<number>(CHUNK_WORDS).fill(0)));
      const chunk = (eip & 0xfff) >>> CODE_CHUNK_SHIFT;
      read[chunk >>> 5] |= 1 << (chunk & 31);
      let base = physOfPage.get(page);
      if (base === undefined) {
        base = cpu.mmu.translate(page << 12, Access.FETCH) & ~0xfff;
        if (!cpu.mem.fastReadable(base)) throw new Fault(14, 0);
        physOfPage.set(page, base);
      }
      return cpu.mem.u8[base | (eip & 0xfff)];
    },
  };
  const blocks = discoverBlocks(src, entry, cpu.code32, peekOf(cpu), limits, inlined, elsewhere, notReached);
  const pages = [...physOfPage.entries()];
  return { entry, blocks, pages, chunks: pages.flatMap(([page]) => readOf.get(page)!) };
}

/** Blocks reachable from `entry` within the limits, entry block first. */
export function discoverBlocks(src: CodeSource, entry: number, code32: boolean, peek32: Peek32, limits: CompileLimits, inlined?: InlinedCall, elsewhere?: Elsewhere, notReached?: NotReached): Block[] {
  const decoded = new Map<number, Instr | null>();
  const decodeAt = (eip: number): Instr | null => {
    if (decoded.has(eip)) return decoded.get(eip)!;
    let i: Instr | null;
    try { i = decode(TABLE, src, eip, code32); } catch (e) { if (e instanceof Fault) i = null; else throw e; }
    decoded.set(eip, i);
    return i;
  };
  const onPages = (t: number): boolean => onEntryPages(entry, t);
  if (elsewhere === undefined) return discoverOnce(entry, decodeAt, peek32, onPages, limits, inlined, undefined, notReached).blocks;
  // code held elsewhere that leads back into the region within a few instructions is part of a loop with
  // it: the region takes it in too (round after round, as a path found may stop at other such code)
  const taken = new Set<number>();
  const held = (eip: number): boolean => !taken.has(eip) && elsewhere(eip);
  for (let round = 0; ; round++) {
    const found = discoverOnce(entry, decodeAt, peek32, onPages, limits, inlined, held, notReached);
    if (round === LOOP_CLOSING_ROUNDS) return found.blocks;
    let grew = false;
    for (const stop of found.stops) {
      if (taken.has(stop)) continue;
      const path = wayBack(stop, found.placed, decodeAt, peek32, onPages, notReached);
      if (path === undefined) continue;
      for (const eip of path) taken.add(eip);
      grew = true;
    }
    if (!grew) return found.blocks;
  }
}

/**
 * How far (in instructions) a region looks from a place it stopped at
 * because another translation holds the code there, for a way back into
 * its own code, and in how many rounds. A loop split between two regions
 * at such a place costs two region entries per pass (in the bzImage's XZ
 * decoder, a 32-instruction loop split 5 + 27 was a sixth of the boot's
 * region entries); with the way back taken in, it runs inside one region.
 */
export const LOOP_CLOSING_REACH = 32;
export const LOOP_CLOSING_ROUNDS = 3;

/** One discovery: the blocks, the places it stopped at for code held elsewhere, and the instructions it placed. */
function discoverOnce(entry: number, decodeAt: (eip: number) => Instr | null, peek32: Peek32, onPages: (eip: number) => boolean, limits: CompileLimits, inlined: InlinedCall | undefined, elsewhere: Elsewhere | undefined, notReached: NotReached | undefined): { blocks: Block[]; stops: number[]; placed: Set<number> } {
  const leaders = new Set<number>([entry]);
  const work = [entry];
  const found = new Map<number, Block>();
  /** instructions already in a block: a leader among them is split off that block, not decoded again */
  const placed = new Set<number>();
  const stops: number[] = [];
  let total = 0;
  let made = 0;
  while (work.length && made < limits.maxBlocks && total < limits.maxInstructions) {
    const start = work.shift()!;
    if (found.has(start)) continue;
    made++;
    if (placed.has(start)) continue;
    const b: Block = { eip: start, instrs: [] };
    found.set(start, b);
    const before = total;
    for (let eip = start; ;) {
      if (b.instrs.length && leaders.has(eip)) break;
      if (b.instrs.length && elsewhere !== undefined && elsewhere(eip)) { stops.push(eip); break; }
      if (total >= limits.maxInstructions && start !== entry) {
        // a block the budget would cut is left out whole: its start, a real leader, is where the
        // next region begins (cut, each pass round a loop would end a region somewhere else)
        found.delete(start);
        for (const i of b.instrs) placed.delete(i.eip);
        total = before;
        break;
      }
      const i = total < limits.maxInstructions ? decodeAt(eip) : null;
      if (!i || (limits.excludeExternal && i.row.external)) { b.stopEip = eip; break; }
      b.instrs.push(i);
      placed.add(eip);
      // a claimed call goes on in place; a claimed jump (a tail call) still ends its block
      const claimed = (i.row.flow === 'call' || i.row.flow === 'jump') && inlined !== undefined && inlined(i);
      total += weightOf(claimed);
      if (endsBlock(i) && !(claimed && i.row.flow === 'call')) {
        for (const t of successors(i, peek32, onPages)) {
          if (leaders.has(t) || (notReached !== undefined && notReached(t))) continue;
          // a branch back (a loop) is followed even into code held elsewhere: the loop then runs inside this region
          if (t > i.eip && elsewhere !== undefined && elsewhere(t)) { stops.push(t); continue; }
          leaders.add(t);
          work.push(t);
        }
        break;
      }
      eip = i.next;
    }
  }
  return { blocks: splitAtLeaders([...found.values()], leaders, entry), stops, placed };
}

/**
 * A path of instructions from `from` (code held elsewhere) to one the
 * region already holds, within LOOP_CLOSING_REACH instructions, going only
 * where discovery would (successors on the region's pages, reached ones);
 * the path's instructions, or undefined (also when the path passes a loop
 * of the held code's own).
 */
function wayBack(from: number, region: Set<number>, decodeAt: (eip: number) => Instr | null, peek32: Peek32, onPages: (eip: number) => boolean, notReached: NotReached | undefined): number[] | undefined {
  const cameFrom = new Map<number, number>([[from, from]]);
  const queue = [from];
  for (let k = 0; k < queue.length && k < LOOP_CLOSING_REACH; k++) {
    const eip = queue[k];
    const i = decodeAt(eip);
    if (i === null) continue;
    const next = endsBlock(i) ? successors(i, peek32, onPages).filter((t) => notReached === undefined || !notReached(t)) : [i.next];
    for (const t of next) {
      if (cameFrom.has(t)) continue;
      cameFrom.set(t, eip);
      if (region.has(t)) {
        const path: number[] = [];
        for (let at = eip; ; at = cameFrom.get(at)!) {
          // held code with a loop of its own: a pass through it is long, and the region that holds it runs that
          // loop as it should (taken in, a crc loop nest ran 1.4x slower: its region was entered far less often,
          // so V8 ran it longer before its optimised code was used)
          if (loopsInHeldCode(decodeAt(at), region, peek32, onPages)) return undefined;
          path.push(at);
          if (at === from) return path;
        }
      }
      queue.push(t);
    }
  }
  return undefined;
}

/** Does `i` branch back to code the region does not hold (a loop of the held code)? */
function loopsInHeldCode(i: Instr | null, region: Set<number>, peek32: Peek32, onPages: (eip: number) => boolean): boolean {
  return i !== null && endsBlock(i) && successors(i, peek32, onPages).some((t) => t <= i.eip && !region.has(t));
}

/** Does the block end after this instruction? */
export function endsBlock(i: Instr): boolean {
  return !!i.row.end || !!i.row.opaque;
}

/**
 * Does translated code go on after this segment load (RowSpec.segLoad), the
 * segments permitting? Never after a load of SS: `mov ss` shares its row
 * with the data segments, `pop ss` has none.
 */
export function goesOnAfterSegmentLoad(i: Instr): boolean {
  return !!i.row.segLoad && !(i.row.operands.some((o) => o.kind === K.S) && i.reg === Seg.SS);
}

/** `jmp [table + reg*4]`: a compiled `switch`, or an interpreter's dispatch through its table of handlers. */
export function isTableJump(i: Instr): boolean {
  return i.row.flow === 'jump' && i.mod !== 3 && i.mod >= 0 && i.base < 0 && i.index >= 0 && i.scale === 2 && i.opsize === 4;
}

/** A near `ret` (with or without an immediate): where it goes is the return address on the stack. */
export function isNearReturn(i: Instr): boolean {
  return i.row.mn === 'ret';
}

/** Does the instruction name its destination (a relative branch, call or jump)? */
export function hasStaticTarget(i: Instr): boolean {
  return i.row.operands.some((o) => o.kind === K.J);
}

/** Where control may go after a block-ending instruction, on the region's pages. */
function successors(i: Instr, peek32: Peek32, inRegion: (eip: number) => boolean): number[] {
  const targets: number[] = [];
  if (hasStaticTarget(i)) {
    targets.push(i.imm);
    if (i.row.flow === 'branch') targets.push(i.next);
  }
  // where a call returns to: reached by the callee's ret, an indirect jump the region can take in place
  if (i.row.flow === 'call') targets.push(i.next);
  // a data segment load: translated code may go on after it (emit/instr.ts)
  if (goesOnAfterSegmentLoad(i)) targets.push(i.next);
  // jmp [table + reg*4]: the table's entries are likely targets
  if (isTableJump(i)) {
    for (let k = 0; k < JUMP_TABLE_HINTS; k++) {
      const t = peek32((i.disp + 4 * k) | 0);
      if (t === undefined || !inRegion(t)) break;
      targets.push(t);
    }
  }
  return targets.filter(inRegion);
}

/** Split blocks at leaders found after they were decoded; the entry block first, empty blocks only there. */
function splitAtLeaders(found: Block[], leaders: Set<number>, entry: number): Block[] {
  const out: Block[] = [];
  for (const b of found) {
    let cur: Block = { eip: b.eip, instrs: [] };
    for (const i of b.instrs) {
      if (cur.instrs.length && leaders.has(i.eip)) { out.push(cur); cur = { eip: i.eip, instrs: [] }; }
      cur.instrs.push(i);
    }
    cur.stopEip = b.stopEip;
    out.push(cur);
  }
  out.sort((x, y) => (x.eip === entry ? -1 : y.eip === entry ? 1 : 0));
  return out.filter((b, k) => k === 0 || b.instrs.length > 0);
}
