import { describe, expect, it } from 'vitest';
import { bareCpu, type Bare } from '../../spec-tests/harness.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { CR0_NE } from '../../cpu/mmu.ts';
import { CF, PF, ZF, OF, SF, AF } from '../../isa/eflags.ts';
import { fromBits, highBits, lowBits } from './fpu-float80.ts';
import { getST, isEmpty } from './fpu-stack.ts';
import { tagWord } from './fpu-control.ts';
import { bothWays } from './fpu-arith.ts';
import { X87_KERNELS } from './fpu.ts';

const D = 0x2000; // data area
const IE = 1, ZE = 4, PE = 0x20, SFL = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;

/** opcode with a [disp32] memory operand */
function m(op: number, reg: number, addr = D): number[] {
  return [op, (reg << 3) | 5, addr & 0xff, (addr >> 8) & 0xff, (addr >> 16) & 0xff, addr >>> 24];
}
/** register form: ModRM C0 | reg << 3 | i */
function r(op: number, reg: number, i: number): number[] {
  return [op, 0xc0 | (reg << 3) | i];
}

function run(code: number[][], setup?: (b: Bare) => void): Bare {
  const b = bareCpu();
  setup?.(b);
  b.load(code.flat());
  b.runToEnd();
  return b;
}

function putF64(b: Bare, addr: number, v: number): void {
  b.mem.write(addr, 4, lowBits(v));
  b.mem.write(addr + 4, 4, highBits(v));
}
function getF64(b: Bare, addr: number): number {
  return fromBits(b.mem.read(addr, 4), b.mem.read(addr + 4, 4));
}
function hex64(b: Bare, addr: number): string {
  return (b.mem.read(addr + 4, 4) >>> 0).toString(16).padStart(8, '0') + (b.mem.read(addr, 4) >>> 0).toString(16).padStart(8, '0');
}
const st = (b: Bare, i: number) => getST(b.cpu.fpu, i);
const sw = (b: Bare) => b.cpu.fpu.status();

const FLD64 = (a = D) => m(0xdd, 0, a);
const FSTP64 = (a = D) => m(0xdd, 3, a);
const FLD1 = [0xd9, 0xe8], FLDZ = [0xd9, 0xee], FLDPI = [0xd9, 0xeb];

/** load doubles (first one ends up deepest) at D, D+8, ... */
function loadDoubles(vals: number[]): { code: number[][]; setup: (b: Bare) => void } {
  return {
    code: vals.map((_, k) => FLD64(D + 8 * k)),
    setup: (b) => vals.forEach((v, k) => putF64(b, D + 8 * k, v)),
  };
}

