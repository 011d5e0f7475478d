/**
 * `vmidbt run`: boot a Multiboot kernel (default: the built-in guest) on the
 * machine of runtime/machine.ts, show its console live, then a summary.
 *
 * The console goes to stdout (stderr with --json, whose summary then owns
 * stdout) through synchronous writes, so nothing is lost however the run
 * ends. Host stdin (a terminal in raw mode, a pipe or a file) feeds the
 * UART through console.ts without ever blocking the run; the terminal is
 * restored however the run ends. The VMI ROM (vmirom/: the image, its PCI function
 * and the hypervisor side) is installed unless --no-rom asks for a guest
 * that runs natively. The exit status is the value the guest wrote to the debug-exit
 * port, or vmidbt's own status for a failure (see runtime/README.md).
 */
import { CPU_MODELS, VMIDBT_CPU, cpuModel, type CpuModel } from '../cpu/models.ts';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { UserError } from '../base/errors.ts';
import { EXIT_LOAD, EXIT_OUTPUT_CLOSED, EXIT_QUIT, EXIT_USAGE } from '../base/exit-status.ts';
import { DEFAULT_IO_NS, type Machine, type RunResult } from '../runtime/machine.ts';
import type { TranslatingEngine } from '../translator/engine/machine-engine.ts';
import { Symbolizer } from '../profile/symbols.ts';
import type { VmiRom } from '../vmirom/rom.ts';
import { DEFAULT_ENGINE_OPTIONS, WARM_RUNS, type EngineOptions, type EngineStats, type RegionTime } from '../translator/engine/engine.ts';
import { LoaderError } from '../runtime/loader/errors.ts';
import { isLinuxImage } from '../runtime/loader/linux.ts';
import { declaredImageSize } from '../runtime/loader/image-size.ts';
import type { BootModule } from '../runtime/loader/multiboot.ts';
import { abiOption } from './rom.ts';
import { HostConsole } from './console.ts';
import { OutputClosed, readInput, writeAllSync } from './host-io.ts';
import { ConsoleMarks } from './marks.ts';
import { bootMachine, DEFAULT_GUEST_APPEND, type Booted, type BootSpec } from './boot.ts';
import type { GdbStub, GdbStubOptions } from './gdb/stub.ts';
import { prepareSourceChecks } from '../translator/compile/assemble.ts';
import { BATCH_REGIONS, loadWasmLowering } from '../translator/compile/wasm-region.ts';
import type { BatchLowering } from '../translator/compile/wasm-batch.ts';

export interface RunOptions {
  smp?: string;
  /** false with --no-rom */
  rom?: boolean;
  /** --vmi-abi: proposal, vmware13 or linux3 */
  vmiAbi?: string;
  mem?: string;
  append?: string;
  initrd?: string;
  /** --mark TEXT (repeatable): note when the console first shows TEXT */
  mark?: string[];
  maxInstructions?: string;
  json?: boolean;
  stats?: boolean;
  jit?: boolean;
  jitThreshold?: string;
  jitCache?: string;
  lockstep?: boolean;
  /** --region-times [N]: time each translated region, list the N (default 20) that took longest */
  regionTimes?: string | boolean;
  /** --symbols FILE: a System.map or /proc/kallsyms dump that names the regions --region-times lists */
  symbols?: string;
  /** false with --no-vmi-inline: every VMI call through the ROM */
  vmiInline?: boolean;
  /** --wasm: translated regions as WebAssembly where the lowering takes them */
  wasm?: boolean;
  hostTime?: boolean;
  /** --icount SHIFT: 2^SHIFT cycles of guest time per instruction */
  icount?: string;
  /** --io-ns N: guest time of a port access */
  ioNs?: string;
  /** --cpu NAME (cpu/models.ts) */
  cpu?: string;
  /** --machine hpet=on|off */
  machine?: string;
  /** --rtc-base: the wall clock at power-on (ISO date, date and time, or now) */
  rtcBase?: string;
  /** false with --no-reboot: a guest reset ends the run instead of booting the kernel again */
  reboot?: boolean;
  /** --slice N: instructions per scheduling slice (tuning, undocumented in the usage line) */
  slice?: string;
  /** --gdb [PORT] (true without a port), -s */
  gdb?: string | boolean;
  s?: boolean;
  /** --gdb-wait, -S */
  gdbWait?: boolean;
  S?: boolean;
  /** --gdb-disconnect run|stop|quit */
  gdbDisconnect?: string;
}

export const GDB_DEFAULT_PORT = 1234;

