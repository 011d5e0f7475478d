/**
 * The machine's run loop on small hand-assembled guests: exit through the
 * debug-exit port, deadlock, runaway and triple-fault stops, a halted vCPU
 * woken by its APIC timer; SMP start-up by INIT/SIPI and through the SIPI
 * hook, IPIs and stolen time; and the guest kernel booted natively with the
 * checksum QEMU gives.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Access } from '../cpu/mmu.ts';
import { Machine, EXIT_DEADLOCK, EXIT_RUNAWAY, DEFAULT_RTC_BASE_MS } from './machine.ts';
import { enterFlatProtectedMode } from '../cpu/setup.ts';
import { FW_CFG_DMA_PORT } from './devices/fw-cfg.ts';
import { Reg } from '../isa/instr.ts';

const KERNEL = new URL('../guest/kernel.elf', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('../guest/expected-checksums.json', import.meta.url), 'utf8')) as {
  workloads: Record<string, Record<string, string>>;
};

/** A machine whose BSP runs `code` at 0x1000 in flat protected mode. */
function machineWith(code: number[], opts: ConstructorParameters<typeof Machine>[0] = {}): Machine {
  const m = new Machine({ memMiB: 4, ...opts });
  const cpu = m.vcpus[0].cpu;
  enterFlatProtectedMode(cpu);
  cpu.regs[Reg.ESP] = 0x80000;
  m.memory.load(0x1000, Uint8Array.from(code));
  cpu.eip = 0x1000;
  return m;
}

describe('the wall clock (issue 9 item 16)', () => {
  it('starts at a fixed epoch in virtual time, not at the host\'s clock, and moves with machine time', () => {
    const m = new Machine({ memMiB: 4 });
    expect(m.wallclockNs()).toBe(BigInt(DEFAULT_RTC_BASE_MS) * 1_000_000n);
    expect(new Machine({ memMiB: 4, rtcBaseMs: Date.UTC(2024, 1, 29) }).wallclockNs()).toBe(BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n);
    m.time.advanceIdle(m.time.frequency); // one second of machine time
    expect(m.wallclockNs()).toBe(BigInt(DEFAULT_RTC_BASE_MS + 1000) * 1_000_000n);
  });
});

describe('the code epoch: how translated code learns the machine wants the vCPU back', () => {
  it('moves for a stop, a reset and a pause, as for fw-cfg\'s DMA into memory', () => {
    for (const want of [(m: Machine) => m.pause(), (m: Machine) => m.reset('soft'), (m: Machine) => m.stop('test', 0)]) {
      const m = new Machine({ memMiB: 4 });
      const before = m.memory.codeEpoch;
      want(m);
      expect(m.yieldRequested).toBe(true);
      expect(m.memory.codeEpoch).toBeGreaterThan(before);
    }
    const m = new Machine({ memMiB: 4 });
    // a DMA read of the signature item (selector 0) to 0x3000: control block at 0x2000, big endian
    const dv = m.memory.view;
    dv.setUint32(0x2000, (0 << 16) | 0x08 | 0x02); // select, read
    dv.setUint32(0x2004, 4);
    dv.setBigUint64(0x2008, 0x3000n);
    const before = m.memory.codeEpoch;
    m.portWrite(FW_CFG_DMA_PORT, 4, 0);
    m.portWrite(FW_CFG_DMA_PORT + 4, 4, 0x00200000); // 0x2000, byte-swapped as the guest's outl writes it
    expect(String.fromCharCode(...m.memory.u8.subarray(0x3000, 0x3004))).toBe('QEMU');
    expect(dv.getUint32(0x2000)).toBe(0);
    expect(m.memory.codeEpoch).toBeGreaterThan(before);
  });
});

