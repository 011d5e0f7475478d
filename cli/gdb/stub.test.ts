/**
 * The stub over a real TCP connection, packet by packet, against a machine
 * running the built-in guest in this process (the interpreter's engine):
 * what gdb's i386 target asks, what a careless or hostile client sends, and
 * that the guest is neither faulted nor crashed by any of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Machine, type RunResult } from '../../runtime/machine.ts';
import { GdbStub } from './stub.ts';
import { PacketReader, frame, le32 } from './packets.ts';
import { registerNumber, REGISTERS } from './registers.ts';
import { parseElf32 } from '../../runtime/elf.ts';
import { SPIN, debugExit, tinyKernel } from '../../spec-tests/tiny-kernel.ts';

const KERNEL = readFileSync(new URL('../../guest/kernel.elf', import.meta.url));
const KMAIN = parseElf32(KERNEL).symbols.find((s) => s.name === 'kmain')!.value >>> 0;

/** A client that speaks the protocol by hand: one request, one reply. */
class Client {
  private readonly reader = new PacketReader();
  private replies: string[] = [];
  private waiting: ((s: string) => void) | null = null;
  raw = '';
  constructor(readonly socket: Socket) {
    socket.on('data', (b) => {
      this.raw += b.toString('latin1');
      for (const e of this.reader.push(b)) {
        if (e.kind !== 'packet') continue;
        this.replies.push(e.data);
        this.deliver();
      }
    });
  }
  private deliver(): void {
    if (this.waiting && this.replies.length) { const w = this.waiting; this.waiting = null; w(this.replies.shift()!); }
  }
  next(): Promise<string> {
    return new Promise((res) => { this.waiting = res; this.deliver(); });
  }
  request(data: string): Promise<string> {
    this.socket.write(frame(data));
    return this.next();
  }
  send(raw: string): void {
    this.socket.write(Buffer.from(raw, 'latin1'));
  }
}

let stub: GdbStub | null = null;
let machine: Machine;
let running: Promise<RunResult>;

async function start(opts: { smp?: number; wait?: boolean; kernel?: Uint8Array } = {}): Promise<Client> {
  machine = new Machine({ smp: opts.smp ?? 1 });
  machine.loadKernel(opts.kernel ?? KERNEL, 'kernel.elf run=sieve scale=0.01');
  stub = new GdbStub({ port: 0, wait: opts.wait ?? true, disconnect: 'run', log: () => {} });
  const port = await stub.listen();
  stub.attach(machine);
  running = machine.run();
  const socket = connect(port, '127.0.0.1');
  await new Promise((res) => socket.once('connect', res));
  return new Client(socket);
}

afterEach(async () => {
  if (!stub) return;
  machine.stop('test over', 0);
  await running;
  stub.finish(null);
  stub = null;
});

const EIP = registerNumber('eip');

/**
 * A tiny kernel whose int3 must reach its own #BP handler (debug-exit 0; 1
 * if int3 came back without it): a stack, a flat GDT (Multiboot leaves
 * none), IDT entry 3, int3. Returns the image and the int3's address.
 */
function int3Kernel(): { image: Uint8Array; int3: number } {
  const base = 0x100020; // tinyKernel's entry
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const layout = (tables: number, handler: number) => [
    0xbc, ...u32(0x90000), // mov esp, 0x90000
    0x0f, 0x01, 0x15, ...u32(tables + 256 + 8), // lgdt [gdtr]: the selectors Multiboot left (8, 0x10) stay valid
    0xb8, ...u32(handler), // mov eax, handler
    0x66, 0xa3, ...u32(tables + 24), // mov [idt+24], ax
    0xc1, 0xe8, 0x10, // shr eax, 16
    0x66, 0xa3, ...u32(tables + 30), // mov [idt+30], ax
    0x66, 0x8c, 0xc8, // mov ax, cs
    0x66, 0xa3, ...u32(tables + 26), // mov [idt+26], ax
    0xc6, 0x05, ...u32(tables + 29), 0x8e, // mov byte [idt+29], 0x8e: present 32-bit interrupt gate
    0x0f, 0x01, 0x1d, ...u32(tables + 256), // lidt [idtr]
    0xcc, // int3
    ...debugExit(1), ...SPIN,
  ];
  const codeLen = layout(0, 0).length;
  const handler = base + codeLen;
  const tables = (handler + debugExit(0).length + SPIN.length + 7) & ~7;
  const code = [...layout(tables, handler), ...debugExit(0), ...SPIN];
  while (base + code.length < tables) code.push(0);
  const gdt = tables + 256 + 16;
  code.push(...new Array(256).fill(0)); // 32 gates
  code.push(0xff, 0x00, ...u32(tables), 0, 0); // IDTR image (padded to 8)
  code.push(0x17, 0x00, ...u32(gdt), 0, 0); // GDTR image
  code.push(...new Array(8).fill(0), 0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0); // null, code, data
  return { image: tinyKernel(code), int3: base + codeLen - debugExit(1).length - SPIN.length - 1 };
}

