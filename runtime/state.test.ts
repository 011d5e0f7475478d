/**
 * The one state snapshot and diff (state.ts): what it compares, how it shows
 * a difference, and a checkpoint that brings back everything a run changes,
 * the paravirtual IF included (lockstep on the built-in guest once failed
 * for lack of it: an exception delivered under the ROM clears the virtual
 * IF, and the interpreter's run started with it cleared).
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../cpu/cpu.ts';
import { PhysicalMemory } from '../cpu/memory.ts';
import { CF, ZF } from '../isa/eflags.ts';
import { captureState, checkpoint, diffBytes, diffStates, matchesState, rollback } from './state.ts';

const cpu = () => new Cpu(new PhysicalMemory(1 << 16));
const LABELS = ['one', 'other'] as const;

describe('state snapshot and diff', () => {
  it('equal states have no difference; each field that differs is one line naming both sides', () => {
    const a = cpu(), b = cpu();
    expect(diffStates(captureState(a), captureState(b), { labels: LABELS })).toEqual([]);
    b.regs[0] = 3; b.segSel[2] = 0x10; b.cr2 = 0x1234; b.fpu.st[1] = 2.5; b.halted = true;
    const d = diffStates(captureState(a), captureState(b), { labels: LABELS });
    expect(d).toHaveLength(5);
    expect(d[0]).toMatch(/eax +one 00000000 +other 00000003/);
    expect(d.join('\n')).toMatch(/seg2 .*cr2 .*halted .*fpu\.r1/s);
  });

  it('compares every flag, computing lazy ones, unless told which undefined flags to leave out', () => {
    const a = cpu(), b = cpu();
    b.setLazy(2 << 2 | 2, 0, 0, 0, ZF); // a 32-bit ADD whose result is 0: ZF computed from the record
    const [x, y] = [captureState(a), captureState(b)];
    expect(diffStates(x, y, { labels: LABELS })).toEqual([expect.stringMatching(/^ {2}eflags/)]);
    expect(diffStates(x, y, { labels: LABELS, ignoreFlags: ZF | CF })).toEqual([]);
  });

  it('any two NaNs in an x87 register are equal', () => {
    const a = cpu(), b = cpu();
    a.fpu.st[0] = NaN;
    new DataView(b.fpu.st.buffer).setFloat64(0, -NaN, true);
    new DataView(b.fpu.st.buffer).setUint32(0, 0x1234, true);
    expect(Number.isNaN(b.fpu.st[0])).toBe(true);
    expect(diffStates(captureState(a), captureState(b), { labels: LABELS })).toEqual([]);
  });

  it('matchesState (lockstep\'s check without a snapshot) sees every difference diffStates lists, and none where it lists none', () => {
    const changes: [string, (c: Cpu) => void][] = [
      ['reg', (c) => { c.regs[7] = 9; }], ['eip', (c) => { c.eip = 0x1234; }], ['flag', (c) => { c.setFlag(CF, 1); }],
      ['instructions', (c) => { c.instructions++; }], ['segment', (c) => { c.segSel[5] = 0x18; }],
      ['cr0', (c) => { c.cr0 ^= 8; }], ['cr2', (c) => { c.cr2 = 5; }], ['cr3', (c) => { c.cr3 = 0x3000; }], ['cr4', (c) => { c.cr4 = 0x10; }],
      ['dr7', (c) => { c.dr[7] = 1; }], ['dr6', (c) => { c.dr[6] = 1; }], ['halted', (c) => { c.halted = true; }],
      ['fpu.top', (c) => { c.fpu.top = 3; }], ['fpu.tags', (c) => { c.fpu.tags = 1; }], ['fpu.sw', (c) => { c.fpu.sw = 4; }],
      ['fpu.cw', (c) => { c.fpu.cw = 0x27f; }], ['fpu.st', (c) => { c.fpu.st[7] = 1.5; }],
    ];
    for (const [what, change] of changes) {
      const a = cpu(), b = cpu();
      const s = captureState(a);
      expect(matchesState(b, s), what).toBe(true);
      change(b);
      expect(diffStates(s, captureState(b), { labels: LABELS }), what).not.toEqual([]);
      expect(matchesState(b, s), what).toBe(false);
    }
    const a = cpu(), b = cpu();
    a.fpu.st[2] = NaN;
    new DataView(b.fpu.st.buffer).setFloat64(16, -NaN, true);
    expect(matchesState(b, captureState(a))).toBe(true);
  });

  it('the caller may describe EIPs and accept instruction counts that differ', () => {
    const a = cpu(), b = cpu();
    a.eip = 0; b.eip = 0x40; b.instructions = 1;
    const d = diffStates(captureState(a), captureState(b), {
      labels: LABELS, describeEip: (e) => (e ? 'handler' : 'end'), instructionsAgree: (x, y) => y.instructions - x.instructions <= 1,
    });
    expect(d).toEqual(['  eip          one 00000000 (end)  other 00000040 (handler)']);
  });

  it('shows differing bytes only, at most eight', () => {
    const bytes = Array.from({ length: 20 }, (_, k) => [k, k & 1, 0] as const);
    const d = diffBytes(bytes, LABELS);
    expect(d).toHaveLength(8);
    expect(d[0]).toBe('  mem[00000001]  one 01  other 00');
  });

  it('a rollback restores registers, x87 state and the virtual IF', () => {
    const c = cpu();
    const pv = { vif: true, flatLimit: 0xfbffffff };
    c.pv = pv;
    c.regs[3] = 7; c.eip = 0x80;
    const saved = checkpoint(c);
    c.regs[3] = 9; c.fpu.top = 5; pv.vif = false; c.eip = 0x100;
    rollback(c, saved);
    expect([c.regs[3], c.fpu.top, pv.vif, c.eip]).toEqual([7, 0, true, 0x80]);
  });
});