describe('loads and stores', () => {
  it('round-trips float32, float64 and float80 through memory', () => {
    const b = run([m(0xd9, 0, D), m(0xd9, 3, D + 0x10), FLD64(D + 0x20), FSTP64(D + 0x30), m(0xdb, 5, D + 0x40), m(0xdb, 7, D + 0x50)], (b) => {
      b.mem.write(D, 4, 0x3fc00000); // 1.5f
      b.mem.write(D + 0x20, 4, 0x54442d18); b.mem.write(D + 0x24, 4, 0x400921fb); // pi
      b.mem.write(D + 0x40, 4, 0); b.mem.write(D + 0x44, 4, 0xc0000000); b.mem.write(D + 0x48, 2, 0xc000); // -3.0
    });
    expect(b.mem.read(D + 0x10, 4) >>> 0).toBe(0x3fc00000);
    expect(getF64(b, D + 0x30)).toBe(Math.PI);
    expect(b.mem.read(D + 0x54, 4) >>> 0).toBe(0xc0000000);
    expect(b.mem.read(D + 0x58, 2)).toBe(0xc000);
    expect(b.cpu.fpu.tags).toBe(0xffff);
    expect(b.cpu.fpu.top).toBe(0);
  });
  it('loads and stores zeros, infinities, NaNs and denormals bit-exactly', () => {
    const vals = [-0, -Infinity, fromBits(0x1234, 0x7ff81234), Number.MIN_VALUE, 2 ** -1030];
    for (const v of vals) {
      const b = run([FLD64(), m(0xdb, 7, D + 0x10), m(0xdb, 5, D + 0x10), FSTP64(D + 0x20)], (b) => putF64(b, D, v));
      expect(hex64(b, D + 0x20)).toBe(hex64(b, D));
      expect(sw(b) & IE).toBe(0);
    }
  });
  it('fst m32 rounds per RC and sets PE; an SNaN load is invalid and quieted', () => {
    // RC up = cw 0x0b7f
    const b = run([m(0xd9, 5, D + 0x40), FLD64(), m(0xd9, 2, D + 0x10)], (b) => {
      putF64(b, D, 1 + 2 ** -30);
      b.mem.write(D + 0x40, 2, 0x0b7f);
    });
    expect(b.mem.read(D + 0x10, 4) >>> 0).toBe(0x3f800001);
    expect(sw(b) & (PE | C1)).toBe(PE | C1);
    const s = run([FLD64()], (b) => putF64(b, D, fromBits(1, 0x7ff00000)));
    expect(sw(s) & IE).toBe(IE);
    expect(highBits(st(s, 0)) >>> 0).toBe(0x7ff80000);
  });
  it('fild loads each integer size', () => {
    const b = run([m(0xdf, 0, D), m(0xdb, 0, D + 4), m(0xdf, 5, D + 8)], (b) => {
      b.mem.write(D, 2, 0xfffe); // -2
      b.mem.write(D + 4, 4, 0x80000000); // -2^31
      b.mem.write(D + 8, 4, 0); b.mem.write(D + 12, 4, 0x40000000); // 2^62
    });
    expect([st(b, 2), st(b, 1), st(b, 0)]).toEqual([-2, -(2 ** 31), 2 ** 62]);
  });
  it('fistp rounds per RC for every size', () => {
    const want: Record<number, number[]> = { 2.5: [2, 2, 3, 2], [-2.5]: [-2, -3, -2, -2], [-1.7]: [-2, -2, -1, -1] };
    for (const [x, exp] of Object.entries(want)) {
      for (let mode = 0; mode < 4; mode++) {
        const cw = 0x37f | (mode << 10);
        const b = run([m(0xd9, 5, D + 0x40), FLD64(), m(0xdf, 2, D + 0x10), m(0xdb, 2, D + 0x14), m(0xdf, 7, D + 0x18)], (b) => {
          putF64(b, D, Number(x));
          b.mem.write(D + 0x40, 2, cw);
        });
        expect((b.mem.read(D + 0x10, 2) << 16) >> 16, `${x} rc${mode}`).toBe(exp[mode]);
        expect(b.mem.read(D + 0x14, 4) | 0).toBe(exp[mode]);
        expect(b.mem.read(D + 0x18, 4) | 0).toBe(exp[mode]);
        expect(b.mem.read(D + 0x1c, 4) | 0).toBe(exp[mode] < 0 ? -1 : 0);
        expect(sw(b) & PE).toBe(PE);
        expect(isEmpty(b.cpu.fpu, 0)).toBe(true);
      }
    }
  });
  it('fistp out of range or NaN stores the integer indefinite with IE', () => {
    const b = run([FLD64(), m(0xdf, 3, D + 0x10), FLD64(D + 8), m(0xdb, 3, D + 0x14), FLD64(D + 8), m(0xdf, 7, D + 0x18)], (b) => {
      putF64(b, D, 40000);
      putF64(b, D + 8, NaN);
    });
    expect(b.mem.read(D + 0x10, 2)).toBe(0x8000);
    expect(b.mem.read(D + 0x14, 4) >>> 0).toBe(0x80000000);
    expect(hex64(b, D + 0x18)).toBe('8000000000000000');
    expect(sw(b) & IE).toBe(IE);
    const c = run([FLD64(), m(0xdb, 3, D + 0x10)], (b) => putF64(b, D, 2 ** 31 - 0.75));
    expect(c.mem.read(D + 0x10, 4) | 0).toBe(2 ** 31 - 1);
    expect(sw(c) & IE).toBe(0);
  });
  it('constants', () => {
    const b = run([FLD1, FLDZ, FLDPI, [0xd9, 0xea], [0xd9, 0xe9], [0xd9, 0xec], [0xd9, 0xed]]);
    expect([st(b, 6), st(b, 5), st(b, 4), st(b, 3), st(b, 2), st(b, 1), st(b, 0)]).toEqual([
      1, 0, Math.PI, Math.LOG2E, Math.log2(10), Math.log10(2), Math.LN2]);
  });
});

