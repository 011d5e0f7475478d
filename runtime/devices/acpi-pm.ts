/**
 * The ACPI fixed hardware the FADT (loader/acpi.ts) points at, laid out as
 * on QEMU's PIIX4 power-management function: the PM1a event block (PM1_STS
 * and PM1_EN, ports 0x600-0x603), the PM1a control block (PM1_CNT, ports
 * 0x604-0x605) and the 32-bit PM timer (ports 0x608-0x60B).
 *
 * The machine is always in ACPI mode: the FADT has no SMI command port, so
 * SCI_EN reads 1 and cannot be cleared. Writing PM1_CNT with SLP_EN set and
 * SLP_TYP equal to the value the DSDT's \_S5 package names powers the
 * machine off (the `powerOff` callback); any other sleep type is one the
 * DSDT does not offer and is ignored. PM1_STS bits are write-one-to-clear;
 * no event sets them and no SCI is raised (no power button, no GPEs).
 *
 * The PM timer counts at 3.579545 MHz from the machine's real time, so it
 * agrees with the PIT, the TSC and the local APIC timers.
 */
import type { PortDevice } from './ports.ts';

export const PM_BASE = 0x600;
export const PM1A_EVT_BLK = PM_BASE;
export const PM1A_CNT_BLK = PM_BASE + 4;
export const PM_TMR_BLK = PM_BASE + 8;
export const PM_PORTS = 12;
export const PM_TIMER_HZ = 3_579_545;
/** SLP_TYP of S5 (soft off), as PIIX4 encodes it; the DSDT's \_S5 package names this value */
export const S5_SLP_TYP = 0;

const SCI_EN = 0x0001;
const SLP_EN = 0x2000;
const SLP_TYP_SHIFT = 10;

export interface PmClock {
  /** real time in cycles */
  now(): number;
  readonly frequency: number;
}

export class AcpiPm implements PortDevice {
  readonly name = 'acpi-pm';
  private sts = 0;
  private en = 0;
  /** PM1_CNT bits other than SCI_EN and SLP_EN (SLP_TYP, GBL_RLS, BM_RLD) */
  private cnt = 0;

  constructor(private readonly clock: PmClock, private readonly powerOff: () => void) {}

  /** PM timer ticks since power-on (exact integer arithmetic: cycles can exceed 2^53 / 3.58e6). */
  timer(): number {
    const t = this.clock.now();
    const f = this.clock.frequency;
    const whole = Math.floor(t / f);
    const rest = t - whole * f;
    return (whole * PM_TIMER_HZ + Math.floor((rest * PM_TIMER_HZ) / f)) >>> 0;
  }

  /** The 16-bit register at `reg` (0 PM1_STS, 2 PM1_EN, 4 PM1_CNT). */
  private reg16(reg: number): number {
    if (reg === 0) return this.sts;
    if (reg === 2) return this.en;
    if (reg === 4) return this.cnt | SCI_EN;
    return 0;
  }

  read(port: number, size: number): number {
    const off = port - PM_BASE;
    if (off >= 8) return size === 4 ? this.timer() | 0 : (this.timer() >>> ((off - 8) * 8)) & (size === 1 ? 0xff : 0xffff);
    const word = this.reg16(off & ~1);
    if (size === 4) return (word | (this.reg16((off & ~1) + 2) << 16)) | 0;
    const v = off & 1 ? word >>> 8 : word;
    return size === 1 ? v & 0xff : v & 0xffff;
  }

  write(port: number, size: number, value: number): void {
    const off = port - PM_BASE;
    if (off >= 8) return; // the timer is read-only
    if (size === 4) {
      this.write(port, 2, value & 0xffff);
      this.write(port + 2, 2, value >>> 16);
      return;
    }
    // a byte write to the odd half lands in the high byte of its word
    const reg = off & ~1;
    const v = size === 1 && off & 1 ? (value & 0xff) << 8 : value & (size === 1 ? 0xff : 0xffff);
    if (reg === 0) this.sts &= ~v;
    else if (reg === 2) this.en = v & 0x0521; // TMR_EN, GBL_EN, PWRBTN_EN, RTC_EN
    else if (reg === 4) this.writeCnt(v);
  }

  private writeCnt(v: number): void {
    this.cnt = v & ~(SCI_EN | SLP_EN);
    if (v & SLP_EN && ((v >> SLP_TYP_SHIFT) & 7) === S5_SLP_TYP) this.powerOff();
  }
}
