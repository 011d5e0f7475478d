/**
 * Replays golden vectors through the interpreter.
 *
 * Each vector runs one instruction in the test world (spec-tests/world.ts,
 * with an IDT of 32 exception vectors, so traps the instruction delivers
 * itself, into and int3, are seen): registers and memory from the vector's
 * inputs, the encoding at 0x1000, one step, then every output compared: registers whole, memory byte
 * for byte, flags on CF PF AF ZF SF OF DF except those the vector says are
 * undefined, and the exception raised (if any).
 */
import { CODE_ADDR } from './harness.ts';
import { testWorld, type World } from './world.ts';
import type { Form, VectorRow } from './vectors.ts';
import { Fault } from '../isa/faults.ts';
import { readEflags } from '../cpu/flags.ts';
import { RegionCompiler } from '../translator/compile/pipeline.ts';
import type { Translation } from '../translator/compile/assemble.ts';

const REGS: Record<string, number> = { eax: 0, ecx: 1, edx: 2, ebx: 3, esp: 4, ebp: 5, esi: 6, edi: 7 };
const COMPARED_FLAGS = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x800 | 0x400;
const NO_EXCEPTION = 0xff;

export interface Mismatch {
  form: string;
  line: number;
  field: string;
  expected: string;
  actual: string;
}

export interface ReplayResult {
  vectors: number;
  failed: number;
  forms: number;
  mismatches: Mismatch[];
  /** failures by form name */
  failedForms: Map<string, number>;
}

function hex(v: number | Uint8Array | null): string {
  if (v === null) return 'x';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return (v >>> 0).toString(16);
}

/** interpreter: the reference; jit: each form translated once (a one-instruction region) and run per vector */
export type ReplayEngine = 'interpreter' | 'jit';

export class Replayer {
  private readonly world: World = testWorld({ vectors: 32 });
  private readonly compiler = new RegionCompiler({ maxInstructions: 1, maxBlocks: 1 });
  private translated: { form: Form; t: Translation } | undefined;

  constructor(readonly engine: ReplayEngine = 'interpreter') {}

  private translation(form: Form): Translation {
    if (this.translated?.form === form) return this.translated.t;
    const cpu = this.world.cpu;
    cpu.eip = CODE_ADDR;
    const t = this.compiler.compile(cpu, 0);
    if (!t) throw new Error(`form ${form.name} could not be translated`);
    this.translated = { form, t };
    return t;
  }

  /** Run one vector; returns the first mismatching field, or undefined. */
  run(form: Form, row: VectorRow): Mismatch | undefined {
    const { cpu, mem, interp } = this.world;
    cpu.regs.fill(0);
    cpu.eflags = 2;
    cpu.lazy = 0;
    cpu.halted = false;
    if (this.translated?.form !== form) {
      mem.u8.fill(0, CODE_ADDR, CODE_ADDR + 16);
      mem.load(CODE_ADDR, form.bytes);
    }
    form.inputs.forEach((f, k) => {
      const v = row.in[k];
      if (f.name === 'mem') mem.load(f.addr!, v as Uint8Array);
      else if (f.name === 'flags') cpu.eflags = ((v as number) & ~0x100) | 2; // never single-step
      else cpu.regs[REGS[f.name]] = v as number;
    });
    cpu.eip = CODE_ADDR;
    const esp = cpu.regs[4];
    let exc = NO_EXCEPTION;
    try {
      if (this.engine === 'jit') {
        cpu.budget = 1;
        this.translation(form).fn(cpu, 0);
      } else {
        const i = interp.decodeAt(CODE_ADDR);
        cpu.eip = i.next;
        interp.execute(i);
      }
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      exc = e.vector;
      cpu.eip = CODE_ADDR;
      cpu.regs[4] = esp;
    }
    const delivered = this.world.vectorTaken();
    if (delivered >= 0) {
      // the instruction delivered a trap itself: compare the state it left before delivery
      exc = delivered;
      cpu.regs[4] = esp;
    }
    const undef = row.undef ?? form.undef;
    let bad: Mismatch | undefined;
    form.outputs.forEach((f, k) => {
      if (bad) return;
      const want = row.out[k];
      if (want === null) return;
      let got: number | Uint8Array;
      let same: boolean;
      if (f.name === 'mem') {
        got = mem.u8.slice(f.addr!, f.addr! + f.len!);
        same = Buffer.from(got).equals(Buffer.from(want as Uint8Array));
      } else if (f.name === 'flags') {
        const mask = COMPARED_FLAGS & ~undef;
        got = readEflags(cpu);
        same = ((got ^ (want as number)) & mask) === 0;
      } else if (f.name === 'exc') {
        got = exc;
        same = got === want;
      } else {
        got = cpu.regs[REGS[f.name]];
        same = got === want;
      }
      if (!same) bad = { form: form.name, line: row.line, field: f.name === 'mem' ? `m${f.addr!.toString(16)}` : f.name, expected: hex(want), actual: hex(got) };
    });
    // leave memory as we found it for the next vector
    for (const f of [...form.inputs, ...form.outputs]) if (f.name === 'mem') mem.u8.fill(0, f.addr!, f.addr! + f.len!);
    // the code stays for the next vector of the same form (the translation is made from it)
    return bad;
  }

  replay(forms: Form[], keep = 50): ReplayResult {
    const result: ReplayResult = { vectors: 0, failed: 0, forms: forms.length, mismatches: [], failedForms: new Map() };
    for (const form of forms) {
      for (const row of form.rows) {
        result.vectors++;
        const bad = this.run(form, row);
        if (bad) {
          result.failed++;
          result.failedForms.set(form.name, (result.failedForms.get(form.name) ?? 0) + 1);
          if (result.mismatches.length < keep) result.mismatches.push(bad);
        }
      }
    }
    return result;
  }
}
