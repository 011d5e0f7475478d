/**
 * System tests: small self-checking guest programs (spec-tests/system/*.asm).
 *
 * Each program is a flat binary assembled with nasm at test time and loaded
 * at 0x7C00; the CPU starts there in real mode, as a boot sector would. The
 * program enters protected mode itself (lib.inc), runs its checks, and
 * reports through the debug-exit port 0xF4: 0 means every check passed, any
 * other value names the check that failed. Characters written to COM1
 * (0x3F8) are collected as its message. A triple fault or running past the
 * instruction budget is a failure with the CPU state in the message.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { Cpu, type CpuBus } from '../../cpu/cpu.ts';
import { Interpreter } from '../../runtime/interpreter.ts';
import { MachineStop } from '../../isa/faults.ts';
import { Seg } from '../../isa/instr.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';

/** How a program runs: interpreter only, translated from the first execution, or translated and checked in lockstep. */
export type EngineMode = 'interpreter' | 'jit' | 'lockstep';

export interface SystemResult { name: string; ok: boolean; message: string }

const DIR = new URL('./', import.meta.url).pathname;
const LOAD_ADDR = 0x7c00;
const BUDGET = 5_000_000;

export function systemTestNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.asm')).map((f) => f.replace(/\.asm$/, '')).sort();
}

export function assemble(name: string, outDir: string): Uint8Array {
  const out = join(outDir, `${name}.bin`);
  try {
    execFileSync('nasm', ['-f', 'bin', '-I', DIR, '-o', out, join(DIR, `${name}.asm`)], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('nasm is not installed (apt-get install nasm)');
    throw new Error(`nasm failed: ${err.stderr?.toString().trim()}`);
  }
  return new Uint8Array(readFileSync(out));
}

/** Run one assembled program; resolves with its exit value, console text and the CPU. */
export function runProgram(image: Uint8Array, budget = BUDGET, mode: EngineMode = 'interpreter'): { exit: number | undefined; console: string; cpu: Cpu; stop?: string } {
  const mem = new PhysicalMemory(8 << 20);
  const cpu = new Cpu(mem);
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
  const interp = new Interpreter(cpu);
  const engine = new Engine(cpu, interp, { ...DEFAULT_ENGINE_OPTIONS, jit: mode !== 'interpreter', threshold: 0, lockstep: mode === 'lockstep' });
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
  const names = systemTestNames();
  const dir = mkdtempSync(join(tmpdir(), 'vmidbt-system-'));
  const results: SystemResult[] = [];
  try {
    for (const name of names) {
      try {
        const r = runProgram(assemble(name, dir), BUDGET, mode);
        const ok = r.exit === 0;
        const why = r.stop ?? (r.exit !== 0 ? `check ${r.exit} failed` : '');
        results.push({ name, ok, message: ok ? r.console.trim() : `${why}${r.console ? ` (console: ${r.console.trim()})` : ''}` });
      } catch (e) {
        results.push({ name, ok: false, message: (e as Error).message });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { tests: results.length, failed: results.filter((r) => !r.ok).length, results };
}
