/**
 * Deferred mode (vmirom/README.md): page-table writes reach memory at once
 * in every mode, so the guest reads and exchanges what it wrote; MMU mode
 * defers their effect on the TLB (InvalPage, FlushTLB) to the flush points:
 * page fault, narrowing the mask, FlushDeferredCalls. Widening flushes
 * nothing; CPU mode queues CR3 together with UpdateKernelStack.
 */
import { describe, expect, it } from 'vitest';
import { Reg, Seg } from '../isa/instr.ts';
import { CODE, makeRig, PD, PT, TSS, type Rig } from '../spec-tests/rom-rig.ts';

const MMU = 1, CPU = 2;
const LIN = 0x3ff000;
const PTE = PT + (LIN >>> 12) * 4;
const OLD = 0x300003, NEW = 0x200003; // LIN -> physical 0x300000, then 0x200000
const OLD_DATA = 0x01010101, NEW_DATA = 0x02020202; // what each frame holds

/** LIN mapped to 0x300000 and in the TLB; MMU deferred mode on; LIN remapped to 0x200000 and invalidated. */
function deferredRig(): Rig {
  const rig = makeRig();
  rig.call('Init');
  rig.enablePaging();
  rig.mem.view.setInt32(0x300000, OLD_DATA, true);
  rig.mem.view.setInt32(0x200000, NEW_DATA, true);
  rig.call('AllocatePage', { eax: PT >>> 12, edx: 1 });
  rig.call('SetPxE', { eax: OLD, edx: PTE });
  rig.call('InvalPage', { eax: LIN });
  expect(readLin(rig)).toBe(OLD_DATA);
  rig.call('SetDeferredMode', { eax: MMU });
  rig.call('SetPxE', { eax: NEW, edx: PTE });
  rig.call('InvalPage', { eax: LIN });
  return rig;
}

const pte = (rig: Rig) => rig.mem.view.getInt32(PTE, true);
const readLin = (rig: Rig) => rig.cpu.read(Seg.DS, LIN, 4);

describe('MMU deferred mode', () => {
  it('writes page-table entries through at once: memory, GetPxE, SwapPxE and TestAndSet see what the guest wrote', () => {
    const rig = deferredRig();
    expect(pte(rig)).toBe(NEW);
    rig.call('GetPxE', { eax: PTE });
    expect(rig.cpu.regs[Reg.EAX]).toBe(NEW);
    rig.call('SetPxE', { eax: NEW | 0x100, edx: PTE });
    rig.call('SwapPxE', { eax: NEW | 0x200, edx: PTE });
    expect(rig.cpu.regs[Reg.EAX]).toBe(NEW | 0x100);
    rig.call('TestAndSetPxEBit', { eax: 9, edx: PTE });
    expect(rig.cpu.regs[Reg.EAX]).toBe(1);
    rig.call('SetPxELong', { eax: 0x1003, edx: 0x7, ecx: 0x20000 });
    expect([rig.mem.view.getInt32(0x20000, true), rig.mem.view.getInt32(0x20004, true)]).toEqual([0x1003, 7]);
  });

  it('defers the invalidation: the stale translation stays in use until a flush point; other calls do not flush', () => {
    const rig = deferredRig();
    rig.call('GetCR0');
    rig.call('GetPxE', { eax: PTE });
    expect(readLin(rig)).toBe(OLD_DATA);
  });

  it('widening the mask flushes nothing', () => {
    const rig = deferredRig();
    rig.call('SetDeferredMode', { eax: MMU | CPU });
    expect(readLin(rig)).toBe(OLD_DATA);
  });

  it('flush point: narrowing the mask', () => {
    const rig = deferredRig();
    rig.call('SetDeferredMode', { eax: 0 });
    expect(readLin(rig)).toBe(NEW_DATA);
  });

  it('flush point: FlushDeferredCalls', () => {
    const rig = deferredRig();
    rig.call('FlushDeferredCalls');
    expect(readLin(rig)).toBe(NEW_DATA);
  });

  it('flush point: a page fault (the handler runs with the queued invalidations done)', () => {
    const rig = deferredRig();
    rig.call('SetPxE', { eax: 0, edx: PT + 0x3fe * 4 }); // 0x3fe000 not present
    rig.mem.load(CODE + 0x200, new Uint8Array([0xa1, 0x00, 0xe0, 0x3f, 0x00])); // mov eax, [0x3fe000]
    rig.cpu.eip = CODE + 0x200;
    rig.interp.step();
    expect(rig.inHandler()).toBe(14);
    expect(readLin(rig)).toBe(NEW_DATA);
  });

  it('FlushTLB is queued too, and a full flush absorbs the queued page invalidations', () => {
    const rig = deferredRig();
    rig.call('FlushTLB', { eax: 3 });
    expect(readLin(rig)).toBe(OLD_DATA);
    expect(rig.rom.vcpus[0].tlbPending).toEqual({ pages: [], flush: 3 });
    rig.call('SetDeferredMode', { eax: 0 });
    expect(readLin(rig)).toBe(NEW_DATA);
  });

  it('outside deferred mode InvalPage takes effect at once', () => {
    const rig = deferredRig();
    rig.call('SetDeferredMode', { eax: 0 });
    expect(readLin(rig)).toBe(NEW_DATA);
    rig.call('SetPxE', { eax: OLD, edx: PTE });
    expect(readLin(rig)).toBe(NEW_DATA); // still cached, as on hardware
    rig.call('InvalPage', { eax: LIN });
    expect(readLin(rig)).toBe(OLD_DATA);
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
