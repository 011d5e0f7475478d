/**
 * Each device model on its own, driven through its ports or MMIO registers
 * as a guest would: the 8259A pair, the 8254 PIT, the 16550 UART, PCI
 * configuration mechanism #1, the CMOS RTC, the local APIC and the IO-APIC.
 * Time is a hand-moved clock, so every expected edge is exact.
 */
import { describe, expect, it } from 'vitest';
import { PicPair } from './pic.ts';
import { Pit8254, PIT_HZ, type TimerHost } from './pit.ts';
import { Uart16550 } from './uart.ts';
import { PciBus, PciFunction } from './pci.ts';
import { CmosRtc } from './rtc.ts';
import { LocalApic, ApicReg, type ApicHost } from './lapic.ts';
import { IoApic, IOAPIC_BASE } from './ioapic.ts';

/** A manual clock with an event list, standing in for the machine. */
class FakeClock implements TimerHost {
  t = 0;
  readonly frequency = 1_000_000_000;
  events = new Map<number, { at: number; fire: () => void }>();
  private next = 1;
  now(): number { return this.t; }
  schedule(at: number, fire: () => void): number { this.events.set(this.next, { at, fire }); return this.next++; }
  cancel(h: number): void { this.events.delete(h); }
  /** advance to `t`, firing due events in order */
  advance(t: number): void {
    for (;;) {
      let best: [number, { at: number; fire: () => void }] | undefined;
      for (const e of this.events) if (e[1].at <= t && (!best || e[1].at < best[1].at)) best = e;
      if (!best) break;
      this.events.delete(best[0]);
      this.t = best[1].at;
      best[1].fire();
    }
    this.t = t;
  }
}

function initPic(p: PicPair, autoEoi = false): void {
  p.write(0x20, 1, 0x11); p.write(0x21, 1, 0x20); p.write(0x21, 1, 0x04); p.write(0x21, 1, autoEoi ? 0x03 : 0x01);
  p.write(0xa0, 1, 0x11); p.write(0xa1, 1, 0x28); p.write(0xa1, 1, 0x02); p.write(0xa1, 1, 0x01);
}

describe('8259A PIC pair', () => {
  it('takes vector bases from ICW2 and clears the mask on init', () => {
    const p = new PicPair();
    initPic(p);
    expect(p.read(0x21)).toBe(0);
    p.raise(1);
    expect(p.pending()).toBe(0x21);
    p.raise(12);
    expect(p.acknowledge()).toBe(0x21); // IRQ 1 is more urgent than the slave, which sits on IRQ 2
  });

  it('masks lines through OCW1 and orders by priority', () => {
    const p = new PicPair();
    initPic(p);
    p.write(0x21, 1, 0x01); // mask IRQ 0
    p.raise(0);
    expect(p.pending()).toBe(-1);
    p.raise(3);
    p.raise(12);
    // slave (via IRQ 2) is more urgent than IRQ 3
    expect(p.acknowledge()).toBe(0x28 + 4);
    // IRQ 3 is lower priority than IRQ 2 in service: blocked until EOI
    expect(p.pending()).toBe(-1);
    p.write(0xa0, 1, 0x20); // EOI slave
    p.write(0x20, 1, 0x20); // EOI master
    expect(p.acknowledge()).toBe(0x23);
  });

  it('reads IRR and ISR through OCW3 and retires lines with specific EOI', () => {
    const p = new PicPair();
    initPic(p);
    p.raise(5);
    p.raise(6);
    expect(p.read(0x20)).toBe(0x60); // IRR
    expect(p.acknowledge()).toBe(0x25);
    p.write(0x20, 1, 0x0b); // OCW3: read ISR
    expect(p.read(0x20)).toBe(0x20);
    p.write(0x20, 1, 0x65); // specific EOI for line 5
    expect(p.read(0x20)).toBe(0);
    p.write(0x20, 1, 0x0a); // back to IRR
    expect(p.read(0x20)).toBe(0x40);
  });

  it('leaves nothing in service in auto-EOI mode', () => {
    const p = new PicPair();
    initPic(p, true);
    p.raise(4);
    expect(p.acknowledge()).toBe(0x24);
    p.raise(7);
    expect(p.acknowledge()).toBe(0x27); // would be blocked by 4 without auto-EOI
  });
});

