/**
 * Machine tests: small self-checking Multiboot kernels (spec-tests/machine/
 * *.asm, sharing machine.inc, committed as `<name>.bin`) booted on the whole
 * machine (runtime/machine.ts) the way `vmidbt run` boots a kernel, for what
 * a bare CPU cannot show: NMIs through the local APIC, fw_cfg, the HPET,
 * Multiboot modules and where boot information goes.
 *
 * Each `; vmidbt-run: OPTIONS` line in a source is one boot with those
 * options (`--smp N`, `--append TEXT`, `--initrd "file args,file args"`
 * with files beside the source, `--cpu NAME`, `--machine hpet=off`, `--icount SHIFT`, `--slice N`); a
 * source without one boots once with none. The kernel reports through the
 * debug-exit port: exit status 0 passes, any other value names the failing
 * check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Machine } from '../../runtime/machine.ts';
import { TranslatingEngine } from '../../translator/engine/machine-engine.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import { cpuModel } from '../../cpu/models.ts';
import { readPrebuilt } from '../prebuilt.ts';
import type { BootModule } from '../../runtime/loader/multiboot.ts';

const DIR = new URL('./', import.meta.url).pathname;
const BUDGET = 20_000_000;

export interface MachineBoot {
  smp: number;
  append: string;
  modules: string[];
  cpu?: string;
  hpet?: boolean;
  /** --icount SHIFT: 2^SHIFT cycles per instruction */
  icount?: number;
  /** --slice N: the machine's scheduling slice */
  slice?: number;
}

export interface MachineResult { name: string; ok: boolean; message: string }

export function machineTestNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.asm')).map((f) => f.replace(/\.asm$/, '')).sort();
}

/** The boots a source asks for: one per `; vmidbt-run:` line. */
export function bootsOf(name: string): { label: string; boot: MachineBoot }[] {
  const lines = [...readFileSync(`${DIR}${name}.asm`, 'utf8').matchAll(/^; vmidbt-run:(.*)$/gm)].map((m) => m[1].trim());
  if (!lines.length) lines.push('');
  return lines.map((line) => ({ label: line ? `${name} ${line}` : name, boot: parseBoot(line) }));
}

function parseBoot(line: string): MachineBoot {
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const boot: MachineBoot = { smp: 1, append: '', modules: [] };
  for (let k = 0; k < words.length; k += 2) {
    const [opt, value] = [words[k], words[k + 1] ?? ''];
    if (opt === '--smp') boot.smp = Number(value);
    else if (opt === '--append') boot.append = value;
    else if (opt === '--initrd') boot.modules = value.split(',');
    else if (opt === '--cpu') boot.cpu = value;
    else if (opt === '--machine') boot.hpet = value !== 'hpet=off';
    else if (opt === '--icount') boot.icount = Number(value);
    else if (opt === '--slice') boot.slice = Number(value);
    else throw new Error(`machine test option ${opt} not understood`);
  }
  return boot;
}

/** Boot one machine test; resolves with its exit status or why it stopped. */
export async function runMachineTest(name: string, boot: MachineBoot, jit: boolean): Promise<{ exit?: number; why: string; console: string }> {
  const image = readPrebuilt(`spec-tests/machine/${name}.bin`);
  const model = boot.cpu ? cpuModel(boot.cpu) : undefined;
  const machine = new Machine({ smp: boot.smp, memMiB: 32, maxInstructions: BUDGET, cpuModel: model, hpet: boot.hpet,
    cyclesPerInstruction: 2 ** (boot.icount ?? 0), sliceInstructions: boot.slice, console: () => {} });
  if (jit) machine.engine = new TranslatingEngine({ ...DEFAULT_ENGINE_OPTIONS, threshold: 0 });
  const modules: BootModule[] = boot.modules.map((item) => ({
    data: new Uint8Array(readFileSync(`${DIR}${item.split(' ')[0]}`)), cmdline: item,
  }));
  machine.loadKernel(image, `${name}.bin${boot.append ? ' ' + boot.append : ''}`, undefined, modules);
  const r = await machine.run();
  const stop = r.stop;
  if (stop.kind === 'exit') return { exit: stop.exitCode, why: stop.reason, console: machine.consoleText };
  return { why: stop.kind === 'error' ? stop.message : stop.reason, console: machine.consoleText };
}

/** Every machine test, every boot it asks for, interpreted or translated. */
export async function runMachineTests(jit: boolean): Promise<{ tests: number; failed: number; results: MachineResult[] }> {
  const results: MachineResult[] = [];
  for (const name of machineTestNames()) {
    for (const { label, boot } of bootsOf(name)) {
      try {
        const r = await runMachineTest(name, boot, jit);
        const ok = r.exit === 0;
        results.push({ name: label, ok, message: ok ? '' : r.exit !== undefined ? `check ${r.exit} failed` : r.why });
      } catch (e) {
        results.push({ name: label, ok: false, message: (e as Error).message });
      }
    }
  }
  return { tests: results.length, failed: results.filter((r) => !r.ok).length, results };
}
