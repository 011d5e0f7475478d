/**
 * The code fuzzer (`npm run fuzz:code`): random byte streams, not generated
 * instructions, as the code of a minimal Multiboot image, each run on the
 * whole machine four ways, which must end alike: the interpreter one
 * instruction at a time with the interrupt check before each (the
 * reference), the interpreter as `--no-jit` runs it (runs of instructions,
 * runtime/interpreter.ts), translated, and lockstep.
 *
 * The image (a.out kludge, loaded at 1 MiB) sets up its own GDT and an IDT
 * whose 256 gates all lead to `restart`: flat segments, a fresh stack and
 * EFLAGS, then a jump to the stream. So a fault, trap or `int` runs the
 * stream again from its start, and code that faults keeps running hot
 * enough to be translated (threshold 2, no back-off: code reached twice is
 * translated, while a sled through zeroed RAM, which the stream often jumps
 * into, is reached once and stays interpreted). A stream that runs off
 * its end meets an exit to the debug port. Everything the stream does (write
 * over the tables, halt, loop, reach devices) is deterministic, so the four
 * runs must agree on how the run stopped, the instruction count, the
 * console, the registers and every byte of RAM.
 *
 * BAD means vmidbt itself failed: an internal error, an exception out of
 * the machine, or a run longer than RUN_MS of host time. A mismatch means
 * the interpreter's runs, the translated or the lockstep run ended
 * otherwise than the stepping interpreter's (or lockstep found a region
 * that differs).
 */
import { Machine, type RunResult } from '../../runtime/machine.ts';
import { TranslatingEngine } from '../../translator/engine/machine-engine.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import { SteppingEngine } from '../../runtime/interpreter.ts';
import { readEflags } from '../../cpu/flags.ts';
import { Rng } from './generate.ts';

export const LOAD = 0x100000;
const TABLES = LOAD + 0x1000;
const GDTR = TABLES, GDT = TABLES + 8, IDTR = TABLES + 0x20, IDT = TABLES + 0x28;
export const STREAM = LOAD + 0x2000;
const STACK = 0x180000;
/** guest instructions each run may take */
export const LIMIT = 20_000;
/**
 * Host time past which a run counts as a hang (FUZZ_RUN_MS overrides it, for
 * tests); the command runs such a stream again alone before calling it bad.
 */
export const RUN_MS = Number(process.env.FUZZ_RUN_MS ?? 10_000);
const MEM_MIB = 4;

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** The image around `stream` (see the module comment). */
export function codeImage(stream: Uint8Array): Uint8Array {
  const image = new Uint8Array(STREAM - LOAD + stream.length + 8);
  const put = (at: number, bytes: number[]) => image.set(bytes, at - LOAD);
  const flags = 0x10000, magic = 0x1badb002;
  put(LOAD, [...le32(magic), ...le32(flags), ...le32(-(magic + flags)), ...le32(LOAD), ...le32(LOAD), 0, 0, 0, 0, 0, 0, 0, 0, ...le32(LOAD + 0x20)]);
  const restart = LOAD + 0x20 + 21;
  put(LOAD + 0x20, [
    0x0f, 0x01, 0x15, ...le32(GDTR), // lgdt [GDTR]
    0x0f, 0x01, 0x1d, ...le32(IDTR), // lidt [IDTR]
    0xea, ...le32(restart), 0x08, 0x00, // jmp 0x08:restart (7 bytes: 21 in all)
  ]);
  const toStream = STREAM - (restart + 28);
  put(restart, [
    0xb8, 0x10, 0, 0, 0, // mov eax, 0x10
    0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8, // mov ds/es/ss/fs/gs, ax
    0xbc, ...le32(STACK), // mov esp, STACK
    0x6a, 0x02, 0x9d, // push 2; popfd
    0xe9, ...le32(toStream), // jmp STREAM (28 bytes in all)
  ]);
  put(GDTR, [23, 0, ...le32(GDT)]);
  put(GDT + 8, [0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0]);
  put(GDT + 16, [0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0]);
  put(IDTR, [0xff, 0x07, ...le32(IDT)]);
  for (let v = 0; v < 256; v++) put(IDT + v * 8, [restart & 0xff, (restart >>> 8) & 0xff, 0x08, 0, 0, 0xee, (restart >>> 16) & 0xff, restart >>> 24]);
  image.set(stream, STREAM - LOAD);
  // off the end: mov al, 0x2a; out 0xf4, al; hlt
  image.set([0xb0, 0x2a, 0xe6, 0xf4, 0xf4], STREAM - LOAD + stream.length);
  return image;
}

