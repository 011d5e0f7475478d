/**
 * Machine time: the VMI clocks (ABI section 6) and the event queue that
 * timers (PIT, local APIC timer, VMI alarms) are built on.
 *
 * vmidbt runs its vCPUs one after another on one host thread, so the model
 * is that of one physical CPU time-shared by N vCPUs. "Real" time is one
 * counter shared by everyone. By default it is virtual and deterministic: it
 * advances by `cyclesPerInstruction` for every guest instruction any vCPU
 * retires (nominally 1 cycle per instruction at 1 GHz), and jumps forward
 * to the next event when every vCPU is halted. With `hostTime` it follows
 * the host's monotonic clock instead (and the machine sleeps when idle).
 *
 * Each vCPU splits real time into "available" (it was running, halted, or
 * not started yet) and "stolen" (it was ready to run while another vCPU had
 * the host), so real = available + stolen for every vCPU at every moment.
 * Time is attributed at slice boundaries; between them the running vCPU's
 * clocks are extrapolated from its instruction count (or the host clock).
 *
 * Events are kept in a small array (a handful per vCPU): each is due when
 * its vCPU's real or available clock reaches `at`; the machine fires due
 * events of a vCPU when it schedules that vCPU, and bounds slices so that an
 * event of the running vCPU fires at exactly the instruction it is due at.
 * An event the running vCPU schedules for itself mid-slice (a timer it
 * programs) that falls due before its slice would end cuts the slice
 * (`onSliceCut`): the machine ends it after the current instruction, and
 * the next slice is bounded by that event like any other. When the running
 * vCPU is the only one ready (the others halted or not started), its slice
 * is bounded by every vCPU's events, and one it schedules for another (a
 * machine timer belongs to vCPU 0) cuts it the same way. So a long slice
 * never makes an event late, and the slice length is a pure speed choice.
 *
 * A port access takes guest time of its own (`stall`): on a PC an I/O
 * cycle to a chipset or ISA device takes about a microsecond whatever the
 * CPU's speed (Linux's io_delay, an `out` to port 0x80, is that delay), and
 * a guest that counts loop iterations against a timer it reads through a
 * port (Linux checks the ACPI PM timer's rate against PIT channel 2 that
 * way, for 50 ms) spins 1,000 times longer in instructions if a port access
 * costs one cycle. The stall moves real time on mid-slice; an event it makes
 * due before the slice's end cuts the slice like one scheduled mid-slice.
 */
import { host } from '../base/host.ts';
import { widen } from '../base/wide-fields.ts';

export type ClockKind = 'real' | 'available';

export interface TimeOptions {
  /** cycles per second of every clock (default 1 GHz) */
  frequency?: number;
  /** cycles charged per retired guest instruction in virtual mode (default 1) */
  cyclesPerInstruction?: number;
  /** follow the host's monotonic clock instead of counting instructions */
  hostTime?: boolean;
}

interface TimeEvent {
  handle: number;
  vcpu: number;
  clock: ClockKind;
  at: number;
  fire: () => void;
}

/** The running vCPU as the clock sees it: how many instructions it has retired so far. */
export interface InstructionSource {
  readonly instructions: number;
}

export class MachineTime {
  readonly frequency: number;
  readonly cyclesPerInstruction: number;
  readonly hostTime: boolean;
  /** real time (cycles) at the start of the current slice, or the last sync */
  private realBase = 0;
  private readonly available: number[];
  private readonly stolen: number[];
  /** the vCPU inside a slice, and what counts its instructions */
  private running = -1;
  private runningSource: InstructionSource | null = null;
  /** the instruction count at which the running slice ends (Infinity: not bounded) */
  private runningEndInstr = Infinity;
  /** the running slice was begun as the only ready vCPU's (`beginSlice`) */
  private runningAlone = false;
  /**
   * Real time in the running slice less its instructions' cycles: realBase
   * minus the instruction count at the slice's start times the cycles per
   * instruction, plus the cycles its port accesses took (`stall`). Kept up
   * to date so that a clock read (rdtsc, GetCycleCounter, the APIC timer)
   * is one multiply and one add; every term is a whole number below 2^53,
   * so the sum is exact.
   */
  private runningOffset = 0;
  /**
   * Cycles of further stall the running slice can take before any event
   * could fall due before its end (negative: look at the events again).
   * Retiring instructions moves an event's due time and the slice's end
   * alike, so only stalls spend it; a new event or slice resets it.
   */
  private stallSlack = -1;
  /** asked to end the running slice after the current instruction: an event it scheduled falls due before the slice's end */
  onSliceCut: (() => void) | null = null;
  private readonly hostStart = host().now();
  /** host milliseconds during which the machine was paused (excluded from host time) */
  private pausedMs = 0;
  private events: TimeEvent[] = [];
  private nextHandle = 1;