describe('8254 PIT', () => {
  it('raises IRQ 0 every reload ticks in mode 2', () => {
    const clock = new FakeClock();
    let irqs = 0;
    const pit = new Pit8254(clock, () => irqs++);
    pit.write(0x43, 1, 0x34); // channel 0, lo/hi, mode 2
    pit.write(0x40, 1, 11932 & 0xff);
    pit.write(0x40, 1, 11932 >> 8); // ~100 Hz
    clock.advance(1_000_000_000); // one second
    expect(irqs).toBeGreaterThanOrEqual(99);
    expect(irqs).toBeLessThanOrEqual(100);
    const period = (11932 / PIT_HZ) * 1e9;
    expect(Math.abs(irqs - 1e9 / period)).toBeLessThan(1);
  });

  it('counts channel 2 down while the port 0x61 gate is up and shows OUT at bit 5', () => {
    const clock = new FakeClock();
    const pit = new Pit8254(clock, () => {});
    pit.write(0x61, 1, 0x00);
    pit.write(0x43, 1, 0xb0); // channel 2, lo/hi, mode 0
    pit.write(0x42, 1, 0xff);
    pit.write(0x42, 1, 0xff);
    clock.advance(10_000_000);
    expect(pit.read(0x61) & 0x20).toBe(0); // gate low: not counting
    pit.write(0x61, 1, 0x01);
    clock.advance(clock.t + 10_000_000); // 10 ms = 11932 ticks < 65535
    pit.write(0x43, 1, 0x80); // latch channel 2
    const lo = pit.read(0x42), hi = pit.read(0x42);
    const count = lo | (hi << 8);
    expect(65535 - count).toBeGreaterThan(11900);
    expect(65535 - count).toBeLessThan(11960);
    expect(pit.read(0x61) & 0x20).toBe(0);
    clock.advance(clock.t + 50_000_000);
    expect(pit.read(0x61) & 0x20).toBe(0x20);
  });
});

describe('16550 UART', () => {
  it('sends THR bytes to the sink by line and on flush, always ready to transmit', () => {
    const chunks: string[] = [];
    const u = new Uart16550(0x3f8, (b) => chunks.push(Buffer.from(b).toString()), () => {});
    expect(u.read(0x3fd) & 0x60).toBe(0x60);
    for (const c of 'hi\nyo') u.write(0x3f8, 1, c.charCodeAt(0));
    expect(chunks).toEqual(['hi\n']);
    u.flush();
    expect(chunks).toEqual(['hi\n', 'yo']);
  });

  it('keeps the divisor latch apart from THR and IER, and receives host input', () => {
    const out: number[] = [];
    let irqs = 0;
    const u = new Uart16550(0x3f8, (b) => out.push(...b), () => irqs++);
    u.write(0x3fb, 1, 0x80);
    u.write(0x3f8, 1, 0x01);
    u.write(0x3f9, 1, 0x00);
    u.write(0x3fb, 1, 0x03);
    u.flush();
    expect(out).toEqual([]);
    expect(u.read(0x3fb)).toBe(0x03);
    u.write(0x3f9, 1, 0x01); // receive interrupt
    expect(u.receive(Uint8Array.from([0x41]))).toBe(0); // RTS not asserted: no input flows
    u.write(0x3fc, 1, 0x0b); // DTR, RTS, OUT2
    expect(u.receive(Uint8Array.from([0x41]))).toBe(1);
    expect(irqs).toBe(1);
    expect(u.read(0x3fa) & 0x0f).toBe(0x04);
    expect(u.read(0x3fd) & 1).toBe(1);
    expect(u.read(0x3f8)).toBe(0x41);
    expect(u.read(0x3fd) & 1).toBe(0);
  });
});