describe('register stack and tags', () => {
  it('tracks TOP and the tag word through pushes and pops', () => {
    const b = run([FLD1, FLDZ, FLD64()], (b) => putF64(b, D, Infinity));
    const f = b.cpu.fpu;
    expect(f.top).toBe(5);
    // R7 = 1 valid, R6 = 0 zero, R5 = inf special, R0-R4 empty
    expect(tagWord(f)).toBe(0x03ff | (0 << 14) | (1 << 12) | (2 << 10));
    expect((sw(b) >> 11) & 7).toBe(5);
    const c = run([FLD1, FLDZ, FSTP64(), FSTP64()]);
    expect(c.cpu.fpu.top).toBe(0);
    expect(tagWord(c.cpu.fpu)).toBe(0xffff);
  });
  it('fxch, ffree, fincstp, fdecstp', () => {
    const b = run([FLD1, FLDPI, r(0xd9, 1, 1)]);
    expect([st(b, 0), st(b, 1)]).toEqual([1, Math.PI]);
    const c = run([FLD1, FLDPI, r(0xdd, 0, 1), [0xd9, 0xf7]]);
    expect(isEmpty(c.cpu.fpu, 0)).toBe(true); // ST1 freed, then TOP moved onto it
    expect(c.cpu.fpu.top).toBe(7);
    const d = run([FLD1, [0xd9, 0xf6]]);
    expect(d.cpu.fpu.top).toBe(6);
    expect(isEmpty(d.cpu.fpu, 0)).toBe(true);
    expect(st(d, 1)).toBe(1);
  });
  it('stack underflow: IE+SF, C1 clear, QNaN indefinite', () => {
    const b = run([FLD1, r(0xd8, 0, 3)]); // fadd st0, st3 (empty)
    expect(sw(b) & (IE | SFL | C1)).toBe(IE | SFL);
    expect(highBits(st(b, 0)) >>> 0).toBe(0xfff80000);
    const c = run([FSTP64(D + 0x10)]);
    expect(hex64(c, D + 0x10)).toBe('fff8000000000000');
    expect(c.cpu.fpu.top).toBe(1);
  });
  it('stack overflow: IE+SF, C1 set, indefinite pushed', () => {
    const b = run(Array(9).fill(FLD1));
    expect(sw(b) & (IE | SFL | C1)).toBe(IE | SFL | C1);
    expect(highBits(st(b, 0)) >>> 0).toBe(0xfff80000);
    // the masked response still pushes: TOP wraps onto the oldest register
    expect(b.cpu.fpu.top).toBe(7);
    expect(st(b, 1)).toBe(1);
  });
  it('fxch with an empty register exchanges the indefinite', () => {
    const b = run([FLD1, r(0xd9, 1, 2)]);
    expect(st(b, 2)).toBe(1);
    expect(st(b, 0)).toBeNaN();
    expect(sw(b) & (IE | SFL)).toBe(IE | SFL);
  });
});

