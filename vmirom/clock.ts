/**
 * The VMI time calls' hypervisor side (ABI.md section 6): one alarm per vCPU
 * on real time and one on available time, and the wall clock's "updated"
 * test. The counters themselves are the machine's (runtime/machine-api.ts).
 *
 * A periodic alarm fires at e0 + p * i and, after firing, is re-armed at the
 * first such value beyond the counter's value then: a late alarm fires once,
 * not once per missed period. Setting an armed alarm cancels it first.
 */
import { AlarmClock, type VcpuVmi } from './state.ts';

/** Arm alarm `c` for its next expiry. */
function armAlarm(ctx: VcpuVmi, c: AlarmClock): void {
  const a = ctx.alarms[c];
  a.armed = true;
  a.handle = ctx.machine.scheduleEvent(ctx.vcpu.id, c === AlarmClock.REAL ? 'real' : 'available', a.expiry, () => fireAlarm(ctx, c));
}

/**
 * An alarm expired: deliver it, and re-arm a periodic one at the first
 * base + period * i beyond the counter's value now (a late alarm fires once,
 * not once per missed period).
 */
export function fireAlarm(ctx: VcpuVmi, c: AlarmClock): void {
  const a = ctx.alarms[c];
  a.armed = false;
  a.handle = -1;
  a.fired++;
  if (a.apic) ctx.vcpu.apic.raise(ctx.vcpu.apic.timerVector());
  else ctx.machine.raiseIrq(0);
  if (a.period > 0n) {
    const now = ctx.clock(c);
    a.expiry = now < a.base ? a.base : a.base + a.period * ((now - a.base) / a.period + 1n);
    armAlarm(ctx, c);
  }
}

export function cancelAlarm(ctx: VcpuVmi, counter: number): number {
  if (counter !== AlarmClock.REAL && counter !== AlarmClock.AVAILABLE) return 0;
  const a = ctx.alarms[counter];
  const was = a.armed;
  if (a.handle >= 0) ctx.machine.cancelEvent(a.handle);
  a.armed = false;
  a.handle = -1;
  return was ? 1 : 0;
}

export function setAlarm(ctx: VcpuVmi, flags: number, expiry: bigint, period: bigint): void {
  const counter = flags & 0xff;
  if (counter !== AlarmClock.REAL && counter !== AlarmClock.AVAILABLE) return; // stolen time has no alarm
  cancelAlarm(ctx, counter);
  const a = ctx.alarms[counter];
  a.base = a.expiry = expiry;
  a.period = flags & 0x100 ? period : 0n;
  a.apic = (flags & 0x10000) !== 0;
  armAlarm(ctx, counter);
}

/** moved by more than this relative to real time, the wall clock counts as updated */
const WALLCLOCK_SLACK_NS = 1_000_000n;

/** wall clock minus real time, in ns */
export function wallOffset(ctx: VcpuVmi): bigint {
  const m = ctx.machine;
  return m.wallclockNs() - (m.cycleFrequency > 0n ? (m.realTime() * 1_000_000_000n) / m.cycleFrequency : 0n);
}

/** WallclockUpdated: 1 once after the wall clock moved relative to real time since the last look. */
export function wallclockUpdated(ctx: VcpuVmi): number {
  const now = wallOffset(ctx);
  const before = ctx.wallOffset ?? now;
  const delta = now > before ? now - before : before - now;
  ctx.wallOffset = now;
  return delta > WALLCLOCK_SLACK_NS ? 1 : 0;
}