describe('machine run loop', () => {
  it('ends with the value written to the debug-exit port, exit status (v << 1) | 1', () => {
    const m = machineWith([0xb0, 0x2a, 0xe6, 0xf4, 0xf4]); // mov al,42; out 0xf4,al; hlt
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 42, exitCode: 85 });
    expect(r.instructions).toBe(2);
  });

  it('charges each port access --io-ns of guest time (1 µs by default), which the TSC sees', () => {
    // rdtsc; mov esi,eax; mov ecx,10; L: in al,0x61; dec ecx; jnz L; rdtsc; sub eax,esi; mov ebx,eax; mov al,0; out 0xf4,al; hlt
    const code = [0x0f, 0x31, 0x89, 0xc6, 0xb9, 10, 0, 0, 0, 0xe4, 0x61, 0x49, 0x75, 0xfb, 0x0f, 0x31, 0x29, 0xf0, 0x89, 0xc3, 0xb0, 0, 0xe6, 0xf4, 0xf4];
    const cycles = (opts: ConstructorParameters<typeof Machine>[0]) => {
      const m = machineWith(code, opts);
      m.runSync();
      return m.vcpus[0].cpu.regs[Reg.EBX];
    };
    // 10 accesses, and the 33 instructions retired between the two rdtsc reads (the first one included)
    expect(cycles({})).toBe(10 * 1000 + 33);
    expect(cycles({ ioNs: 250 })).toBe(10 * 250 + 33);
    expect(cycles({ ioNs: 0 })).toBe(33);
  });

  it('delivers no NMI to a paravirtual vCPU, which the VMI ABI gives none (issue 16 item 6)', () => {
    // IDT at 0x3000: NMI (vector 2) -> 0x1100, which writes 2 to the debug-exit port
    const m = machineWith([0xeb, 0xfe], { smp: 2, maxInstructions: 20_000 }); // jmp $
    m.memory.view.setUint32(0x3000 + 2 * 8, (0x08 << 16) | 0x1100, true);
    m.memory.view.setUint32(0x3000 + 2 * 8 + 4, 0x8e00, true);
    m.memory.load(0x1100, Uint8Array.from([0xb0, 0x02, 0xe6, 0xf4]));
    const dv = m.memory.view;
    dv.setUint32(0x2808, 0x0000ffff, true); dv.setUint32(0x280c, 0x00cf9a00, true);
    const bsp = m.vcpus[0];
    bsp.cpu.gdtBase = 0x2800; bsp.cpu.gdtLimit = 0x0f;
    bsp.cpu.idtBase = 0x3000; bsp.cpu.idtLimit = 0x7ff;
    bsp.cpu.pv = { vif: false, flatLimit: 0xfbffffff };
    m.deliverMessage(null, m.destinations(null, false, 0xff, 2), 4, 0); // NMI to all
    expect(bsp.nmiPending).toBe(false);
    expect(m.vcpus[1].nmiPending).toBe(true); // a native vCPU takes it
    const r = m.runSync();
    expect(r.stop.exitCode).toBe(EXIT_RUNAWAY);
    expect(m.stats.nmis).toBe(1);
  });

  it('reports a deadlock when every vCPU halts with interrupts off', () => {
    const m = machineWith([0xfa, 0xf4]); // cli; hlt
    const r = m.runSync();
    expect(r.stop.kind).toBe('error');
    expect(r.stop.exitCode).toBe(EXIT_DEADLOCK);
    expect(r.stop.kind === 'error' && r.stop.message).toMatch(/deadlock.*interrupts disabled/);
  });

  it('stops a runaway guest at --max-instructions', () => {
    const m = machineWith([0xeb, 0xfe], { maxInstructions: 10_000 }); // jmp $
    const r = m.runSync();
    expect(r.stop.exitCode).toBe(EXIT_RUNAWAY);
    expect(r.instructions).toBe(10_000);
  });

  it('turns a triple fault into an error with a register dump', () => {
    // lidt [0x2000] with a zero limit, then int3: #GP, #DF, triple fault
    const m = machineWith([0x0f, 0x01, 0x1d, 0x00, 0x20, 0x00, 0x00, 0xcc]);
    const r = m.runSync();
    expect(r.stop.kind).toBe('error');
    if (r.stop.kind !== 'error') return;
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.message).toMatch(/^triple fault/);
    expect(r.stop.message).not.toContain('\n');
    expect(r.stop.detail).toContain('EIP=');
  });

  it('wakes a halted vCPU with the local APIC timer and fast-forwards time while idle', () => {
    // IDT at 0x3000 with vector 0x40 -> 0x1100 (out 0xf4 with 7); program the APIC timer one-shot, sti; hlt
    const m = machineWith([
      0x0f, 0x01, 0x1d, 0x00, 0x20, 0x00, 0x00, // lidt [0x2000]
      0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, // SVR = 0x1ff (enabled)
      0xc7, 0x05, 0xe0, 0x03, 0xe0, 0xfe, 0x0b, 0x00, 0x00, 0x00, // divide by 1
      0xc7, 0x05, 0x20, 0x03, 0xe0, 0xfe, 0x40, 0x00, 0x00, 0x00, // LVT timer: vector 0x40, one-shot
      0xc7, 0x05, 0x80, 0x03, 0xe0, 0xfe, 0x40, 0x42, 0x0f, 0x00, // initial count 1,000,000
      0xfb, 0xf4, // sti; hlt
      0xeb, 0xfe,
    ]);
    const dv = m.memory.view;
    // GDT at 0x2800: null, flat code 0x08, flat data 0x10
    dv.setUint32(0x2808, 0x0000ffff, true); dv.setUint32(0x280c, 0x00cf9a00, true);
    dv.setUint32(0x2810, 0x0000ffff, true); dv.setUint32(0x2814, 0x00cf9200, true);
    m.vcpus[0].cpu.gdtBase = 0x2800;
    m.vcpus[0].cpu.gdtLimit = 0x17;
    dv.setUint16(0x2000, 0x7ff, true);
    dv.setUint32(0x2002, 0x3000, true);
    dv.setUint32(0x3000 + 0x40 * 8, (0x08 << 16) | 0x1100, true);
    dv.setUint32(0x3000 + 0x40 * 8 + 4, 0x8e00, true);
    m.memory.load(0x1100, Uint8Array.from([0xb0, 0x07, 0xe6, 0xf4]));
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 7 });
    expect(m.stats.idleJumps).toBeGreaterThan(0);
    // the interrupt came at 1e6 cycles after the count was written, not after 1e6 instructions
    expect(r.instructions).toBeLessThan(20);
    expect(r.realCycles).toBeGreaterThanOrEqual(1_000_000);
    expect(r.vcpus[0].availableCycles).toBe(r.realCycles);
  });
});