describe('arithmetic', () => {
  // ST0 = 8, ST1 = 2
  const two = loadDoubles([2, 8]);
  const cases: [string, number[], number, number][] = [
    ['fsub st0,st1', r(0xd8, 4, 1), 6, 2],
    ['fsubr st0,st1', r(0xd8, 5, 1), -6, 2],
    ['fdiv st0,st1', r(0xd8, 6, 1), 4, 2],
    ['fdivr st0,st1', r(0xd8, 7, 1), 0.25, 2],
    ['fadd st0,st1', r(0xd8, 0, 1), 10, 2],
    ['fmul st0,st1', r(0xd8, 1, 1), 16, 2],
    ['fsub st1,st0', r(0xdc, 5, 1), 8, -6],
    ['fsubr st1,st0', r(0xdc, 4, 1), 8, 6],
    ['fdiv st1,st0', r(0xdc, 7, 1), 8, 0.25],
    ['fdivr st1,st0', r(0xdc, 6, 1), 8, 4],
    ['fmul st1,st0', r(0xdc, 1, 1), 8, 16],
  ];
  for (const [name, code, s0, s1] of cases) {
    it(name, () => {
      const b = run([...two.code, code], two.setup);
      expect([st(b, 0), st(b, 1)]).toEqual([s0, s1]);
    });
  }
  const pops: [string, number[], number][] = [
    ['fsubp st1,st0', r(0xde, 5, 1), -6],
    ['fsubrp st1,st0', r(0xde, 4, 1), 6],
    ['fdivp st1,st0', r(0xde, 7, 1), 0.25],
    ['fdivrp st1,st0', r(0xde, 6, 1), 4],
    ['faddp st1,st0', r(0xde, 0, 1), 10],
    ['fmulp st1,st0', r(0xde, 1, 1), 16],
  ];
  for (const [name, code, s0] of pops) {
    it(name, () => {
      const b = run([...two.code, code], two.setup);
      expect(st(b, 0)).toBe(s0);
      expect(b.cpu.fpu.top).toBe(7);
      expect(isEmpty(b.cpu.fpu, 7)).toBe(true);
    });
  }
  it('memory forms: float32, float64, int16, int32, reversed', () => {
    const setup = (b: Bare) => {
      putF64(b, D, 10);
      b.mem.write(D + 8, 4, 0x40800000); // 4.0f
      putF64(b, D + 16, 3);
      b.mem.write(D + 24, 2, 0xfffb); // -5
      b.mem.write(D + 28, 4, 100);
    };
    const cases: [number[], number][] = [
      [m(0xd8, 4, D + 8), 6], // fsub m32: 10 - 4
      [m(0xd8, 5, D + 8), -6], // fsubr m32: 4 - 10
      [m(0xdc, 6, D + 16), 10 / 3], // fdiv m64
      [m(0xdc, 7, D + 16), 0.3], // fdivr m64: 3 / 10
      [m(0xde, 0, D + 24), 5], // fiadd m16
      [m(0xde, 5, D + 24), -15], // fisubr m16: -5 - 10
      [m(0xda, 1, D + 28), 1000], // fimul m32
      [m(0xda, 7, D + 28), 10], // fidivr m32: 100 / 10
      [m(0xda, 4, D + 28), -90], // fisub m32
    ];
    for (const [code, want] of cases) {
      const b = run([FLD64(), code], setup);
      expect(st(b, 0)).toBe(want);
    }
  });
  it('invalid and divide-by-zero responses', () => {
    const z = run([FLDZ, FLDZ, r(0xde, 7, 1)]); // 0/0
    expect(highBits(st(z, 0)) >>> 0).toBe(0xfff80000);
    expect(sw(z) & IE).toBe(IE);
    const d = run([FLDZ, FLD1, r(0xd8, 6, 1)]); // 1/0
    expect(st(d, 0)).toBe(Infinity);
    expect(sw(d) & (ZE | IE)).toBe(ZE);
  });
  it('RC applies to arithmetic; PE and C1 report rounding', () => {
    const setup = (b: Bare) => { putF64(b, D, 3); b.mem.write(D + 0x40, 2, 0x0b7f); b.mem.write(D + 0x42, 2, 0x077f); };
    const up = run([m(0xd9, 5, D + 0x40), FLD1, m(0xdc, 6, D)], setup);
    const down = run([m(0xd9, 5, D + 0x42), FLD1, m(0xdc, 6, D)], setup);
    const near = run([FLD1, m(0xdc, 6, D)], setup);
    expect(near.cpu.fpu.st[7]).toBe(1 / 3);
    expect(down.cpu.fpu.st[7]).toBe(1 / 3);
    expect(up.cpu.fpu.st[7]).toBe(fromBits(0x55555556, 0x3fd55555));
    expect(sw(up) & (PE | C1)).toBe(PE | C1);
    expect(sw(near) & (PE | C1)).toBe(PE);
    const exact = run([FLD1, FLD1, r(0xde, 0, 1)]);
    expect(sw(exact) & PE).toBe(0);
    // x - x is -0 only when rounding down
    const zero = run([m(0xd9, 5, D + 0x42), FLD1, FLD1, r(0xde, 5, 1)], setup);
    expect(Object.is(st(zero, 0), -0)).toBe(true);
  });
  it('fchs, fabs, fsqrt, frndint, fscale, fxtract', () => {
    const b = run([...loadDoubles([-2.5]).code, [0xd9, 0xe1]], loadDoubles([-2.5]).setup);
    expect(st(b, 0)).toBe(2.5);
    const c = run([FLDZ, [0xd9, 0xe0]]);
    expect(Object.is(st(c, 0), -0)).toBe(true);
    const s = loadDoubles([2]);
    expect(st(run([...s.code, [0xd9, 0xfa]], s.setup), 0)).toBe(Math.SQRT2);
    const neg = loadDoubles([-4]);
    const n = run([...neg.code, [0xd9, 0xfa]], neg.setup);
    expect(highBits(st(n, 0)) >>> 0).toBe(0xfff80000);
    expect(sw(n) & IE).toBe(IE);
    const rn = loadDoubles([2.5]);
    expect(st(run([...rn.code, [0xd9, 0xfc]], rn.setup), 0)).toBe(2);
    const sc = loadDoubles([-3.7, 1.5]); // ST0 = 1.5, ST1 = -3.7: 1.5 * 2^-3
    expect(st(run([...sc.code, [0xd9, 0xfd]], sc.setup), 0)).toBe(0.1875);
    const x = loadDoubles([-40]);
    const xb = run([...x.code, [0xd9, 0xf4]], x.setup);
    expect([st(xb, 0), st(xb, 1)]).toEqual([-1.25, 5]);
  });
  it('fprem and fprem1 of known values, quotient bits in C0 C3 C1', () => {
    const cc = (b: Bare) => sw(b) & (C0 | C1 | C2 | C3);
    const a = loadDoubles([2, 5.5]); // fmod(5.5, 2) = 1.5, Q = 2
    const ab = run([...a.code, [0xd9, 0xf8]], a.setup);
    expect(st(ab, 0)).toBe(1.5);
    expect(cc(ab)).toBe(C1);
    const b = loadDoubles([2, -7]); // fmod(-7, 2) = -1, Q = 3
    const bb = run([...b.code, [0xd9, 0xf8]], b.setup);
    expect(st(bb, 0)).toBe(-1);
    expect(cc(bb)).toBe(C3 | C1);
    const c = loadDoubles([0.1, 100]); // Q = 999 (binary ...111)
    const cb = run([...c.code, [0xd9, 0xf8]], c.setup);
    expect(st(cb, 0)).toBe(100 % 0.1);
    expect(cc(cb)).toBe(C0 | C1 | C3);
    const d = loadDoubles([2, 7]); // fprem1: 7 / 2 = 3.5 -> 4, remainder -1
    const db = run([...d.code, [0xd9, 0xf5]], d.setup);
    expect(st(db, 0)).toBe(-1);
    expect(cc(db)).toBe(C0);
    const e = loadDoubles([2, 5]); // 2.5 -> 2 (even), remainder 1
    const eb = run([...e.code, [0xd9, 0xf5]], e.setup);
    expect(st(eb, 0)).toBe(1);
    expect(cc(eb)).toBe(C1);
    const big = loadDoubles([3, 1e300]);
    expect(st(run([...big.code, [0xd9, 0xf8]], big.setup), 0)).toBe(1e300 % 3);
  });
  it('transcendentals', () => {
    const t = loadDoubles([0.5]);
    const b = run([...t.code, [0xd9, 0xfb]], t.setup); // fsincos
    expect([st(b, 0), st(b, 1)]).toEqual([Math.cos(0.5), Math.sin(0.5)]);
    const p = run([...t.code, [0xd9, 0xf2]], t.setup); // fptan pushes 1
    expect([st(p, 0), st(p, 1)]).toEqual([1, Math.tan(0.5)]);
    const l = loadDoubles([3, 8]); // fyl2x: 3 * log2(8)
    const lb = run([...l.code, [0xd9, 0xf1]], l.setup);
    expect(st(lb, 0)).toBe(9);
    expect(lb.cpu.fpu.top).toBe(7);
    const big = loadDoubles([2 ** 64]);
    const bb = run([...big.code, [0xd9, 0xfe]], big.setup);
    expect(st(bb, 0)).toBe(2 ** 64);
    expect(sw(bb) & C2).toBe(C2);
  });
});