  constructor(readonly vcpuCount: number, opts: TimeOptions = {}) {
    // cycle and instruction counts pass 2^31 (base/wide-fields.ts)
    widen(this, ['realBase', 'runningOffset', 'stallSlack']);
    this.frequency = opts.frequency ?? 1_000_000_000;
    this.cyclesPerInstruction = opts.cyclesPerInstruction ?? 1;
    this.hostTime = opts.hostTime ?? false;
    this.available = new Array<number>(vcpuCount).fill(0);
    this.stolen = new Array<number>(vcpuCount).fill(0);
  }

  private hostNow(): number {
    return Math.floor(((host().now() - this.hostStart - this.pausedMs) * this.frequency) / 1000);
  }

  /** Real time in cycles, live (includes the running slice so far). */
  now(): number {
    if (this.hostTime) return Math.max(this.hostNow(), this.realBase);
    const src = this.runningSource;
    return src !== null ? src.instructions * this.cyclesPerInstruction + this.runningOffset : this.realBase;
  }

  /** Available time of a vCPU, live. */
  availableOf(v: number): number {
    if (v === this.running) return this.available[v] + (this.now() - this.realBase);
    return this.available[v];
  }

  /** Stolen time of a vCPU, live: real minus available, by construction. */
  stolenOf(v: number): number {
    return this.now() - this.availableOf(v);
  }

  clockOf(v: number, clock: ClockKind): number {
    return clock === 'real' ? this.now() : this.availableOf(v);
  }

  /**
   * A slice of vCPU `v` starts; `src` counts its instructions; it runs at
   * most `instructions` of them. `alone`: no other vCPU is ready, so events
   * of the others that fall due during the slice cut it too (they fire at
   * their vCPU's next turn, which the machine then gives at once).
   */
  beginSlice(v: number, src: InstructionSource, instructions = Infinity, alone = false): void {
    this.syncTo(this.now(), -1, null);
    this.stallSlack = -1;
    this.running = v;
    this.runningAlone = alone;
    this.runningSource = src;
    this.runningOffset = this.realBase - src.instructions * this.cyclesPerInstruction;
    this.runningEndInstr = src.instructions + instructions;
  }

  /**
   * The slice ends: the time it took is available to the vCPU that ran and
   * to those that were halted, and stolen from those that were ready.
   */
  endSlice(ready: (v: number) => boolean): void {
    const v = this.running;
    const end = this.now();
    this.runningSource = null;
    this.running = -1;
    this.runningAlone = false;
    this.syncTo(end, v, ready);
  }

  /** Attribute [realBase, t) and move realBase to t. */
  private syncTo(t: number, ranVcpu: number, ready: ((v: number) => boolean) | null): void {
    const d = t - this.realBase;
    if (d <= 0) return;
    for (let u = 0; u < this.vcpuCount; u++) {
      if (u !== ranVcpu && ready && ready(u)) this.stolen[u] += d;
      else this.available[u] += d;
    }
    this.realBase = t;
  }

  /**
   * Everyone is idle: let real time reach `t` (virtual mode jumps; host mode
   * only records what has passed). Idle time is available to every vCPU.
   */
  advanceIdle(t: number): void {
    this.syncTo(Math.max(t, this.realBase), -1, null);
  }

  /** Exclude a host pause from host time (the VM was stopped). */
  addPause(ms: number): void {
    this.pausedMs += ms;
  }

