/**
 * The gdb stub with the real debugger: Debian's gdb in batch mode against
 * `vmidbt run --gdb 0` on the built-in guest (its symbols and DWARF:
 * guest/kernel.elf; globals are read with a cast, which any build allows), as a
 * user would, translated, interpreted and with 2 vCPUs. Without gdb the
 * tests skip naming it, except in CI (spec-tests/tools.ts).
 *
 * About 40 s in all (each session boots the guest and runs one small
 * workload).
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { requireTools } from '../../spec-tests/tools.ts';
import { gdbOptions } from '../run.ts';
import { EXIT_USAGE } from '../../base/exit-status.ts';

const BIN = new URL('../../bin/vmidbt.js', import.meta.url).pathname;
const KERNEL = new URL('../../guest/kernel.elf', import.meta.url).pathname;
const TIMEOUT = 120_000;

interface Vmidbt { port: number; console(): Promise<string>; ended: Promise<{ status: number | null; stdout: string; stderr: string }> }

/** `vmidbt run --gdb 0 ARGS` in a child; resolves once the stub listens. */
function startVmidbt(args: string[]): Promise<Vmidbt> {
  const child = spawn(process.execPath, [BIN, 'run', '--gdb', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b) => { stdout += b; });
  const ended = new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => child.on('close', (status) => res({ status, stdout, stderr })));
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT);
  ended.finally(() => clearTimeout(timer));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (b) => {
      stderr += b;
      const m = /gdb stub on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve({ port: Number(m[1]), ended, console: async () => stdout });
    });
    ended.then((r) => reject(new Error(`vmidbt ended before listening: ${r.stderr}`)));
  });
}

