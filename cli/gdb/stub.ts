/**
 * The gdb stub of `vmidbt run --gdb`: a GDB remote serial protocol server
 * on 127.0.0.1 that holds and resumes the machine and answers gdb's i386
 * target (registers.ts says which registers, memory.ts how memory is
 * reached, packets.ts how packets travel).
 *
 * The machine runs on the Node event loop (runtime/machine.ts `run`), so
 * the stub only ever acts between slices: a packet, a connection or a
 * Ctrl-C is handled while no instruction runs. A stop found inside a slice
 * (a breakpoint before its instruction, the end of a single step, a
 * watchpoint after its access: cpu/debug.ts `HostDebug`) pauses the
 * machine at once (`Machine.pause`), so every vCPU stands still between
 * instructions or translated regions, and the stop reply goes out. All-stop
 * mode only: every vCPU is a thread (id = vCPU number + 1), all of them
 * stop and resume together.
 *
 * A debugger connecting to a running guest stops it (as QEMU's stub does);
 * `--gdb-wait` holds it at its first instruction until one connects and
 * continues. When the client goes away without detaching, `disconnect` says
 * what happens: `run` (the default) removes its breakpoints and lets the
 * guest run on, `stop` removes them and keeps the guest stopped until a
 * debugger connects again, `quit` ends the run. One client at a time; a
 * second connection is refused.
 *
 * Bad input never throws out of here: a malformed packet gets an `E`
 * reply, an unknown one the empty reply the protocol prescribes.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { HostDebug, type HostStop, type WatchKind } from '../../cpu/debug.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Seg } from '../../isa/instr.ts';
import type { Machine, StopInfo } from '../../runtime/machine.ts';
import { EXIT_QUIT } from '../../base/exit-status.ts';
import { MAX_PACKET, PacketReader, escapeBinary, frame, fromHex, hexNumber, toHex, unescapeBinary, type WireEvent } from './packets.ts';
import { readAllRegisters, readRegister, writeAllRegisters, writeRegister, targetXml } from './registers.ts';
import { readLinear, writeLinear } from './memory.ts';

export type DisconnectAction = 'run' | 'stop' | 'quit';

export interface GdbStubOptions {
  /** TCP port on 127.0.0.1 (0: any free port; `port` tells which) */
  port: number;
  /** hold the guest at its first instruction until a debugger continues it */
  wait: boolean;
  disconnect: DisconnectAction;
  /** one-line notes for the user (stderr) */
  log: (line: string) => void;
}

const SIGINT = 2, SIGTRAP = 5;
const E_SYNTAX = 'E01', E_FAULT = 'E0e', E_INVALID = 'E16';
const WATCH_KINDS: Record<string, WatchKind> = { 2: 'write', 3: 'read', 4: 'access' };
const WATCH_REPLY: Record<WatchKind, string> = { write: 'watch', read: 'rwatch', access: 'awatch' };

/** The linear address of a vCPU's CS:EIP. */
function linearEip(cpu: Cpu): number {
  return (cpu.segBase[Seg.CS] + cpu.eip) >>> 0;
}

export class GdbStub {
  private server: Server | null = null;
  private socket: Socket | null = null;
  private reader = new PacketReader();
  private machine: Machine | null = null;
  private readonly host = new HostDebug();
  private noAck = false;
  private lastSent: Buffer | null = null;
  /** gdb waits for a stop reply (after c, s, vCont) */
  private running = false;
  private stopReply = 'S05';
  /** the vCPU of the last stop: register and memory packets are about it unless Hg says otherwise */
  private regCpu = 0;
  private waitForFirst: boolean;
  private detachAfterReply = false;
  port = 0;

  constructor(private readonly opts: GdbStubOptions) {
    this.waitForFirst = opts.wait;
    this.host.onStop = (cpuId, why) => this.stopped(cpuId, why);
  }

  /** Listen on 127.0.0.1; resolves with the port, rejects with a one-line reason. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((s) => this.accept(s));
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on 127.0.0.1:${this.opts.port}: ${e.code ?? e.message}`)));
      server.listen(this.opts.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        this.server = server;
        resolve(this.port);
      });
    });
  }

  /** Serve this machine (at power-on, and again after each reboot). */
  attach(machine: Machine): void {
    this.machine = machine;
    machine.attachDebugger(this.host);
    if (this.waitForFirst) {
      this.waitForFirst = false;
      machine.pause();
      this.stopReply = this.threadStop(SIGTRAP, 0, '');
      this.opts.log(`vmidbt: the guest waits at its first instruction for gdb on 127.0.0.1:${this.port} (--gdb-wait)`);
    }
  }

