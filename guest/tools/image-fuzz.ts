/**
 * The two halves of `npm run fuzz:images` that need no process: making a
 * mutant of the built-in guest image, and judging how `vmidbt run` ended on
 * it.
 *
 * A mutant is a function of (seed, index) alone, so any one of a campaign
 * can be made again (`--only K`). Its mutation is one of: bit flips, a run
 * of overwritten bytes, a truncation, an ELF header field, a program header
 * field, or a Multiboot header field (with the checksum repaired or not),
 * each field set to a value a careless or hostile producer would write (0,
 * all ones, sign boundaries, a neighbour of the real value, random).
 *
 * An outcome is fine when vmidbt said what happened in its own words: the
 * guest ended (clean or with a value), the guest faulted or ran out of its
 * instruction budget (one `vmidbt:` line, then at most an indented register
 * dump), or the image was refused (one `vmidbt:` line). Anything else is
 * BAD: a signal, an internal error, a JavaScript stack, a usage error (the
 * fuzzer's command lines are valid), more memory than the stated bound, or
 * more CPU time than the limit.
 */
import {
  EXIT_DEADLOCK, EXIT_GUEST_VALUE_HIGH, EXIT_INTERNAL, EXIT_LOAD, EXIT_OK, EXIT_RUNAWAY, EXIT_TRIPLE_FAULT,
  EXIT_UNSUPPORTED, describeExitStatus,
} from '../../base/exit-status.ts';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same mutants everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutant {
  bytes: Uint8Array;
  /** what was changed, in one line (for the BAD report) */
  what: string;
}

type Rng = () => number;
const below = (rng: Rng, n: number) => Math.floor(rng() * n);

/** A value a producer might wrongly write into a field that holds `old`. */
function oddValue(rng: Rng, old: number, bits: 16 | 32): number {
  const max = bits === 16 ? 0xffff : 0xffffffff;
  const choices = [0, 1, max, max >>> 1, (max >>> 1) + 1, old + 1, old - 1, old * 2, below(rng, max + 1), old ^ (1 << below(rng, bits))];
  return choices[below(rng, choices.length)] & max;
}

function setField(bytes: Uint8Array, off: number, bits: 16 | 32, value: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (off + bits / 8 > bytes.length) return;
  if (bits === 16) dv.setUint16(off, value, true);
  else dv.setUint32(off, value >>> 0, true);
}

function getField(bytes: Uint8Array, off: number, bits: 16 | 32): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (off + bits / 8 > bytes.length) return 0;
  return bits === 16 ? dv.getUint16(off, true) : dv.getUint32(off, true);
}

/** ELF header fields: [name, offset, bits] */
const ELF_FIELDS: [string, number, 16 | 32][] = [
  ['e_type', 16, 16], ['e_machine', 18, 16], ['e_entry', 24, 32], ['e_phoff', 28, 32], ['e_shoff', 32, 32],
  ['e_phentsize', 42, 16], ['e_phnum', 44, 16], ['e_shentsize', 46, 16], ['e_shnum', 48, 16], ['e_shstrndx', 50, 16],
];
/** program header fields: [name, offset in the entry] */
const PH_FIELDS: [string, number][] = [
  ['p_type', 0], ['p_offset', 4], ['p_vaddr', 8], ['p_paddr', 12], ['p_filesz', 16], ['p_memsz', 20], ['p_flags', 24],
];
const MULTIBOOT_MAGIC = 0x1badb002;

function multibootOffset(bytes: Uint8Array): number {
  for (let off = 0; off + 12 <= Math.min(8192, bytes.length); off += 4) if (getField(bytes, off, 32) === MULTIBOOT_MAGIC) return off;
  return -1;
}

type Mutator = (b: Uint8Array, rng: Rng) => string;

