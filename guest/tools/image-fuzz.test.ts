/**
 * The image fuzzer's pure halves: mutants are a function of (seed, index)
 * and cover every kind of mutation; outcomes are judged by exit status,
 * signal, stderr's shape and peak memory, and everything vmidbt did not
 * explain in its own one line is BAD.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { classify, mutant, MUTATION_KINDS, type RunRecord } from './image-fuzz.ts';
import { EXIT_INTERNAL, EXIT_LOAD, EXIT_RUNAWAY, EXIT_TRIPLE_FAULT, EXIT_USAGE } from '../../base/exit-status.ts';

const KERNEL = readFileSync(new URL('../kernel.elf', import.meta.url));
const BOUND = 448 * 1024;
const rec = (r: Partial<RunRecord>): RunRecord => ({ status: 1, signal: null, stderr: '', timedOut: false, maxRssKiB: 150_000, ...r });

describe('mutants of the guest image', () => {
  it('are the same for the same seed and index, and differ from the image', () => {
    for (let k = 0; k < 2 * MUTATION_KINDS; k++) {
      const a = mutant(KERNEL, 7, k), b = mutant(KERNEL, 7, k);
      expect(a.what).toBe(b.what);
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    }
    expect(mutant(KERNEL, 7, 3).what).not.toBe(mutant(KERNEL, 8, 3).what);
  });

  it('cover bit flips, overwrites, truncation and ELF, program and Multiboot header fields', () => {
    const whats = Array.from({ length: 60 }, (_, k) => mutant(KERNEL, 1, k).what);
    for (const re of [/^bit flips/, /bytes overwritten/, /^truncated to/, /^e_\w+ = /, /^program header \d+ p_\w+ = /, /^Multiboot \w+ = /]) {
      expect(whats.some((w) => re.test(w)), String(re)).toBe(true);
    }
    const cut = Array.from({ length: 60 }, (_, k) => mutant(KERNEL, 1, k)).find((m) => m.what.startsWith('truncated'))!;
    expect(cut.bytes.length).toBe(Number(/(\d+) bytes/.exec(cut.what)![1]));
  });
});

describe('outcomes', () => {
  it('accepts what vmidbt explains in one line', () => {
    expect(classify(rec({ status: 0 }), BOUND).kind).toBe('clean exit');
    expect(classify(rec({ status: 5 }), BOUND).kind).toBe('guest exit value');
    expect(classify(rec({ status: EXIT_LOAD, stderr: 'vmidbt: k.elf: malformed ELF: bad program header size 0\n' }), BOUND))
      .toEqual({ kind: 'load error', line: 'vmidbt: k.elf: malformed ELF: bad program header size 0' });
    expect(classify(rec({ status: EXIT_TRIPLE_FAULT, stderr: 'vmidbt: triple fault (#GP, then #GP)\n  vCPU 0:\n  EAX=0\n' }), BOUND).kind).toBe('guest fault');
    expect(classify(rec({ status: EXIT_RUNAWAY, stderr: 'vmidbt: warning: k: ELF symbol table ignored: x\nvmidbt: guest exceeded --max-instructions 5\n' }), BOUND).kind)
      .toBe('instruction limit');
  });

  it('calls BAD a signal, a hang, a stack, an internal error, a usage error, two messages, or too much memory', () => {
    const bads: Partial<RunRecord>[] = [
      { status: null, signal: 'SIGTRAP' },
      { status: null, signal: 'SIGXCPU', timedOut: true },
      { status: 0, stderr: 'node:fs:933\nError: EPIPE: broken pipe, write\n    at writeSync (node:fs:933:3)\n' },
      { status: EXIT_INTERNAL, stderr: 'vmidbt: internal error on vCPU 0 at EIP 1000: boom\n' },
      { status: EXIT_USAGE, stderr: 'vmidbt: --mem must be a decimal integer\n' },
      { status: EXIT_LOAD, stderr: 'vmidbt: one\nvmidbt: two\n' },
      { status: 1, maxRssKiB: BOUND + 1 },
    ];
    for (const b of bads) expect(classify(rec(b), BOUND).kind, JSON.stringify(b)).toBe('BAD');
  });
});
