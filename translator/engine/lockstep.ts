/**
 * Lockstep: every translated region runs twice from the same state, once
 * translated and once in the interpreter, and the first difference stops
 * the run with a readable diff (runtime/state.ts) and the region's source.
 *
 * Memory is compared through write journals (cpu/memory.ts), not copies of
 * RAM: the translated run's stores are journaled and undone, the
 * interpreter's journaled, and every byte either run wrote is compared.
 * Regions under lockstep leave out helpers that reach devices (rows marked
 * `external`, see region/discover.ts); should a region reach a device
 * anyway (an MMIO access through an ordinary load or store), memory refuses
 * it (`deviceGuard`), the translated run is undone, and the interpreter
 * takes that one instruction alone, so no device sees an access twice.
 *
 * Called by the engine (engine.ts) in place of a region's plain run when
 * `EngineOptions.lockstep` is set; the engine also turns off fast TLB writes
 * so that every store goes through the journal.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Interpreter } from '../../runtime/interpreter.ts';
import { Fault } from '../../isa/faults.ts';
import { deliverFault } from '../../cpu/interrupts.ts';
import { DeviceAccessRefused } from '../../cpu/memory.ts';
import { captureState, checkpoint, diffBytes, diffStates, hex32, matchesState, rollback } from '../../runtime/state.ts';
import { VcpuVmi } from '../../vmirom/state.ts';
import { prettySource, type Translation } from '../compile/assemble.ts';

export class LockstepMismatch extends Error {}

const LABELS = ['translated', 'interpreter'] as const;

/** What lockstep compared besides regions: VMI calls the translated runs made inline (their counters roll back with the run). */
export interface LockstepCounts {
  lockstepInlinedCalls: number;
}

/** VMI calls inlined on this vCPU so far (vmirom/state.ts counters; none without a ROM). */
function inlinedCalls(cpu: Cpu): number {
  return cpu.pv instanceof VcpuVmi ? cpu.pv.inlined.reduce((n, k) => n + k, 0) : 0;
}

/** Put back the old bytes a journal recorded, newest first. */
function undo(u8: Uint8Array, journal: number[]): void {
  for (let k = journal.length - 2; k >= 0; k -= 2) u8[journal[k]] = journal[k + 1];
}

/**
 * Run `t` translated, then the same instructions interpreted from the same
 * state; throw LockstepMismatch if they end differently. Returns true when
 * the region was compared, false when it reached a device and the
 * interpreter ran one instruction in its place. `counts` (the engine's
 * statistics) gets the VMI calls the translated run made inline.
 */
export function lockstep(cpu: Cpu, interp: Interpreter, t: Translation, counts?: LockstepCounts): boolean {
  const mem = cpu.mem;
  const start = checkpoint(cpu);
  const inlinedBefore = inlinedCalls(cpu);
  const before = cpu.instructions;
  // the translated run, with every byte it stores journaled
  mem.journal = [];
  mem.deviceGuard = true;
  let fault: Fault | undefined;
  try {
    t.fn(cpu, t.block);
  } catch (e) {
    if (e instanceof DeviceAccessRefused) {
      undo(mem.u8, mem.journal);
      mem.journal = null;
      mem.deviceGuard = false;
      rollback(cpu, start);
      interp.step();
      return false;
    }
    if (!(e instanceof Fault)) { mem.journal = null; mem.deviceGuard = false; throw e; }
    fault = e;
  } finally {
    mem.deviceGuard = false;
  }
  if (fault) deliverFault(cpu, fault);
  if (counts) counts.lockstepInlinedCalls += inlinedCalls(cpu) - inlinedBefore;
  const translated = captureState(cpu);
  const written = finalBytes(mem.u8, mem.journal);
  // the same instructions again, interpreted, from the same state
  undo(mem.u8, mem.journal);
  rollback(cpu, start);
  const steps = translated.instructions - before;
  mem.journal = [];
  try {
    for (let k = 0; k < steps; k++) interp.step();
  } finally {
    // a byte only the interpreter wrote: the translated run left it at its value before both runs
    for (const [addr, old] of finalBytes(mem.u8, mem.journal, true)) if (!written.has(addr)) written.set(addr, old);
    mem.journal = null;
  }
  if (matchesState(cpu, translated) && sameBytesWritten(mem.u8, written)) return true;
  const diff = diffStates(translated, captureState(cpu), { labels: LABELS });
  diff.push(...diffBytes([...written].map(([addr, v]) => [addr, v, mem.u8[addr]] as const), LABELS));
  if (diff.length) {
    throw new LockstepMismatch(`lockstep: translated region at ${hex32(t.entryEip)} (${steps} instructions) differs from the interpreter:\n${diff.join('\n')}\n--- generated code ---\n${prettySource(t.source)}`);
  }
  return true;
}

/** Whether memory holds every byte of `written` (address → the translated run's byte). */
function sameBytesWritten(u8: Uint8Array, written: Map<number, number>): boolean {
  for (const [addr, v] of written) if (u8[addr] !== v) return false;
  return true;
}

/** Addresses a journal recorded, with their current bytes (or, with `old`, the bytes before the first write). */
function finalBytes(u8: Uint8Array, journal: number[], old = false): Map<number, number> {
  const m = new Map<number, number>();
  for (let k = 0; k < journal.length; k += 2) {
    if (!old) m.set(journal[k], u8[journal[k]]);
    else if (!m.has(journal[k])) m.set(journal[k], journal[k + 1]);
  }
  return m;
}
