/**
 * A bare CPU for tests: flat 32-bit protected mode, CPL 0, paging off,
 * 1 MiB of RAM, code placed at 0x1000, and no descriptor tables: the
 * segment caches are loaded directly, so nothing may reload a segment, and a
 * delivered fault ends in a triple fault. Unit tests of single instructions use it to run
 * a few instructions without a machine around them; a test that needs a
 * GDT, an IDT, paging or ring 3 uses the test world built on it
 * (spec-tests/world.ts).
 */
import { PhysicalMemory } from '../cpu/memory.ts';
import { Cpu } from '../cpu/cpu.ts';
import { Interpreter } from '../runtime/interpreter.ts';
import { enterFlatProtectedMode } from '../cpu/setup.ts';
import { Fault } from '../isa/faults.ts';

export const CODE_ADDR = 0x1000;

export interface Bare {
  mem: PhysicalMemory;
  cpu: Cpu;
  interp: Interpreter;
  /** load code at CODE_ADDR and point EIP at it */
  load(code: number[] | Uint8Array, at?: number): void;
  /** step until EIP leaves the loaded code (or `max` steps) */
  runToEnd(max?: number): void;
  /** run the one instruction at EIP; a fault is returned (EIP rewound to it), not delivered */
  exec1(): Fault | undefined;
}

export function bareCpu(memBytes = 1 << 20, vcpuAreas = 0): Bare {
  const mem = new PhysicalMemory(memBytes, false, vcpuAreas);
  const cpu = new Cpu(mem);
  enterFlatProtectedMode(cpu);
  cpu.regs[4] = 0x80000;
  const interp = new Interpreter(cpu);
  let end = CODE_ADDR;
  return {
    mem, cpu, interp,
    load(code, at = CODE_ADDR) {
      mem.load(at, code instanceof Uint8Array ? code : new Uint8Array(code));
      cpu.eip = at;
      end = at + code.length;
    },
    exec1() {
      const start = cpu.eip;
      try {
        const i = interp.decodeAt(start);
        cpu.eip = i.next;
        interp.execute(i);
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        cpu.eip = start;
        return e;
      }
      return undefined;
    },
    runToEnd(max = 100000) {
      for (let n = 0; n < max && cpu.eip >>> 0 >= CODE_ADDR && cpu.eip >>> 0 < end && !cpu.halted; n++) interp.step();
    },
  };
}
