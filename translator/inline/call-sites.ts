/**
 * Replacing a call site with specialised code.
 *
 * When the translator meets `call rel32` whose target a registered inliner
 * claims (the next step: a VMI ROM slot, recognised through
 * vmirom/symbols.ts), it lets the inliner emit the call's effect directly
 * into the region through the same `EmitOps` every instruction uses, instead
 * of pushing a return address and leaving the region for the ROM. The inliner
 * must leave guest state exactly as the call and its `ret` would (the
 * lockstep mode and the fuzzer check that); execution then continues after
 * the call instruction.
 */
import type { CallReplacer } from '../emit/instr.ts';

/**
 * An inliner: `name` for statistics; `inline(i, target, ops)` emits code
 * that has the whole effect of `call target` (and the callee's return) for
 * instruction `i`, or returns false to leave the call alone. Region emission
 * (emit/instr.ts) offers it every direct call.
 */
export type CallSiteInliner = CallReplacer;