const MUTATORS: Mutator[] = [
  (b, rng) => {
    const n = 1 + below(rng, 8);
    const at: string[] = [];
    for (let k = 0; k < n; k++) {
      const off = below(rng, b.length);
      const bit = below(rng, 8);
      b[off] ^= 1 << bit;
      at.push(`0x${off.toString(16)}.${bit}`);
    }
    return `bit flips at ${at.join(' ')}`;
  },
  (b, rng) => {
    const off = below(rng, b.length);
    const n = 1 + below(rng, 16);
    const fill = rng() < 0.3 ? [0x00, 0xff, 0xcc, 0x90][below(rng, 4)] : -1;
    for (let k = off; k < Math.min(b.length, off + n); k++) b[k] = fill < 0 ? below(rng, 256) : fill;
    return `${n} bytes overwritten at 0x${off.toString(16)}${fill < 0 ? '' : ` with 0x${fill.toString(16)}`}`;
  },
  (b, rng) => {
    // `b` is a copy: truncation is reported through the length, applied by the caller
    const len = rng() < 0.5 ? below(rng, 8192) : below(rng, b.length);
    return `truncated to ${len} bytes`;
  },
  (b, rng) => {
    const [name, off, bits] = ELF_FIELDS[below(rng, ELF_FIELDS.length)];
    const v = oddValue(rng, getField(b, off, bits), bits);
    setField(b, off, bits, v);
    return `${name} = 0x${v.toString(16)}`;
  },
  (b, rng) => {
    const phoff = getField(b, 28, 32), phnum = getField(b, 44, 16);
    const k = below(rng, Math.max(1, phnum));
    const [name, field] = PH_FIELDS[below(rng, PH_FIELDS.length)];
    const off = phoff + k * 32 + field;
    const v = oddValue(rng, getField(b, off, 32), 32);
    setField(b, off, 32, v);
    return `program header ${k} ${name} = 0x${v.toString(16)}`;
  },
  (b, rng) => {
    const mb = multibootOffset(b);
    if (mb < 0) return 'no Multiboot header to change';
    const field = below(rng, 8); // flags, checksum, then the a.out kludge's five addresses
    const off = mb + 4 + field * 4;
    const v = field === 0 && rng() < 0.5 ? getField(b, off, 32) | 0x10000 : oddValue(rng, getField(b, off, 32), 32);
    setField(b, off, 32, v);
    const repair = field !== 1 && rng() < 0.7;
    if (repair) setField(b, mb + 8, 32, -(MULTIBOOT_MAGIC + getField(b, mb + 4, 32)) >>> 0);
    const names = ['flags', 'checksum', 'header_addr', 'load_addr', 'load_end_addr', 'bss_end_addr', 'entry_addr', 'mode_type'];
    return `Multiboot ${names[field]} = 0x${v.toString(16)}${repair ? ' (checksum repaired)' : ''}`;
  },
];

export const MUTATION_KINDS = MUTATORS.length;

/** Mutant `index` of the campaign seeded with `seed`. */
export function mutant(image: Uint8Array, seed: number, index: number): Mutant {
  const rng = prng(Math.imul(seed, 0x9e3779b1) ^ index);
  const bytes = Uint8Array.from(image);
  const kind = index % MUTATORS.length;
  const what = MUTATORS[kind](bytes, rng);
  const m = /^truncated to (\d+) bytes$/.exec(what);
  return { bytes: m ? bytes.subarray(0, Number(m[1])) : bytes, what };
}

export type OutcomeKind = 'clean exit' | 'guest exit value' | 'guest fault' | 'instruction limit' | 'load error' | 'BAD';

export interface RunRecord {
  status: number | null;
  signal: string | null;
  stderr: string;
  /** peak resident memory of the child in KiB (undefined if it died before saying) */
  maxRssKiB?: number;
  /** the CPU-time limit or the wall-clock backstop ended it */
  timedOut: boolean;
}

export interface Outcome {
  kind: OutcomeKind;
  /** one line: the child's own first line, or why it is BAD */
  line: string;
}

const STACK = /^\s+at .+[:(]\d+|node:internal|FATAL ERROR|Uncaught|^\w*Error: /m;

/** How a run of `vmidbt run` on a mutant ended; `memoryBoundKiB` is the stated bound. */
export function classify(r: RunRecord, memoryBoundKiB: number): Outcome {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const own = lines.filter((l) => l.startsWith('vmidbt: ') && !l.startsWith('vmidbt: warning: '));
  const first = own[0] ?? lines[0] ?? '';
  const bad = (why: string): Outcome => ({ kind: 'BAD', line: why });
  if (r.timedOut) return bad('hang: over the CPU-time limit');
  if (r.signal) return bad(`killed by ${r.signal}${first ? `: ${first}` : ''}`);
  if (STACK.test(r.stderr)) return bad(`stack trace: ${lines.find((l) => STACK.test(l)) ?? first}`);
  if (r.maxRssKiB !== undefined && r.maxRssKiB > memoryBoundKiB) {
    return bad(`memory: ${Math.round(r.maxRssKiB / 1024)} MiB, over the bound of ${Math.round(memoryBoundKiB / 1024)} MiB`);
  }
  const status = r.status ?? -1;
  // every line vmidbt writes besides its one message is a warning or an indented register dump
  const stray = lines.filter((l) => !l.startsWith('vmidbt: ') && !/^\s/.test(l));
  if (own.length > 1 || stray.length) return bad(`more than one line: ${[...own, ...stray].slice(0, 2).join(' | ')}`);
  if (status === EXIT_OK) return { kind: 'clean exit', line: describeExitStatus(status) };
  if ((status & 1 && status < 128) || status === EXIT_GUEST_VALUE_HIGH) return { kind: 'guest exit value', line: describeExitStatus(status) };
  if (status === EXIT_TRIPLE_FAULT || status === EXIT_UNSUPPORTED || status === EXIT_DEADLOCK) return { kind: 'guest fault', line: first };
  if (status === EXIT_RUNAWAY) return { kind: 'instruction limit', line: first };
  if (status === EXIT_LOAD && own.length === 1) return { kind: 'load error', line: first };
  if (status === EXIT_INTERNAL) return bad(`internal error: ${first}`);
  return bad(`exit status ${status} (${describeExitStatus(status)}): ${first}`);
}