describe('compares', () => {
  const cc = (b: Bare) => sw(b) & (C0 | C2 | C3);
  const pairs: [number, number, number][] = [
    [1, 2, C0], [3, 2, 0], [2, 2, C3], [NaN, 2, C0 | C2 | C3],
  ];
  for (const [a, bv, want] of pairs) {
    it(`fcom/fucom ${a} vs ${bv}`, () => {
      const l = loadDoubles([bv, a]);
      const f = run([...l.code, r(0xd8, 2, 1)], l.setup); // fcom st1
      expect(cc(f)).toBe(want);
      expect(sw(f) & IE).toBe(a !== a ? IE : 0);
      const u = run([...l.code, r(0xdd, 4, 1)], l.setup); // fucom st1
      expect(cc(u)).toBe(want);
      expect(sw(u) & IE).toBe(0);
      const mm = run([...l.code.slice(1), m(0xdc, 2, D)], l.setup); // fcom m64
      expect(cc(mm)).toBe(want);
      const pp = run([...l.code, [0xde, 0xd9]], l.setup); // fcompp
      expect(cc(pp)).toBe(want);
      expect(pp.cpu.fpu.top).toBe(0);
      expect(pp.cpu.fpu.tags).toBe(0xffff);
    });
  }
  it('fucompp and fcomp pop', () => {
    const l = loadDoubles([1, 2]);
    expect(run([...l.code, [0xda, 0xe9]], l.setup).cpu.fpu.top).toBe(0);
    expect(run([...l.code, r(0xd8, 3, 1)], l.setup).cpu.fpu.top).toBe(7);
    expect(run([...l.code, r(0xdd, 5, 1)], l.setup).cpu.fpu.top).toBe(7);
  });
  it('ficom, ftst', () => {
    const b = run([FLD1, m(0xde, 2, D)], (b) => b.mem.write(D, 2, 0xffff)); // 1 vs -1
    expect(cc(b)).toBe(0);
    const t = run([FLDZ, [0xd9, 0xe0], [0xd9, 0xe4]]); // -0 vs 0: equal
    expect(cc(t)).toBe(C3);
    const e = run([[0xd9, 0xe4]]); // empty
    expect(cc(e)).toBe(C0 | C2 | C3);
    expect(sw(e) & (IE | SFL)).toBe(IE | SFL);
  });
  it('fcomi/fucomi set ZF PF CF and clear OF SF AF', () => {
    const flags = (b: Bare) => b.cpu.getEflags() & (ZF | PF | CF | OF | SF | AF);
    const set = (b: Bare) => { b.cpu.setEflags(OF | SF | AF, OF | SF | AF); };
    const pairs: [number, number, number][] = [[1, 2, CF], [3, 2, 0], [2, 2, ZF], [NaN, 2, ZF | PF | CF]];
    for (const [a, bv, want] of pairs) {
      const l = loadDoubles([bv, a]);
      const s = (b: Bare) => { l.setup(b); set(b); };
      const c = run([...l.code, r(0xdb, 6, 1)], s);
      expect(flags(c), `fcomi ${a} ${bv}`).toBe(want);
      expect(sw(c) & IE).toBe(a !== a ? IE : 0);
      const u = run([...l.code, r(0xdf, 5, 1)], s); // fucomip
      expect(flags(u)).toBe(want);
      expect(sw(u) & IE).toBe(0);
      expect(u.cpu.fpu.top).toBe(7);
    }
  });
  it('fcmovcc tests EFLAGS', () => {
    const l = loadDoubles([5, 1]);
    const taken = run([...l.code, r(0xda, 0, 1)], (b) => { l.setup(b); b.cpu.setFlag(CF, 1); }); // fcmovb
    expect(st(taken, 0)).toBe(5);
    const not = run([...l.code, r(0xda, 0, 1)], l.setup);
    expect(st(not, 0)).toBe(1);
    const ne = run([...l.code, r(0xdb, 1, 1)], l.setup); // fcmovne, ZF clear
    expect(st(ne, 0)).toBe(5);
    const nu = run([...l.code, r(0xdb, 3, 1)], (b) => { l.setup(b); b.cpu.setFlag(PF, 1); }); // fcmovnu
    expect(st(nu, 0)).toBe(1);
  });
  it('fxam classes', () => {
    const cls = (v: number | undefined) => {
      const b = v === undefined ? run([[0xd9, 0xe5]]) : run([FLD64(), [0xd9, 0xe5]], (b) => putF64(b, D, v));
      return sw(b) & (C0 | C1 | C2 | C3);
    };
    expect(cls(undefined)).toBe(C3 | C0);
    expect(cls(NaN)).toBe(C0);
    expect(cls(1.5)).toBe(C2);
    expect(cls(-1.5)).toBe(C2 | C1);
    expect(cls(-Infinity)).toBe(C2 | C0 | C1);
    expect(cls(0)).toBe(C3);
    expect(cls(-0)).toBe(C3 | C1);
    expect(cls(Number.MIN_VALUE)).toBe(C2); // a double denormal is normal in extended
  });
});

