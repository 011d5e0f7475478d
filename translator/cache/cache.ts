/**
 * The code cache: translations by key, the links between them, and their
 * invalidation.
 *
 * Keys. A translation is specialised on where its code is in physical
 * memory and on the CPU mode it was made in (CPL, code and stack size,
 * paging), so its key is `physical EIP * 32 + mode` (`keyOf`): it survives
 * address-space switches, and the same bytes reached in another mode get a
 * translation of their own. A hit also needs the same linear EIP (relative
 * branch targets are absolute in the code). A bit filter indexed by a hash
 * of the key stands in front of the tables, so the common lookup (code
 * with no translation, which the interpreter runs) touches none (`mayHold`).
 *
 * Entries into inner blocks. A lookup that finds no translation for its
 * key tries the blocks of the regions already made: a block that starts on
 * its region's entry page at that key and EIP is entered directly (the
 * region's function takes the block to start at), through an entry record
 * the cache keeps under that key like a translation of its own, sharing the
 * region's code, links and sites, and retired with it (`enterBlock`). A
 * return address after a call, a jump into the middle of a function, is
 * then neither interpreted until hot nor translated again: in Linux's boot,
 * regions held 2.8 copies of each instruction they translated before.
 *
 * Chaining. A region's exit to a fixed EIP on its own page is linked, the
 * first time it is taken, to the translation found there; the region then
 * returns its successor itself and the lookup is skipped. An indirect jump
 * (ret, jmp reg) names its site instead, and so does an exit to a fixed EIP
 * on another page (a call into another page of the kernel: a link would
 * skip the check that the page still maps the same frame); each site remembers the
 * translations its last two targets had, the latest first (a function's
 * `ret` goes back to its callers in turn: with one, Linux's boot made a
 * million more lookups); one is reused only while that translation is
 * valid and its entry page still maps the same frame in the same mode
 * (`samePlace`).
 *
 * Invalidation. A guest write to a page that holds translated code
 * (cpu/memory.ts marks such pages) invalidates every translation made from
 * it; links and site entries to it are dropped lazily, by the `valid` flag.
 * The translation doing the write notices and leaves before its next
 * instruction (emit-ops.ts, `smc`).
 *
 * The bound. The cache bounds the heap its translations hold, not their
 * source: what a translation costs is estimated from its source length and
 * instruction count (`heapCost`, calibrated by measurement: V8 holds about
 * five bytes per byte of generated source once compiled, and the
 * instructions' decoded forms). When a new translation would pass
 * `limitBytes`, everything is dropped and the cache starts over (regions
 * are cheap to remake, and a hot set that fits is the common case). A
 * dropped translation (flushed or invalidated) is retired: it leaves every
 * table, and keeps nothing of its code (function, links, site targets,
 * source), so a link another translation still holds to it pins only a
 * small record, and the estimate stays an estimate of what is held.
 *
 * Keys that could not be translated are remembered, at most
 * UNTRANSLATABLE_LIMIT of them, until the next invalidation or flush, so
 * they are not retried on every lookup.
 *
 * Used by the engine (engine/engine.ts), one cache per vCPU.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import { CR0_PG } from '../../cpu/mmu.ts';
import { grants, physical, tlbMaps } from '../../cpu/tlb.ts';
import { NUM } from '../../base/arith.ts';
import { NO_BLOCK, unlinkAll, WIDE_TRANSLATION_FIELDS, type Translation } from '../compile/assemble.ts';
import { widen } from '../../base/wide-fields.ts';
import { CHUNK_WORDS, CODE_CHUNK_SHIFT } from '../region/discover.ts';

/** The counters the cache keeps (part of the engine's statistics). */
export interface CacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  chained: number;
  cacheFlushes: number;
  /** indirect jumps whose target came from the per-site cache */
  siteHits: number;
  /** entries made into a block of a region (instead of a region of their own) */
  blockEntries: number;
}

/** The CPU mode a translation is specialised on, 0..31. */
export function modeOf(cpu: Cpu): number {
  return (cpu.cpl << 3) | (cpu.code32 ? 4 : 0) | (cpu.stack32 ? 2 : 0) | (cpu.cr0 & CR0_PG ? 1 : 0);
}

export function keyOf(phys: number, mode: number): number {
  return phys * 32 + mode;
}

/** The physical address a key was made from. */
export function physicalOfKey(key: number): number {
  return Math.floor(key / 32);
}

