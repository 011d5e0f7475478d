/**
 * CPU exceptions as JS values.
 *
 * A fault is raised by throwing a `Fault`; whoever runs guest code (the
 * interpreter's step, a translated block's exit path) catches it, rewinds EIP
 * to the faulting instruction and delivers it through the IDT
 * (cpu/interrupts.ts). `Fault` deliberately does not extend Error: no
 * stack trace is captured, which keeps guest page faults cheap.
 */

import { EXIT_UNSUPPORTED } from '../base/exit-status.ts';
export const enum Vec {
  DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
  TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18,
}

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC',
};

/** Exceptions that push an error code. */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

export class Fault {
  readonly hasCode: boolean;
  constructor(readonly vector: number, readonly code = 0) {
    this.hasCode = hasErrorCode(vector);
  }
  toString(): string {
    const name = VECTOR_NAMES[this.vector] ?? `vector ${this.vector}`;
    return this.hasCode ? `${name}(0x${(this.code >>> 0).toString(16)})` : name;
  }
}

/** The machine cannot go on (triple fault, unsupported feature the guest relies on). */
export class MachineStop extends Error {
  constructor(message: string, readonly exitCode = EXIT_UNSUPPORTED) {
    super(message);
  }
}