/** gdb in batch mode: the kernel's symbols, connected, then `commands`; SIGINT to gdb (Ctrl-C) once its output passes `interruptAt`. */
function gdb(port: number, commands: string[], interruptAt?: RegExp): Promise<string> {
  // a 2-core CI machine running other tests beside this one may keep the stub from answering within gdb's default 2 s
  const args = ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set remotetimeout 30', KERNEL, '-ex', `target remote 127.0.0.1:${port}`];
  return new Promise((resolve) => {
    let out = '';
    let interrupted = false;
    const child = execFile('gdb', [...args, ...commands.flatMap((c) => ['-ex', c])], { timeout: TIMEOUT, encoding: 'utf8' },
      () => resolve(out));
    const seen = (b: string) => {
      out += b;
      if (interruptAt && !interrupted && interruptAt.test(out)) {
        interrupted = true;
        setTimeout(() => child.kill('SIGINT'), 1000);
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
  });
}

/** A failed assertion's message: the whole session as gdb (and vmidbt, once it ended) printed it. */
function said(out: string, r?: { stdout: string; stderr: string }): string {
  return `gdb printed:\n${out}` + (r ? `\nvmidbt printed:\n${r.stdout}\n${r.stderr}` : '');
}

/** Break on kmain and a workload, backtrace, a global by name, a single step, a watchpoint that triggers; then kill. */
async function oneVcpuSession(engineArgs: string[]) {
  const vm = await startVmidbt(['--gdb-wait', '--append', 'run=sieve scale=0.02', ...engineArgs]);
  const out = await gdb(vm.port, [
    'break kmain', 'continue', 'break wl_sieve', 'continue', 'bt', 'p (int)cpus_online',
    'p/x $eip', 'stepi', 'p/x $eip', 'delete', 'watch *(unsigned char *)&sieve_buf', 'continue', 'bt 1', 'kill',
  ]);
  const r = await vm.ended;
  expect(out, said(out, r)).toMatch(/Breakpoint 1, (0x[0-9a-f]+ in )?kmain \(/);
  expect(out, said(out, r)).toMatch(/Breakpoint 2, (0x[0-9a-f]+ in )?wl_sieve \(/);
  expect(out, said(out, r)).toMatch(/#0 +(0x[0-9a-f]+ in )?wl_sieve \([^\n]*\n#1 +0x[0-9a-f]+ in run_table \([^\n]*\n#2 +0x[0-9a-f]+ in kmain \(/);
  expect(out, said(out, r)).toMatch(/\$1 = 1\n/);
  const [before, after] = [...out.matchAll(/\$[23] = (0x[0-9a-f]+)/g)].map((m) => Number(m[1]));
  expect(after, said(out, r)).toBeGreaterThan(before);
  expect(after - before, said(out, r)).toBeLessThan(16); // one instruction on, not a run to somewhere else
  expect(out, said(out, r)).toMatch(/Hardware watchpoint 3: \*\(unsigned char \*\)&sieve_buf\n+Old value = 0 '\\000'\nNew value = 1 '\\001'/);
  expect(out, said(out, r)).toMatch(/#0 +0x[0-9a-f]+ in memset \(/);
  expect(out, said(out, r)).toMatch(/\[Inferior 1 \(Remote target\) killed\]/);
  expect(r.stdout, said(out, r)).toMatch(/exit status 130 \(killed by the debugger \(gdb kill\)\)/);
  return out;
}

describe('gdb against vmidbt run --gdb', () => {
  it('debugs the translated guest: breakpoints by symbol, backtrace, a global, stepi, a watchpoint', async (ctx) => {
    requireTools(ctx, 'gdb');
    await oneVcpuSession([]);
  }, TIMEOUT);

  it('does the same on the interpreter (--no-jit)', async (ctx) => {
    requireTools(ctx, 'gdb');
    await oneVcpuSession(['--no-jit']);
  }, TIMEOUT);

  it('shows 2 vCPUs as threads and stops the one that writes a watched global', async (ctx) => {
    requireTools(ctx, 'gdb');
    const vm = await startVmidbt(['--gdb-wait', '--smp', '2', '--append', 'run=sieve scale=0.02']);
    const out = await gdb(vm.port, ['break kmain', 'continue', 'watch *(int *)&cpus_online', 'continue', 'info threads', 'p (int)cpus_online', 'detach']);
    const r = await vm.ended;
    expect(out, said(out, r)).toMatch(/Thread 2 hit Hardware watchpoint 2: \*\(int \*\)&cpus_online\n+Old value = 1\nNew value = 2\n(0x[0-9a-f]+ in )?ap_main \(/);
    expect(out, said(out, r)).toMatch(/ +1 +Thread 1 \(vCPU 0, [a-z]+\)/);
    expect(out, said(out, r)).toMatch(/\* 2 +Thread 2 \(vCPU 1, [a-z]+\) +(0x[0-9a-f]+ in )?ap_main \(/);
    expect(out, said(out, r)).toMatch(/\$1 = 2\n/);
    // detached: the guest runs to its end on both vCPUs
    expect(r.stdout, said(out, r)).toMatch(/DONE workloads=1 failed=0 cpus=2/);
    expect(r.status, said(out, r)).toBe(0);
  }, TIMEOUT);

  it('attaches to a running translated guest, breaks in its hot loop, and interrupts it with Ctrl-C', async (ctx) => {
    requireTools(ctx, 'gdb');
    // a workload far longer than the test: gdb's Ctrl-C must find it still running, however fast the host
    const vm = await startVmidbt(['--append', 'run=sieve scale=400']);
    // a second in the workload: the loop gdb finds the guest in has been translated long since
    while (!/cpus: 1 online/.test(await vm.console())) await new Promise((res) => setTimeout(res, 100));
    await new Promise((res) => setTimeout(res, 1000));
    // a breakpoint there must still stop it, every time round; then Ctrl-C stops the running guest
    const out = await gdb(vm.port, ['bt 1', 'break *$pc', 'continue', 'continue', 'delete', 'continue', 'p/x $eip', 'kill'], /Breakpoint 1, .*\n(.|\n)*Breakpoint 1, .*\n/);
    const r = await vm.ended;
    // with DWARF gdb leaves the address out of a hit at the start of a source line
    const hits = [...out.matchAll(/Breakpoint 1, (?:(0x[0-9a-f]+) in )?[a-z_0-9]+ \(/g)].map((m) => m[1]);
    expect(hits, said(out, r)).toHaveLength(2);
    const set = /Breakpoint 1 at (0x[0-9a-f]+)/.exec(out);
    expect(set, said(out, r)).not.toBeNull();
    for (const hit of hits) if (hit !== undefined) expect(hit, said(out, r)).toBe(set![1]);
    expect(out, said(out, r)).toMatch(/Program received signal SIGINT, Interrupt\.\n(0x[0-9a-f]+ in )?[a-z_0-9]+ \([^\n]*\n([^\n]*\n)?\$1 = 0x[0-9a-f]+/);
    expect(out, said(out, r)).toMatch(/\[Inferior 1 \(Remote target\) killed\]/);
    expect(r.stdout, said(out, r)).toMatch(/exit status 130 \(killed by the debugger \(gdb kill\)\)/);
  }, TIMEOUT);
});

describe('vmidbt run\'s gdb options', () => {
  it('reads --gdb, -s, --gdb-wait, -S and --gdb-disconnect as QEMU users write them', () => {
    expect(gdbOptions({})).toBeNull();
    expect(gdbOptions({ s: true })).toEqual({ port: 1234, wait: false, disconnect: 'run' });
    expect(gdbOptions({ gdb: true, S: true })).toEqual({ port: 1234, wait: true, disconnect: 'run' });
    expect(gdbOptions({ gdb: 'tcp::4321', gdbWait: true, gdbDisconnect: 'stop' })).toEqual({ port: 4321, wait: true, disconnect: 'stop' });
    expect(gdbOptions({ gdb: '0', gdbDisconnect: 'quit' })).toEqual({ port: 0, wait: false, disconnect: 'quit' });
    expect(() => gdbOptions({ gdbWait: true })).toThrow(/--gdb-wait \(-S\) and --gdb-disconnect need --gdb or -s/);
    expect(() => gdbOptions({ gdb: '70000' })).toThrow(/--gdb must be a decimal integer from 0 to 65535/);
    expect(() => gdbOptions({ gdb: 'tcp:example.com:1' })).toThrow(/--gdb must be/);
    expect(() => gdbOptions({ gdb: '1', gdbDisconnect: 'pause' })).toThrow(/--gdb-disconnect must be run, stop or quit/);
    expect(() => gdbOptions({ gdb: '1', s: true })).toThrow(/-s is --gdb 1234/);
  });

  it('fails in one line when the port is taken', async () => {
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as { port: number }).port;
    const r = await new Promise<{ status: number | null; stderr: string }>((res) => {
      const child = execFile(process.execPath, [BIN, 'run', '--gdb', String(port)], { timeout: TIMEOUT, encoding: 'utf8' },
        (_e, _out, stderr) => res({ status: child.exitCode, stderr }));
    });
    server.close();
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr.trim().split('\n')).toEqual([`vmidbt: --gdb: cannot listen on 127.0.0.1:${port}: EADDRINUSE`]);
  }, TIMEOUT);
});
