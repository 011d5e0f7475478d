/**
 * The call-site inliner seam: a `call` whose callee the translator knows is
 * emitted as the callee's effect, in place, instead of pushing a return
 * address and leaving the region.
 *
 * The compile pipeline asks each registered inliner about every call it
 * discovers (`claim`), at translation time, with the CPU as it is then: an
 * inliner that recognises the callee answers with a `ClaimedCall`
 * (emit/instr.ts), and the call no longer ends its block. Emission then
 * lets the claim emit the call, the callee's instructions and the return
 * through the region's emitter (`emitter` may give one that can do more
 * than `EmitOps`). What a claim may rely on at translation time (where a
 * callee is mapped, what a function pointer holds) it must check again in
 * the code it emits, falling back to the plain call when that no longer
 * holds.
 *
 * Invariant: an inlined call leaves guest state exactly as the called path
 * would, callee instructions retired, return address written below ESP and
 * faults inside it reported where the called path reports them; lockstep
 * and the fuzzer compare the two. The VMI ROM's calls (vmi.ts) are the
 * inliner there is.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Instr } from '../../isa/instr.ts';
import type { CompileLimits } from '../region/discover.ts';
import type { EmitContext, EmitOps } from '../emit/emit-ops.ts';
import type { ClaimedCall } from '../emit/instr.ts';
import type { FactoryArgs } from '../emit/abi.ts';

export interface CallSiteInliner {
  /** for statistics and messages */
  readonly name: string;
  /** Does this inliner take call `i` in the region being compiled on `cpu` now? */
  claim(i: Instr, cpu: Cpu, limits: CompileLimits): ClaimedCall | undefined;
  /** the emitter regions are built with, when claims need more than EmitOps */
  emitter?(ctx: EmitContext): EmitOps;
  /** objects generated code closes over for this inliner (factory parameters, emit/abi.ts) */
  readonly bindings?: Partial<FactoryArgs>;
}