/** BSP code: ICR hi = APIC 1, INIT, SIPI vector 8, wait for the AP's flag 0x1234 at 0x500, then exit with `exit`. */
const startApThenExit = (exit: number) => [
  0xc7, 0x05, 0x10, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x01,
  0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x00, 0x00,
  0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x08, 0x46, 0x00, 0x00,
  0x66, 0x81, 0x3d, 0x00, 0x05, 0x00, 0x00, 0x34, 0x12, 0x75, 0xf5,
  0xb0, exit, 0xe6, 0xf4, 0xf4,
];

describe('SMP', () => {
  it('starts an AP with INIT + SIPI into a real-mode trampoline', () => {
    const m = machineWith(startApThenExit(0x42), { smp: 2 });
    // AP trampoline at 0x8000 (16-bit): mov ax,0x1234; mov [0x500],ax; cli; hlt
    m.memory.load(0x8000, Uint8Array.from([0xb8, 0x34, 0x12, 0xa3, 0x00, 0x05, 0xfa, 0xf4]));
    expect(m.vcpus[1].started).toBe(false);
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0x42 });
    const ap = m.vcpus[1];
    expect(ap.started).toBe(true);
    expect(ap.cpu.segSel[1]).toBe(0x0800);
    expect(ap.cpu.protectedMode).toBe(false);
    expect(ap.cpu.instructions).toBe(4);
    expect(m.stats).toMatchObject({ inits: 1, sipis: 1 });
  });

  it('leaves an AP stopped when a SIPI hook claims the start-up and starts it from a state', () => {
    const m = machineWith(startApThenExit(0x43), { smp: 2 });
    // the paravirtual start: flat 32-bit at 0x1800, which writes the flag itself
    m.memory.load(0x1800, Uint8Array.from([0x66, 0xc7, 0x05, 0x00, 0x05, 0x00, 0x00, 0x34, 0x12, 0xfa, 0xf4]));
    const hooked: number[] = [];
    m.sipiHook = (id, vector) => {
      hooked.push(id, vector);
      m.startAp(id, { kind: 'state', apply: (cpu) => { enterFlatProtectedMode(cpu); cpu.eip = 0x1800; } });
      return true;
    };
    const r = m.runSync();
    expect(hooked).toEqual([1, 8]);
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0x43 });
    expect(m.vcpus[1].cpu.protectedMode).toBe(true);
  });

  it('delivers a fixed IPI to the other vCPU and accounts stolen time', () => {
    const m = new Machine({ memMiB: 4, smp: 2 });
    m.vcpus[1].started = true;
    m.vcpus[1].cpu.halted = false;
    m.sendIpi(m.vcpus[0].apic, 0x4000 | 0x51, 1 << 24);
    expect(m.vcpus[1].apic.pending()).toBe(0x51);
    expect(m.vcpus[0].apic.pending()).toBe(-1);
    // all-but-self shorthand from vCPU 1 reaches vCPU 0 only
    m.sendIpi(m.vcpus[1].apic, 0xc4000 | 0x52, 0);
    expect(m.vcpus[0].apic.pending()).toBe(0x52);
  });
});

