/**
 * VMI call statistics under a guest that calls from millions of sites
 * (issue 9, item 2): the site table stays bounded, hot sites keep exact
 * counts, and no call goes uncounted.
 */
import { describe, expect, it } from 'vitest';
import { SITE_LIMIT, VmiStats } from './stats.ts';

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
