/**
 * The High Precision Event Timer at 0xFED00000 (IA-PC HPET specification
 * 1.0a), as QEMU's PC has it: a 64-bit main counter at 100 MHz, three
 * comparators with 64-bit compare values, legacy replacement routing, and
 * an ACPI table (runtime/loader/acpi.ts) that names it.
 *
 * The counter is machine time (time.ts) scaled to 100 MHz while
 * GEN_CONF.ENABLE is set, so in virtual time it is deterministic like every
 * clock here. A comparator fires when the counter reaches its value: a
 * machine event is scheduled for that instant. One-shot comparators fire
 * once per write; periodic ones (timer 0 only, as on QEMU) add the period
 * last written with VAL_SET and fire again. With LEG_RT_CNF set, timer 0 is
 * ISA IRQ 0 and timer 1 is IRQ 8 (the PIT and RTC interrupts it replaces);
 * otherwise a timer interrupts the IO-APIC pin in its INT_ROUTE_CNF (any of
 * pins 20-23, the routing capability QEMU reports). Level-triggered mode
 * sets the timer's bit in GINTR_STA (cleared by writing 1) and raises an
 * edge, since every interrupt here is edge-triggered. 32-bit mode
 * (32MODE_CNF, which Linux uses) compares the low half of the counter with
 * a 32-bit comparator. FSB (MSI) delivery is not implemented (its
 * capability bit is clear).
 *
 * Registers are read and written 32 bits at a time (the low or high half of
 * each 64-bit register); byte and word accesses read the containing dword.
 */
import type { MmioDevice } from '../../cpu/memory.ts';
import type { TimerHost } from './pit.ts';
import { widen } from '../../base/wide-fields.ts';

export const HPET_BASE = 0xfed00000;
export const HPET_HZ = 100_000_000;
export const HPET_TIMERS = 3;
/** what the ACPI table's event timer block id repeats: revision 1, 3 timers, 64-bit counter, legacy routing, vendor 8086 */
export const HPET_ID = (1 | ((HPET_TIMERS - 1) << 8) | (1 << 13) | (1 << 15) | (0x8086 << 16)) >>> 0;
const PERIOD_FS = 1e15 / HPET_HZ;
const ROUTE_CAP = 0x00f00000;

const CONF_LEVEL = 1 << 1, CONF_ENABLE = 1 << 2, CONF_PERIODIC = 1 << 3, CAP_PERIODIC = 1 << 4, CAP_64BIT = 1 << 5;
const CONF_VAL_SET = 1 << 6, CONF_32BIT = 1 << 8;
const CONF_WRITABLE = CONF_LEVEL | CONF_ENABLE | CONF_PERIODIC | CONF_VAL_SET | CONF_32BIT | (0x1f << 9);

/** 64-bit registers as two unsigned 32-bit halves (a double cannot hold every 64-bit value) */
interface Timer {
  config: number;
  cmpLo: number;
  cmpHi: number;
  periodLo: number;
  periodHi: number;
  event: number;
}

export interface HpetHost extends TimerHost {
  /** an edge on ISA IRQ n (legacy routing) */
  raiseIsa(irq: number): void;
  /** an edge on IO-APIC pin n */
  raisePin(pin: number): void;
}

export class Hpet implements MmioDevice {
  readonly name = 'hpet';
  private genConf = 0;
  private status = 0;
  /** counter value when last enabled or written, and the machine time it was enabled at */
  private counterBase = 0;
  private enabledAt = 0;
  private readonly timers: Timer[] = Array.from({ length: HPET_TIMERS }, (_, n) => ({
    config: CAP_64BIT | (n === 0 ? CAP_PERIODIC : 0), cmpLo: 0xffffffff, cmpHi: 0xffffffff, periodLo: 0, periodHi: 0, event: -1,
  }));

  constructor(private readonly host: HpetHost) {
    // machine times pass 2^31 (base/wide-fields.ts)
    widen(this, ['counterBase', 'enabledAt']);
  }

  private get enabled(): boolean {
    return (this.genConf & 1) !== 0;
  }

  /** the main counter now */
  counter(): number {
    if (!this.enabled) return this.counterBase;
    return this.counterBase + Math.floor(((this.host.now() - this.enabledAt) * HPET_HZ) / this.host.frequency);
  }

