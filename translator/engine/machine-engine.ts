/**
 * The translator as the machine's execution engine: each vCPU gets its own
 * `Engine` (interpreter + translated regions), and a slice runs through it.
 * The machine's `yieldRequested` (a halt, a stop, another vCPU to start) is
 * honoured between regions; a region itself returns at its budget.
 *
 * With a VMI ROM (`useRom`, before the first slice) each vCPU's compiler
 * gets a VMI call inliner bound to that vCPU's ROM state, unless the
 * options say `vmiInline: false` (`vmidbt run --no-vmi-inline`); with
 * `vmiProfile` the inlined calls count themselves per site for a profiler.
 */
import type { EngineVcpu, ExecutionEngine } from '../../runtime/interpreter.ts';
import type { VmiRom } from '../../vmirom/rom.ts';
import { VmiInliner } from '../inline/vmi.ts';
import { Engine, emptyEngineStats, type EngineOptions, type EngineStats, type RegionTime } from './engine.ts';

export class TranslatingEngine implements ExecutionEngine {
  readonly name: string;
  private readonly engines = new Map<EngineVcpu, Engine>();
  private rom: VmiRom | undefined;

  constructor(readonly options: EngineOptions) {
    this.name = options.lockstep ? 'translator, lockstep' : 'translator';
  }

  /** The machine's VMI ROM: its calls are inlined (unless `vmiInline` is false). */
  useRom(rom: VmiRom): void {
    if (this.engines.size) throw new Error('the ROM must be known before the first slice');
    this.rom = rom;
  }

  private engineOf(v: EngineVcpu): Engine {
    let e = this.engines.get(v);
    if (!e) {
      e = new Engine(v.cpu, v.interp, this.options);
      const ctx = this.rom?.vcpus.find((c) => c.cpu === v.cpu);
      if (this.rom && ctx && this.options.vmiInline !== false) e.compiler.inliners.push(new VmiInliner(this.rom, ctx, this.options.vmiProfile));
      this.engines.set(v, e);
    }
    return e;
  }

  runSlice(v: EngineVcpu, budget: number, softEnd = false): void {
    const machine = v.machine;
    this.engineOf(v).run(budget, () => machine.yieldRequested, softEnd);
  }

  /** Each vCPU's regions with their runs and host time (EngineOptions.timeRegions), most time first. */
  regionTimes(): RegionTime[] {
    return [...this.engines.values()].flatMap((e) => e.regionTimes()).sort((a, b) => b.hostMs - a.hostMs);
  }

  /** Statistics summed over every vCPU. */
  stats(): EngineStats {
    const total = emptyEngineStats();
    for (const e of this.engines.values()) addInto(total, e.stats);
    return total;
  }
}

/** Add every number of `from` into `into`, nested records included. */
function addInto(into: object, from: object): void {
  const sums = into as Record<string, unknown>;
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'number') sums[k] = ((sums[k] as number | undefined) ?? 0) + v;
    else if (v && typeof v === 'object') addInto((sums[k] ??= {}) as object, v);
  }
}
