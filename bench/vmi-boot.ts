/**
 * One guest boot for `vmidbt bench vmi`, in one of the ways the cost
 * laboratory compares, returning its timeline (bench/timeline.ts):
 *
 * - `interp`: no ROM, the interpreter alone (`vmidbt run --no-rom --no-jit`):
 *   native instructions, each one emulated, the trap-and-emulate analogue;
 * - `native`: no ROM, translated (`--no-rom`);
 * - `rom`: the VMI ROM, every call through it (`--no-vmi-inline`);
 * - `inline`: the VMI ROM with calls inlined by the translator (the default).
 *   A translator without a VMI call inliner (`INLINER` false) runs this
 *   column the way it runs every VMI call, through the ROM, and the report
 *   says so;
 * - `qemu`: qemu-system-i386 (TCG) booting the same kernel natively.
 *
 * vmidbt boots run in a child process each (this file is also that child's
 * entry point: `node --import ./bin/register.mjs bench/vmi-boot.ts JSON`), so
 * no run inherits the JIT state, inline caches or garbage of another, and
 * interleaved runs are independent. The child builds the machine the way
 * `vmidbt run` does, except that the ROM's per-call host timing (a profiling
 * aid, two clock reads per call) is off: the laboratory measures the call,
 * not its profiler. Line times are host milliseconds from
 * `performance.now()` in the process that saw the line; a vmidbt boot also
 * counts the guest instructions run at each line (the interpreter's MIPS of
 * `npm run bench`). `bootConsoleProcess` times any emulator that behaves as
 * the QEMU command here does (console on stdout, debug-exit status): QEMU
 * itself and `npm run bench`'s v86 runner.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../runtime/machine.ts';
import { guestNodeOptions } from '../cli/guest-process.ts';
import { installRom, type VmiRom } from '../vmirom/rom.ts';
import { TranslatingEngine } from '../translator/engine/machine-engine.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../translator/engine/engine.ts';
import { BATCH_REGIONS, loadWasmLowering } from '../translator/compile/wasm-region.ts';
import { startWasmLoweringWorker } from '../cli/wasm-lowering.ts';
import { LineClock, STEADY, steadyPasses, type CallCounts, type SteadyRule, type Timeline } from './timeline.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNEL = join(ROOT, 'guest', 'kernel.elf');

export type VmidbtMode = 'interp' | 'native' | 'rom' | 'inline' | WasmMode;
/** `native` and `inline` with their regions as WebAssembly (`bench vmi --wasm`; translator/README.md, "WebAssembly regions") */
export type WasmMode = 'native-wasm' | 'inline-wasm';
export const WASM_MODES: readonly WasmMode[] = ['native-wasm', 'inline-wasm'];
const isWasm = (mode: VmidbtMode): mode is WasmMode => (WASM_MODES as readonly string[]).includes(mode);
/** the modes that find the ROM (the others hide it, and the kernel stays native) */
const ROM_MODES: readonly VmidbtMode[] = ['rom', 'inline', 'inline-wasm'];

/**
 * What a translator that inlines VMI calls offers on top of the plain one
 * (translator/engine/machine-engine.ts `useRom`, engine option `vmiInline`,
 * `VmiRom.callCounts`). Detected rather than assumed, so this file builds
 * and measures the same way before and after the inliner is there.
 */
interface InliningEngine { useRom(rom: VmiRom): void }
interface InliningRom { callCounts(): { name: string; called: number; inlined: number }[] }

/** whether this build's translator inlines VMI calls (else the `inline` column runs every call through the ROM) */
export const INLINER = typeof (TranslatingEngine.prototype as Partial<InliningEngine>).useRom === 'function';
export type Column = VmidbtMode | 'qemu';

export interface BootConfig {
  mode: Column;
  /** kernel command line after the image name */
  append: string;
  memMiB?: number;
  /** when the microbenchmarks' passes may stop (default STEADY); false: the guest's fixed number */
  steady?: SteadyRule | false;
}

/** The ROM's call counts by name: [through the ROM, inlined]. */
function callCounts(rom: VmiRom): CallCounts {
  const out: CallCounts = {};
  const split = (rom as Partial<InliningRom>).callCounts?.call(rom);
  if (split) for (const c of split) out[c.name] = [c.called, c.inlined];
  else for (const c of rom.stats.byName()) out[c.name] = [c.calls, 0];
  return out;
}

/** The translator of a mode: `rom` with inlining off (`--no-vmi-inline`), the others as `vmidbt run` makes it. */
function engineFor(mode: VmidbtMode): TranslatingEngine | undefined {
  if (mode === 'interp') return undefined;
  const wasm = isWasm(mode) ? { wasm: BATCH_REGIONS, wasmLowering: startWasmLoweringWorker() } : {};
  return new TranslatingEngine({ ...DEFAULT_ENGINE_OPTIONS, ...(mode === 'rom' ? { vmiInline: false } : {}), ...wasm });
}

export interface BootResult extends Timeline {
  /** the guest's debug-exit value (0: every check passed) as both QEMU and vmidbt report it; else vmidbt's own status */
  exitCode: number;
  reason: string;
  instructions?: number;
}