/** --gdb / -s / --gdb-wait / -S / --gdb-disconnect as stub options, or null without a debugger. */
export function gdbOptions(opts: RunOptions): Omit<GdbStubOptions, 'log'> | null {
  const wait = !!(opts.gdbWait || opts.S);
  if (opts.gdb === undefined && !opts.s) {
    if (wait || opts.gdbDisconnect !== undefined) throw new UserError('--gdb-wait (-S) and --gdb-disconnect need --gdb or -s', EXIT_USAGE);
    return null;
  }
  if (opts.gdb !== undefined && opts.s) throw new UserError('-s is --gdb 1234: give one of them', EXIT_USAGE);
  const spec = typeof opts.gdb === 'string' ? opts.gdb.replace(/^tcp:(127\.0\.0\.1|localhost)?:/, '') : String(GDB_DEFAULT_PORT);
  const port = intOption(spec, '--gdb', 0, 65535, GDB_DEFAULT_PORT);
  const disconnect = opts.gdbDisconnect ?? 'run';
  if (disconnect !== 'run' && disconnect !== 'stop' && disconnect !== 'quit') {
    throw new UserError(`--gdb-disconnect must be run, stop or quit, got '${disconnect}'`, EXIT_USAGE);
  }
  return { port, wait, disconnect };
}

/**
 * What another command (`vmidbt profile`, cli/profile.ts) adds to a run:
 * options for the translator, a look at each machine as it boots, the
 * result at the end; it may drop the console, and the summary (which
 * it then makes itself).
 */
export interface RunInstrument {
  engine?: Partial<EngineOptions>;
  onBoot?(machine: Machine, engine: TranslatingEngine | undefined, rom: VmiRom | undefined): void;
  onEnd?(machine: Machine, result: RunResult, engine: TranslatingEngine | undefined): void;
  dropConsole?: boolean;
  dropSummary?: boolean;
  /** a signal ended the run: told instead of dying of it at once (the caller saves its work, then dies of it) */
  deferSignal?(signal: NodeJS.Signals): void;
}

export const DEFAULT_IMAGE = fileURLToPath(new URL('../guest/kernel.elf', import.meta.url));
export { DEFAULT_GUEST_APPEND };

/**
 * --rtc-base as QEMU's `-rtc base=`: `2006-06-17T16:01:21` or `2006-06-17`
 * (UTC), or `now`; undefined leaves the machine's default.
 */
export function rtcBaseOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'now') return Date.now();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?$/.exec(value);
  const [y, mo, d, h = 0, mi = 0, s = 0] = m ? m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) : [];
  const ms = m ? Date.UTC(y, mo - 1, d, h, mi, s) : NaN;
  // Date.UTC rolls 2006-02-30 over to March: a date that does not round-trip is not a date
  if (!m || new Date(ms).toISOString().slice(0, value.length) !== value) {
    throw new UserError(`--rtc-base must be now, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss (UTC), got '${value}'`, EXIT_USAGE);
  }
  return ms;
}