describe('16550 UART receive side', () => {
  function listening(): { u: Uart16550; irqs: () => number } {
    let n = 0;
    const u = new Uart16550(0x3f8, () => {}, () => n++);
    u.write(0x3fc, 1, 0x0b);
    u.write(0x3f9, 1, 0x01);
    return { u, irqs: () => n };
  }

  it('takes at most its 16-byte FIFO and asks for more as the guest reads', () => {
    const { u } = listening();
    const src = Uint8Array.from({ length: 40 }, (_, k) => k);
    let at = u.receive(src);
    expect(at).toBe(16);
    let asked = 0;
    u.onRxSpace = () => { asked++; at += u.receive(src.subarray(at)); };
    const got: number[] = [];
    while (u.read(0x3fd) & 1) got.push(u.read(0x3f8));
    expect(got).toEqual([...src]);
    expect(asked).toBe(40);
    expect(u.received).toBe(40);
  });

  it('raises its IRQ when the interrupt level rises, not for every byte', () => {
    const { u, irqs } = listening();
    u.receive(Uint8Array.from([1]));
    u.receive(Uint8Array.from([2]));
    expect(irqs()).toBe(1);
    u.read(0x3f8);
    u.read(0x3f8);
    expect(u.read(0x3fa) & 0x0f).toBe(0x01); // no interrupt pending
    u.receive(Uint8Array.from([3]));
    expect(irqs()).toBe(2);
  });

  it('drops what the FIFO holds on a receive FIFO reset, and lets input flow again when RTS rises', () => {
    const { u } = listening();
    u.receive(Uint8Array.from([1, 2, 3]));
    let asked = 0;
    u.onRxSpace = () => asked++;
    u.write(0x3fa, 1, 0x03); // FIFO enable, clear receive FIFO
    expect(u.read(0x3fd) & 1).toBe(0);
    u.write(0x3fc, 1, 0x08); // RTS down
    expect(u.rxSpace).toBe(0);
    u.write(0x3fc, 1, 0x0b); // RTS up
    expect(asked).toBe(2);
    expect(u.rxSpace).toBe(16);
  });
});

describe('PCI configuration mechanism #1', () => {
  it('shows the host bridge at 00:00.0 and nothing at an empty slot', () => {
    const pci = new PciBus();
    pci.write(0xcf8, 4, 0x80000000);
    expect(pci.read(0xcfc, 4) >>> 0).toBe(0x12378086);
    expect(pci.read(0xcfe, 2)).toBe(0x1237);
    pci.write(0xcf8, 4, 0x80000008);
    expect(pci.read(0xcfc, 4) >>> 8).toBe(0x060000);
    pci.write(0xcf8, 4, 0x80000800); // device 1
    expect(pci.read(0xcfc, 4)).toBe(-1);
    pci.write(0xcf8, 4, 0x00000000); // enable bit clear
    expect(pci.read(0xcfc, 4)).toBe(-1);
  });

  it('sizes a registered expansion ROM BAR', () => {
    const pci = new PciBus();
    const f = new PciFunction('vmi', { vendor: 0x15ad, device: 0x0801, classCode: 0x088000 });
    f.setExpansionRom(0xc8000, 4096);
    pci.register(0, pci.freeSlot(), 0, f);
    pci.write(0xcf8, 4, 0x80000800);
    expect(pci.read(0xcfc, 4) >>> 0).toBe(0x080115ad);
    pci.write(0xcf8, 4, 0x80000830);
    expect(pci.read(0xcfc, 4) >>> 0).toBe(0xc8001);
    pci.write(0xcfc, 4, -1);
    expect(pci.read(0xcfc, 4) >>> 0).toBe(0xfffff001);
    // read-only IDs stay put
    pci.write(0xcf8, 4, 0x80000800);
    pci.write(0xcfc, 4, 0);
    expect(pci.read(0xcfc, 2)).toBe(0x15ad);
  });
});

