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

export class VmiStats {
  private readonly names = new Map<string, CallCount>();
  private readonly sites = new Map<string, SiteCount>();
  total = 0;
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
    if (!s) this.sites.set(key, (s = { name, site, vcpu, calls: 0, hostNs: 0 }));
    s.calls++;
    s.hostNs += hostNs;
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
    this.total = 0;
    this.unregisteredPxeWrites = 0;
  }

  toJSON(): { total: number; byName: Record<string, number>; topSites: SiteCount[] } {
    const byName: Record<string, number> = {};
    for (const c of this.byName()) byName[c.name] = c.calls;
    return { total: this.total, byName, topSites: this.bySite().slice(0, 20) };
  }
}