/** An integer option: decimal digits only (no 0x10, 1e2, 2.0 or spaces), within [min, max]. */
export function intOption(value: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  const n = /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${name} must be a decimal integer from ${min} to ${max}, got '${value}'`, EXIT_USAGE);
  }
  return n;
}

/**
 * --initrd for a Multiboot kernel, as QEMU reads it: modules separated by
 * commas (",," is a literal comma), each a file name and optional
 * arguments; the whole item is the module's command line.
 */
function multibootModules(spec: string, limit: number, hint: string): BootModule[] {
  const items = spec.replace(/,,/g, '\u0000').split(',').map((t) => t.replace(/\u0000/g, ',').trim()).filter((t) => t !== '');
  return items.map((item) => {
    const file = item.split(' ')[0];
    return { data: readInput(file, file, 'Multiboot module', limit, hint), cmdline: item };
  });
}

/** --machine KEY=VALUE[,...]: hpet=on|off (QEMU's spelling) */
function machineOption(spec: string | undefined): { hpet?: boolean } {
  const out: { hpet?: boolean } = {};
  for (const kv of (spec ?? '').split(',').filter((t) => t !== '')) {
    const [k, v] = kv.split('=');
    if (k === 'hpet' && (v === 'on' || v === 'off')) out.hpet = v === 'on';
    else throw new UserError(`--machine ${kv}: unknown machine option (known: hpet=on|off)`, 2);
  }
  return out;
}

/** --cpu NAME: one of the models, or a one-line refusal naming them */
function cpuModelOption(name: string | undefined): CpuModel {
  if (name === undefined) return VMIDBT_CPU;
  const m = cpuModel(name);
  if (!m) throw new UserError(`--cpu ${name}: unknown CPU model (known: ${CPU_MODELS.map((c) => c.name).join(', ')})`, 2);
  return m;
}

/** The translator's statistics as the summary shows them. */
function engineSummary(s: EngineStats, instructions: number) {
  const perInstruction = (x: number) => (s.guestInstructionsTranslated ? x / s.guestInstructionsTranslated : 0);
  return {
    translations: s.translations, guestInstructions: s.guestInstructionsTranslated, jsBytes: s.jsBytes,
    translateMs: Number(s.translateMs.toFixed(1)),
    usPerInstruction: Number(perInstruction(s.translateMs * 1000).toFixed(2)),
    jsBytesPerInstruction: Number(perInstruction(s.jsBytes).toFixed(1)),
    stageMs: Object.fromEntries(Object.entries(s.compile.ms).map(([k, v]) => [k, Number(v.toFixed(1))])),
    emitted: s.compile.emitted, rotatedLoops: s.compile.rotated,
    wasm: s.compile.wasm,
    hits: s.hits, misses: s.misses, chained: s.chained,
    siteHits: s.siteHits, blockEntries: s.blockEntries, invalidations: s.invalidations, cacheFlushes: s.cacheFlushes,
    lockstepRegions: s.lockstepRegions, lockstepInlinedCalls: s.lockstepInlinedCalls, regionRuns: s.regionRuns, chainedRuns: s.chainedRuns, interpretedSteps: s.interpretedSteps,
    decodings: s.decodings,
    translatedShare: instructions ? s.translatedInstructions / instructions : 0,
  };
}

/**
 * Connect the host to the running machine (`current()`, which a reboot
 * replaces): stdin feeds COM1 (a terminal in raw mode, or a pipe or file;
 * the run never waits for it), and SIGINT, SIGTERM and SIGHUP end the run
 * (`signal()` says which arrived, so the caller can die of it once the
 * console is saved). `reattach` moves the input to a rebooted machine's
 * UART; `detach` undoes it all.
 */
function attachHost(current: () => Machine): { reattach(): void; detach(): void; signal(): NodeJS.Signals | null } {
  const host = HostConsole.attach(current().uart, {
    quit: () => current().stop('quit from the console (Ctrl-A X)', EXIT_QUIT),
    status: () => `vmidbt: ${fmtInt(current().totalInstructions)} instructions, guest time ${(current().time.now() / current().time.frequency).toFixed(3)} s`,
    message: (text) => process.stderr.write(`\n${text}\n`),
  });
  const signals: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    received ??= sig;
    current().stop(`interrupted (${sig})`, signals[sig]);
  };
  for (const sig of Object.keys(signals)) process.on(sig, onSignal);
  return {
    signal: () => received,
    reattach: () => host?.connect(current().uart),
    detach: () => {
      for (const sig of Object.keys(signals)) process.off(sig, onSignal);
      host?.detach();
    },
  };
}

/**
 * A whole number with comma grouping, as toLocaleString('en-US') prints it
 * but without Intl: its first use loads ICU's locale data, which cost a
 * run's summary tens of milliseconds.
 */
export function fmtInt(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

export async function runCommand(imageArg: string | undefined, opts: RunOptions, instrument: RunInstrument = {}): Promise<number> {
  const smp = intOption(opts.smp, '--smp', 1, 8, 1);
  const memMiB = intOption(opts.mem, '--mem', 2, 3072, 128);
  const maxInstructions = intOption(opts.maxInstructions, '--max-instructions', 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  // not given: the machine's defaults (runtime/machine.ts defaultSlice: longer while one vCPU is the only one ready)
  const slice = opts.slice === undefined ? undefined : intOption(opts.slice, '--slice', 1, 10_000_000, 1);
  const rtcBaseMs = rtcBaseOption(opts.rtcBase);
  const abi = abiOption(opts.vmiAbi);
  const icount = intOption(opts.icount, '--icount', 0, 10, 0);
  const ioNs = intOption(opts.ioNs, '--io-ns', 0, 100000, DEFAULT_IO_NS);
  if (opts.ioNs !== undefined && opts.hostTime) throw new UserError('--io-ns and --host-time exclude each other: --io-ns sets deterministic guest time', 2);
  if (opts.icount !== undefined && opts.hostTime) throw new UserError('--icount and --host-time exclude each other: --icount sets deterministic guest time', 2);
  const cpuModel = cpuModelOption(opts.cpu);
  const imagePath = imageArg ?? DEFAULT_IMAGE;
  const shownPath = imageArg ?? relative(process.cwd(), DEFAULT_IMAGE);
  // whatever a loader takes from a file lands in guest RAM, so no more than RAM is ever read
  const ramBytes = memMiB * 1048576;
  const tooBig = `the ${memMiB} MiB of guest RAM it would load into (--mem)`;
  const image = readInput(imagePath, shownPath, 'image', ramBytes, tooBig, declaredImageSize);
  const linux = isLinuxImage(image);
  // Linux takes one initrd; a Multiboot kernel gets each comma-separated item as a module (QEMU's convention)
  const initrd = opts.initrd !== undefined && linux ? readInput(opts.initrd, opts.initrd, 'initrd', ramBytes, tooBig) : undefined;
  const modules = opts.initrd !== undefined && !linux ? multibootModules(opts.initrd, ramBytes, tooBig) : [];
  const machineOpts = machineOption(opts.machine);
  const gdb = gdbOptions(opts);

  const jitThreshold = intOption(opts.jitThreshold, '--jit-threshold', 0, 1_000_000_000, DEFAULT_ENGINE_OPTIONS.threshold);
  const jitCacheMiB = intOption(opts.jitCache, '--jit-cache', 1, 4096, DEFAULT_ENGINE_OPTIONS.cacheBytes >> 20);
  const regionRows = opts.regionTimes === undefined || opts.regionTimes === false ? 0
    : intOption(opts.regionTimes === true ? undefined : opts.regionTimes, '--region-times', 1, 1_000_000, 20);
  if (regionRows && (opts.jit === false || opts.lockstep)) throw new UserError('--region-times times translated regions: it needs the translator, without --no-jit or --lockstep', EXIT_USAGE);
  if (opts.symbols !== undefined && !regionRows) throw new UserError('--symbols names the regions --region-times lists: pass --region-times too', EXIT_USAGE);
  // read before the guest starts: a bad map is an error now, not after a long run
  const symbolMap = opts.symbols !== undefined ? readSymbolMap(opts.symbols) : undefined;
  const consoleFd = opts.json ? 2 : 1;
  let lastByte = 0x0a;
  // once the console's reader has gone (EPIPE), the run ends quietly: nobody is left to read it
  let outputClosed = false;
  const toConsole = (b: Uint8Array) => {
    if (outputClosed || instrument.dropConsole) return;
    try {
      writeAllSync(consoleFd, b);
    } catch (e) {
      if (!(e instanceof OutputClosed)) throw e;
      outputClosed = true;
      machine.stop('the console\'s reader went away (EPIPE)', EXIT_OUTPUT_CLOSED);
      return;
    }
    lastByte = b[b.length - 1];
    marks.see(b);
  };
  const marks = new ConsoleMarks(opts.mark ?? [], () => ({
    instructions: machine.totalInstructions, virtualSeconds: machine.time.now() / machine.time.frequency,
  }));
  // the built-in guest runs its workloads at a tenth of their size unless told otherwise (~15 s on the interpreter)
  const append = opts.append ?? (imageArg === undefined ? DEFAULT_GUEST_APPEND : undefined);
  // Linux gets the command line as given; a Multiboot kernel sees the image name first, as QEMU passes it
  const cmdline = linux ? append ?? '' : `${shownPath}${append ? ' ' + append : ''}`;

  let wasmLowering: BatchLowering | undefined;
  // (with --no-jit nothing is translated: no lowering, no thread)
  if (opts.wasm && opts.jit !== false) {
    // V8's branch hints (the lowering marks slow paths and exits unlikely): TurboFan then keeps a loop's values
    // in registers past the calls it would not take; only code generation reads the flag (bench/README.md, stop 52)
    (await import('node:v8')).setFlagsFromString('--experimental-wasm-branch-hinting');
    await loadWasmLowering();
    // (loaded here, not at start: Node's worker_threads module is no part of a run without --wasm)
    wasmLowering = process.env.VMIDBT_WASM_LOWERING === 'here' ? undefined : (await import('./wasm-lowering.ts')).startWasmLoweringWorker();
  }
  let warned = false; // a loader's warnings are shown once, not at every reboot
  const spec: BootSpec = {
    image, cmdline, initrd, modules,
    machine: {
      memMiB, smp, wasm: !!opts.wasm && opts.jit !== false, hostTime: !!opts.hostTime, cyclesPerInstruction: 2 ** icount, ioNs, cpuModel, ...machineOpts, rtcBaseMs, maxInstructions: opts.maxInstructions ? maxInstructions : undefined,
      sliceInstructions: slice,
      console: toConsole,
    },
    // --no-jit: the interpreter's own engine (the machine's default); otherwise the translator's, in tiers over it
    engine: opts.jit === false ? null
      : { threshold: jitThreshold, cacheBytes: jitCacheMiB * 1048576, lockstep: !!opts.lockstep, vmiInline: opts.vmiInline !== false, timeRegions: regionRows > 0, wasm: opts.wasm ? BATCH_REGIONS : 0, wasmLowering, ...instrument.engine },
    abi: opts.rom === false ? null : abi,
  };
  /** A machine with the kernel loaded: at power-on, or after a soft reset with the old machine's memory. */
  const boot = (warm?: Uint8Array) => {
    let b: Booted;
    try {
      b = bootMachine(spec, warm);
    } catch (err) {
      if (err instanceof LoaderError) {
        const hint = err.needMiB ? ` (pass --mem ${err.needMiB} or more)` : '';
        throw new UserError(`${shownPath}: ${err.message}${hint}`, EXIT_LOAD);
      }
      throw err;
    }
    if (!warned && b.loaded.kind === 'multiboot') for (const w of b.loaded.warnings) process.stderr.write(`vmidbt: warning: ${shownPath}: ${w}\n`);
    warned = true;
    instrument.onBoot?.(b.machine, b.engine, b.rom);
    return { machine: b.machine, engine: b.engine, rom: b.rom ?? 'hidden (--no-rom)' };
  };
  // a lockstep mismatch shows the region's code re-indented (acorn, loaded only then)
  await prepareSourceChecks(!!opts.lockstep);
  let { machine, engine, rom } = boot();
  const romNote = typeof rom === 'string' ? rom : null;
  const stub = gdb ? await startGdb(gdb) : null;
  stub?.attach(machine);

  const host = attachHost(() => machine);

  let result: RunResult;
  let reboots = 0;
  try {
    // a guest reset boots a new machine (a soft one keeps memory), unless --no-reboot
    for (;;) {
      result = await machine.run();
      if (result.stop.kind !== 'reset' || opts.reboot === false) break;
      reboots++;
      ({ machine, engine, rom } = boot(result.stop.reset === 'soft' ? machine.memory.u8 : undefined));
      stub?.attach(machine);
      host.reattach();
    }
  } finally {
    host.detach();
    stub?.finish(result! ? result.stop : null);
  }
  if (lastByte !== 0x0a) toConsole(new Uint8Array([0x0a]));
  instrument.onEnd?.(machine, result, engine);

  const stop = result.stop;
  const secs = result.wallMs / 1000;
  const mips = result.instructions / Math.max(result.wallMs, 1) / 1000;
  // every call, inlined or through the ROM; and the two apart
  const counts = typeof rom !== 'string' ? rom.callCounts() : [];
  for (const c of counts) machine.stats.vmiCalls.set(c.name, c.called + c.inlined);
  const vmiCalls = Object.fromEntries([...machine.stats.vmiCalls.entries()].sort((a, b) => b[1] - a[1]));
  const vmiInline = typeof rom === 'string' ? undefined : {
    enabled: !!engine && opts.vmiInline !== false,
    inlined: counts.reduce((n, c) => n + c.inlined, 0),
    called: counts.reduce((n, c) => n + c.called, 0),
    byName: Object.fromEntries(counts.map((c) => [c.name, { inlined: c.inlined, called: c.called }])),
  };
  const summary = {
    image: shownPath,
    cmdline,
    memMiB,
    smp,
    rom: machine.rom ? { address: `0x${machine.rom.address.toString(16)}`, size: machine.rom.size, abi: abi.id, version: `${abi.major}.${abi.minor}` } : null,
    romNote: romNote ?? undefined,
    exitStatus: stop.exitCode,
    guestValue: stop.kind === 'exit' ? stop.guestValue : undefined,
    stopReason: stop.reason,
    reboots,
    error: stop.kind === 'error' ? stop.message : undefined,
    instructions: result.instructions,
    wallSeconds: Number(secs.toFixed(3)),
    mips: Number(mips.toFixed(2)),
    virtualSeconds: Number((result.realCycles / machine.time.frequency).toFixed(6)),
    timeMode: machine.time.hostTime ? 'host' : 'virtual',
    vmiCalls,
    vmiInline,
    vcpus: opts.stats || opts.json ? result.vcpus : undefined,
    engine: machine.engine.name,
    marks: opts.mark?.length ? marks.marks : undefined,
    translator: engine ? engineSummary(engine.stats(), result.instructions) : undefined,
    regionTimes: regionRows && engine ? regionTimesSummary(engine.regionTimes(), secs, symbolMap ?? Symbolizer.fromImage(image), symbolMap ? 'file' : 'image') : undefined,
    stats: opts.stats ? {
      slices: machine.stats.slices, idleJumps: machine.stats.idleJumps, ipis: machine.stats.ipis,
      inits: machine.stats.inits, sipis: machine.stats.sipis, nmis: machine.stats.nmis,
      pitIrqs: machine.pit.irqs, picInterrupts: machine.pic.delivered, ioapicDeliveries: machine.ioapic.delivered,
      interruptsTaken: machine.vcpus.map((v) => v.interruptsTaken), apicTimerFires: machine.vcpus.map((v) => v.apic.timerFires),
      consoleBytes: machine.uart.written,
      pageWalks: machine.vcpus.map((v) => v.cpu.mmu.walks), tlbFlushes: machine.vcpus.map((v) => v.cpu.mmu.flushes),
      deviceAccesses: machine.vcpus.map((v) => v.cpu.mmu.deviceAccesses),
    } : undefined,
  };

  if (stop.kind === 'error') {
    process.stderr.write(`vmidbt: ${stop.message}\n`);
    if (stop.detail && stop.reason !== 'runaway') process.stderr.write(stop.detail.replace(/^/gm, '  ') + '\n');
  }

  if (instrument.dropSummary) {
    // another command reports on this run
  } else if (opts.json) {
    writeSummary(JSON.stringify(summary, null, 2));
  } else {
    const lines: string[] = [];
    const how = stop.kind !== 'error' ? `exit status ${stop.exitCode} (${stop.reason})` : `FAILED, exit status ${stop.exitCode} (${stop.reason})`;
    lines.push(`--- vmidbt: ${how}${reboots ? `, after ${reboots} reboot${reboots > 1 ? 's' : ''} (this boot's figures below)` : ''}`);
    lines.push(`  image         ${shownPath}, ${memMiB} MiB, ${smp} vCPU${smp > 1 ? 's' : ''} (${cpuModel.name}), ROM ${machine.rom ? `${abi.id} ${abi.major}.${abi.minor} at 0x${machine.rom.address.toString(16)}` : `none (${romNote})`}`);
    lines.push(`  instructions  ${fmtInt(result.instructions)}${smp > 1 ? ` (${result.vcpus.map((v) => `vCPU${v.id} ${fmtInt(v.instructions)}`).join(', ')})` : ''}`);
    lines.push(`  wall time     ${secs.toFixed(2)} s, ${mips.toFixed(2)} MIPS (${machine.engine.name})`);
    lines.push(`  guest time    ${summary.virtualSeconds.toFixed(3)} s ${summary.timeMode} (${Number(machine.cycleFrequency) / 1e6} MHz${machine.time.hostTime ? '' : `, ${machine.time.cyclesPerInstruction} cycle/instruction, ${(machine.ioCycles * 1e9) / machine.time.frequency} ns/port access`})`);
    lines.push(...marks.lines(fmtInt));
    const calls = Object.entries(vmiCalls);
    const split = opts.stats && vmiInline ? vmiInline : undefined;
    // under lockstep an inlined call runs again through the ROM, and that run is the one kept
    const compared = summary.translator?.lockstepInlinedCalls ?? 0;
    const inliningNote = !split?.enabled ? ', inlining off'
      : opts.lockstep ? `, lockstep keeps the ROM path's runs; ${fmtInt(compared)} inlined runs compared with them` : '';
    const inlineNote = split ? ` (inlined ${fmtInt(split.inlined)}, called ${fmtInt(split.called)}${inliningNote})` : '';
    lines.push(`  VMI calls     ${calls.length ? fmtInt(calls.reduce((s, [, n]) => s + n, 0)) : 'none'}${inlineNote}`);
    for (const [name, n] of calls) {
      const c = split?.byName[name];
      lines.push(c ? `    ${name.padEnd(22)} ${fmtInt(n).padStart(9)}   inlined ${fmtInt(c.inlined).padStart(9)}, called ${fmtInt(c.called).padStart(9)}` : `    ${name.padEnd(22)} ${fmtInt(n)}`);
    }
    if (opts.stats) {
      for (const v of result.vcpus) {
        lines.push(`  vCPU${v.id}         ${v.started ? 'started' : 'stopped'}, ${fmtInt(v.instructions)} instructions, available ${fmtInt(v.availableCycles)} cycles, stolen ${fmtInt(v.stolenCycles)}`);
      }
      lines.push(`  scheduler     ${fmtInt(machine.stats.slices)} slices, ${fmtInt(machine.stats.idleJumps)} idle jumps`);
      lines.push(`  interrupts    PIT ${machine.pit.irqs}, PIC ${machine.pic.delivered}, IO-APIC ${machine.ioapic.delivered}, APIC timer ${summary.stats!.apicTimerFires.join('/')}, taken ${summary.stats!.interruptsTaken.join('/')}`);
      const st = summary.stats!;
      lines.push(`  MMU           ${st.pageWalks.map(fmtInt).join('/')} page walks, ${st.tlbFlushes.map(fmtInt).join('/')} TLB flushes, ${st.deviceAccesses.map(fmtInt).join('/')} device accesses through the TLB`);
      lines.push(`  IPIs          ${machine.stats.ipis} (INIT ${machine.stats.inits}, SIPI ${machine.stats.sipis}, NMI ${machine.stats.nmis})`);
      const t = summary.translator;
      if (t) {
        lines.push(`  translator    ${fmtInt(t.translations)} regions (${fmtInt(t.guestInstructions)} guest instructions, ${fmtInt(t.jsBytes)} bytes of JS) in ${t.translateMs.toFixed(0)} ms`);
        lines.push(`                per guest instruction ${t.usPerInstruction.toFixed(1)} us, ${t.jsBytesPerInstruction.toFixed(0)} bytes of JS; stages ${Object.entries(t.stageMs).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
        const e = t.emitted;
        lines.push(`                emitted ${fmtInt(e.inline)} inline, ${fmtInt(e.replaced)} inlined calls, ${fmtInt(e.helper)} helper and ${fmtInt(e.x87)} x87 calls; fall-backs ${e.admission + e.operand ? `admission ${fmtInt(e.admission)}, operand ${fmtInt(e.operand)}` : 'none'}; ${fmtInt(t.rotatedLoops)} loops rotated`);
        lines.push(`                ${(t.translatedShare * 100).toFixed(1)}% of instructions ran translated; lookups ${fmtInt(t.hits)} hits, ${fmtInt(t.misses)} misses; ${fmtInt(t.chained)} chained links, ${fmtInt(t.siteHits)} indirect-site hits`);
        lines.push(`                ${fmtInt(t.regionRuns)} region entries (${fmtInt(t.chainedRuns)} straight from another region's exit), ${fmtInt(t.interpretedSteps)} instructions interpreted between them (${fmtInt(t.decodings)} decoded afresh); ${fmtInt(t.blockEntries)} entries made into regions' inner blocks`);
        const w = t.wasm;
        const refused = Object.entries(w.refused).sort((a, b) => b[1] - a[1]);
        if (w.regions || refused.length) {
          const left = refused.reduce((n, [, k]) => n + k, 0);
          lines.push(`                WebAssembly: ${fmtInt(w.regions)} regions lowered, ${fmtInt(left)} left JavaScript${refused.length ? ` (${refused.slice(0, 3).map(([r, k]) => `${r}: ${fmtInt(k)}`).join('; ')})` : ''}` +
            `${w.pending ? `, ${fmtInt(w.pending)} still with the lowering thread at exit` : ''}`);
        }
        lines.push(`                ${fmtInt(t.invalidations)} invalidations, ${fmtInt(t.cacheFlushes)} cache flushes${t.lockstepRegions ? `, ${fmtInt(t.lockstepRegions)} regions checked in lockstep (${fmtInt(t.lockstepInlinedCalls)} inlined VMI calls in them)` : ''}`);
      }
    }
    if (summary.regionTimes) lines.push(...regionTimeLines(summary.regionTimes, regionRows));
    writeSummary(lines.join('\n'));
  }
  // killed by a signal: the console is saved, so die of it as the parent expects (base/exit-status.ts)
  const signal = host.signal();
  if (signal && instrument.deferSignal) instrument.deferSignal(signal);
  else if (signal) process.kill(process.pid, signal);
  return stop.exitCode;
}

/** Listen for gdb (cli/gdb/stub.ts); a port that cannot be had is a usage error. */
async function startGdb(options: Omit<GdbStubOptions, 'log'>): Promise<GdbStub> {
  // loaded only when asked for: a run without --gdb does not pay for the stub's modules
  const { GdbStub } = await import('./gdb/stub.ts');
  const stub = new GdbStub({ ...options, log: (line) => process.stderr.write(line + '\n') });
  try {
    const port = await stub.listen();
    process.stderr.write(`vmidbt: gdb stub on 127.0.0.1:${port} (target remote :${port})\n`);
  } catch (e) {
    throw new UserError(`--gdb: ${(e as Error).message}`, EXIT_USAGE);
  }
  return stub;
}

/**
 * `--symbols FILE`: a System.map or /proc/kallsyms dump (profile/symbols.ts),
 * for a kernel whose image names nothing, such as Debian's bzImage (its
 * packaged System.map is a placeholder; `npm run guest:linux -- --kallsyms`
 * writes a dump of the kernel it boots).
 */
export function readSymbolMap(path: string): Symbolizer {
  const text = Buffer.from(readInput(path, path, 'symbol map', 256 << 20, '256 MiB')).toString('latin1');
  return Symbolizer.fromSymbolMap(text, path);
}

/**
 * Where the host's time inside translated code went, region by region
 * (--region-times): what a CPU profile, which names every region
 * `translated`, cannot say. A region's time is its own code and the
 * helpers it calls, from entry to exit; ns per guest instruction tells code
 * V8 has optimised (a few ns) from code still in its baseline tiers. Each
 * region's first WARM_RUNS runs are summed apart as well (`warmUp`): what
 * V8's warm-up of new code costs, against the same regions' later runs.
 */
function regionTimesSummary(regions: RegionTime[], wallSeconds: number, sym: Symbolizer, symbolsFrom: 'image' | 'file') {
  const ms = regions.reduce((n, r) => n + r.hostMs, 0);
  const executed = regions.reduce((n, r) => n + r.executed, 0);
  const warmMs = regions.reduce((n, r) => n + r.warmMs, 0);
  const warmExecuted = regions.reduce((n, r) => n + r.warmExecuted, 0);
  const nsPer = (t: number, n: number) => (n > 0 ? Number(((t * 1e6) / n).toFixed(2)) : 0);
  return {
    regions: regions.length,
    hostMs: Number(ms.toFixed(1)),
    shareOfWall: wallSeconds > 0 ? Number((ms / 1000 / wallSeconds).toFixed(4)) : 0,
    nsPerInstruction: nsPer(ms, executed),
    /** each region's first `runsEach` runs (all of them if it ran fewer), and the runs after */
    warmUp: {
      runsEach: WARM_RUNS,
      hostMs: Number(warmMs.toFixed(1)),
      share: ms > 0 ? Number((warmMs / ms).toFixed(4)) : 0,
      executed: warmExecuted,
      nsPerInstruction: nsPer(warmMs, warmExecuted),
      laterNsPerInstruction: nsPer(ms - warmMs, executed - warmExecuted),
    },
    /** where the names come from: the image's ELF symbols, or the --symbols file */
    symbolsFrom,
    byRegion: regions.map((r) => ({
      ...r, entry: `0x${r.entry.toString(16).padStart(8, '0')}`, symbol: sym.lookup(r.entry) ? sym.format(r.entry) : undefined, hostMs: Number(r.hostMs.toFixed(3)),
      warmMs: Number(r.warmMs.toFixed(3)),
    })),
  };
}

function regionTimeLines(t: ReturnType<typeof regionTimesSummary>, rows: number): string[] {
  const w = t.warmUp;
  const lines = [
    `  regions       ${fmtInt(t.regions)} ran ${t.hostMs.toFixed(0)} ms (${(t.shareOfWall * 100).toFixed(1)}% of the wall time), ${t.nsPerInstruction.toFixed(1)} ns per guest instruction; longest first:`,
    `                their first ${fmtInt(w.runsEach)} runs each ${w.hostMs.toFixed(0)} ms (${(w.share * 100).toFixed(1)}%), ${w.nsPerInstruction.toFixed(1)} ns per guest instruction; later runs ${w.laterNsPerInstruction.toFixed(1)} ns`,
  ];
  lines.push(`    entry          host ms  share      runs  instrs run  per run  ns/instr  first ${fmtInt(w.runsEach)}  JS bytes  symbol (${t.symbolsFrom === 'file' ? '--symbols' : 'ELF images'})`);
  const nsPer = (ms: number, n: number) => ((ms * 1e6) / Math.max(1, n)).toFixed(1);
  for (const r of t.byRegion.slice(0, rows)) {
    const share = t.hostMs > 0 ? (100 * r.hostMs) / t.hostMs : 0;
    lines.push(`    ${r.entry}  ${r.hostMs.toFixed(1).padStart(9)}  ${share.toFixed(1).padStart(4)}%  ${fmtInt(r.runs).padStart(8)}  ${fmtInt(r.executed).padStart(10)}  ${(r.executed / r.runs).toFixed(1).padStart(7)}  ${nsPer(r.hostMs, r.executed).padStart(8)}  ${nsPer(r.warmMs, r.warmExecuted).padStart(11)}  ${fmtInt(r.jsBytes).padStart(8)}${r.symbol ? `  ${r.symbol}` : ''}`);
  }
  return lines;
}

/** The summary on stdout, unless its reader has gone. */
function writeSummary(text: string): void {
  try {
    writeAllSync(1, Buffer.from(text + '\n'));
  } catch (e) {
    if (!(e instanceof OutputClosed)) throw e;
  }
}
