/**
 * One guest run in the page: the machine of cli/boot.ts (translator and
 * VMI ROM, as `vmidbt run` has them), driven in slices of `SLICE_MS` from
 * the page's event loop so typing, painting and the counters keep up, and
 * rebooted on a guest reset as `vmidbt run` does (a soft reset keeps RAM).
 *
 * Owns: the running machine, its input queue (keys wait here until the
 * UART's 16-byte FIFO has room), and the figures the counters show
 * (`sample()`). Whoever creates a session gives it the console's sink and
 * is told once when the run ends; a stopped session stays readable.
 */
import { host } from '../../base/host.ts';
import type { StopInfo } from '../../runtime/machine.ts';
import { isLinuxImage } from '../../runtime/loader/linux.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import { PROPOSAL } from '../../vmirom/abis.ts';
import { bootMachine, type Booted, type BootSpec } from '../../cli/boot.ts';
import { InputQueue } from '../../cli/serial-input.ts';

/** host milliseconds of guest execution between two turns of the page's event loop */
export const SLICE_MS = 30;

export interface GuestChoice {
  /** what the guest sees as its name (a Multiboot kernel's command line starts with it) */
  name: string;
  image: Uint8Array;
  /** the kernel command line after the name (Linux: all of it) */
  append: string;
  /** Linux's initrd, or a Multiboot kernel's one module */
  initrd?: { name: string; data: Uint8Array };
  smp: number;
  memMiB: number;
  /** false: hide the VMI ROM, the guest runs natively */
  rom: boolean;
}

export interface Counters {
  running: boolean;
  instructions: number;
  /** guest instructions per host microsecond since the previous sample (0 while paused or stopped) */
  mips: number;
  /** the same over the whole run so far (this boot) */
  averageMips: number;
  /** share of all instructions so far that ran in translated code */
  translatedShare: number;
  translations: number;
  jsBytes: number;
  guestSeconds: number;
  wallSeconds: number;
  reboots: number;
  /** bytes typed that the guest has not read yet */
  inputWaiting: number;
  /** VMI calls by name, most frequent first: inlined by the translator or called through the ROM */
  vmiCalls: { name: string; inlined: number; called: number }[];
}

export class Session {
  private booted: Booted;
  private readonly input: InputQueue;
  private readonly spec: BootSpec;
  private paused = false;
  private resume: (() => void) | null = null;
  private runMs = 0;
  private last = { at: 0, instructions: 0 };
  reboots = 0;
  stop: StopInfo | null = null;

  constructor(choice: GuestChoice, console: (bytes: Uint8Array) => void, private readonly onEnd: (stop: StopInfo) => void) {
    const linux = isLinuxImage(choice.image);
    this.spec = {
      image: choice.image,
      // Linux gets the command line as given; a Multiboot kernel sees its name first, as QEMU passes it
      cmdline: linux ? choice.append : `${choice.name}${choice.append ? ' ' + choice.append : ''}`,
      initrd: linux ? choice.initrd?.data : undefined,
      modules: !linux && choice.initrd ? [{ data: choice.initrd.data, cmdline: choice.initrd.name }] : [],
      machine: { memMiB: choice.memMiB, smp: choice.smp, console },
      engine: { ...DEFAULT_ENGINE_OPTIONS },
      abi: choice.rom ? PROPOSAL : null,
    };
    this.booted = bootMachine(this.spec); // a LoaderError leaves to the caller, before anything runs
    this.input = new InputQueue(this.booted.machine.uart, () => {});
  }

  get machine() { return this.booted.machine; }
  get loadedKind() { return this.booted.loaded.kind; }
  get warnings(): string[] { return this.booted.loaded.kind === 'multiboot' ? this.booted.loaded.warnings : []; }

  /** Typed bytes for the guest's UART. */
  send(bytes: Uint8Array): void {
    if (!this.stop) this.input.push(bytes);
  }

  /** Run until the guest stops (or `end` is called); resolves with why it stopped. */
  async run(): Promise<StopInfo> {
    const h = host();
    for (;;) {
      if (this.paused) await new Promise<void>((r) => { this.resume = r; });
      const started = h.now();
      const wait = this.machine.runFor(SLICE_MS);
      this.runMs += h.now() - started;
      this.machine.uart.flush(); // a prompt or an echoed key shows before the page waits
      if (wait < 0) {
        const stop = this.machine.stopInfo!;
        if (stop.kind === 'reset') { this.reboot(stop.reset); continue; }
        this.stop = stop;
        this.onEnd(stop);
        return stop;
      }
      await (wait > 0 ? h.sleep(wait) : h.yieldNow());
    }
  }

  private reboot(kind: 'soft' | 'hard'): void {
    this.reboots++;
    this.runMs = 0; // the figures are this boot's, as `vmidbt run` shows them
    this.booted = bootMachine(this.spec, kind === 'soft' ? this.machine.memory.u8 : undefined);
    this.input.connect(this.machine.uart);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused && this.resume) { const r = this.resume; this.resume = null; r(); }
  }

  get isPaused(): boolean { return this.paused; }

  /** End the run from the page (another guest was chosen). */
  end(reason: string): void {
    this.machine.stop(reason, 0);
    this.setPaused(false);
  }

  /** The figures since the previous call. */
  sample(): Counters {
    const m = this.machine;
    const now = host().now();
    const instructions = m.totalInstructions;
    const elapsed = now - this.last.at;
    const mips = this.last.at && elapsed > 0 && !this.paused && !this.stop ? (instructions - this.last.instructions) / elapsed / 1000 : 0;
    this.last = { at: now, instructions };
    const e = this.booted.engine?.stats();
    return {
      running: !this.stop && !this.paused,
      instructions, mips,
      averageMips: this.runMs ? instructions / this.runMs / 1000 : 0,
      translatedShare: e && instructions ? e.translatedInstructions / instructions : 0,
      translations: e?.translations ?? 0,
      jsBytes: e?.jsBytes ?? 0,
      guestSeconds: m.time.now() / m.time.frequency,
      wallSeconds: this.runMs / 1000,
      reboots: this.reboots,
      inputWaiting: this.input.queued,
      vmiCalls: this.booted.rom?.callCounts() ?? [],
    };
  }
}