  read(addr: number, _size: number): number {
    const off = addr & 0x3fc;
    const high = (off & 4) !== 0;
    const half = (v: number) => (high ? Math.floor(v / 2 ** 32) : v % 2 ** 32) | 0;
    switch (off & ~4) {
      case 0x000: return high ? PERIOD_FS : HPET_ID | 0;
      case 0x010: return high ? 0 : this.genConf;
      case 0x020: return high ? 0 : this.status;
      case 0x0f0: return half(this.counter());
    }
    const t = this.timerAt(off);
    if (!t) return 0;
    switch (off & 0x18) {
      case 0x00: return high ? ROUTE_CAP : t.config;
      case 0x08: return (high ? t.cmpHi : t.cmpLo) | 0;
      default: return 0;
    }
  }

  write(addr: number, size: number, value: number): void {
    if (size !== 4) return;
    const off = addr & 0x3fc;
    const high = (off & 4) !== 0;
    const v = value >>> 0;
    switch (off) {
      case 0x010: this.writeGenConf(v); return;
      case 0x020: this.status &= ~v; return;
      case 0x0f0: case 0x0f4:
        // the counter may be written only while it is stopped
        if (!this.enabled) this.counterBase = high ? (this.counterBase % 2 ** 32) + v * 2 ** 32 : this.counterBase - (this.counterBase % 2 ** 32) + v;
        return;
    }
    const n = this.timerIndex(off);
    if (n < 0) return;
    const t = this.timers[n];
    if ((off & 0x1c) === 0x00) {
      t.config = (t.config & ~CONF_WRITABLE) | (v & CONF_WRITABLE & (n === 0 ? -1 : ~CONF_PERIODIC));
      if (t.config & CONF_32BIT) { t.cmpHi = 0; t.periodHi = 0; }
    }
    else if ((off & 0x18) === 0x08) this.writeComparator(t, high, v);
    this.arm(n);
  }

  private timerIndex(off: number): number {
    const n = (off - 0x100) >> 5;
    return off >= 0x100 && n < HPET_TIMERS ? n : -1;
  }

  private timerAt(off: number): Timer | undefined {
    const n = this.timerIndex(off);
    return n < 0 ? undefined : this.timers[n];
  }

  private writeGenConf(v: number): void {
    const was = this.enabled;
    const now = this.counter();
    this.genConf = v & 3;
    if (was !== this.enabled) {
      this.counterBase = now;
      this.enabledAt = this.host.now();
    }
    for (let n = 0; n < HPET_TIMERS; n++) this.arm(n);
  }

  /**
   * A comparator write, with QEMU's rules: it sets the compare value unless
   * the timer is periodic without VAL_SET; a periodic timer's period is
   * always the value written; VAL_SET clears itself. In 32-bit mode only
   * the low half exists.
   */
  private writeComparator(t: Timer, high: boolean, v: number): void {
    if (high && t.config & CONF_32BIT) return;
    const periodic = (t.config & CONF_PERIODIC) !== 0;
    if (!periodic || t.config & CONF_VAL_SET) {
      if (high) t.cmpHi = v; else t.cmpLo = v;
    }
    if (periodic) {
      if (high) t.periodHi = v; else t.periodLo = v;
    }
    t.config &= ~CONF_VAL_SET;
  }

  /** (Re)schedule timer n's next expiry. */
  private arm(n: number): void {
    const t = this.timers[n];
    if (t.event >= 0) { this.host.cancel(t.event); t.event = -1; }
    if (!this.enabled || !(t.config & CONF_ENABLE)) return;
    const now = this.counter();
    // a 32-bit comparator matches the counter's low half, so it is always ahead (modulo 2^32);
    // a 64-bit one behind the counter never matches in any run, nor one past 2^53 ticks (28 years)
    if (!(t.config & CONF_32BIT) && t.cmpHi >= 0x200000) return;
    const ahead = t.config & CONF_32BIT ? (t.cmpLo - (now % 2 ** 32) + 2 ** 32) % 2 ** 32 : t.cmpHi * 2 ** 32 + t.cmpLo - now;
    if (ahead < 0) return;
    const at = this.host.now() + Math.ceil((ahead * this.host.frequency) / HPET_HZ);
    t.event = this.host.schedule(at, () => this.fire(n));
  }

  private fire(n: number): void {
    const t = this.timers[n];
    t.event = -1;
    if (t.config & CONF_LEVEL) this.status |= 1 << n;
    if (this.genConf & 2 && n < 2) this.host.raiseIsa(n === 0 ? 0 : 8);
    else this.host.raisePin((t.config >> 9) & 0x1f);
    const period = t.periodHi * 2 ** 32 + t.periodLo;
    if (t.config & CONF_PERIODIC && period > 0) {
      const next = t.cmpHi * 2 ** 32 + t.cmpLo + period;
      t.cmpLo = next % 2 ** 32;
      t.cmpHi = t.config & CONF_32BIT ? 0 : Math.floor(next / 2 ** 32) % 2 ** 32;
      this.arm(n);
    }
  }
}
