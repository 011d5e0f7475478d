/**
 * Deferred mode (ABI.md section 5): queued updates are invisible before, and
 * applied exactly at, each flush point: page fault, InvalPage, FlushTLB,
 * narrowing the mask, FlushDeferredCalls. Widening flushes nothing; CPU
 * mode queues CR3 together with UpdateKernelStack.
 */
import { describe, expect, it } from 'vitest';
import { Reg, Seg } from '../isa/instr.ts';
import { CODE, makeRig, PD, PT, TSS, type Rig } from './testkit.ts';

const MMU = 1, CPU = 2;
const LIN = 0x3ff000;
const PTE = PT + (LIN >>> 12) * 4;
const NEW = 0x200003; // LIN -> physical 0x200000

function deferredRig(): Rig {
  const rig = makeRig();
  rig.call('Init');
  rig.enablePaging();
  rig.call('AllocatePage', { eax: PT >>> 12, edx: 1 });
  rig.call('SetPxE', { eax: 0, edx: PTE }); // LIN not present, applied at once
  rig.call('SetDeferredMode', { eax: MMU });
  rig.call('SetPxE', { eax: NEW, edx: PTE });
  return rig;
}

const pte = (rig: Rig) => rig.mem.view.getInt32(PTE, true);

describe('MMU deferred mode', () => {
  it('a queued SetPxE is invisible: memory unchanged, the page still not present, other calls do not flush', () => {
    const rig = deferredRig();
    expect(pte(rig)).toBe(0);
    rig.call('GetCR0');
    rig.call('SetPxE', { eax: NEW | 0x100, edx: PTE }); // queued after the first one
    rig.call('GetPxE', { eax: PTE });
    expect(rig.cpu.regs[Reg.EAX]).toBe(0);
    expect(pte(rig)).toBe(0);
  });

  it('widening the mask flushes nothing', () => {
    const rig = deferredRig();
    rig.call('SetDeferredMode', { eax: MMU | CPU });
    expect(pte(rig)).toBe(0);
  });

  it('flush point: a page fault (the handler sees the update)', () => {
    const rig = deferredRig();
    rig.mem.load(CODE + 0x200, new Uint8Array([0xa1, ...new Uint8Array(new Int32Array([LIN]).buffer)])); // mov eax, [LIN]
    rig.cpu.eip = CODE + 0x200;
    rig.interp.step();
    expect(rig.inHandler()).toBe(14);
    expect(rig.cpu.cr2).toBe(LIN);
    expect(pte(rig)).toBe(NEW);
  });

  it('flush point: InvalPage (and the page is then reachable)', () => {
    const rig = deferredRig();
    rig.mem.view.setInt32(0x200000, 0x5a5a, true);
    rig.call('InvalPage', { eax: LIN });
    expect(pte(rig)).toBe(NEW);
    expect(rig.cpu.read(Seg.DS, LIN, 4)).toBe(0x5a5a);
  });

  it('flush point: FlushTLB', () => {
    const rig = deferredRig();
    rig.call('FlushTLB', { eax: 1 });
    expect(pte(rig)).toBe(NEW);
  });

  it('flush point: narrowing the mask', () => {
    const rig = deferredRig();
    rig.call('SetDeferredMode', { eax: 0 });
    expect(pte(rig)).toBe(NEW);
  });

  it('flush point: FlushDeferredCalls, applying writes in the order made', () => {
    const rig = deferredRig();
    rig.call('SetPxE', { eax: NEW | 0x100, edx: PTE });
    rig.call('SetPxELong', { eax: 0x1003, edx: 0x7, ecx: 0x20000 });
    expect(rig.mem.view.getInt32(0x20000, true)).toBe(0);
    rig.call('FlushDeferredCalls');
    expect(pte(rig)).toBe(NEW | 0x100);
    expect([rig.mem.view.getInt32(0x20000, true), rig.mem.view.getInt32(0x20004, true)]).toEqual([0x1003, 7]);
  });

  it('SwapPxE on an entry with a queued write sees that write (and leaves other queued writes queued)', () => {
    const rig = deferredRig();
    const OTHER = PT + 0x3fe * 4;
    const before = rig.mem.view.getInt32(OTHER, true);
    rig.call('SetPxE', { eax: 0x5003, edx: OTHER });
    rig.call('SwapPxE', { eax: 0x7003, edx: PTE });
    expect(rig.cpu.regs[Reg.EAX]).toBe(NEW);
    expect(pte(rig)).toBe(0x7003);
    expect(rig.mem.view.getInt32(OTHER, true)).toBe(before);
  });

  it('ReleasePage applies queued writes into the released page so they cannot land after reuse', () => {
    const rig = deferredRig();
    rig.call('ReleasePage', { eax: PT >>> 12, edx: 1 });
    expect(pte(rig)).toBe(NEW);
  });
});

describe('CPU deferred mode', () => {
  it('SetCR3 and UpdateKernelStack are queued and take effect together when the mask narrows', () => {
    const rig = makeRig();
    rig.call('Init');
    rig.enablePaging();
    const PD2 = 0x12000;
    rig.mem.view.setInt32(PD2, PT | 3, true);
    rig.call('SetDeferredMode', { eax: CPU });
    rig.call('SetCR3', { eax: PD2 });
    rig.call('UpdateKernelStack', { eax: TSS, edx: 0x66000 });
    expect(rig.cpu.cr3).toBe(PD);
    expect(rig.mem.view.getInt32(TSS + 12, true)).not.toBe(0x66000);
    rig.call('SetDeferredMode', { eax: 0 });
    expect(rig.cpu.cr3).toBe(PD2);
    expect(rig.mem.view.getInt32(TSS + 12, true)).toBe(0x66000);
  });

  it('FlushDeferredCalls applies them too; MMU-only flush points do not', () => {
    const rig = makeRig();
    rig.call('Init');
    rig.enablePaging();
    rig.mem.view.setInt32(0x12000, PT | 3, true);
    rig.call('SetDeferredMode', { eax: CPU | MMU });
    rig.call('SetCR3', { eax: 0x12000 });
    rig.call('InvalPage', { eax: 0 });
    expect(rig.cpu.cr3).toBe(PD);
    rig.call('FlushDeferredCalls');
    expect(rig.cpu.cr3).toBe(0x12000);
  });
});