/** The key for the CPU's CS:EIP now, or undefined while the TLB cannot fetch from its page. */
export function currentKey(cpu: Cpu): number | undefined {
  return keyAt(cpu, cpu.eip);
}

/** The key code at `eip` would have in the CPU's mode now, or undefined while the TLB cannot fetch from its page. */
export function keyAt(cpu: Cpu, eip: number): number | undefined {
  const e = cpu.mmu.entry(eip);
  if (!grants(e, cpu.mmu.rmask)) return undefined;
  return keyOf(physical(e, eip) >>> 0, modeOf(cpu));
}

/** Is a translation valid for the current mode and the current mapping of its page? */
function samePlace(cpu: Cpu, t: Translation): boolean {
  const e = cpu.mmu.entry(cpu.eip);
  return tlbMaps(NUM, e, t.entryPage << 12, cpu.mmu.rmask) !== 0 && t.mode === modeOf(cpu);
}

/**
 * Heap bytes a compiled translation holds per byte of its source, and per
 * guest instruction (its decoded `Instr` and per-instruction tables).
 * Measured on the built-in guest with every region translated at once (the
 * heap after a full collection, divided among its translations).
 */
export const HEAP_PER_SOURCE_BYTE = 6;
export const HEAP_PER_INSTRUCTION = 200;
/**
 * Bits of the filter in front of the cache's tables, as a power of two
 * (2^21 bits: 256 KiB per vCPU). Of the 4.57 million lookups that find
 * nothing in Linux's boot, 171,763 (3.8 %: keys sharing a bit, and bits
 * left set by translations a write dropped) got past it to the hash tables
 * when keys were hashed to their bits; with a key's bit beside its
 * neighbours' (`filterBit`), 131,080 of the 4.04 million block starts the
 * interpreter's runs ask about (3.2 %). The filter was a byte per key's low
 * 20 bits before (1 MiB, of which the mode's bits left one byte in 32 of
 * use): 632,558 (14 %) got past it, and each lookup touched a cache line of
 * a megabyte.
 */
export const FILTER_LOG2 = 21;
/**
 * A key's bit in a set of `2^log2` bits: its physical address's low bits,
 * with the mode flipping the high ones. Neighbouring code has neighbouring
 * bits, so the block starts of a function share a cache line of the set,
 * where a hash sent each to a line of its own, mostly out of the
 * processor's caches on kernel code (bench/README.md, stop 65); addresses
 * `2^log2` bytes apart share a bit. The filter's bits, and the reached set's
 * (engine/tiering.ts), are chosen so.
 */
export function addressBitOf(key: number, log2: number): number {
  const phys = physicalOfKey(key);
  return (phys ^ ((key - phys * 32) << (log2 - 5))) & ((1 << log2) - 1);
}
/** A key's bit in the filter (`addressBitOf`: 2 MiB apart share one). */
export function filterBit(key: number): number {
  return addressBitOf(key, FILTER_LOG2);
}
/** How many untranslatable keys are remembered before the set starts over. */
export const UNTRANSLATABLE_LIMIT = 4096;

/** The estimated heap a translation holds while it is in the cache (an entry into another's block: its small record only). */
export function heapCost(t: Translation): number {
  if (t.region !== t) return HEAP_PER_ENTRY;
  return HEAP_PER_SOURCE_BYTE * t.sourceBytes + HEAP_PER_INSTRUCTION * t.instructions;
}
const HEAP_PER_ENTRY = 200;

/** The keys of a region's block starts on its entry page, its entry aside (where the cache may enter it). */
function blockStartKeys(t: Translation): number[] {
  const mode = t.mode;
  const keys: number[] = [];
  t.blockEips.forEach((eip, k) => {
    if (k > 0 && eip !== NO_BLOCK && eip >>> 12 === t.entryEip >>> 12) keys.push(keyOf(((t.entryPage << 12) | (eip & 0xfff)) >>> 0, mode));
  });
  return keys;
}

/** What a retired translation's function becomes: entering it is a bug (the engine checks `valid`). */
function retired(): never {
  throw new Error('a retired translation was entered');
}

