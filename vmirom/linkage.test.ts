/**
 * Linking to the ROM the way each ABI's guests do, and the same shared call
 * behind every number: revision 13.3's GetRelocationInfo (85), API 3.0's
 * get_reloc (header offset 0x88), and calls made through the addresses they
 * return with each ABI's numbers and conventions.
 */
import { describe, expect, it } from 'vitest';
import { Reg } from '../isa/instr.ts';
import { LINUX3, PROPOSAL, VMWARE13, type VmiAbi } from './abis.ts';
import { PAGE_CLONE, PAGE_GDT, PAGE_IDT, PAGE_PAE, PAGE_PD, PAGE_PDP, PAGE_PT, PAGE_ZEROED } from './state.ts';
import { CODE, KCODE, KDATA, makeRig, PT, ROM_AT, TSS, UCODE, type Rig } from '../spec-tests/rom-rig.ts';
import { Seg } from '../isa/instr.ts';

function initRig(abi: VmiAbi): Rig {
  const rig = makeRig(1, 4 << 20, abi);
  rig.call('Init');
  expect(rig.cpu.regs[Reg.EAX]).toBe(0);
  return rig;
}

/** EDX:EAX of the relocation call for `n`: [eip, type] */
function reloc(rig: Rig, n: number): [number, number] {
  rig.call(rig.abi === LINUX3 ? 'get_reloc' : 'GetRelocationInfo', { eax: n });
  return [rig.cpu.regs[Reg.EAX] >>> 0, rig.cpu.regs[Reg.EDX] & 0xff];
}

describe('revision 13.3 linkage (GetRelocationInfo, 85)', () => {
  it('gives CALL_REL and the slot address for every call 4..87, NONE for 88', () => {
    const rig = initRig(VMWARE13);
    for (let n = 4; n <= 87; n++) expect(reloc(rig, n)).toEqual([ROM_AT + n * 32, 1]);
    expect(reloc(rig, 88)[1]).toBe(0);
  });

  it('is relative to where the guest maps the ROM', () => {
    const rig = initRig(VMWARE13);
    rig.enablePaging();
    // alias the ROM page at linear 0x3ff000 and call GetRelocationInfo there
    rig.mem.view.setInt32(PT + 0x3ff * 4, ROM_AT | 1, true);
    rig.cpu.mmu.flushAll(false);
    const alias = 0x3ff000;
    rig.slot = (n) => alias + (typeof n === 'number' ? n : VMWARE13.calls.find((c) => c.name === n)!.number!) * 32;
    expect(reloc(rig, 86)).toEqual([alias + 86 * 32, 1]);
  });

  it('the proposal ROM (13.4) serves 13.3 linkage as well, and its own SetDeferredMode (88)', () => {
    const rig = initRig(PROPOSAL);
    expect(reloc(rig, 85)).toEqual([ROM_AT + 85 * 32, 1]);
    expect(reloc(rig, 88)).toEqual([ROM_AT + 88 * 32, 1]);
  });

  it("FlushDeferredCalls takes 13.3's selection: CPU_STATE (0x40) applies the CPU changes only", () => {
    const rig = initRig(PROPOSAL);
    rig.call('SetDeferredMode', { eax: 3 });
    rig.call('SetCR3', { eax: 0x12000 });
    rig.call('InvalPage', { eax: 0x5000 });
    const vmware = initRig(VMWARE13);
    // 13.3 has no deferred-mode call: the same queues, selected at flush time
    vmware.rom.vcpus[0].deferMode = 3;
    vmware.call('SetCR3', { eax: 0x12000 });
    vmware.call('InvalPage', { eax: 0x5000 });
    vmware.call('FlushDeferredCalls', { eax: 0x40 });
    expect(vmware.cpu.cr3).toBe(0x12000);
    expect(vmware.rom.vcpus[0].tlbPending.pages).toEqual([0x5000]);
    vmware.call('FlushDeferredCalls', { eax: 0x80 });
    expect(vmware.rom.vcpus[0].tlbPending.pages).toEqual([]);
    // the proposal's FlushDeferredCalls has no input: everything
    rig.call('FlushDeferredCalls', { eax: 0 });
    expect(rig.cpu.cr3).toBe(0x12000);
    expect(rig.rom.vcpus[0].tlbPending.pages).toEqual([]);
  });
});