describe('control', () => {
  it('fnstsw ax, fnstsw m16, fnstcw, fldcw', () => {
    const b = run([FLD1, [0xdf, 0xe0], m(0xdd, 7, D), m(0xd9, 5, D + 4), m(0xd9, 7, D + 6)], (b) => b.mem.write(D + 4, 2, 0x0c7f));
    expect(b.cpu.regs[0] & 0xffff).toBe(7 << 11);
    expect(b.mem.read(D, 2)).toBe(7 << 11);
    expect(b.mem.read(D + 6, 2)).toBe(0x0c7f);
  });
  it('fninit and fnclex', () => {
    const b = run([FLD1, [0xdb, 0xe3]]);
    expect(b.cpu.fpu.tags).toBe(0xffff);
    expect(b.cpu.fpu.top).toBe(0);
    const c = run([r(0xd8, 0, 1), [0xdb, 0xe2]]);
    expect(sw(c)).toBe(0);
  });
  it('fnstenv/fldenv round trip (32-bit and 16-bit formats)', () => {
    const b = run([FLD1, FLDPI, m(0xd9, 6, D), [0xdb, 0xe3], m(0xd9, 4, D)]);
    expect(b.mem.read(D, 2)).toBe(0x37f);
    expect(b.mem.read(D + 8, 2)).toBe(0x0fff); // R7, R6 valid
    expect(b.mem.read(D + 12, 4)).toBe(0x1000 + 2); // last instruction: fldpi at 0x1002
    expect(b.mem.read(D + 18, 2)).toBe(0xeb | (1 << 8)); // opcode D9 EB -> 1EB
    expect(b.cpu.fpu.top).toBe(6);
    expect(st(b, 0)).toBe(Math.PI);
    expect(tagWord(b.cpu.fpu)).toBe(0x0fff);
    expect(b.cpu.fpu.cw).toBe(0x37f);
    const s = run([FLD1, [0x66, ...m(0xd9, 6, D)], [0xdb, 0xe3], [0x66, ...m(0xd9, 4, D)]]);
    expect(s.mem.read(D + 2, 2)).toBe(7 << 11); // 16-bit words: CW SW TW IP CS DP DS
    expect(s.mem.read(D + 4, 2)).toBe(0x3fff);
    expect(s.mem.read(D + 14, 2)).toBe(0); // 14-byte image ends at D+14
    expect(s.cpu.fpu.top).toBe(7);
    expect(st(s, 0)).toBe(1);
  });
  it('fnstenv masks all exceptions', () => {
    const b = run([m(0xd9, 5, D + 0x40), m(0xd9, 6, D)], (b) => b.mem.write(D + 0x40, 2, 0x0340));
    expect(b.cpu.fpu.cw & 0x3f).toBe(0x3f);
    expect(b.mem.read(D, 2)).toBe(0x0340);
  });
  it('fnsave/frstor round trip (108 bytes) and fnsave reinitialises', () => {
    const vals = [Math.E, -0, Infinity];
    const l = loadDoubles(vals);
    const b = run([...l.code, m(0xdd, 6, D + 0x100)], l.setup);
    expect(b.cpu.fpu.tags).toBe(0xffff);
    expect(b.cpu.fpu.top).toBe(0);
    // ST0 (Infinity) image at +28
    expect(b.mem.read(D + 0x100 + 28 + 4, 4) >>> 0).toBe(0x80000000);
    expect(b.mem.read(D + 0x100 + 28 + 8, 2)).toBe(0x7fff);
    expect(b.mem.read(D + 0x100 + 28 + 20 + 8, 2)).toBe(0x4000); // ST2 = e: exponent 1
    b.load(m(0xdd, 4, D + 0x100));
    b.runToEnd();
    expect(b.cpu.fpu.top).toBe(5);
    expect([st(b, 0), st(b, 1), st(b, 2)]).toEqual([Infinity, -0, Math.E]);
    expect(Object.is(st(b, 1), -0)).toBe(true);
    expect(tagWord(b.cpu.fpu)).toBe(0x03ff | (2 << 10) | (1 << 12) | (0 << 14));
  });
});