export class CodeCache {
  private readonly byKey = new Map<number, Translation>();
  private readonly byPage = new Map<number, Set<Translation>>();
  /** the key of each block start on a region's entry page (its entry aside), to the region: where `enterBlock` looks */
  private readonly blockStarts = new Map<number, Translation>();
  private readonly untranslatable = new Set<number>();
  /**
   * A clear bit (`filterBit(key)`) says no translation, block
   * start or untranslatable mark has that key: most lookups are made for
   * code the interpreter runs (4.6 million in Linux's boot, each
   * missing three hash tables) and end here. Bits are set as keys enter a
   * table and cleared only by a flush: a stale bit costs the hash lookups
   * it saves elsewhere, never a wrong answer.
   */
  private readonly mayHold = new Int32Array(1 << (FILTER_LOG2 - 5));
  /** estimated heap held by the translations in the cache (heapCost) */
  heapBytes = 0;
  /** told which translations a guest write to `page` dropped (the engine's tiering learns from it) */
  onInvalidated: ((page: number, dropped: Translation[]) => void) | null = null;

  constructor(private readonly cpu: Cpu, readonly limitBytes: number, private readonly stats: CacheStats) {
    cpu.mem.onCodeInvalidated((page, offset, size) => this.invalidateBytes(page, offset, size));
  }

