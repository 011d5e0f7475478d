/**
 * System tests: small self-checking guest programs (spec-tests/system/*.asm).
 *
 * Each program is a flat binary assembled by nasm into the committed
 * `<name>.bin` beside its source (spec-tests/prebuilt.ts; after editing a
 * program or lib.inc, `npm run prebuilt:update`), loaded at 0x7C00; the CPU starts there in real mode, as a boot sector would. The
 * program enters protected mode itself (lib.inc), runs its checks, and
 * reports through the debug-exit port 0xF4: 0 means every check passed, any
 * other value names the check that failed. Characters written to COM1
 * (0x3F8) are collected as its message. A triple fault or running past the
 * instruction budget is a failure with the CPU state in the message. A
 * line `; vmidbt: cpu=a,b` in the source runs the program once per CPU
 * model named (cpu/models.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { VMIDBT_CPU, cpuModel, type CpuModel } from '../../cpu/models.ts';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { Cpu, type CpuBus } from '../../cpu/cpu.ts';
import { Interpreter } from '../../runtime/interpreter.ts';
import { MachineStop } from '../../isa/faults.ts';
import { Seg } from '../../isa/instr.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import { readPrebuilt } from '../prebuilt.ts';

/** How a program runs: interpreter only, translated from the first execution, or translated and checked in lockstep. */
export type EngineMode = 'interpreter' | 'jit' | 'lockstep';

export interface SystemResult { name: string; ok: boolean; message: string }

const DIR = new URL('./', import.meta.url).pathname;
const LOAD_ADDR = 0x7c00;
const BUDGET = 5_000_000;

export function systemTestNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.asm')).map((f) => f.replace(/\.asm$/, '')).sort();
}

/** A program's committed binary (an error names the command to run when it is older than its source). */
export const program = (name: string): Uint8Array => readPrebuilt(`spec-tests/system/${name}.bin`);

/**
 * The CPU models a program runs under: its `; vmidbt: cpu=a,b` line (once
 * per model), else the default model alone.
 */
export function programModels(name: string): CpuModel[] {
  const m = /^; vmidbt: cpu=([\w,]+)$/m.exec(readFileSync(`${DIR}${name}.asm`, 'utf8'));
  if (!m) return [VMIDBT_CPU];
  return m[1].split(',').map((n) => {
    const model = cpuModel(n);
    if (!model) throw new Error(`${name}.asm: unknown CPU model ${n}`);
    return model;
  });
}

/** Run one assembled program; resolves with its exit value, console text and the CPU. */
/** `prepare` sees the CPU before the first instruction (a test attaching a host debugger). */
export function runProgram(image: Uint8Array, budget = BUDGET, mode: EngineMode = 'interpreter', model: CpuModel = VMIDBT_CPU,
  prepare?: (cpu: Cpu) => void): { exit: number | undefined; console: string; cpu: Cpu; stop?: string } {
  const mem = new PhysicalMemory(8 << 20);
  const cpu = new Cpu(mem);
  cpu.setModel(model);
  let exit: number | undefined;
  let text = '';
  const bus: CpuBus = {
    portRead: (_p, size) => (size === 1 ? 0xff : size === 2 ? 0xffff : -1),
    portWrite: (port, _size, value) => {
      if (port === 0xf4) exit = value & 0xff;
      else if (port === 0x3f8) text += String.fromCharCode(value & 0xff);
    },
    pendingInterrupt: () => -1,
    ackInterrupt: () => {},
  };
  cpu.bus = bus;
  mem.load(LOAD_ADDR, image);
  cpu.setRealSeg(Seg.CS, 0);
  cpu.eip = LOAD_ADDR;
  prepare?.(cpu);
  const interp = new Interpreter(cpu);
  const engine = mode === 'interpreter' ? interp : new Engine(cpu, interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, backOff: false, lockstep: mode === 'lockstep' });
  let stop: string | undefined;
  try {
    while (cpu.instructions < budget && exit === undefined) {
      if (cpu.halted) { stop = `halted at EIP ${(cpu.eip >>> 0).toString(16)} without reporting`; break; }
      // small slices: the program reports through a port write, which ends a region
      engine.run(1000);
    }
    if (exit === undefined && !stop) stop = `no result after ${budget} instructions`;
  } catch (e) {
    if (e instanceof MachineStop) stop = e.message.split('\n')[0];
    else stop = `internal error: ${(e as Error).message}`;
  }
  return { exit, console: text, cpu, stop };
}

export async function runSystemTests(mode: EngineMode = 'interpreter'): Promise<{ tests: number; failed: number; results: SystemResult[] }> {
  const results: SystemResult[] = [];
  for (const name of systemTestNames()) {
    const models = programModels(name);
    for (const model of models) {
      const label = models.length > 1 || model !== VMIDBT_CPU ? `${name} (--cpu ${model.name})` : name;
      try {
        const r = runProgram(program(name), BUDGET, mode, model);
        const ok = r.exit === 0;
        const why = r.stop ?? (r.exit !== 0 ? `check ${r.exit} failed` : '');
        results.push({ name: label, ok, message: ok ? r.console.trim() : `${why}${r.console ? ` (console: ${r.console.trim()})` : ''}` });
      } catch (e) {
        results.push({ name: label, ok: false, message: (e as Error).message });
      }
    }
  }
  return { tests: results.length, failed: results.filter((r) => !r.ok).length, results };
}
