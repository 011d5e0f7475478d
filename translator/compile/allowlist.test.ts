/**
 * The allow-list (allowlist.ts) over a corpus that reaches every shape the
 * generator emits: nasm-built snippets (straight code, memory, stack,
 * strings, x87, 16-bit operands, every condition code, a region across a
 * page boundary, a self-loop), random sequences from the fuzzer's
 * generator, and inlined VMI calls from the fuzzer's sandbox, which has the
 * ROM; each translated region by region. Every other function compiled in
 * the test suite is checked as it is compiled (assemble.ts,
 * VMIDBT_CHECK_GENERATED); the last cases show that check refuses a bad
 * source and that the checker rejects what it should.
 */
import { describe, expect, it } from 'vitest';
import { bareCpu } from '../../spec-tests/harness.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../engine/engine.ts';
import { RegionCompiler } from './pipeline.ts';
import { assemble as assembleRegion, type Translation } from './assemble.ts';
import type { EmittedRegion } from '../emit/region.ts';
import { PARAMS, VMI_FIELDS } from '../emit/abi.ts';
import { CAMPAIGN_TIMEOUT_MS, Differential, caseFromSeed } from '../../spec-tests/fuzz/differential.ts';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { violations } from './allowlist.ts';
import { MachineStop } from '../../isa/faults.ts';
import { nasm } from '../../spec-tests/snippets.ts';
import { Rng, assemble, randomUnits, AVOID_NONE } from '../../spec-tests/fuzz/generate.ts';


/** Every region the engine makes for this code (threshold 0, run to its end or a budget). */
function regionsOf(code: Uint8Array, steps = 3000): Translation[] {
  const b = bareCpu();
  b.load(code);
  b.cpu.regs[6] = 0x20000; b.cpu.regs[7] = 0x24000; b.cpu.regs[3] = 0x28000;
  const seen: Translation[] = [];
  // the entry region too (the engine interprets the first instruction while the TLB is empty)
  const first = new RegionCompiler().compile(b.cpu, 0);
  if (first) seen.push(first);
  const e = new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, backOff: false });
  try {
    e.run(steps);
  } catch (err) {
    // random code may fault with no IDT (a triple fault): the regions made until then still count
    if (!(err instanceof MachineStop)) throw err;
  }
  seen.push(...e.translations());
  return seen;
}

const CORPUS: Record<string, string> = {
  loop: 'mov ecx, 100\n.l: add eax, ecx\n imul edx, eax, 3\n dec ecx\n jnz .l\n jmp $',
  memory: 'mov eax, [ebx]\n mov [ebx+4], eax\n mov byte [ebx+1], al\n movsx ecx, word [ebx+6]\n xchg [ebx+8], edx\n lock xadd [ebx+12], ecx\n cmpxchg [ebx+16], esi\n jmp $',
  stack: 'push ebp\n mov ebp, esp\n pushad\n push dword [ebx]\n pop dword [ebx+4]\n call .f\n popad\n leave\n jmp $\n.f: push 7\n pop eax\n ret',
  strings: 'mov ecx, 8\n rep movsd\n mov ecx, 4\n rep stosb\n lodsw\n mov ecx, 3\n repe cmpsb\n scasd\n jmp $',
  x87: 'fninit\n fld1\n fldpi\n fmulp st1, st0\n fstp qword [ebx]\n fild dword [ebx+8]\n fsqrt\n fistp dword [ebx+12]\n fnstsw ax\n jmp $',
  opsize16: 'add ax, bx\n mov [ebx], cx\n movzx eax, word [ebx+2]\n push ax\n pop dx\n shl si, 3\n cwd\n jmp $',
  shifts: 'shl eax, cl\n shr ebx, cl\n sar edx, cl\n rol esi, cl\n ror edi, 3\n rcl eax, cl\n shld eax, edx, cl\n shrd ebx, esi, 5\n jmp $',
  muldiv: 'mov ecx, 7\n xor edx, edx\n div ecx\n mul ecx\n imul ecx\n idiv ecx\n aam\n daa\n jmp $',
  bits: 'bt eax, ecx\n bts dword [ebx], 5\n bsf edx, eax\n bsr esi, eax\n bswap edi\n lahf\n sahf\n jmp $',
  // a loop across the page boundary at 0x2000: one region over two pages, with its second-page check
  'page-crossing': 'jmp .l\n times 0xff0 nop\n.l: add eax, ecx\n mov [ebx], eax\n times 16 inc edx\n dec ecx\n jnz .l\n jmp $',
  // a block that jumps to its own start: the labelled inner loop
  'self-loop': 'mov ecx, 50\n.l: add eax, 3\n dec ecx\n jnz .l\n jmp $',
};
/** the shape each of these must have produced, or the case does not test what it names */
const SHAPES: Record<string, (ts: Translation[]) => boolean> = {
  'page-crossing': (ts) => ts.some((t) => t.pages.length === 2),
  'self-loop': (ts) => ts.some((t) => t.source.includes('self:')),
};
// every condition code, as jcc, setcc and cmovcc after cmp, test and an addition
for (const head of ['cmp eax, ebx', 'test ecx, edx', 'add esi, edi', 'inc eax', 'shl eax, cl']) {
  const lines: string[] = [];
  for (const cc of ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']) {
    lines.push(head, `j${cc} $+2`, head, `set${cc} dl`, head, `cmov${cc} eax, ecx`);
  }
  CORPUS[`cc after ${head}`] = `${lines.join('\n')}\n jmp $`;
}