  /** Is `key`'s filter bit set (it may have a translation, a block start or an untranslatable mark)? */
  mayHave(key: number): boolean {
    const bit = filterBit(key);
    return (this.mayHold[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  private filterAdd(key: number): void {
    const bit = filterBit(key);
    this.mayHold[bit >>> 5] |= 1 << (bit & 31);
  }

  /** The translation for `key` entered at `eip`, if there is one. */
  get(key: number, eip: number): Translation | undefined {
    if (!this.mayHave(key)) { this.stats.misses++; return undefined; }
    const hit = this.byKey.get(key) ?? this.enterBlock(key, eip);
    if (hit !== undefined && hit.entryEip === eip) { this.stats.hits++; return hit; }
    this.stats.misses++;
    return undefined;
  }

  /**
   * An entry into the block of a region that starts at `key` (with EIP
   * `eip`), made and held as a translation of its own, if a region has such
   * a block on its entry page. A return lands after a call, an indirect
   * jump in the middle of a function: the code there is often in a region
   * already, compiled from an earlier entry, and running it from that block
   * is what a region of its own would do (each block starts from the state
   * in the CPU, checks the budget, and a block on the second page checks its
   * mapping), without translating the same code again or interpreting it
   * until it is hot. The key says the page still maps the frame the region
   * was made from, in the same mode.
   */
  private enterBlock(key: number, eip: number): Translation | undefined {
    const r = this.blockStarts.get(key);
    const k = this.innerBlock(r, eip);
    if (r === undefined || k < 0) return undefined;
    const t: Translation = widen({ ...r, key, entryEip: eip, block: k, executed: 0, runs: 0, hostMs: 0, warmMs: 0, warmExecuted: 0, entries: [] }, WIDE_TRANSLATION_FIELDS);
    r.entries.push(t);
    this.stats.blockEntries++;
    this.byKey.set(key, t);
    this.heapBytes += heapCost(t);
    return t;
  }

  /** The index of the inner block of region `r` that starts at `eip`, or -1 (no valid region, or no such block). */
  private innerBlock(r: Translation | undefined, eip: number): number {
    if (r === undefined || !r.valid) return -1;
    const k = r.blockEips.findIndex((b) => b !== NO_BLOCK && b >>> 0 === eip >>> 0);
    return k > 0 ? k : -1;
  }

  /** Does a translation start at `key` and `eip`, or have a block there that a lookup would enter (without making the entry)? */
  holds(key: number, eip: number): boolean {
    if (!this.mayHave(key)) return false;
    const t = this.byKey.get(key);
    if (t !== undefined && t.valid && t.entryEip === eip) return true;
    return this.innerBlock(this.blockStarts.get(key), eip) >= 0;
  }

  isUntranslatable(key: number): boolean {
    return this.mayHave(key) && this.untranslatable.has(key);
  }

  markUntranslatable(key: number): void {
    if (this.untranslatable.size >= UNTRANSLATABLE_LIMIT) this.untranslatable.clear();
    this.untranslatable.add(key);
    this.filterAdd(key);
  }

  /** Hold a new translation (replacing the one its key had), starting over if the bound is reached. */
  add(t: Translation): void {
    if (this.heapBytes + heapCost(t) > this.limitBytes) this.flush();
    const old = this.byKey.get(t.key);
    if (old) this.retire(old);
    this.byKey.set(t.key, t);
    this.filterAdd(t.key);
    this.heapBytes += heapCost(t);
    for (const key of blockStartKeys(t)) {
      if (!this.blockStarts.get(key)?.valid) this.blockStarts.set(key, t);
      this.filterAdd(key);
    }
    for (const page of t.pages) {
      let set = this.byPage.get(page);
      if (!set) { set = new Set(); this.byPage.set(page, set); }
      set.add(t);
      this.cpu.mem.markCode(page);
    }
  }

  /** Link exit `k` of `from` to `to` (if there is a `to`); returns `to`. */
  link(from: Translation, k: number, to: Translation | undefined): Translation | undefined {
    if (to) { from.links[k] = to; this.stats.chained++; }
    return to;
  }

  /** The translation indirect site `site` of `from` reached in one of the last two times, if it is still right for CS:EIP. */
  siteTarget(from: Translation, site: number): Translation | undefined {
    const sites = from.sites;
    const t = sites[2 * site];
    if (t !== undefined && t.valid && t.entryEip === this.cpu.eip && samePlace(this.cpu, t)) {
      this.stats.siteHits++;
      return t;
    }
    const u = sites[2 * site + 1];
    if (u === undefined || !u.valid || u.entryEip !== this.cpu.eip || !samePlace(this.cpu, u)) return undefined;
    // the other way: it becomes the first, tried first next time
    sites[2 * site + 1] = t;
    sites[2 * site] = u;
    this.stats.siteHits++;
    return u;
  }

  /** Remember what indirect site `site` of `from` reached; returns `to`. */
  rememberSite(from: Translation, site: number, to: Translation | undefined): Translation | undefined {
    if (to) {
      from.sites[2 * site + 1] = from.sites[2 * site];
      from.sites[2 * site] = to;
    }
    return to;
  }

  /**
   * `size` bytes at `offset` of `page` were written: drop the translations
   * made from those bytes (from the 16-byte chunks they were read from,
   * RegionCode.chunks), and keep the rest of the page's, which mark it as
   * code again. Linux patches its code a call or a jump at a time while it
   * boots (static keys, alternatives, ftrace): dropping a page's every
   * translation at each write dropped 317 in a boot, against 181 now, and
   * 38,502 guest instructions were translated, against 35,677.
   */
  private invalidateBytes(page: number, offset: number, size: number): void {
    const set = this.byPage.get(page);
    if (!set) return;
    const first = offset >>> CODE_CHUNK_SHIFT;
    const last = (offset + size - 1) >>> CODE_CHUNK_SHIFT;
    const dropped: Translation[] = [];
    for (const t of set) if (t.pages.some((p, k) => p === page && readAny(t.chunks, k * CHUNK_WORDS, first, last))) dropped.push(t);
    for (const t of dropped) {
      this.stats.invalidations++;
      this.retire(t);
    }
    if (this.byPage.has(page)) this.cpu.mem.markCode(page);
    // (an address found untranslatable may hold other code now)
    this.untranslatable.clear();
    if (dropped.length > 0) this.onInvalidated?.(page, dropped);
  }

  /**
   * Take a translation out of every table and let go of its code: a
   * retired translation is never entered again, and what still refers to
   * it (another region's link, a site entry, a running frame) pins a small
   * record only.
   */
  private retire(t: Translation): void {
    if (!t.valid) return;
    t.valid = false;
    this.heapBytes -= heapCost(t);
    if (this.byKey.get(t.key) === t) this.byKey.delete(t.key);
    t.fn = retired;
    // an entry into another's block shares that region's links, sites and source
    if (t.region !== t) return;
    for (const e of t.entries) this.retire(e);
    t.entries.length = 0;
    for (const key of blockStartKeys(t)) if (this.blockStarts.get(key) === t) this.blockStarts.delete(key);
    for (const page of t.pages) {
      const set = this.byPage.get(page);
      if (set?.delete(t) && set.size === 0) this.byPage.delete(page);
    }
    unlinkAll(t.links);
    t.sites.fill(undefined);
    t.source = '';
  }

  /** Drop every translation. */
  flush(): void {
    for (const t of [...this.byKey.values()]) this.retire(t);
    this.byKey.clear();
    this.byPage.clear();
    this.blockStarts.clear();
    this.untranslatable.clear();
    this.mayHold.fill(0);
    this.heapBytes = 0;
    this.stats.cacheFlushes++;
  }

  /** Every region held now (entries into their blocks aside). */
  all(): Translation[] {
    return [...this.byKey.values()].filter((t) => t.region === t);
  }
}

/** Is any of chunks first..last set in the page's words of `chunks` from `at`? */
function readAny(chunks: readonly number[], at: number, first: number, last: number): boolean {
  for (let c = first; c <= last; c++) if (chunks[at + (c >>> 5)] & (1 << (c & 31))) return true;
  return false;
}