  /** The run is over: tell a debugger that waits (W with the exit status) and stop listening. */
  finish(stop: StopInfo | null): void {
    if (this.socket && stop) this.send(`W${(stop.exitCode & 0xff).toString(16).padStart(2, '0')}`);
    this.socket?.end();
    this.socket = null;
    this.server?.close();
    this.server = null;
  }

  // ---- connection ---------------------------------------------------------------------

  private accept(s: Socket): void {
    if (this.socket) {
      s.end();
      return;
    }
    this.socket = s;
    this.reader = new PacketReader();
    this.noAck = false;
    s.setNoDelay(true);
    const m = this.machine;
    if (m && !m.paused) {
      m.pause();
      this.stopReply = this.threadStop(SIGTRAP, m.current.id, '');
      this.regCpu = m.current.id;
    }
    this.running = false;
    this.opts.log(`vmidbt: gdb connected from ${s.remoteAddress}:${s.remotePort}; the guest is stopped`);
    s.on('data', (b) => this.received(b));
    s.on('error', () => { /* a reset connection ends like a closed one */ });
    s.on('close', () => this.disconnected(s));
  }

  private disconnected(s: Socket): void {
    if (this.socket !== s) return;
    this.socket = null;
    const m = this.machine;
    this.host.clear();
    if (!m) return;
    const action = this.opts.disconnect;
    this.opts.log(`vmidbt: gdb disconnected; the guest ${action === 'run' ? 'runs on' : action === 'stop' ? 'stays stopped' : 'ends'} (--gdb-disconnect ${action})`);
    if (action === 'quit') m.stop('the debugger disconnected (--gdb-disconnect quit)', EXIT_QUIT);
    else if (action === 'run') this.resumeAll(-1);
    else m.pause();
  }

  private received(bytes: Buffer): void {
    for (const e of this.reader.push(bytes)) this.event(e);
  }

  private event(e: WireEvent): void {
    switch (e.kind) {
      case 'interrupt': this.interrupt(); return;
      case 'nack': if (this.lastSent && !this.noAck) this.socket?.write(this.lastSent); return;
      case 'ack': return;
      case 'bad-checksum': if (!this.noAck) this.socket?.write('-'); return;
      case 'packet': {
        if (!this.noAck) this.socket?.write('+');
        let reply: string | null;
        try {
          reply = this.command(e.data);
        } catch {
          reply = E_INVALID; // never let a packet take the machine down
        }
        if (reply !== null) this.send(reply);
        if (e.data === 'QStartNoAckMode') this.noAck = true;
        if (this.detachAfterReply) this.detach();
      }
    }
  }

  private send(data: string): void {
    const f = frame(data);
    this.lastSent = f;
    this.socket?.write(f);
  }

  // ---- stops and resumption -------------------------------------------------------------

  private threadStop(signal: number, cpuId: number, extra: string): string {
    return `T${signal.toString(16).padStart(2, '0')}thread:${(cpuId + 1).toString(16)};${extra}`;
  }

  /** A vCPU stopped inside a slice (HostDebug.onStop): hold the machine and report it. */
  private stopped(cpuId: number, why: HostStop): void {
    this.machine?.pause();
    this.host.stepCpu = -1;
    let extra = '';
    if (why.kind === 'break') extra = why.soft ? 'swbreak:;' : 'hwbreak:;';
    else if (why.kind === 'watch') extra = `${WATCH_REPLY[why.watch.kind]}:${why.addr.toString(16)};`;
    this.report(this.threadStop(SIGTRAP, cpuId, extra), cpuId);
  }

  private report(reply: string, cpuId: number): void {
    this.stopReply = reply;
    this.regCpu = cpuId;
    if (this.running) {
      this.running = false;
      this.send(reply);
    }
  }

  /** Ctrl-C: stop a running guest where it stands (between slices). */
  private interrupt(): void {
    const m = this.machine;
    if (!m || !this.running) return;
    m.pause();
    this.host.stepCpu = -1;
    this.report(this.threadStop(SIGINT, m.current.id, ''), m.current.id);
  }

  /** Let every vCPU run on, `stepCpu` (or none, -1) for one instruction; each may leave a breakpoint it stands on. */
  private resumeAll(stepCpu: number): void {
    const m = this.machine;
    if (!m) return;
    for (const v of m.vcpus) this.host.resumeFrom(v.id, linearEip(v.cpu));
    this.host.stepCpu = stepCpu;
    this.running = true;
    m.resume();
  }

  private cpuOf(id: number): Cpu {
    return this.machine!.vcpus[id].cpu;
  }

  // ---- packets ------------------------------------------------------------------------------