describe('generated code uses only allow-listed constructs', () => {
  for (const [name, src] of Object.entries(CORPUS)) {
    it(name, () => {
      const regions = regionsOf(nasm(src));
      expect(regions.length).toBeGreaterThan(0);
      if (SHAPES[name]) expect(SHAPES[name](regions), `a region of the ${name} shape`).toBe(true);
      for (const t of regions) expect(violations(t.source), `region at ${t.entryEip.toString(16)}:\n${t.source}`).toEqual([]);
    });
  }

  it('300 random sequences from the fuzzer\'s generator', async () => {
    let regions = 0;
    for (let s = 1; s <= 300; s++) {
      // let the worker answer vitest between sequences: on a loaded machine the whole loop outlasts its RPC timeout
      if (s % 20 === 0) await new Promise((done) => setImmediate(done));
      const rng = new Rng(s);
      const { bytes } = assemble(randomUnits(rng, 12, AVOID_NONE), 0x1000);
      for (const t of regionsOf(bytes, 200)) {
        regions++;
        const v = violations(t.source);
        if (v.length) expect(v, `seed ${s}, region at ${t.entryEip.toString(16)}`).toEqual([]);
      }
    }
    expect(regions).toBeGreaterThan(300);
    // about 20 s on an idle host, several times that on a busy one: the fuzz campaign's allowance
  }, CAMPAIGN_TIMEOUT_MS);

  it('inlined VMI calls: 300 fuzzer sequences in a sandbox with the VMI ROM', async () => {
    const d = new Differential();
    let inlined = 0;
    for (let seed = 1; seed <= 300; seed++) {
      // let the test runner's worker answer its runner now and then (a long synchronous test misses its calls)
      if (seed % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      d.run(caseFromSeed(seed));
      // each case's code replaces the last one's, and its translations with it
      for (const t of d.engine.translations()) {
        if (!t.source.includes(`${PARAMS.vmi}.${VMI_FIELDS.inlined}`)) continue;
        inlined++;
        const v = violations(t.source);
        if (v.length) expect(v, `seed ${seed}, region at ${t.entryEip.toString(16)}:\n${t.source}`).toEqual([]);
      }
    }
    expect(inlined).toBeGreaterThan(50);
  });

  it('assemble refuses to compile a source outside the allow-list', () => {
    // a function whose text carries a string, as a broken emitter could make it
    const fn = 'function translated(cpu){"guest";}';
    const region = { fn, exitEips: [], sites: 0, instrs: [] } as unknown as EmittedRegion;
    expect(() => assembleRegion(region, { key: 0, entry: 0x1000, pages: [1], blocks: 1 }, new PhysicalMemory(1 << 16))).toThrow(/allow-list.*non-numeric literal/);
  });

  it('the checker itself rejects what it should', () => {
    expect(violations('x = "guest";')).toEqual(expect.arrayContaining([expect.stringMatching(/^non-numeric literal/), expect.stringMatching(/^identifier x/)]));
    expect(violations('cpu.eval(1);')[0]).toMatch(/^member cpu\.eval/);
    expect(violations('(() => 1)();')[0]).toMatch(/^node type ArrowFunctionExpression/);
    expect(violations('h.constructor.constructor;')[0]).toMatch(/^member h\.constructor/);
    expect(violations('let t3 = r0 + 1 | 0; m32[t3 >>> 2] = t3;')).toEqual([]);
    expect(violations('V.vif = !!t1; V.inlined[3] += 1; VX.writeCr3(V, t2);')).toEqual([]);
    expect(violations('V.rom = 1;')[0]).toMatch(/^(member V\.rom|assignment)/);
    expect(violations('VX.constructor(V);')[0]).toMatch(/^member VX\.constructor/);
  });
});