  // ---- events ------------------------------------------------------------------------

  schedule(vcpu: number, clock: ClockKind, at: number, fire: () => void): number {
    const handle = this.nextHandle++;
    const e: TimeEvent = { handle, vcpu, clock, at, fire };
    this.events.push(e);
    this.stallSlack = -1;
    this.cutIfDue(e);
    return handle;
  }

  /**
   * A port access took `cycles` of guest time (virtual mode only: host time
   * passes by itself). Events of the running slice it makes due cut it.
   */
  stall(cycles: number): void {
    if (this.hostTime || cycles <= 0) return;
    if (this.runningSource === null) { this.syncTo(this.realBase + cycles, -1, null); return; }
    this.runningOffset += cycles;
    // a port access is frequent (Linux's io_delay, a polling loop) and events few: look only when one may be due
    if ((this.stallSlack -= cycles) >= 0) return;
    let slack = Infinity;
    for (const e of this.events) slack = Math.min(slack, this.cutIfDue(e));
    this.stallSlack = slack;
  }

  /**
   * End the running slice after this instruction if event `e` (one the
   * slice is bounded by) falls due before the slice ends. Returns the
   * cycles of stall that would still leave it due no earlier than the
   * slice's end (Infinity for an event that does not bound the slice).
   */
  private cutIfDue(e: TimeEvent): number {
    const src = this.runningSource;
    if ((e.vcpu === this.running || this.runningAlone) && src !== null && !this.hostTime) {
      // due at the end of the instruction that retires the clock past `at` (the slice bound's arithmetic);
      // another vCPU's clocks move with real time while it is not ready (its time is available, attributed at the slice's end)
      const clockNow = e.vcpu === this.running || e.clock === 'real' ? this.clockOf(e.vcpu, e.clock) : this.available[e.vcpu] + (this.now() - this.realBase);
      const dueInstr = src.instructions + Math.max(0, Math.ceil((e.at - clockNow) / this.cyclesPerInstruction));
      if (dueInstr < this.runningEndInstr) {
        this.runningEndInstr = dueInstr;
        this.onSliceCut?.();
      }
      // a stall of c cuts once e.at - clockNow - c <= (end - instructions - 1) * cycles per instruction
      return e.at - clockNow - (this.runningEndInstr - src.instructions - 1) * this.cyclesPerInstruction - 1;
    }
    return Infinity;
  }

  cancel(handle: number): void {
    const i = this.events.findIndex((e) => e.handle === handle);
    if (i >= 0) this.events.splice(i, 1);
  }

  get pendingEvents(): number {
    return this.events.length;
  }

  /** Fire every event of vCPU `v` that is due now, in order of due time; returns how many fired. */
  fireDue(v: number): number {
    let fired = 0;
    for (;;) {
      let best: TimeEvent | undefined;
      for (const e of this.events) {
        if (e.vcpu !== v || e.at > this.clockOf(v, e.clock)) continue;
        if (!best || e.at < best.at) best = e;
      }
      if (!best) return fired;
      this.cancel(best.handle);
      best.fire();
      fired++;
    }
  }

  /** Cycles of vCPU `v`'s own progress until its next event (Infinity if none). */
  cyclesToNextEvent(v: number): number {
    let best = Infinity;
    for (const e of this.events) {
      if (e.vcpu !== v) continue;
      const d = e.at - this.clockOf(v, e.clock);
      if (d < best) best = d;
    }
    return best;
  }

  /**
   * The real time at which the earliest event of any vCPU in `who` becomes
   * due if all of them stay idle (available time then grows with real time).
   */
  nextEventRealTime(who: (v: number) => boolean): number {
    const now = this.now();
    let best = Infinity;
    for (const e of this.events) {
      if (!who(e.vcpu)) continue;
      const t = e.clock === 'real' ? e.at : now + (e.at - this.availableOf(e.vcpu));
      if (t < best) best = t;
    }
    return best;
  }

  /** Clocks as bigints for the VMI side. */
  realBig(): bigint {
    return BigInt(this.now());
  }
}
