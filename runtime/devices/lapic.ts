/**
 * A local APIC (one per vCPU), in the xAPIC register layout of the P6
 * family: version 0x14, six LVT entries.
 *
 * Interrupt state is three 256-bit maps, IRR (accepted, waiting), ISR (in
 * service) and TMR (level triggered). A vector is offered to the CPU when
 * its priority class (vector >> 4) is above the processor priority, the
 * larger of TPR's class and that of the highest vector in service; taking
 * it moves it from IRR to ISR, and EOI retires the highest ISR bit.
 *
 * The timer counts down from the initial count at the machine's cycle
 * frequency divided by the divide configuration (so on the default 1 GHz
 * clock it behaves like QEMU's APIC); it is a machine event on this vCPU's
 * real clock, re-armed after every period in periodic mode, and the current
 * count is computed on each read. ICR writes are handed to the machine
 * (`sendIpi`), which resolves destinations (physical, logical flat or
 * cluster, shorthands) and delivers fixed, lowest-priority, NMI, INIT and
 * start-up messages. The same object is the MMIO page at 0xFEE00000 of its
 * vCPU and the `LocalApicApi` of the VMI APICRead/APICWrite calls.
 */
import type { LocalApicApi } from '../machine-api.ts';
import { widen } from '../../base/wide-fields.ts';

export const APIC_BASE = 0xfee00000;

export interface ApicHost {
  /** this vCPU's real time in cycles */
  now(): number;
  readonly frequency: number;
  schedule(at: number, fire: () => void): number;
  cancel(handle: number): void;
  /** deliver an interprocessor message written to the ICR */
  sendIpi(from: LocalApic, lo: number, hi: number): void;
  /** the vCPU may have a new interrupt to take */
  kick(): void;
}

export const enum ApicReg {
  ID = 0x20, VERSION = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, RRD = 0xc0,
  LDR = 0xd0, DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280,
  ICR_LO = 0x300, ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340,
  LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_ICR = 0x380, TIMER_CCR = 0x390,
  TIMER_DCR = 0x3e0,
}

const LVT_MASKED = 0x10000;

export class LocalApic implements LocalApicApi {
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  /** the highest vector in service (-1: none), kept beside ISR: an EOI and a priority need it, ack and EOI change it */
  private isrTop = -1;
  readonly tmr = new Uint32Array(8);
  tpr = 0;
  ldr = 0;
  dfr = -1;
  svr = 0xff;
  esr = 0;
  icrLo = 0;
  icrHi = 0;
  /** LVT timer, thermal, perf, LINT0, LINT1, error */
  readonly lvt = new Int32Array([LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED]);
  timerInitial = 0;
  timerDcr = 0;
  /** real time at which the current timer period began */
  private timerStart = 0;
  private timerEvent = 0;
  /** vectors accepted so far, timer expiries */
  accepted = 0;
  timerFires = 0;

  constructor(public id: number, private readonly host: ApicHost) {
    // a machine time, past 2^31 (base/wide-fields.ts)
    widen(this, ['timerStart']);
  }

  get softwareEnabled(): boolean {
    return (this.svr & 0x100) !== 0;
  }

  // ---- interrupt state ------------------------------------------------------------

  raise(vector: number, level = false): void {
    vector &= 0xff;
    // vectors 0-15 are illegal: they set "receive illegal vector" instead
    if (vector < 16) { this.esr |= 0x40; return; }
    this.irr[vector >> 5] |= 1 << (vector & 31);
    if (level) this.tmr[vector >> 5] |= 1 << (vector & 31);
    else this.tmr[vector >> 5] &= ~(1 << (vector & 31));
    this.accepted++;
    this.host.kick();
  }

  private static highest(map: Uint32Array): number {
    for (let w = 7; w >= 0; w--) if (map[w]) return w * 32 + 31 - Math.clz32(map[w]);
    return -1;
  }