describe('CMOS RTC', () => {
  it('reads the wall clock in BCD or binary as register B says', () => {
    const t = Date.UTC(2026, 10, 24, 21, 5, 9);
    const rtc = new CmosRtc(() => BigInt(t) * 1_000_000n, 128 << 20);
    const reg = (r: number) => { rtc.write(0x70, 1, r); return rtc.read(0x71); };
    expect(reg(0)).toBe(0x09);
    expect(reg(2)).toBe(0x05);
    expect(reg(4)).toBe(0x21);
    expect(reg(9)).toBe(0x26);
    expect(reg(0x32)).toBe(0x20);
    rtc.write(0x70, 1, 0x0b);
    rtc.write(0x71, 1, 0x06); // binary, 24h
    expect(reg(4)).toBe(21);
    expect(reg(8)).toBe(11);
    rtc.write(0x70, 1, 0x0b);
    rtc.write(0x71, 1, 0x00); // BCD, 12h
    expect(reg(4)).toBe(0x89); // 9 pm
  });
});

function apicWith(clock: FakeClock, ipis: [number, number][] = [], kicks = { n: 0 }): LocalApic {
  const host: ApicHost = {
    now: () => clock.now(), frequency: clock.frequency,
    schedule: (at, fire) => clock.schedule(at, fire), cancel: (h) => clock.cancel(h),
    sendIpi: (_f, lo, hi) => { ipis.push([lo, hi]); }, kick: () => { kicks.n++; },
  };
  const a = new LocalApic(0, host);
  a.write(ApicReg.SVR, 0x1ff);
  return a;
}

