/**
 * The code cache's lookups through its key filter (`mayHold`): whatever the
 * filter says, a key that has a translation, a block start or an
 * untranslatable mark is found, one that has none is not, and a flush
 * forgets them all. The two keys here share a filter bit.
 */
import { describe, expect, it } from 'vitest';
import { testWorld } from '../../spec-tests/world.ts';
import { NO_BLOCK, type Translation } from '../compile/assemble.ts';
import { CodeCache, FILTER_LOG2, filterBit, keyOf, type CacheStats } from './cache.ts';

const MODE = 5;

/** A translation of a region at physical `phys` (linear = physical), with blocks at `blockEips`. */
function region(phys: number, blockEips: number[] = [phys]): Translation {
  const t = {
    fn: () => undefined, valid: true, key: keyOf(phys, MODE), mode: MODE, entryEip: phys, block: 0, blockEips, entries: [],
    pages: [phys >>> 12], links: [], exitEips: [], sites: [], entryPage: phys >>> 12, source: 'x', sourceBytes: 1,
    instructions: 1, blocks: blockEips.length, executed: 0,
  } as unknown as Translation;
  t.region = t;
  return t;
}

function cache(): CodeCache {
  const stats: CacheStats = { hits: 0, misses: 0, invalidations: 0, chained: 0, cacheFlushes: 0, siteHits: 0, blockEntries: 0 };
  return new CodeCache(testWorld().cpu, 1 << 30, stats);
}

describe('code cache lookups through the key filter', () => {
  const a = 0x3000;
  /** the first code address after `a` whose key shares `a`'s filter bit */
  const b = (() => {
    for (let p = a + 1; ; p++) if (filterBit(keyOf(p, MODE)) === filterBit(keyOf(a, MODE))) return p;
  })();

  it('keeps neighbouring keys on neighbouring bits, each its own, and another mode elsewhere', () => {
    // a page of code: its 4,096 addresses land on as many bits, side by side (one cache line holds a function's)
    const bits = new Set(Array.from({ length: 4096 }, (_, k) => filterBit(keyOf(0x100000 + k, MODE))));
    expect(bits.size).toBe(4096);
    expect(Math.max(...bits) - Math.min(...bits)).toBe(4095);
    // the same address in another mode (ring 3): another bit, not beside it
    const user = filterBit(keyOf(0x100000, MODE | (3 << 3)));
    expect(Math.abs(user - filterBit(keyOf(0x100000, MODE)))).toBeGreaterThan(4096);
    expect(user).toBeLessThan(1 << FILTER_LOG2);
  });

  it('finds a translation, not a key that shares its slot, and nothing after a flush', () => {
    const c = cache();
    const t = region(a);
    c.add(t);
    expect(filterBit(keyOf(b, MODE))).toBe(filterBit(keyOf(a, MODE)));
    expect(c.get(keyOf(a, MODE), a)).toBe(t);
    expect(c.get(keyOf(b, MODE), b)).toBeUndefined();
    const u = region(b);
    c.add(u);
    expect(c.get(keyOf(b, MODE), b)).toBe(u);
    c.flush();
    expect(c.get(keyOf(a, MODE), a)).toBeUndefined();
    expect(c.get(keyOf(b, MODE), b)).toBeUndefined();
  });

  it('enters a block of a region made from another entry', () => {
    const c = cache();
    c.add(region(a, [a, NO_BLOCK, a + 0x40]));
    const e = c.get(keyOf(a + 0x40, MODE), a + 0x40);
    expect(e?.block).toBe(2);
    expect(c.get(keyOf(a + 0x20, MODE), a + 0x20)).toBeUndefined();
  });

  it('remembers an untranslatable key, not one sharing its slot, until a flush', () => {
    const c = cache();
    c.markUntranslatable(keyOf(a, MODE));
    expect(c.isUntranslatable(keyOf(a, MODE))).toBe(true);
    expect(c.isUntranslatable(keyOf(b, MODE))).toBe(false);
    c.flush();
    expect(c.isUntranslatable(keyOf(a, MODE))).toBe(false);
  });
});