describe('the slice of a vCPU the only one ready', () => {
  /**
   * vCPU 0 counts down 300,000 instructions while vCPU 1 is halted, then
   * sends vCPU 1 a fixed IPI and counts, in EBX, the passes of a loop that
   * waits for the flag vCPU 1's handler sets. vCPU 1 halts with interrupts
   * enabled (IDT at 0x3000: vector 0x40 -> 0x1100, which writes the flag).
   */
  function loneThenIpi(opts: ConstructorParameters<typeof Machine>[0] = {}): Machine {
    const m = machineWith([
      0xb9, 0xe0, 0x93, 0x04, 0x00, // mov ecx, 300000
      0x49, 0x75, 0xfd, // dec ecx; jnz
      0xc7, 0x05, 0x10, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x01, // ICR high: APIC 1
      0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x40, 0x40, 0x00, 0x00, // ICR low: fixed, vector 0x40
      0x31, 0xdb, // xor ebx, ebx
      0x43, 0x66, 0x81, 0x3d, 0x00, 0x05, 0x00, 0x00, 0x34, 0x12, 0x75, 0xf4, // inc ebx; cmp word [0x500], 0x1234; jne
      0x89, 0x1d, 0x04, 0x05, 0x00, 0x00, // mov [0x504], ebx
      0xb0, 0x42, 0xe6, 0xf4, // exit 0x42
    ], { smp: 2, ...opts });
    const dv = m.memory.view;
    dv.setUint32(0x2808, 0x0000ffff, true); dv.setUint32(0x280c, 0x00cf9a00, true);
    dv.setUint32(0x2810, 0x0000ffff, true); dv.setUint32(0x2814, 0x00cf9200, true);
    dv.setUint32(0x3000 + 0x40 * 8, (0x08 << 16) | 0x1100, true);
    dv.setUint32(0x3000 + 0x40 * 8 + 4, 0x8e00, true);
    m.memory.load(0x1100, Uint8Array.from([0x66, 0xc7, 0x05, 0x00, 0x05, 0x00, 0x00, 0x34, 0x12, 0xfa, 0xf4])); // mov word [0x500], 0x1234; cli; hlt
    const ap = m.vcpus[1];
    enterFlatProtectedMode(ap.cpu);
    ap.cpu.gdtBase = 0x2800; ap.cpu.gdtLimit = 0x17;
    ap.cpu.idtBase = 0x3000; ap.cpu.idtLimit = 0x7ff;
    ap.cpu.regs[Reg.ESP] = 0x70000;
    ap.cpu.eflags |= 0x200;
    ap.cpu.eip = 0x1200;
    ap.apic.write(0xf0, 0x1ff);
    ap.started = true;
    ap.cpu.halted = true;
    return m;
  }

  it('runs long slices while the other vCPU is halted, and ends one as soon as an IPI wakes it', () => {
    const m = loneThenIpi();
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0x42 });
    // 600,000 instructions in slices of 100,000 (2,000 each would be 300)
    expect(m.stats.slices).toBeLessThan(20);
    // vCPU 1 ran its handler right after the ICR write: vCPU 0 waited a pass or two, not the rest of a slice
    expect(m.memory.view.getUint32(0x504, true)).toBeLessThanOrEqual(2);
    expect(m.vcpus[1].cpu.instructions).toBe(3);
  });

  it('keeps a slice given with --slice whether or not the others are halted', () => {
    const m = loneThenIpi({ sliceInstructions: 2000 });
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0x42 });
    expect(m.stats.slices).toBeGreaterThan(290);
  });
});

describe('booting the guest kernel', () => {
  it('runs a workload natively with the checksum QEMU gives', () => {
    const m = new Machine({ memMiB: 128, smp: 2, maxInstructions: 200_000_000 });
    m.loadKernel(readFileSync(KERNEL), 'kernel.elf run=crc32b scale=0.1');
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0 });
    const res = /RESULT name=crc32b iters=(\d+) cycles=\d+ checksum=(0x[0-9a-f]{8})/.exec(m.consoleText);
    expect(res).not.toBeNull();
    expect(res![2]).toBe(expected.workloads.crc32b[res![1]]);
    expect(m.consoleText).toMatch(/DONE workloads=1 failed=0 cpus=2 mode=native/);
    expect(m.vcpus[1].started).toBe(true);
    // the kernel's direct map is global on both vCPUs (CR4.PGE; an AP takes the BSP's CR4)
    for (const v of m.vcpus) expect(v.cpu.cr4 & 0x80).toBe(0x80);
  });

  it('keeps the kernel\'s global pages in the TLB across an address-space switch, unless told `nopge`', () => {
    for (const [option, kept] of [['', true], [' nopge', false]] as const) {
      const m = new Machine({ memMiB: 128, maxInstructions: 200_000_000 });
      m.loadKernel(readFileSync(KERNEL), `kernel.elf run=null scale=0.01${option}`);
      expect(m.runSync().stop).toMatchObject({ kind: 'exit', guestValue: 0 });
      const cpu = m.vcpus[0].cpu;
      // the kernel's text (1 MiB up in its direct map), cached, then a flush as a CR3 load makes it
      const page = 0xc0100000;
      cpu.mmu.translate(page, Access.READ, false);
      cpu.mmu.flushAll(true);
      expect(cpu.mmu.tlb[page >>> 12] !== 0).toBe(kept);
    }
  });
});