/** The boot itself, in this process (the child's work). */
export async function bootHere(cfg: BootConfig): Promise<BootResult> {
  if (cfg.mode === 'qemu') throw new Error('a qemu boot runs qemu, not vmidbt');
  let rom: VmiRom | undefined;
  let machine: Machine | undefined;
  const lineCalls: CallCounts[] = [];
  const lineInstructions: number[] = [];
  const clock = new LineClock(() => {
    lineCalls.push(rom ? callCounts(rom) : {});
    lineInstructions.push(machine?.totalInstructions ?? 0);
  });
  if (isWasm(cfg.mode)) {
    // as `vmidbt run --wasm` does (cli/run.ts)
    (await import('node:v8')).setFlagsFromString('--experimental-wasm-branch-hinting');
    await loadWasmLowering();
  }
  machine = new Machine({
    memMiB: cfg.memMiB ?? 128, wasm: isWasm(cfg.mode),
    console: (bytes) => clock.take(Buffer.from(bytes).toString('latin1'), performance.now()),
  });
  // the microbenchmarks' passes go on until their times settle (the host JIT's warm-up is over)
  if (cfg.steady !== false) machine.benchPort.wantsMore = steadyPasses(cfg.steady ?? STEADY);
  const engine = engineFor(cfg.mode);
  if (engine) machine.engine = engine;
  // interp and native hide the ROM: the kernel finds none and stays native
  if (ROM_MODES.includes(cfg.mode)) {
    const r = (rom = installRom(machine, { timing: false }));
    machine.sipiHook = (id, vector) => r.onStartupIpi(id, vector);
    (engine as Partial<InliningEngine> | undefined)?.useRom?.(r);
  }
  machine.loadKernel(readFileSync(KERNEL), `guest/kernel.elf ${cfg.append}`);
  const r = await machine.run();
  return {
    lines: clock.lines, marks: machine.benchPort.marks, lineCalls: rom ? lineCalls : undefined, lineInstructions,
    exitCode: r.stop.kind === 'exit' && r.stop.guestValue !== undefined ? r.stop.guestValue : r.stop.exitCode, reason: r.stop.kind === 'error' ? r.stop.message : r.stop.reason,
    instructions: r.instructions,
  };
}

/** Run a child process to its end, handing its stdout text (with its host time and the child's pid) to `onText`. */
export function runProcess(cmd: string, args: string[], timeoutMs: number, onText: (text: string, ms: number, pid: number) => void): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => onText(d.toString('latin1'), performance.now(), child.pid ?? 0));
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (code) => { clearTimeout(timer); done({ code: code ?? -1, stderr, timedOut }); });
  });
}

/** A vmidbt boot in a child process. */
async function bootChild(cfg: BootConfig, timeoutMs: number): Promise<BootResult> {
  let out = '';
  const args = [...guestNodeOptions(), '--import', join(ROOT, 'bin', 'register.mjs'), fileURLToPath(import.meta.url), JSON.stringify(cfg)];
  const r = await runProcess(process.execPath, args, timeoutMs, (t) => { out += t; });
  if (r.timedOut) throw new Error(`${cfg.mode} boot timed out after ${timeoutMs / 1000} s`);
  if (r.code !== 0) throw new Error(`${cfg.mode} boot failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
  return JSON.parse(out) as BootResult;
}

/** qemu-system-i386's arguments booting the kernel natively (TCG, one CPU, console on stdout, debug exit). */
export function qemuArgs(append: string, memMiB = 128): string[] {
  return [
    '-kernel', KERNEL, '-append', `novmi ${append}`, '-m', String(memMiB), '-smp', '1',
    '-accel', 'tcg', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
}

/**
 * A boot by a process that behaves as QEMU does here: the guest console on
 * stdout, the debug-exit value v as exit status (v << 1) | 1. Line times as
 * the pipe delivers them.
 */
export async function bootConsoleProcess(name: string, cmd: string, args: string[], timeoutMs: number): Promise<BootResult> {
  const clock = new LineClock();
  const r = await runProcess(cmd, args, timeoutMs, (t, ms) => clock.take(t, ms));
  if (r.timedOut) throw new Error(`${name} boot timed out after ${timeoutMs / 1000} s`);
  if (!(r.code & 1)) throw new Error(`${name} boot failed (exit status ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
  return { lines: clock.lines, marks: [], exitCode: r.code >> 1, reason: `${name} exit status ${r.code}` };
}

/** qemu-system-i386 (TCG, one CPU) booting the kernel natively. */
function bootQemu(cfg: BootConfig, timeoutMs: number): Promise<BootResult> {
  return bootConsoleProcess('qemu', process.env.QEMU ?? 'qemu-system-i386', qemuArgs(cfg.append, cfg.memMiB), timeoutMs);
}

/** One boot in the way `cfg.mode` names, isolated from this process. */
export function boot(cfg: BootConfig, timeoutMs = 600_000): Promise<BootResult> {
  return cfg.mode === 'qemu' ? bootQemu(cfg, timeoutMs) : bootChild(cfg, timeoutMs);
}

// the child: boot once, print the timeline as JSON
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bootHere(JSON.parse(process.argv[2]) as BootConfig).then(
    (r) => { process.stdout.write(JSON.stringify(r)); },
    (e) => { process.stderr.write(`vmi-boot: ${(e as Error).message}\n`); process.exitCode = 1; },
  );
}
