/**
 * The 8254 programmable interval timer (ports 0x40-0x43) and the bits of
 * port 0x61 that belong to it (channel 2 gate and output, refresh toggle).
 *
 * The PIT counts at 1.193182 MHz. Nothing ticks here: each channel
 * remembers when (in machine cycles) its count was loaded, and counter
 * value and output are computed from the machine's real time on demand.
 * Channel 0 drives IRQ 0: its edges are machine events, rescheduled after
 * each one (mode 2/3: every `reload` PIT ticks; mode 0: once). Channel 2 is
 * gated by port 0x61 bit 0 and its output is readable at bit 5, which is
 * how guests calibrate their TSC. Channel 1 (DRAM refresh) counts but has
 * no effect. Counts are binary (BCD counting is not modelled).
 */
import type { PortDevice } from './ports.ts';

export const PIT_HZ = 1_193_182;

export interface TimerHost {
  /** real time in cycles */
  now(): number;
  readonly frequency: number;
  schedule(at: number, fire: () => void): number;
  cancel(handle: number): void;
}

class Channel {
  mode = 0;
  /** 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
  access = 3;
  reload = 0x10000;
  /** PIT tick at which counting started (-1: no count written yet) */
  start = -1;
  gate = true;
  /** waiting for the high byte of a 16-bit write */
  writeHigh = false;
  readHigh = false;
  partial = 0;
  latched: number | null = null;
  latchedHigh = false;
  status: number | null = null;
  event = 0;
}

export class Pit8254 implements PortDevice {
  readonly name = 'pit';
  readonly ch = [new Channel(), new Channel(), new Channel()];
  /** port 0x61 bit 1: speaker data (stored only) */
  private speaker = 0;
  /** IRQ 0 edges produced */
  irqs = 0;

  constructor(private readonly host: TimerHost, private readonly irq0: () => void) {
    this.ch[2].gate = false;
  }

  /** current time in PIT ticks */
  private ticks(): number {
    return Math.floor((this.host.now() * PIT_HZ) / this.host.frequency);
  }

  /** machine cycles at which PIT tick `t` begins */
  private cyclesAt(t: number): number {
    return Math.ceil((t * this.host.frequency) / PIT_HZ);
  }

  private elapsed(c: Channel): number {
    return c.start < 0 || !c.gate ? 0 : this.ticks() - c.start;
  }

  /** The value the counting element holds now. */
  count(n: number): number {
    const c = this.ch[n];
    if (c.start < 0) return 0;
    const e = this.elapsed(c);
    switch (c.mode) {
      case 2:
      case 3:
        return c.reload - (e % c.reload);
      default:
        // mode 0/1/4/5: counts down once and wraps through 0xFFFF
        return (c.reload - e) & 0xffff;
    }
  }

  /** The OUT pin of channel n. */
  output(n: number): boolean {
    const c = this.ch[n];
    if (c.start < 0) return c.mode !== 0;
    const e = this.elapsed(c);
    switch (c.mode) {
      case 0:
        return e >= c.reload;
      case 2:
        return e % c.reload !== c.reload - 1;
      case 3:
        return e % c.reload < Math.ceil(c.reload / 2);
      default:
        return e >= c.reload;
    }
  }

  private loadCount(n: number, v: number): void {
    const c = this.ch[n];
    c.reload = v === 0 ? 0x10000 : v;
    c.start = this.ticks();
    if (n === 0) this.armIrq0();
  }

  /** Schedule channel 0's next rising edge (the IRQ 0 request). */
  private armIrq0(): void {
    const c = this.ch[0];
    if (c.event) this.host.cancel(c.event);
    c.event = 0;
    if (c.start < 0) return;
    const now = this.ticks();
    let next: number;
    if (c.mode === 2 || c.mode === 3) {
      const k = Math.floor((now - c.start) / c.reload) + 1;
      next = c.start + k * c.reload;
    } else if (c.mode === 0 && now - c.start < c.reload) {
      next = c.start + c.reload;
    } else {
      return;
    }
    c.event = this.host.schedule(this.cyclesAt(next), () => {
      c.event = 0;
      this.irqs++;
      this.irq0();
      this.armIrq0();
    });
  }

  private control(v: number): void {
    const sel = v >> 6;
    if (sel === 3) {
      // read-back: bit 5 clear latches counts, bit 4 clear latches status
      for (let n = 0; n < 3; n++) {
        if (!(v & (2 << n))) continue;
        const c = this.ch[n];
        if (!(v & 0x20) && c.latched === null) { c.latched = this.count(n); c.latchedHigh = false; }
        if (!(v & 0x10) && c.status === null) {
          c.status = (this.output(n) ? 0x80 : 0) | (c.access << 4) | (c.mode << 1);
        }
      }
      return;
    }
    const c = this.ch[sel];
    const access = (v >> 4) & 3;
    if (access === 0) {
      if (c.latched === null) { c.latched = this.count(sel); c.latchedHigh = false; }
      return;
    }
    c.access = access;
    c.mode = (v >> 1) & 7;
    if (c.mode > 5) c.mode -= 4; // 6 and 7 are aliases of 2 and 3
    c.writeHigh = false;
    c.readHigh = false;
    c.latched = null;
    c.status = null;
    // a mode write stops the counter until a new count arrives
    c.start = -1;
    if (sel === 0 && c.event) { this.host.cancel(c.event); c.event = 0; }
  }

  read(port: number): number {
    if (port === 0x61) return this.readPort61();
    if (port === 0x43) return 0xff;
    const n = port - 0x40;
    const c = this.ch[n];
    if (c.status !== null) { const s = c.status; c.status = null; return s; }
    let v: number;
    let high: boolean;
    if (c.latched !== null) {
      v = c.latched;
      if (c.access === 3) {
        high = c.latchedHigh;
        c.latchedHigh = !c.latchedHigh;
        if (!c.latchedHigh) c.latched = null;
      } else {
        high = c.access === 2;
        c.latched = null;
      }
    } else {
      v = this.count(n);
      if (c.access === 3) {
        high = c.readHigh;
        c.readHigh = !c.readHigh;
      } else {
        high = c.access === 2;
      }
    }
    return high ? (v >> 8) & 0xff : v & 0xff;
  }

  write(port: number, _size: number, value: number): void {
    const v = value & 0xff;
    if (port === 0x61) { this.writePort61(v); return; }
    if (port === 0x43) { this.control(v); return; }
    const n = port - 0x40;
    const c = this.ch[n];
    if (c.access === 1) this.loadCount(n, v);
    else if (c.access === 2) this.loadCount(n, v << 8);
    else if (!c.writeHigh) { c.partial = v; c.writeHigh = true; }
    else { c.writeHigh = false; this.loadCount(n, c.partial | (v << 8)); }
  }

  private readPort61(): number {
    // bit 4 toggles with DRAM refresh every 15 us; some delay loops watch it
    const refresh = Math.floor((this.host.now() * 1_000_000) / (15 * this.host.frequency)) & 1;
    return (this.output(2) ? 0x20 : 0) | (refresh << 4) | (this.speaker << 1) | (this.ch[2].gate ? 1 : 0);
  }

  private writePort61(v: number): void {
    const c = this.ch[2];
    const gate = (v & 1) !== 0;
    this.speaker = (v >> 1) & 1;
    if (gate && !c.gate && c.start >= 0) {
      // a rising gate restarts the count (modes 1, 2, 3, 5) or resumes it (mode 0: we restart, as guests expect)
      c.start = this.ticks();
    }
    c.gate = gate;
  }
}