  /** The reply to one packet ('' = not supported), or null when the reply is a later stop. */
  private command(p: string): string | null {
    if (!this.machine) return E_INVALID;
    switch (p[0]) {
      case '?': return this.stopReply;
      case 'g': return readAllRegisters(this.cpuOf(this.regCpu));
      case 'G': return writeAllRegisters(this.cpuOf(this.regCpu), p.slice(1)) ? E_INVALID : 'OK';
      case 'p': return this.readReg(p.slice(1));
      case 'P': return this.writeReg(p.slice(1));
      case 'm': return this.readMemory(p.slice(1), false);
      case 'x': return this.readMemory(p.slice(1), true);
      case 'M': return this.writeMemory(p.slice(1), false);
      case 'X': return this.writeMemory(p.slice(1), true);
      case 'Z': return this.breakpoint(p.slice(1), true);
      case 'z': return this.breakpoint(p.slice(1), false);
      case 'c': case 's': case 'C': case 'S': return this.resumeCommand(p);
      case 'H': return this.selectThread(p.slice(1));
      case 'T': return this.threadId(p.slice(1)) !== null ? 'OK' : E_INVALID;
      case 'k': this.machine.stop('killed by the debugger (gdb kill)', EXIT_QUIT); return null;
      case 'D': this.detachAfterReply = true; return 'OK';
      case 'v': return this.vPacket(p);
      case 'q': case 'Q': return this.query(p);
      default: return '';
    }
  }

  private detach(): void {
    this.detachAfterReply = false;
    this.host.clear();
    this.resumeAll(-1);
    // the client's close that follows is no disconnect to act on
    this.socket?.removeAllListeners('close');
    this.socket?.end();
    this.socket = null;
    this.opts.log('vmidbt: gdb detached; the guest runs on');
  }

  /** A thread id of a packet (hex; -1 all, 0 any) as a vCPU number, -1 for all or any; null when there is no such thread. */
  private threadId(text: string): number | null {
    if (text === '-1' || text === '0') return -1;
    const n = hexNumber(text);
    return n !== null && n >= 1 && n <= this.machine!.vcpus.length ? n - 1 : null;
  }

  private selectThread(p: string): string {
    const id = this.threadId(p.slice(1));
    if ((p[0] !== 'g' && p[0] !== 'c') || id === null) return E_INVALID;
    if (p[0] === 'g' && id >= 0) this.regCpu = id;
    return 'OK';
  }

  private readReg(p: string): string {
    const n = hexNumber(p);
    const v = n === null ? null : readRegister(this.cpuOf(this.regCpu), n);
    return v ?? E_INVALID;
  }

  private writeReg(p: string): string {
    const m = /^([0-9a-fA-F]{1,4})=([0-9a-fA-F]+)$/.exec(p);
    if (!m) return E_SYNTAX;
    return writeRegister(this.cpuOf(this.regCpu), Number.parseInt(m[1], 16), m[2]) ? E_INVALID : 'OK';
  }

  /** `addr,length` of m/M/x/X. */
  private range(p: string): [number, number] | null {
    const [a, l, ...rest] = p.split(',');
    const addr = hexNumber(a ?? ''), len = hexNumber(l ?? '');
    return addr === null || len === null || rest.length ? null : [addr, len];
  }

  private readMemory(p: string, binary: boolean): string {
    const r = this.range(p);
    if (!r) return E_SYNTAX;
    // what fits in a reply: hex takes two characters a byte, binary up to two
    const len = Math.min(r[1], (MAX_PACKET - 8) >> 1);
    if (len === 0) return binary ? 'OK' : '';
    const bytes = readLinear(this.cpuOf(this.regCpu), r[0], len);
    if (bytes.length === 0) return E_FAULT;
    return binary ? escapeBinary(bytes) : toHex(bytes);
  }

  private writeMemory(p: string, binary: boolean): string {
    const colon = p.indexOf(':');
    const r = colon < 0 ? null : this.range(p.slice(0, colon));
    const bytes = r === null ? null : binary ? unescapeBinary(p.slice(colon + 1)) : fromHex(p.slice(colon + 1));
    if (!r || !bytes || bytes.length !== r[1]) return E_SYNTAX;
    return writeLinear(this.cpuOf(this.regCpu), r[0], bytes) ? 'OK' : E_FAULT;
  }

