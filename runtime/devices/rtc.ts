/**
 * The CMOS real-time clock and its 128 bytes of NVRAM (index port 0x70, bit
 * 7 of which is the NMI mask; data port 0x71).
 *
 * The time registers are computed on each read from the machine's wall
 * clock (the --rtc-base time at power-on plus elapsed machine time), in BCD or binary and
 * 12- or 24-hour form as register B says. Register A never shows "update in
 * progress", C reads (and clears) no pending flags, D says the battery is
 * good. Writes to the time registers are accepted but the clock keeps
 * following the host. The NVRAM holds the memory size the way a BIOS
 * leaves it (0x15-0x18, 0x30-0x31, 0x34-0x35).
 */
import type { PortDevice } from './ports.ts';

export class CmosRtc implements PortDevice {
  readonly name = 'rtc';
  private index = 0;
  readonly nvram = new Uint8Array(128);

  constructor(private readonly wallclockNs: () => bigint, memBytes: number) {
    this.nvram[0x0a] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.nvram[0x0b] = 0x02; // 24-hour, BCD
    this.nvram[0x0d] = 0x80; // valid RAM and time
    const extKiB = Math.min(0xffff, Math.max(0, memBytes / 1024 - 1024));
    this.nvram[0x15] = 0x80; this.nvram[0x16] = 0x02; // 640 KiB base memory
    this.nvram[0x17] = this.nvram[0x30] = extKiB & 0xff;
    this.nvram[0x18] = this.nvram[0x31] = extKiB >> 8;
    // memory above 16 MiB in 64 KiB units
    const above16 = Math.min(0xffff, Math.max(0, (memBytes - 16 * 1024 * 1024) / 65536));
    this.nvram[0x34] = above16 & 0xff;
    this.nvram[0x35] = above16 >> 8;
  }

  private encode(v: number): number {
    return this.nvram[0x0b] & 0x04 ? v : ((Math.floor(v / 10) << 4) | v % 10);
  }

  /** The register `r` as the guest reads it now. */
  register(r: number): number {
    if (r > 9 && r !== 0x32) {
      if (r === 0x0c) { const v = this.nvram[0x0c]; this.nvram[0x0c] = 0; return v; }
      return this.nvram[r];
    }
    const d = new Date(Number(this.wallclockNs() / 1_000_000n));
    switch (r) {
      case 0: return this.encode(d.getUTCSeconds());
      case 2: return this.encode(d.getUTCMinutes());
      case 4: {
        const h = d.getUTCHours();
        if (this.nvram[0x0b] & 0x02) return this.encode(h);
        const h12 = h % 12 === 0 ? 12 : h % 12;
        return this.encode(h12) | (h >= 12 ? 0x80 : 0);
      }
      case 6: return this.encode(d.getUTCDay() + 1);
      case 7: return this.encode(d.getUTCDate());
      case 8: return this.encode(d.getUTCMonth() + 1);
      case 9: return this.encode(d.getUTCFullYear() % 100);
      case 0x32: return this.encode(Math.floor(d.getUTCFullYear() / 100));
      default: return this.nvram[r]; // alarm registers 1, 3, 5
    }
  }

  read(port: number): number {
    if (port === 0x70) return 0xff;
    return this.register(this.index);
  }

  write(port: number, _size: number, value: number): void {
    if (port === 0x70) { this.index = value & 0x7f; return; }
    const r = this.index;
    if (r === 0x0c || r === 0x0d) return; // read-only
    if (r === 0x0a) { this.nvram[r] = value & 0x7f; return; } // UIP is read-only
    this.nvram[r] = value & 0xff;
  }
}
