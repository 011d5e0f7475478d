import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { EscapeFilter, InputQueue, QUEUE_LOW, ESCAPE_HELP, type SerialReceiver } from './console.ts';
import { requireTools } from '../spec-tests/tools.ts';

const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;

/** A receive FIFO of `room` bytes that the test drains by hand. */
function fakeUart(room: number) {
  const got: number[] = [];
  const uart: SerialReceiver & { drain(n: number): void } = {
    onRxSpace: null,
    receive(bytes) {
      const n = Math.min(bytes.length, room - got.length);
      got.push(...bytes.subarray(0, n));
      return n;
    },
    drain(n) { got.splice(0, n); this.onRxSpace?.(); },
  };
  return { uart, got };
}

describe('input queue', () => {
  it('holds what the UART cannot take and feeds it as the guest reads, saying when it runs low', () => {
    const { uart, got } = fakeUart(16);
    let lows = 0;
    const q = new InputQueue(uart, () => lows++);
    q.push(Uint8Array.from({ length: 5000 }, (_, k) => k & 0xff));
    expect(got).toHaveLength(16);
    expect(q.queued).toBe(5000 - 16);
    let seen = 16;
    while (q.queued > 0) { uart.drain(16); seen += 16; }
    expect(seen).toBeGreaterThanOrEqual(5000);
    expect(lows).toBeGreaterThan(0);
    expect(q.queued).toBeLessThan(QUEUE_LOW);
  });
});

describe('Ctrl-A escapes', () => {
  const hooks = () => {
    const seen: string[] = [];
    return { seen, hooks: { quit: () => seen.push('quit'), status: () => 'STATUS', message: (t: string) => seen.push(t) } };
  };
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

  it('takes C-a x, C-a h and C-a s out of the input; C-a C-a sends one C-a; other keys after C-a are dropped', () => {
    const { seen, hooks: h } = hooks();
    const f = new EscapeFilter(h);
    expect([...f.filter(bytes('ab\x01xcd'))]).toEqual([...bytes('abcd')]);
    expect([...f.filter(bytes('\x01\x01\x03'))]).toEqual([1, 3]);
    expect([...f.filter(bytes('\x01'))]).toEqual([]); // an escape split across reads
    expect([...f.filter(bytes('h!\x01s\x01q'))]).toEqual([...bytes('!')]);
    expect(seen).toEqual(['quit', ESCAPE_HELP, 'STATUS']);
  });
});

describe('stdin of vmidbt run', () => {
  it('a producer that never stops blocks on its pipe instead of filling vmidbt\'s memory (cat /dev/zero | vmidbt run)', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--no-rom', '--max-instructions', '30000000'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunk = new Uint8Array(65536);
    let accepted = 0;
    let open = true;
    child.stdin.on('error', () => { open = false; });
    const pump = () => {
      while (open && child.stdin.write(chunk, () => { accepted += chunk.length; })) { /* until the pipe is full */ }
      if (open) child.stdin.once('drain', pump);
    };
    pump();
    const status = await new Promise<number | null>((done) => child.on('close', done));
    open = false;
    expect(status).toBe(124);
    // the guest reads none of it: at most vmidbt's queue, one read chunk and the pipe's own buffer
    expect(accepted).toBeLessThan(1 << 20);
  }, 120_000);

  it('on a terminal: raw mode, C-a x quits with status 130, and the terminal mode is restored', async (ctx) => {
    requireTools(ctx, 'script');
    // script(1) gives vmidbt a pseudo-terminal; stty -g prints the terminal mode before and after
    const child = spawn('script', ['-qec', `stty -g; "${process.execPath}" "${BIN}" run --no-rom --append "scale=1"; echo "status=$?"; stty -g`, '/dev/null'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('RESULT name=') && !typed) { typed = true; child.stdin.write('\x01x'); }
    });
    await new Promise((done) => child.on('close', done));
    const modes = out.split(/\r?\n/).filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
    expect(modes).toHaveLength(2);
    expect(modes[1]).toBe(modes[0]);
    expect(out).toMatch(/exit status 130 \(quit from the console \(Ctrl-A X\)\)/);
    expect(out).toMatch(/status=130/);
  }, 120_000);
});