  private ppr(): number {
    const isrv = this.isrTop;
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  /** The vector the APIC offers the CPU now, or -1. */
  pending(): number {
    const v = LocalApic.highest(this.irr);
    if (v < 0) return -1;
    if ((v & 0xf0) <= (this.ppr() & 0xf0)) return -1;
    return v;
  }

  hasRequests(): boolean {
    for (let w = 0; w < 8; w++) if (this.irr[w]) return true;
    return false;
  }

  ack(vector: number): void {
    this.irr[vector >> 5] &= ~(1 << (vector & 31));
    this.isr[vector >> 5] |= 1 << (vector & 31);
    if (vector > this.isrTop) this.isrTop = vector;
  }

  eoi(): void {
    const v = this.isrTop;
    if (v < 0) return;
    this.isr[v >> 5] &= ~(1 << (v & 31));
    this.isrTop = LocalApic.highest(this.isr);
    // only a retired vector can let a waiting one through (an EOI with nothing in service changes nothing)
    this.host.kick();
  }

  // ---- destinations ----------------------------------------------------------------

  /** Does a logical destination `dest` (8 bits) name this APIC? */
  matchesLogical(dest: number): boolean {
    const ldr = (this.ldr >>> 24) & 0xff;
    if (((this.dfr >>> 28) & 0xf) === 0xf) return (ldr & dest) !== 0; // flat model
    return (ldr >> 4) === (dest >> 4) && (ldr & dest & 0xf) !== 0; // cluster model
  }

  // ---- timer -----------------------------------------------------------------------

  private divisor(): number {
    const d = (this.timerDcr & 3) | ((this.timerDcr & 8) >> 1);
    return d === 7 ? 1 : 2 << d;
  }

  private periodic(): boolean {
    return (this.lvt[0] & 0x20000) !== 0;
  }

  private startTimer(): void {
    if (this.timerEvent) this.host.cancel(this.timerEvent);
    this.timerEvent = 0;
    if (!this.timerInitial) return;
    this.timerStart = this.host.now();
    this.armTimer();
  }

  private armTimer(): void {
    const period = this.timerInitial * this.divisor();
    this.timerEvent = this.host.schedule(this.timerStart + period, () => {
      this.timerEvent = 0;
      this.timerFires++;
      if (!(this.lvt[0] & LVT_MASKED)) this.raise(this.lvt[0] & 0xff);
      if (this.periodic()) {
        // next period boundary after now: at most one interrupt per period even if late
        const now = this.host.now();
        const k = Math.max(1, Math.floor((now - this.timerStart) / period));
        this.timerStart += k * period;
        this.armTimer();
      } else {
        this.timerStart = -1;
      }
    });
  }

  currentCount(): number {
    if (!this.timerInitial || this.timerStart < 0) return 0;
    const ticks = Math.floor((this.host.now() - this.timerStart) / this.divisor());
    if (this.periodic()) return this.timerInitial - (ticks % this.timerInitial);
    return ticks >= this.timerInitial ? 0 : this.timerInitial - ticks;
  }

  timerVector(): number {
    return this.lvt[0] & 0xff;
  }

  // ---- registers -------------------------------------------------------------------

  read(offset: number): number {
    const off = offset & 0xff0;
    if (off >= ApicReg.ISR && off < ApicReg.ISR + 0x80) return this.isr[(off - ApicReg.ISR) >> 4] | 0;
    if (off >= ApicReg.TMR && off < ApicReg.TMR + 0x80) return this.tmr[(off - ApicReg.TMR) >> 4] | 0;
    if (off >= ApicReg.IRR && off < ApicReg.IRR + 0x80) return this.irr[(off - ApicReg.IRR) >> 4] | 0;
    if (off >= ApicReg.LVT_TIMER && off <= ApicReg.LVT_ERROR) return this.lvt[(off - ApicReg.LVT_TIMER) >> 4];
    switch (off) {
      case ApicReg.ID: return this.id << 24;
      case ApicReg.VERSION: return 0x00050014;
      case ApicReg.TPR: return this.tpr;
      case ApicReg.APR: return 0;
      case ApicReg.PPR: return this.ppr();
      case ApicReg.LDR: return this.ldr;
      case ApicReg.DFR: return this.dfr;
      case ApicReg.SVR: return this.svr;
      case ApicReg.ESR: return this.esr;
      case ApicReg.ICR_LO: return this.icrLo & ~0x1000; // delivery is instantaneous: never "send pending"
      case ApicReg.ICR_HI: return this.icrHi;
      case ApicReg.TIMER_ICR: return this.timerInitial | 0;
      case ApicReg.TIMER_CCR: return this.currentCount() | 0;
      case ApicReg.TIMER_DCR: return this.timerDcr;
      default: return 0;
    }
  }

  /**
   * A register write. EOI and TPR, which a kernel writes on every interrupt
   * and around critical sections, are tested first in a function small
   * enough for V8 to inline into the translated code that calls it (an
   * inlined APICWrite): the whole switch was a call and 3.7 ns of a 6 ns EOI.
   */
  write(offset: number, value: number): void {
    const off = offset & 0xff0;
    if (off === ApicReg.EOI) this.eoi();
    else if (off === ApicReg.TPR) this.writeTpr(value);
    else this.writeOther(off, value);
  }

  private writeTpr(value: number): void {
    // only a lower priority can let a waiting vector through (rewriting the same one changes nothing)
    const lowered = (value & 0xff) < this.tpr;
    this.tpr = value & 0xff;
    if (lowered) this.host.kick();
  }

  private writeOther(off: number, value: number): void {
    if (off >= ApicReg.LVT_TIMER && off <= ApicReg.LVT_ERROR) {
      const i = (off - ApicReg.LVT_TIMER) >> 4;
      // a software-disabled APIC keeps every LVT entry masked
      this.lvt[i] = this.softwareEnabled ? value : value | LVT_MASKED;
      if (i === 0) this.lvt[0] &= 0x300ff | LVT_MASKED;
      this.host.kick();
      return;
    }
    switch (off) {
      case ApicReg.ID: this.id = value >>> 24; break;
      case ApicReg.LDR: this.ldr = value & 0xff000000; break;
      case ApicReg.DFR: this.dfr = value | 0x0fffffff; break;
      case ApicReg.SVR:
        this.svr = value & 0x3ff;
        if (!this.softwareEnabled) for (let i = 0; i < 6; i++) this.lvt[i] |= LVT_MASKED;
        this.host.kick();
        break;
      case ApicReg.ESR: this.esr = 0; break;
      case ApicReg.ICR_HI: this.icrHi = value & 0xff000000; break;
      case ApicReg.ICR_LO:
        this.icrLo = value & 0x000cdfff;
        this.host.sendIpi(this, this.icrLo, this.icrHi);
        break;
      case ApicReg.TIMER_ICR:
        this.timerInitial = value >>> 0;
        this.startTimer();
        break;
      case ApicReg.TIMER_DCR: this.timerDcr = value & 0xb; break;
      default: break;
    }
  }

  /** INIT: back to the power-on register state (the ID stays). */
  reset(): void {
    this.irr.fill(0); this.isr.fill(0); this.tmr.fill(0);
    this.isrTop = -1;
    this.tpr = 0; this.ldr = 0; this.dfr = -1; this.svr = 0xff; this.esr = 0;
    this.icrLo = this.icrHi = 0;
    this.lvt.fill(LVT_MASKED);
    this.timerInitial = 0; this.timerDcr = 0;
    if (this.timerEvent) this.host.cancel(this.timerEvent);
    this.timerEvent = 0;
  }
}