  /** Z/z TYPE,ADDR,KIND (conditions after ';' are not supported and ignored). */
  private breakpoint(p: string, insert: boolean): string {
    const [type, a, k] = p.split(';')[0].split(',');
    if (!/^[0-9]$/.test(type)) return E_SYNTAX;
    if (Number(type) > 4) return ''; // not a kind of breakpoint this stub knows
    const addr = hexNumber(a ?? ''), kind = hexNumber(k ?? '');
    if (addr === null || kind === null) return E_SYNTAX;
    if (type === '0' || type === '1') {
      if (!insert) return this.host.removeBreak(addr, type === '0') ? 'OK' : E_INVALID;
      if (this.host.addBreak(addr, type === '0')) this.dropTranslations(addr);
      return 'OK';
    }
    if (kind < 1 || kind > 0x10000) return E_INVALID;
    const w = { addr, len: kind, kind: WATCH_KINDS[type] };
    if (!insert) return this.host.removeWatch(w.addr, w.len, w.kind) ? 'OK' : E_INVALID;
    this.host.addWatch(w);
    return 'OK';
  }

  /**
   * A new breakpoint's page must not run translated: drop the translations
   * made from its frame in each vCPU's mapping, or every translation when
   * some vCPU does not map it now (it may later, with code translated
   * from elsewhere chained to it).
   */
  private dropTranslations(lin: number): void {
    for (const v of this.machine!.vcpus) {
      const phys = v.cpu.mmu.debugTranslate(lin);
      if (phys < 0) { this.host.flushEpoch++; continue; }
      this.machine!.memory.invalidateCode(phys >>> 12);
    }
  }

  /** c/s/C/S [addr] (C and S take a signal first, which a machine has no use for). */
  private resumeCommand(p: string): string | null {
    const step = p[0] === 's' || p[0] === 'S';
    let rest = p.slice(1);
    if (p[0] === 'C' || p[0] === 'S') {
      const semi = rest.indexOf(';');
      if (!/^[0-9a-fA-F]{2}$/.test(semi < 0 ? rest : rest.slice(0, semi))) return E_SYNTAX;
      rest = semi < 0 ? '' : rest.slice(semi + 1);
    }
    if (rest !== '') {
      const addr = hexNumber(rest);
      if (addr === null) return E_SYNTAX;
      this.cpuOf(this.regCpu).eip = addr | 0;
    }
    this.resumeAll(step ? this.regCpu : -1);
    return null;
  }

  private vPacket(p: string): string | null {
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (!p.startsWith('vCont;')) return ''; // vMustReplyEmpty, vFile, vRun...: not supported
    let stepCpu = -1;
    for (const action of p.slice(6).split(';')) {
      const [what, tid] = action.split(':');
      if (!/^([cs]|[CS][0-9a-fA-F]{2})$/.test(what)) return E_SYNTAX;
      const id = tid === undefined ? -1 : this.threadId(tid);
      if (id === null) return E_INVALID;
      // one step per resumption: the first thread named with s (or the current one) steps, the others run
      if (what[0].toLowerCase() === 's' && stepCpu < 0) stepCpu = id >= 0 ? id : this.regCpu;
    }
    this.resumeAll(stepCpu);
    return null;
  }

  private query(p: string): string {
    const [name, ...args] = p.split(/[:,]/);
    switch (name) {
      case 'qSupported': return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+`;
      case 'QStartNoAckMode': return 'OK';
      case 'qXfer': return this.features(p);
      case 'qAttached': return '1';
      case 'qC': return `QC${(this.regCpu + 1).toString(16)}`;
      case 'qfThreadInfo': return 'm' + this.machine!.vcpus.map((v) => (v.id + 1).toString(16)).join(',');
      case 'qsThreadInfo': return 'l';
      case 'qThreadExtraInfo': return this.threadInfo(args[0] ?? '');
      case 'qSymbol': return 'OK';
      default: return '';
    }
  }

  private threadInfo(tid: string): string {
    const id = this.threadId(tid);
    if (id === null || id < 0) return E_INVALID;
    const v = this.machine!.vcpus[id];
    const state = !v.started ? (v.waitingSipi ? 'waiting for a start-up IPI' : 'not started') : v.cpu.halted ? 'halted' : 'runnable';
    return toHex(Buffer.from(`vCPU ${id}, ${state}`));
  }

  /** qXfer:features:read:target.xml:OFFSET,LENGTH */
  private features(p: string): string {
    const m = /^qXfer:features:read:([^:]*):([0-9a-fA-F]{1,8}),([0-9a-fA-F]{1,8})$/.exec(p);
    if (!m) return p.startsWith('qXfer:features:read:') ? E_SYNTAX : '';
    if (m[1] !== 'target.xml') return E_FAULT;
    const xml = targetXml();
    const off = Number.parseInt(m[2], 16), len = Math.min(Number.parseInt(m[3], 16), MAX_PACKET >> 1);
    const part = xml.slice(off, off + len);
    return (off + len >= xml.length ? 'l' : 'm') + escapeBinary(Buffer.from(part, 'latin1'));
  }
}