describe('local APIC', () => {
  it('asks the vCPU to look for interrupts only where one may have become deliverable (EOI, lowered TPR)', () => {
    const kicks = { n: 0 };
    const a = apicWith(new FakeClock(), [], kicks);
    a.write(ApicReg.TPR, 0x40);
    a.raise(0x30);
    expect(a.pending()).toBe(-1);
    const before = kicks.n;
    // nothing in service, the same or a higher priority: nothing can change
    a.write(ApicReg.EOI, 0);
    a.write(ApicReg.TPR, 0x40);
    a.write(ApicReg.TPR, 0x50);
    expect(kicks.n).toBe(before);
    a.write(ApicReg.TPR, 0x20);
    expect(kicks.n).toBe(before + 1);
    expect(a.pending()).toBe(0x30);
    a.ack(0x30);
    a.write(ApicReg.EOI, 0);
    expect(kicks.n).toBe(before + 2);
    expect(a.read(ApicReg.ISR + 0x10)).toBe(0);
  });

  it('retires nested in-service vectors highest first, each EOI letting the next class through', () => {
    const a = apicWith(new FakeClock());
    for (const v of [0x31, 0x62, 0xa3]) { a.raise(v); expect(a.pending()).toBe(v); a.ack(v); }
    // three in service, in three words of ISR: a lower class waits behind each
    a.raise(0x25);
    expect(a.pending()).toBe(-1);
    a.raise(0x70);
    expect(a.pending()).toBe(-1); // below 0xa3's class
    a.write(ApicReg.EOI, 0); // retires 0xa3
    expect(a.read(ApicReg.ISR + 0x50)).toBe(0);
    expect(a.read(ApicReg.PPR)).toBe(0x60);
    expect(a.pending()).toBe(0x70);
    a.write(ApicReg.EOI, 0); // retires 0x62
    expect(a.read(ApicReg.PPR)).toBe(0x30);
    a.write(ApicReg.EOI, 0); // retires 0x31
    expect(a.read(ApicReg.PPR)).toBe(0);
    expect(a.pending()).toBe(0x70);
    a.write(ApicReg.EOI, 0); // nothing in service: nothing changes
    expect(a.read(ApicReg.PPR)).toBe(0);
    a.ack(0x70);
    expect(a.read(ApicReg.PPR)).toBe(0x70);
    expect(a.pending()).toBe(-1);
    a.reset();
    expect(a.read(ApicReg.PPR)).toBe(0);
  });

  it('fires the timer once in one-shot mode with the divide configuration applied', () => {
    const clock = new FakeClock();
    const a = apicWith(clock);
    a.write(ApicReg.TIMER_DCR, 0x3); // divide by 16
    a.write(ApicReg.LVT_TIMER, 0x40);
    a.write(ApicReg.TIMER_ICR, 1000);
    clock.advance(8000);
    expect(a.read(ApicReg.TIMER_CCR)).toBe(500);
    clock.advance(15_999);
    expect(a.pending()).toBe(-1);
    clock.advance(16_000);
    expect(a.pending()).toBe(0x40);
    expect(a.read(ApicReg.TIMER_CCR)).toBe(0);
    a.ack(0x40); a.eoi();
    clock.advance(100_000);
    expect(a.pending()).toBe(-1);
    expect(a.timerFires).toBe(1);
  });

  it('fires periodically, at most once per period', () => {
    const clock = new FakeClock();
    const a = apicWith(clock);
    a.write(ApicReg.TIMER_DCR, 0xb); // divide by 1
    a.write(ApicReg.LVT_TIMER, 0x20000 | 0x41);
    a.write(ApicReg.TIMER_ICR, 1000);
    clock.advance(10_500);
    expect(a.timerFires).toBe(10);
    expect(a.read(ApicReg.TIMER_CCR)).toBe(500);
  });

  it('orders by priority class, honours TPR and retires the highest ISR bit on EOI', () => {
    const a = apicWith(new FakeClock());
    a.raise(0x31);
    a.raise(0x52);
    expect(a.pending()).toBe(0x52);
    a.ack(0x52);
    expect(a.pending()).toBe(-1); // 0x31 is a lower class than 0x52 in service
    expect(a.read(ApicReg.ISR + 0x20) >>> 0).toBe(1 << 18);
    a.write(ApicReg.EOI, 0);
    expect(a.pending()).toBe(0x31);
    a.write(ApicReg.TPR, 0x40);
    expect(a.pending()).toBe(-1);
    expect(a.read(ApicReg.IRR + 0x10) >>> 0).toBe(1 << 17);
  });

  it('passes ICR writes to the machine with the high half and never reads as pending', () => {
    const ipis: [number, number][] = [];
    const a = apicWith(new FakeClock(), ipis);
    a.write(ApicReg.ICR_HI, 0x03000000);
    a.write(ApicReg.ICR_LO, 0x4608);
    expect(ipis).toEqual([[0x4608, 0x03000000]]);
    expect(a.read(ApicReg.ICR_LO) & 0x1000).toBe(0);
    expect(a.read(ApicReg.VERSION)).toBe(0x00050014);
  });

  it('matches logical destinations in flat and cluster models', () => {
    const a = apicWith(new FakeClock());
    a.write(ApicReg.LDR, 0x04000000);
    expect(a.matchesLogical(0x06)).toBe(true);
    expect(a.matchesLogical(0x01)).toBe(false);
    a.write(ApicReg.DFR, 0x0fffffff);
    a.write(ApicReg.LDR, 0x21000000);
    expect(a.matchesLogical(0x21)).toBe(true);
    expect(a.matchesLogical(0x11)).toBe(false);
  });
});

describe('IO-APIC', () => {
  it('sends unmasked pins to their destination with the programmed vector, IRQ 0 on pin 2', () => {
    const sent: number[][] = [];
    const io = new IoApic({ deliver: (v, mode, logical, dest) => sent.push([v, mode, logical ? 1 : 0, dest]) });
    io.write(IOAPIC_BASE, 4, 1);
    expect((io.read(IOAPIC_BASE + 0x10, 4) >>> 16) & 0xff).toBe(23);
    io.raiseIsa(0);
    expect(sent).toEqual([]); // masked after reset
    io.write(IOAPIC_BASE, 4, 0x10 + 2 * 2);
    io.write(IOAPIC_BASE + 0x10, 4, 0x30);
    io.write(IOAPIC_BASE, 4, 0x10 + 2 * 2 + 1);
    io.write(IOAPIC_BASE + 0x10, 4, 0x01000000);
    io.raiseIsa(0);
    expect(sent).toEqual([[0x30, 0, 0, 1]]);
  });
});
