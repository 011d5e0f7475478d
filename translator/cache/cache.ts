/**
 * The code cache: translations by key, the links between them, and their
 * invalidation.
 *
 * Keys. A translation is specialised on where its code is in physical
 * memory and on the CPU mode it was made in (CPL, code and stack size,
 * paging), so its key is `physical EIP * 32 + mode` (`keyOf`): it survives
 * address-space switches, and the same bytes reached in another mode get a
 * translation of their own. A hit also needs the same linear EIP (relative
 * branch targets are absolute in the code).
 *
 * Chaining. A region's exit to a fixed EIP on its own page is linked, the
 * first time it is taken, to the translation found there; the region then
 * returns its successor itself and the lookup is skipped. An indirect jump
 * (ret, jmp reg) names its site instead, and each site remembers the
 * translation its target had last time; it is reused only while that
 * translation is valid and its entry page still maps the same frame in the
 * same mode (`samePlace`).
 *
 * Invalidation. A guest write to a page that holds translated code
 * (cpu/memory.ts marks such pages) invalidates every translation made from
 * it; links and site entries to it are dropped lazily, by the `valid` flag.
 * The translation doing the write notices and leaves before its next
 * instruction (emit-ops.ts, `smc`).
 *
 * The bound. The cache holds at most `limitBytes` of generated source; when
 * a new translation would pass it, everything is dropped and it starts over
 * (regions are cheap to remake, and a hot set that fits is the common case).
 *
 * Keys that could not be translated are remembered until the next
 * invalidation or flush, so they are not retried on every lookup.
 *
 * Used by the engine (engine/engine.ts), one cache per vCPU.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import { CR0_PG } from '../../cpu/mmu.ts';
import { grants, physical, tlbMaps } from '../../cpu/tlb.ts';
import { NUM } from '../../base/arith.ts';
import type { Translation } from '../compile/assemble.ts';

/** The counters the cache keeps (part of the engine's statistics). */
export interface CacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  chained: number;
  cacheFlushes: number;
  /** indirect jumps whose target came from the per-site cache */
  siteHits: number;
}

/** The CPU mode a translation is specialised on, 0..31. */
export function modeOf(cpu: Cpu): number {
  return (cpu.cpl << 3) | (cpu.code32 ? 4 : 0) | (cpu.stack32 ? 2 : 0) | (cpu.cr0 & CR0_PG ? 1 : 0);
}

export function keyOf(phys: number, mode: number): number {
  return phys * 32 + mode;
}

/** The key for the CPU's CS:EIP now, or undefined while the TLB cannot fetch from its page. */
export function currentKey(cpu: Cpu): number | undefined {
  const e = cpu.mmu.entry(cpu.eip);
  if (!grants(e, cpu.mmu.rmask)) return undefined;
  return keyOf(physical(e, cpu.eip) >>> 0, modeOf(cpu));
}

/** Is a translation valid for the current mode and the current mapping of its page? */
function samePlace(cpu: Cpu, t: Translation): boolean {
  const e = cpu.mmu.entry(cpu.eip);
  return tlbMaps(NUM, e, t.entryPage << 12, cpu.mmu.rmask) !== 0 && t.key % 32 === modeOf(cpu);
}

export class CodeCache {
  private readonly byKey = new Map<number, Translation>();
  private readonly byPage = new Map<number, Set<Translation>>();
  private readonly untranslatable = new Set<number>();
  private bytes = 0;

  constructor(private readonly cpu: Cpu, readonly limitBytes: number, private readonly stats: CacheStats) {
    cpu.mem.onCodeInvalidated((page) => this.invalidatePage(page));
  }

  /** The translation for `key` entered at `eip`, if there is one. */
  get(key: number, eip: number): Translation | undefined {
    const hit = this.byKey.get(key);
    if (hit !== undefined && hit.entryEip === eip) { this.stats.hits++; return hit; }
    this.stats.misses++;
    return undefined;
  }

  isUntranslatable(key: number): boolean {
    return this.untranslatable.has(key);
  }

  markUntranslatable(key: number): void {
    this.untranslatable.add(key);
  }

  /** Hold a new translation (replacing the one its key had), starting over if the bound is reached. */
  add(t: Translation): void {
    if (this.bytes + t.source.length > this.limitBytes) this.flush();
    const old = this.byKey.get(t.key);
    if (old) old.valid = false;
    this.byKey.set(t.key, t);
    this.bytes += t.source.length;
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

  /** The translation indirect site `site` of `from` reached last time, if it is still right for CS:EIP. */
  siteTarget(from: Translation, site: number): Translation | undefined {
    const t = from.sites[site];
    if (t === undefined || !t.valid || t.entryEip !== this.cpu.eip || !samePlace(this.cpu, t)) return undefined;
    this.stats.siteHits++;
    return t;
  }

  /** Remember what indirect site `site` of `from` reached; returns `to`. */
  rememberSite(from: Translation, site: number, to: Translation | undefined): Translation | undefined {
    if (to) from.sites[site] = to;
    return to;
  }

  private invalidatePage(page: number): void {
    const set = this.byPage.get(page);
    if (!set) return;
    for (const t of set) {
      if (!t.valid) continue;
      t.valid = false;
      this.stats.invalidations++;
      if (this.byKey.get(t.key) === t) this.byKey.delete(t.key);
    }
    this.byPage.delete(page);
    this.untranslatable.clear();
  }

  /** Drop every translation. */
  flush(): void {
    for (const t of this.byKey.values()) t.valid = false;
    this.byKey.clear();
    this.byPage.clear();
    this.untranslatable.clear();
    this.bytes = 0;
    this.stats.cacheFlushes++;
  }

  /** Every translation held now. */
  all(): Translation[] {
    return [...this.byKey.values()];
  }
}