describe('compiler idioms', () => {
  it('gcc fmod loop: fprem until C2 clears, tested through fnstsw ax', () => {
    const b = run([
      FLD64(D + 8), FLD64(D),
      [0xd9, 0xf8], // L: fprem
      [0xdf, 0xe0], // fnstsw ax
      [0xf6, 0xc4, 0x04], // test ah, 4 (C2)
      [0x75, 0xf7], // jne L
      [0xdd, 0xd9], // fstp st(1)
      FSTP64(D + 16),
    ], (b) => { putF64(b, D, 1e10 + 0.75); putF64(b, D + 8, 7); });
    expect(getF64(b, D + 16)).toBe((1e10 + 0.75) % 7);
    expect(b.cpu.fpu.top).toBe(0);
    expect(b.cpu.fpu.tags).toBe(0xffff);
  });
});

describe('faulting memory operands', () => {
  it('a store that faults changes neither memory nor the FPU state', () => {
    const b = bareCpu();
    b.cpu.segLimit[3] = D + 4; // DS ends inside the 8-byte operand
    b.cpu.refreshSeg(3);
    b.load([...FLD1, ...FSTP64()]);
    b.interp.step();
    b.mem.write(D, 4, 0x11111111);
    const before = { top: b.cpu.fpu.top, tags: b.cpu.fpu.tags, fip: b.cpu.fpu.fip, sw: b.cpu.fpu.sw };
    const instr = b.interp.decodeAt(b.cpu.eip);
    let caught: unknown;
    try { b.interp.execute(instr); } catch (e) { caught = e; }
    expect((caught as Fault).vector).toBe(Vec.GP);
    expect(b.mem.read(D, 4)).toBe(0x11111111);
    expect({ top: b.cpu.fpu.top, tags: b.cpu.fpu.tags, fip: b.cpu.fpu.fip, sw: b.cpu.fpu.sw }).toEqual(before);
  });
  it('the data pointer of the last memory-operand instruction is reported by fnstenv', () => {
    const b = run([FLD1, m(0xdc, 0, D + 0x80), FLD1, m(0xd9, 6, D)]);
    expect(b.mem.read(D + 12, 4)).toBe(0x1008); // fld1 at 0x1008 is the last instruction
    expect(b.mem.read(D + 20, 4)).toBe(D + 0x80); // its data pointer is fadd's
    expect(b.mem.read(D + 24, 2)).toBe(b.cpu.segSel[3]);
  });
});

