/**
 * VMI call statistics: how often each call ran, from which call site, and
 * how much host time its implementation took.
 *
 * A call site is the return address on the stack at the slot's entry (the
 * instruction after the guest's `call`); IRET and SYSEXIT are jumped to and
 * have none (site -1). Time is host nanoseconds spent in the call's
 * function: on the ROM path every call retires the same two guest
 * instructions (`vmicall`, `ret`) and charges no extra guest cycles, so host
 * time is what tells calls apart. The machine's `--stats` summary and the
 * profiler read `byName()` / `bySite()`; `toJSON()` is the summary's form.
 *
 * The guest chooses the return address, so the site table is bounded: at
 * SITE_LIMIT entries the less frequent half is folded into `otherSites`
 * (calls and time, per vCPU and name no longer told apart). A site called
 * often keeps its entry and its exact count; one called a few times among
 * millions of others is counted only in the total. Memory: about 200 bytes
 * per entry, so some 13 MB at most.
 */

export interface CallCount {
  name: string;
  calls: number;
  hostNs: number;
}

export interface SiteCount extends CallCount {
  /** return address of the call (guest linear), -1 when jumped to */
  site: number;
  vcpu: number;
}

/** Most call sites tracked one by one (see the module comment). */
export const SITE_LIMIT = 1 << 16;

export class VmiStats {
  private readonly names = new Map<string, CallCount>();
  private readonly sites = new Map<string, SiteCount>();
  total = 0;
  /** calls (and their host time) at sites folded out of the table */
  readonly otherSites = { calls: 0, hostNs: 0 };
  /** SetPxE-family writes into pages never registered with AllocatePage */
  unregisteredPxeWrites = 0;

  record(name: string, site: number, vcpu: number, hostNs: number): void {
    this.total++;
    let c = this.names.get(name);
    if (!c) this.names.set(name, (c = { name, calls: 0, hostNs: 0 }));
    c.calls++;
    c.hostNs += hostNs;
    const key = `${vcpu}:${site}:${name}`;
    let s = this.sites.get(key);
    if (!s) {
      if (this.sites.size >= SITE_LIMIT) this.foldRareSites();
      this.sites.set(key, (s = { name, site, vcpu, calls: 0, hostNs: 0 }));
    }
    s.calls++;
    s.hostNs += hostNs;
  }

  /** Keep the more frequent half of the site table; the rest go to `otherSites`. */
  private foldRareSites(): void {
    const byCalls = [...this.sites.entries()].sort((a, b) => a[1].calls - b[1].calls);
    for (const [key, s] of byCalls.slice(0, byCalls.length >> 1)) {
      this.otherSites.calls += s.calls;
      this.otherSites.hostNs += s.hostNs;
      this.sites.delete(key);
    }
  }

  /** calls by name, most frequent first */
  byName(): CallCount[] {
    return [...this.names.values()].sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  }

  /** calls by site, most frequent first */
  bySite(): SiteCount[] {
    return [...this.sites.values()].sort((a, b) => b.calls - a.calls || a.site - b.site);
  }

  count(name: string): number {
    return this.names.get(name)?.calls ?? 0;
  }

  reset(): void {
    this.names.clear();
    this.sites.clear();
    this.otherSites.calls = 0;
    this.otherSites.hostNs = 0;
    this.total = 0;
    this.unregisteredPxeWrites = 0;
  }

  toJSON(): { total: number; byName: Record<string, number>; topSites: SiteCount[]; otherSiteCalls: number } {
    const byName: Record<string, number> = {};
    for (const c of this.byName()) byName[c.name] = c.calls;
    return { total: this.total, byName, topSites: this.bySite().slice(0, 20), otherSiteCalls: this.otherSites.calls };
  }
}

/**
 * The slot each call site last called through the ROM, by return address:
 * what the translator predicts for a call through a register or a
 * register-based address, which has no value before it runs
 * (translator/inline/vmi.ts checks the prediction when the call runs). A
 * guest picks its return addresses, so the table is bounded: at SITE_LIMIT
 * entries it starts over.
 */
export class SiteCallees {
  private readonly slots = new Map<number, number>();

  note(site: number, slot: number): void {
    if (this.slots.size >= SITE_LIMIT && !this.slots.has(site)) this.slots.clear();
    this.slots.set(site, slot);
  }

  /** the linear address of the slot last called from `site`, if any */
  slotCalledFrom(site: number): number | undefined {
    return this.slots.get(site);
  }

  get size(): number {
    return this.slots.size;
  }
}