describe('gdb stub, by packet', () => {
  it('describes the target and its registers', async () => {
    const c = await start();
    expect(await c.request('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386')).toMatch(/PacketSize=4000;qXfer:features:read\+;swbreak\+;hwbreak\+/);
    let xml = '';
    for (let off = 0; ;) {
      const part = await c.request(`qXfer:features:read:target.xml:${off.toString(16)},200`);
      xml += part.slice(1);
      off += part.length - 1;
      if (part[0] === 'l') break;
      expect(part[0]).toBe('m');
    }
    expect(xml).toContain('<feature name="org.gnu.gdb.i386.core">');
    expect(xml).toContain('<reg name="st7" bitsize="80" type="i387_ext"');
    expect(await c.request('qXfer:features:read:other.xml:0,100')).toMatch(/^E/);
    // --gdb-wait: the first instruction of the kernel, vCPU 0 as thread 1
    expect(await c.request('?')).toBe('T05thread:1;');
    const g = await c.request('g');
    expect(g.length).toBe(REGISTERS.reduce((n, r) => n + r.bits / 4, 0));
    expect(await c.request(`p${EIP.toString(16)}`)).toBe(le32(machine.vcpus[0].cpu.eip));
    expect(await c.request('qfThreadInfo')).toBe('m1');
    expect(await c.request('qsThreadInfo')).toBe('l');
    expect(await c.request('qAttached')).toBe('1');
  });

  it('reads and writes guest memory, and answers an error for an unmapped address', async () => {
    const c = await start();
    const eip = machine.vcpus[0].cpu.eip >>> 0; // paging is off: linear = physical
    expect(await c.request(`m${eip.toString(16)},4`)).toBe(Buffer.from(machine.memory.u8.subarray(eip, eip + 4)).toString('hex'));
    // beyond the 128 MiB of RAM, and a device page: errors, never a fault in the guest
    expect(await c.request('mf0000000,4')).toMatch(/^E/);
    expect(await c.request('mfee00000,4')).toMatch(/^E/);
    // a read running into the end of RAM comes back short
    expect(await c.request(`m${(128 * 1048576 - 2).toString(16)},8`)).toBe(Buffer.from(machine.memory.u8.subarray(128 * 1048576 - 2)).toString('hex'));
    expect(await c.request('M200000,4:01020304')).toBe('OK');
    expect(Array.from(machine.memory.u8.subarray(0x200000, 0x200004))).toEqual([1, 2, 3, 4]);
    expect(await c.request('X200000,2:}\x03}]')).toBe('OK');
    expect(Array.from(machine.memory.u8.subarray(0x200000, 0x200002))).toEqual([0x23, 0x7d]);
    expect(await c.request('x200000,2')).toBe('}\x03}]');
    expect(await c.request('Mf0000000,1:00')).toMatch(/^E/);
    expect(machine.vcpus[0].cpu.cr2).toBe(0);
  });

  it('answers malformed and unknown packets without harm', async () => {
    const c = await start();
    for (const bad of ['m', 'mzz,4', 'm10', 'm10,4,5', 'M10,4:0102', 'M10,2:zzzz', 'X10,3:}', 'p', 'pzz', 'P8', 'P8=12', 'P999=00000000',
      'Z0', 'Z0,zz,1', 'z0,1000,1', 'Zx,10,1', 'Hgzz', 'Hg99', 'Hq1', 'T7', 'Cxx', 'vCont;q', 'vCont;s:9', 'cnothex', 'G00']) {
      expect(await c.request(bad), bad).toMatch(/^E[0-9a-f]{2}$/);
    }
    for (const unknown of ['Z9,10,1', 'vMustReplyEmpty', 'qRcmd,6865', 'qOffsets', 'bc', '!', 'j']) expect(await c.request(unknown), unknown).toBe('');
    // a bad checksum is asked for again; a packet too long is dropped; noise is skipped
    c.send('$g#00');
    await new Promise((res) => setTimeout(res, 50));
    expect(c.raw.endsWith('-')).toBe(true);
    c.send('garbage' + '$' + 'M'.repeat(70000) + '#00');
    expect(await c.request('?')).toBe('T05thread:1;');
    expect(machine.stopInfo).toBeNull();
  });

  it('steps, continues to a breakpoint, is interrupted by Ctrl-C, and kills', async () => {
    const c = await start();
    const cpu = machine.vcpus[0].cpu;
    const before = cpu.instructions;
    expect(await c.request('s')).toBe('T05thread:1;');
    expect(cpu.instructions).toBe(before + 1);
    expect(await c.request('s')).toBe('T05thread:1;');
    expect(cpu.instructions).toBe(before + 2);
    // kmain, linked above 0xc0000000: set while paging is still off (it maps later)
    const kmain = KMAIN.toString(16);
    expect(await c.request(`Z0,${kmain},1`)).toBe('OK');
    expect(await c.request('c')).toBe('T05thread:1;swbreak:;');
    expect(cpu.eip >>> 0).toBe(KMAIN);
    expect(await c.request(`z0,${kmain},1`)).toBe('OK');
    expect(await c.request(`z0,${kmain},1`)).toMatch(/^E/);
    c.socket.write(frame('c'));
    await new Promise((res) => setTimeout(res, 200));
    c.send('\x03');
    expect(await c.next()).toMatch(/^T02thread:1;$/);
    expect(machine.paused).toBe(true);
    c.socket.write(frame('k'));
    const r = await running;
    expect(r.stop.reason).toMatch(/killed by the debugger/);
  });

  it('leaves the guest\'s own int3 to the guest, after stopping at a breakpoint on it', async () => {
    const k = int3Kernel();
    const c = await start({ kernel: k.image });
    expect(Buffer.from(await c.request(`m${k.int3.toString(16)},1`), 'hex')[0]).toBe(0xcc);
    expect(await c.request(`Z0,${k.int3.toString(16)},1`)).toBe('OK');
    expect(await c.request('Z2,7ff000,4')).toBe('OK');
    expect(await c.request('c')).toBe('T05thread:1;swbreak:;');
    expect(machine.vcpus[0].cpu.eip >>> 0).toBe(k.int3);
    // on from the breakpoint: the int3 runs, and the guest's handler writes 0 to the debug-exit port
    c.socket.write(frame('c'));
    const r = await running;
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0 });
  });

  it('lists every vCPU as a thread and reads each one\'s registers', async () => {
    const c = await start({ smp: 2 });
    expect(await c.request('qfThreadInfo')).toBe('m1,2');
    expect(Buffer.from(await c.request('qThreadExtraInfo,2'), 'hex').toString()).toMatch(/vCPU 1, (waiting for a start-up IPI|not started)/);
    expect(await c.request('Hg2')).toBe('OK');
    expect(await c.request(`p${EIP.toString(16)}`)).toBe(le32(machine.vcpus[1].cpu.eip));
    expect(await c.request('T2')).toBe('OK');
    expect(await c.request('T3')).toMatch(/^E/);
  });

  it('stops a running guest when a debugger connects, and lets it run on when it leaves', async () => {
    const c = await start({ wait: false });
    expect(await c.request('?')).toMatch(/^T05thread:1;$/);
    expect(machine.paused).toBe(true);
    c.socket.end();
    const r = await running;
    expect(r.stop.kind).toBe('exit');
    expect(r.stop.exitCode).toBe(0);
  });
});