describe('unmasked exceptions', () => {
  it('leave the destination alone, set ES, and raise #MF on the next waiting instruction', () => {
    const b = bareCpu();
    b.cpu.cr0 |= CR0_NE;
    b.mem.write(D, 2, 0x037b); // ZE unmasked
    b.load([...m(0xd9, 5, D), ...FLDZ, ...FLD1, ...r(0xd8, 6, 1), ...FLD1]);
    for (let k = 0; k < 4; k++) b.interp.step();
    expect(st(b, 0)).toBe(1); // 1/0 not stored
    expect(sw(b) & (ZE | ES)).toBe(ZE | ES);
    const next = b.interp.decodeAt(b.cpu.eip);
    let caught: unknown;
    try { b.interp.execute(next); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(Fault);
    expect((caught as Fault).vector).toBe(Vec.MF);
    // non-waiting instructions still run
    b.load([0xdf, 0xe0, 0xdb, 0xe2, ...FLD1]);
    b.runToEnd();
    expect(b.cpu.regs[0] & ES).toBe(ES);
    expect(st(b, 0)).toBe(1);
    expect(b.cpu.fpu.top).toBe(5);
  });
  it('fldcw unmasking a pending flag sets ES', () => {
    const b = run([r(0xd8, 0, 1), m(0xd9, 5, D)], (b) => b.mem.write(D, 2, 0x037e));
    expect(sw(b) & ES).toBe(ES);
  });
});

describe('the common case of the arithmetic kernels', () => {
  // ADD MUL SUB SUBR DIV DIVR (the ModRM.reg order; 2 and 3 are the compares)
  const KINDS = [0, 1, 4, 5, 6, 7];
  /** doubles across the whole range: tiny, ordinary, huge, exact small integers, and the specials */
  function draw(seed: number): number[] {
    let s = seed >>> 0;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const out: number[] = [0, -0, Infinity, -Infinity, NaN, 5e-324, -2.5e-308, Number.MAX_VALUE, 2 ** 995, 2 ** -969, 3, -7];
    while (out.length < 400) {
      const e = Math.floor(next() * 2100) - 1075;
      const v = (1 + next()) * 2 ** (next() < 0.8 ? Math.floor(next() * 80) - 40 : e);
      out.push(next() < 0.5 ? -v : v, Math.round(next() * 1000) - 500);
    }
    return out;
  }

  it('gives the general path\'s result, PE and C1 wherever it applies, and declines the rest', () => {
    const vals = draw(1);
    let applied = 0, declined = 0;
    for (const kind of KINDS) {
      for (let a = 0; a < vals.length; a += 3) {
        for (let b = 1; b < vals.length; b += 5) {
          const w = bothWays(kind, vals[a], vals[b], 0x37f);
          if (w.fast !== w.fast) { declined++; continue; }
          applied++;
          expect(Object.is(w.fast, w.general), `${kind} ${vals[a]} ${vals[b]}`).toBe(true);
          expect(w.fastSw & PE ? PE : 0).toBe(w.exc);
          expect(!!(w.fastSw & C1)).toBe(w.up);
        }
      }
    }
    // both ways are exercised
    expect(applied).toBeGreaterThan(10_000);
    expect(declined).toBeGreaterThan(1_000);
  });

  it('with PE already set, leaves C1 to the status word\'s reader, which gets what the general path gives', () => {
    const vals = draw(2);
    const b = bareCpu();
    const f = b.cpu.fpu;
    let waited = 0;
    for (const kind of KINDS) {
      for (let a = 0; a < vals.length; a += 7) {
        for (let c = 2; c < vals.length; c += 11) {
          f.reset();
          f.sw = PE;
          f.top = 6;
          f.st[6] = vals[a]; f.st[7] = vals[c];
          f.tags = 0xffff & ~(0xf << 12);
          // D8 /k: ST0 = ST0 op ST1
          X87_KERNELS.x87ArithReg(b.cpu, 0, 0x1000, 0, kind, 0, 1, 0);
          const want = bothWays(kind, vals[a], vals[c], 0x37f);
          if (f.c1Op !== 0) waited++;
          if (want.exc & IE || want.general !== want.general) continue;
          expect(Object.is(f.st[6], want.general), `${kind} ${vals[a]} ${vals[c]}`).toBe(true);
          expect(f.status() & C1, `${kind} ${vals[a]} ${vals[c]}`).toBe(want.up ? C1 : 0);
          expect(f.c1Op).toBe(0);
        }
      }
    }
    expect(waited).toBeGreaterThan(3_000);
    // an instruction that writes C1 replaces one that waits
    f.reset(); f.sw = PE; f.top = 6; f.st[6] = 1 / 3; f.st[7] = 3.1; f.tags = 0xffff & ~(0xf << 12);
    X87_KERNELS.x87ArithReg(b.cpu, 0, 0x1000, 0, 1, 0, 1, 0);
    expect(f.c1Op).not.toBe(0);
    X87_KERNELS.x87Exchange(b.cpu, 0, 0x1002, 0, 1);
    expect(f.c1Op).toBe(0);
    expect(f.status() & C1).toBe(0);
  });

  it('is left for the general path under the directed rounding modes', () => {
    // fmul st0, st1 of 3.1 and 1/3 (inexact) under each rounding mode, against compute()
    const got = [0x37f, 0x77f, 0xb7f, 0xf7f].map((cw) => {
      const b = run([m(0xd9, 5, D + 16), FLD64(D), FLD64(D + 8), r(0xd8, 1, 1)], (x) => {
        putF64(x, D, 1 / 3); putF64(x, D + 8, 3.1); x.mem.write(D + 16, 2, cw);
      });
      const want = bothWays(1, 3.1, 1 / 3, cw);
      expect(st(b, 0)).toBe(want.general);
      expect(sw(b) & (PE | C1)).toBe(want.exc | (want.up ? C1 : 0));
      return st(b, 0);
    });
    // down and up differ by one step: the mode was applied
    expect(got[1]).toBeLessThan(got[2]);
  });
});