/** The random stream of `seed`: 1 to 256 bytes. */
export function streamOf(seed: number): Uint8Array {
  const rng = new Rng(seed * 0x9e3779b1);
  const bytes = new Uint8Array(1 + rng.int(256));
  for (let k = 0; k < bytes.length; k++) bytes[k] = rng.int(256);
  return bytes;
}

export type Mode = 'stepped' | 'interpreted' | 'translated' | 'lockstep';

export interface Ending {
  stop: string;
  instructions: number;
  console: string;
  cpu: string;
  ram: Uint8Array;
  ms: number;
  /** what went wrong in vmidbt itself, if anything */
  bad?: string;
  /** lockstep's report of a region that differs from the interpreter */
  lockstep?: string;
  /** `bad` is only that the run took longer than RUN_MS of host time */
  slow?: boolean;
}

/** Run one image in one mode to its end. */
export async function runImage(image: Uint8Array, mode: Mode): Promise<Ending> {
  const m = new Machine({ memMiB: MEM_MIB, maxInstructions: LIMIT, console: () => {} });
  if (mode === 'stepped') m.engine = new SteppingEngine();
  else if (mode !== 'interpreted') {
    m.engine = new TranslatingEngine({ ...DEFAULT_ENGINE_OPTIONS, threshold: 2, backOff: false, cacheBytes: 16 << 20, lockstep: mode === 'lockstep' });
  }
  m.loadKernel(image, 'fuzz');
  const t0 = performance.now();
  let r: RunResult;
  try {
    r = await m.run();
  } catch (e) {
    return { stop: 'exception', instructions: 0, console: '', cpu: '', ram: new Uint8Array(), ms: 0, bad: `exception out of the machine: ${String(e)}` };
  }
  const ms = performance.now() - t0;
  const s = r.stop;
  const cpu = m.vcpus[0].cpu;
  const ending: Ending = {
    stop: `${s.kind} ${s.reason} ${s.exitCode}`,
    instructions: r.instructions,
    console: m.consoleText,
    cpu: JSON.stringify({ regs: [...cpu.regs], eip: cpu.eip >>> 0, eflags: readEflags(cpu), cr0: cpu.cr0, cr2: cpu.cr2, cr3: cpu.cr3 }),
    ram: m.memory.u8,
    ms,
  };
  if (s.kind === 'error' && s.reason === 'internal-error' && s.message.includes('lockstep:')) ending.lockstep = s.message.split('\n')[0];
  else if (s.kind === 'error' && s.reason === 'internal-error') ending.bad = s.message;
  else if (ms > RUN_MS) { ending.bad = `took ${Math.round(ms)} ms`; ending.slow = true; }
  return ending;
}

export interface StreamOutcome {
  seed: number;
  bad?: string;
  /** the only thing wrong was host time past RUN_MS (`bad` says how long): a hang, or a loaded host */
  slow?: boolean;
  mismatch?: string;
  instructions: number;
}

/** How `b` ended otherwise than the reference `a` (undefined if alike). */
function difference(a: Ending, b: Ending): string | undefined {
  if (b.lockstep) return b.lockstep;
  if (a.stop !== b.stop) return `stop: ${a.stop} / ${b.stop}`;
  if (a.instructions !== b.instructions) return `instructions: ${a.instructions} / ${b.instructions}`;
  if (a.console !== b.console) return 'console output differs';
  if (a.cpu !== b.cpu) return `cpu: ${a.cpu} / ${b.cpu}`;
  if (Buffer.compare(a.ram, b.ram) !== 0) return 'RAM differs';
  return undefined;
}

/** Run stream `seed` four ways and compare. */
export async function fuzzStream(seed: number): Promise<StreamOutcome> {
  const image = codeImage(streamOf(seed));
  const ref = await runImage(image, 'stepped');
  const out: StreamOutcome = { seed, instructions: ref.instructions };
  for (const mode of ['interpreted', 'translated', 'lockstep'] as const) {
    const e = mode === 'translated' || !ref.bad ? await runImage(image, mode) : ref;
    const failed = ref.bad ? ref : e.bad ? e : undefined;
    if (failed) { out.bad = failed.bad; out.slow = failed.slow; return out; }
    const d = difference(ref, e);
    if (d) { out.mismatch = `${mode}: ${d}`; return out; }
  }
  return out;
}

/** A stream's bytes as hex, for a report. */
export function streamHex(seed: number): string {
  return Buffer.from(streamOf(seed)).toString('hex');
}
