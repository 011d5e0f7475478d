/**
 * VMI call statistics under a guest that calls from millions of sites
 * (issue 9, item 2): the site table stays bounded, hot sites keep exact
 * counts, and no call goes uncounted.
 */
import { describe, expect, it } from 'vitest';
import { SiteCallees, SITE_LIMIT, VmiStats } from './stats.ts';

describe('per-site VMI statistics', () => {
  it('200,000 distinct return addresses fill at most SITE_LIMIT entries; a hot site stays exact', () => {
    const stats = new VmiStats();
    const n = 200_000;
    for (let k = 0; k < n; k++) {
      stats.record('SetPxE', 0x100000 + k * 4, 0, 10);
      if (k % 10 === 0) stats.record('FlushTLB', 0xc0001000, 0, 1);
    }
    const sites = stats.bySite();
    expect(sites.length).toBeLessThanOrEqual(SITE_LIMIT);
    expect(sites[0]).toMatchObject({ name: 'FlushTLB', site: 0xc0001000, calls: n / 10 });
    const listed = sites.reduce((sum, s) => sum + s.calls, 0);
    expect(listed + stats.otherSites.calls).toBe(stats.total);
    expect(stats.total).toBe(n + n / 10);
    expect(stats.toJSON().otherSiteCalls).toBe(stats.otherSites.calls);
  });
});

describe('the slot each site called last (the translator\'s prediction for calls through a register)', () => {
  it('keeps the last slot per site, and at most SITE_LIMIT sites however many a guest uses', () => {
    const t = new SiteCallees();
    t.note(0x1000, 0xc00c8020);
    t.note(0x1000, 0xc00c8040);
    expect(t.slotCalledFrom(0x1000)).toBe(0xc00c8040);
    expect(t.slotCalledFrom(0x2000)).toBeUndefined();
    for (let k = 0; k < 200_000; k++) t.note(0x100000 + k * 5, 0xc00c8020);
    expect(t.size).toBeLessThanOrEqual(SITE_LIMIT);
    expect(t.slotCalledFrom(0x100000 + 199_999 * 5)).toBe(0xc00c8020);
  });
});
