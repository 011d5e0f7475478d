/**
 * The machine vmidbt runs, wired: a `Machine` with the kernel loaded, the
 * translator's engine over the interpreter (unless asked for the
 * interpreter alone) and the VMI ROM in the option-ROM window (unless
 * hidden). `vmidbt run` (run.ts) and the browser page (web/app/) both boot
 * through here, so the two run the same machine.
 *
 * No Node here (the page bundles this file): options arrive parsed, the
 * image as bytes, and a loader's refusal leaves as the runtime's
 * `LoaderError` for the caller to word.
 */
import { Machine, type LoadedKernel, type MachineOptions } from '../runtime/machine.ts';
import type { BootModule } from '../runtime/loader/multiboot.ts';
import { TranslatingEngine } from '../translator/engine/machine-engine.ts';
import type { EngineOptions } from '../translator/engine/engine.ts';
import { installRom, type VmiRom } from '../vmirom/rom.ts';
import type { VmiAbi } from '../vmirom/abis.ts';

/** the built-in guest's command line: its workloads at a tenth of their size (~15 s interpreted) */
export const DEFAULT_GUEST_APPEND = 'scale=0.1';

export interface BootSpec {
  image: Uint8Array;
  cmdline: string;
  /** Linux's initrd */
  initrd?: Uint8Array;
  /** a Multiboot kernel's modules */
  modules?: BootModule[];
  machine: MachineOptions;
  /** the translator's options, or null for the interpreter alone (--no-jit) */
  engine: EngineOptions | null;
  /** the ROM's ABI, or null to hide the ROM (--no-rom: the guest runs natively) */
  abi: VmiAbi | null;
}

export interface Booted {
  machine: Machine;
  engine?: TranslatingEngine;
  rom?: VmiRom;
  loaded: LoadedKernel;
}

/** Install the VMI ROM of an ABI in the machine and let it claim start-up IPIs. */
function attachRom(machine: Machine, abi: VmiAbi): VmiRom {
  const rom = installRom(machine, { abi });
  machine.sipiHook = (id, vector) => rom.onStartupIpi(id, vector);
  return rom;
}

/**
 * A machine with the kernel loaded, at power-on or, given `warm` (the old
 * machine's RAM), after a soft reset. Throws the loader's `LoaderError`.
 */
export function bootMachine(spec: BootSpec, warm?: Uint8Array): Booted {
  const machine = new Machine(spec.machine);
  const engine = spec.engine ? new TranslatingEngine(spec.engine) : undefined;
  if (engine) machine.engine = engine;
  if (warm) machine.memory.u8.set(warm);
  const loaded = machine.loadKernel(spec.image, spec.cmdline, spec.initrd, spec.modules ?? []);
  const rom = spec.abi ? attachRom(machine, spec.abi) : undefined;
  if (engine && rom) engine.useRom(rom);
  return { machine, engine, rom, loaded };
}