describe('API 3.0 linkage (get_reloc at 0x88)', () => {
  it('Init at 0x80; get_reloc gives CALL_REL for calls, JUMP_REL for IRET and SYSEXIT, NONE where 3.0 has no call', () => {
    const rig = initRig(LINUX3);
    expect(rig.slot('Init')).toBe(ROM_AT + 0x80);
    expect(reloc(rig, 38)).toEqual([ROM_AT + 0x100 + 38 * 32, 1]); // SetPxE
    expect(reloc(rig, 33)).toEqual([ROM_AT + 0x100 + 33 * 32, 2]); // IRET
    expect(reloc(rig, 34)[1]).toBe(2); // SYSEXIT
    expect(reloc(rig, 73)).toEqual([ROM_AT + 0x100 + 73 * 32, 1]); // SetLazyMode
    expect(reloc(rig, 49)[1]).toBe(0);
    expect(reloc(rig, 72)[1]).toBe(0);
  });

  it("runs the same shared calls with Linux's numbers: SetLazyMode is SetDeferredMode, SetPxE takes flags in ECX", () => {
    const rig = initRig(LINUX3);
    rig.enablePaging();
    rig.call('SetLazyMode', { eax: 1 });
    expect(rig.rom.vcpus[0].deferMode).toBe(1);
    rig.call('SetPxE', { eax: 0x5007, edx: PT + 0x10 * 4, ecx: 0x21 });
    expect(rig.mem.view.getInt32(PT + 0x10 * 4, true)).toBe(0x5007);
    rig.call('SetLazyMode', { eax: 0 });
    expect(rig.rom.stats.count('SetDeferredMode')).toBe(2);
    expect(rig.rom.stats.count('SetPxE')).toBe(1);
    // the clobber marker names the ABI's number
    expect(rig.cpu.regs[Reg.ECX]).toBe((0xdead0000 | 73) | 0);
  });
});

describe("API 3.0's UpdateKernelStack (14): kernel data selector and sp0, no TSS pointer (issue 16 item 5)", () => {
  it('switches to that stack on the next entry from user mode and writes nothing to guest memory', () => {
    const rig = initRig(LINUX3);
    const low = rig.mem.u8.slice(0, 0x40);
    const tss = rig.mem.u8.slice(TSS, TSS + 0x68);
    rig.call('UpdateKernelStack', { eax: KDATA, edx: 0x68000 }); // __KERNEL_DS, RPL 0
    expect(rig.mem.u8.slice(0, 0x40)).toEqual(low);
    expect(rig.mem.u8.slice(TSS, TSS + 0x68)).toEqual(tss);
    // to ring 3 with SYSEXIT, then an interrupt: the frame lands on the new stack, SS at the kernel's level
    const cpu = rig.cpu;
    cpu.sysenterCs = KCODE;
    cpu.regs[Reg.EDX] = CODE + 0x300; cpu.regs[Reg.ECX] = 0x60000;
    cpu.eip = rig.slot('SYSEXIT');
    rig.interp.step();
    expect(cpu.cpl).toBe(3);
    rig.bus.pending.push(0x40);
    rig.interp.checkInterrupts();
    expect([cpu.cpl, cpu.segSel[Seg.SS], cpu.regs[Reg.ESP]]).toEqual([1, KDATA | 1, 0x68000 - 20]);
    expect(rig.mem.view.getInt32(0x68000 - 16, true)).toBe(UCODE);
  });

  it('is queued with CR3 in CPU deferred mode (SetLazyMode 2)', () => {
    const rig = initRig(LINUX3);
    rig.call('SetLazyMode', { eax: 2 });
    rig.call('UpdateKernelStack', { eax: KDATA, edx: 0x68000 });
    expect(rig.rom.vcpus[0].kernelStack).toBeUndefined();
    rig.call('SetLazyMode', { eax: 0 });
    expect(rig.rom.vcpus[0].kernelStack).toEqual({ sel: KDATA | 1, esp: 0x68000 });
  });
});

describe("AllocatePage's usage flags in the calling ABI's meaning (issue 16 item 9)", () => {
  const usage = (abi: VmiAbi, flags: number, args: Record<string, number> = {}) => {
    const rig = initRig(abi);
    rig.call('AllocatePage', { eax: 0x123, edx: flags, ecx: 0, ...args }, [0, 0]);
    return rig.rom.pageUsage.get(0x123);
  };

  it("Linux's PT | ZEROED (0x41) is a zeroed page table, not an IDT page; PD | PAE | CLONE likewise", () => {
    expect(usage(LINUX3, 0x41)).toBe(PAGE_PT | PAGE_ZEROED);
    expect(usage(LINUX3, 0x41)! & PAGE_IDT).toBe(0);
    expect(usage(LINUX3, 0x32)).toBe(PAGE_PD | PAGE_PAE | PAGE_CLONE);
  });

  it("13.3's bits are PT 1, PD 2, PDP (PAE) 4, PML4 8; the proposal's add the descriptor tables", () => {
    expect(usage(VMWARE13, 0x03)).toBe(PAGE_PT | PAGE_PD);
    expect(usage(VMWARE13, 0x04)).toBe(PAGE_PDP);
    expect(usage(PROPOSAL, 0x10)).toBe(PAGE_GDT);
  });

  it("a SetPxE into a page Linux registered as a page table is not counted as unregistered", () => {
    const rig = initRig(LINUX3);
    rig.enablePaging();
    rig.call('AllocatePage', { eax: PT >>> 12, edx: 0x41, ecx: 0 }, [0, 0]);
    rig.call('SetPxE', { eax: 0, edx: PT + 0x800, ecx: 1 });
    expect(rig.rom.stats.unregisteredPxeWrites).toBe(0);
  });
});
