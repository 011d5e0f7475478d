/**
 * `npm run guest:linux`: Debian's own i386 kernel boots on vmidbt to a
 * busybox shell, checked, and timed side by side with QEMU's TCG.
 *
 *   node --import ./bin/register.mjs guest/tools/linux.ts [--jobs N] [--timeout S] [--no-qemu] [--only TEXT] [--verbose]
 *
 * (--only runs the boots whose label, e.g. "vmidbt 686 smp=2 shell", contains TEXT.)
 *
 *   ... guest/tools/linux.ts --kallsyms [--no-qemu]
 *
 * instead boots each kernel once with `nokaslr vmidbt.kallsyms` (on QEMU
 * when it is installed, the faster; else on vmidbt) and writes its text
 * symbols to guest/build/linux/kallsyms-FLAVOUR.txt: Debian's packaged
 * System.map is a placeholder, and `vmidbt run KERNEL ... --append "...
 * nokaslr" --region-times --symbols guest/build/linux/kallsyms-686.txt`
 * then names the kernel functions its hottest regions run.
 *
 * 1. Fetches linux-image-686, linux-image-686-pae and busybox-static (i386)
 *    with apt-get into guest/build/linux/ (debian.ts) and builds the
 *    initramfs (initramfs.ts, cpio.ts).
 * 2. Boots, translated, two at a time (one per core):
 *    - 686, 1 vCPU, ending in `poweroff -f` (the boot that is timed);
 *    - 686, 2 vCPUs, ending in an interactive shell that this script drives
 *      through vmidbt's stdin (types `echo $((6*7))`, reads 42, types
 *      `poweroff -f`);
 *    - 686-pae (PAE, page-table isolation), 1 vCPU, ending in `reboot -f`.
 *    QEMU (`qemu-system-i386 -accel tcg`, -cpu set to report what vmidbt's
 *    CPU model reports) boots the same kernels, initrd and command lines.
 * 3. Checks each console: the kernel banner, `Run /init`, the shell marker,
 *    `uname -a`, /proc/cpuinfo (GenuineIntel, vmidbt's brand string, one
 *    entry per vCPU), /proc/interrupts (the timer, local timer interrupts),
 *    the clocksource (the TSC, on 2 vCPUs too), the computation, and the
 *    clean end (ACPI power-off, or a reset through the reset register with
 *    --no-reboot, each with exit status 0 and its stop reason); on
 *    vmidbt also that ACPI was enabled and no kernel warning appeared.
 *
 * The command line skips slow self-tests: `console=ttyS0 cryptomgr.notests
 * noisapnp no_timer_check` (the crypto self-tests alone take ~3.4 G guest
 * instructions). Time to the shell is host CPU time of the emulator process
 * (vmidbt's own --mark; QEMU's from /proc) when the marker appears: CPU
 * time, unlike wall time, does not depend on what else the machine runs.
 *
 * Last line: `guest-linux: booted N of M, shell in S s (vmidbt) vs Q s (QEMU
 * TCG, same kernel, initrd and command line)`, N and M counting vmidbt's
 * boots; exit status 0 only when N = M.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianLinux, type DebianFiles } from './debian.ts';
import { buildInitramfs, INTERACTIVE_MARKER, kallsymsFrom, SHELL_MARKER, SUM_OF_SQUARES_LINE } from './initramfs.ts';
import { VMIDBT_CPU } from '../../cpu/models.ts';
import { LAUNCHER } from '../../cli/guest-process.ts';
import { cpuSecondsOf } from '../../bench/process-cpu.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CACHE = join(ROOT, 'guest', 'build', 'linux');
export const BASE_CMDLINE = 'console=ttyS0 cryptomgr.notests noisapnp no_timer_check';

type End = 'poweroff' | 'reboot' | 'shell';
interface Boot { system: 'vmidbt' | 'qemu'; flavour: string; smp: number; end: End; /** more command-line words */ extra?: string }
interface Outcome {
  boot: Boot;
  console: string;
  exitCode: number | null;
  timedOut: boolean;
  summary: Record<string, unknown> | null;
  shellCpu: number | null;
  shellWall: number | null;
  shellInstructions: number | null;
  wall: number;
  failures: string[];
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt; };
const verbose = args.includes('--verbose');
const label = (b: Boot) => `${b.system} ${b.flavour} smp=${b.smp} ${b.end}`;
const log = (s: string) => process.stdout.write(`guest-linux: ${s}\n`);

function commandFor(b: Boot, kernel: string, initrd: string): [string, string[]] {
  const cmdline = `${BASE_CMDLINE}${b.extra ? ` ${b.extra}` : ''} vmidbt.end=${b.end}`;
  if (b.system === 'vmidbt') {
    return [LAUNCHER, ['run', kernel, '--initrd', initrd, '--append', cmdline,
      '--smp', String(b.smp), '--json', '--mark', SHELL_MARKER, '--max-instructions', '20000000000', '--no-reboot']];
  }
  return ['qemu-system-i386', ['-accel', 'tcg', '-cpu', VMIDBT_CPU.qemuCpu, '-m', '128', '-smp', String(b.smp),
    '-kernel', kernel, '-initrd', initrd, '-append', cmdline, '-nographic', '-no-reboot']];
}

/** Types into the guest shell once it prompts, as a person would: a computation, then power-off. */
class ShellDriver {
  private step = 0;
  constructor(private readonly type: (s: string) => void) {}
  see(console: string): void {
    const after = console.slice(console.indexOf(INTERACTIVE_MARKER) + 1);
    // ash's prompt "/ # " (followed by its cursor-position query ESC [ 6n, and maybe kernel messages)
    if (this.step === 0 && console.includes(INTERACTIVE_MARKER) && after.includes('/ # ')) {
      this.step = 1;
      this.type('echo $((6*7))\n');
    } else if (this.step === 1 && /^42\r?$/m.test(after)) {
      this.step = 2;
      this.type('poweroff -f\n');
    }
  }
}

function bootOnce(b: Boot, kernel: string, initrd: string, timeoutSec: number): Promise<Outcome> {
  const [cmd, argv] = commandFor(b, kernel, initrd);
  const started = performance.now();
  const child = spawn(cmd, argv, { stdio: [b.end === 'shell' ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const out: Outcome = {
    boot: b, console: '', exitCode: null, timedOut: false, summary: null,
    shellCpu: null, shellWall: null, shellInstructions: null, wall: 0, failures: [],
  };
  const driver = b.end === 'shell' ? new ShellDriver((s) => child.stdin!.write(s)) : null;
  let stdout = '';
  const onConsole = (d: Buffer) => {
    out.console += d.toString('latin1');
    if (verbose) process.stdout.write(d);
    if (out.shellWall === null && out.console.includes(SHELL_MARKER)) {
      out.shellWall = (performance.now() - started) / 1000;
      out.shellCpu = cpuSecondsOf(child.pid!);
    }
    driver?.see(out.console);
  };
  // vmidbt --json: console on stderr, summary on stdout; QEMU -nographic: console on stdout
  if (b.system === 'vmidbt') {
    child.stderr!.on('data', onConsole);
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  } else {
    child.stdout!.on('data', onConsole);
    child.stderr!.on('data', (d: Buffer) => { out.console += d.toString('latin1'); });
  }
  const timer = setTimeout(() => { out.timedOut = true; child.kill('SIGKILL'); }, timeoutSec * 1000);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      out.exitCode = code;
      out.wall = (performance.now() - started) / 1000;
      if (b.system === 'vmidbt') {
        try { out.summary = JSON.parse(stdout); } catch { /* a crash leaves no summary: the checks say so */ }
        const mark = (out.summary?.marks as { instructions: number | null; cpuSeconds: number | null }[] | undefined)?.[0];
        if (mark?.instructions != null) { out.shellInstructions = mark.instructions; out.shellCpu = mark.cpuSeconds; }
      }
      out.failures = check(out);
      done(out);
    });
  });
}

/** What the console and the exit must show; each failed expectation is one line. */
export function check(o: Outcome): string[] {
  const { boot: b, console: c } = o;
  const f: string[] = [];
  const want = (ok: boolean, what: string) => { if (!ok) f.push(what); };
  if (o.timedOut) f.push('timed out');
  want(/Linux version 6\.\d+\.\d+-\S+-686/.test(c), 'kernel banner');
  want(c.includes('Run /init as init process'), '"Run /init as init process"');
  want(c.includes(SHELL_MARKER), 'shell marker');
  want(/^Linux \S+ 6\.\d+\.\d+-\S+ #\d+ SMP .* i686 GNU\/Linux\r?$/m.test(c), 'uname -a output');
  want(/^vendor_id\s*: GenuineIntel\r?$/m.test(c), 'cpuinfo vendor GenuineIntel');
  want(c.includes(`model name\t: ${VMIDBT_CPU.brand}`), 'cpuinfo model name');
  want((c.match(/^processor\s*: \d+\r?$/gm) ?? []).length === b.smp, `cpuinfo with ${b.smp} processor(s)`);
  want(/^\s*0:\s+\d+.*timer\r?$/m.test(c), 'timer in /proc/interrupts');
  want(/^\s*LOC:(\s+[1-9]\d*){1,}/m.test(c), 'local timer interrupts counted');
  want(c.includes(SUM_OF_SQUARES_LINE), 'the computation');
  if (b.end === 'shell') want(/^42\r?$/m.test(c), 'the typed `echo $((6*7))` answered 42');
  if (b.end === 'reboot') want(c.includes('reboot: Restarting system'), 'reboot message');
  else want(c.includes('reboot: Power down'), 'power-off message');
  if (b.system === 'qemu') {
    want(o.exitCode === 0, `QEMU exit status 0 (got ${o.exitCode})`);
    return f;
  }
  const reason = String(o.summary?.stopReason ?? 'no summary');
  want(o.exitCode === 0, `exit status 0 (got ${o.exitCode}: ${reason})`);
  const end = b.end === 'reboot' ? /^guest reboot \(hard, reset control register \(port 0xCF9\)\)$/ : /^power-off: ACPI S5$/;
  want(end.test(reason), `the run ended by ${b.end === 'reboot' ? 'the ACPI reset register' : 'ACPI S5'} (stop reason: ${reason})`);
  want(!c.includes('AcpiEnable failed') && c.includes('ACPI: Interpreter enabled'), 'ACPI enabled');
  want(/^clocksource: tsc(-early)?\r?$/m.test(c) && !c.includes('Marking TSC unstable'), 'the TSC as clocksource');
  if (b.smp > 1) want(c.includes(`smp: Brought up 1 node, ${b.smp} CPUs`), `${b.smp} CPUs brought up`);
  const bad = /(Oops|BUG: |Kernel panic|Call Trace|WARNING: CPU|unchecked MSR access|segfault)/.exec(c);
  want(!bad, `no kernel warning (saw "${bad?.[1]}")`);
  return f;
}

async function pool<T, R>(items: T[], jobs: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => { while (next < items.length) { const k = next++; results[k] = await fn(items[k]); } };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

function hasQemu(): boolean {
  try { execFileSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

const fmt = (v: number | null, d = 2) => (v === null ? '-' : v.toFixed(d));

function report(results: Outcome[]): void {
  log('boot                               result  shell CPU s  shell wall s  instructions to shell  exit  total wall s');
  for (const r of results) {
    const ok = r.failures.length ? 'FAIL' : 'ok';
    const ins = r.shellInstructions === null ? '-' : r.shellInstructions.toLocaleString('en-US');
    log(`${label(r.boot).padEnd(35)}${ok.padEnd(8)}${fmt(r.shellCpu).padStart(11)}  ${fmt(r.shellWall).padStart(12)}  ${ins.padStart(21)}  ${String(r.exitCode).padStart(4)}  ${fmt(r.wall, 1).padStart(12)}`);
    for (const why of r.failures) log(`  ${label(r.boot)}: missing ${why}`);
  }
}

/** --kallsyms: each kernel's text symbols at their nokaslr addresses, one file per flavour. */
async function writeKallsyms(files: DebianFiles, initrd: string, timeoutSec: number): Promise<number> {
  const system = !args.includes('--no-qemu') && hasQemu() ? 'qemu' : 'vmidbt';
  for (const [flavour, kernel] of files.kernels) {
    const b: Boot = { system, flavour, smp: 1, end: 'poweroff', extra: 'nokaslr vmidbt.kallsyms' };
    log(`booting ${label(b)} for its symbols`);
    const r = await bootOnce(b, kernel, initrd, timeoutSec);
    const out = join(CACHE, `kallsyms-${flavour}.txt`);
    let text: string;
    try {
      text = kallsymsFrom(r.console);
    } catch (e) {
      throw new Error(`${label(b)}${r.timedOut ? ' (timed out)' : `, exit status ${r.exitCode}`}: ${(e as Error).message}`);
    }
    writeFileSync(out, text);
    log(`${out.slice(ROOT.length + 1)}: ${text.split('\n').length - 1} text symbols (boot with nokaslr to use them)`);
  }
  return 0;
}

async function main(): Promise<number> {
  const jobs = Math.max(1, Number(opt('--jobs', '2')));
  const timeoutSec = Number(opt('--timeout', '1500'));
  const files = debianLinux(CACHE, ['686', '686-pae'], log);
  const initrd = join(CACHE, 'initramfs.cpio');
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(initrd, buildInitramfs(readFileSync(files.busybox)));
  for (const [flavour, k] of files.kernels) log(`kernel ${flavour}: ${k.slice(ROOT.length + 1)}`);
  if (args.includes('--kallsyms')) return writeKallsyms(files, initrd, timeoutSec);
  log(`command line: ${BASE_CMDLINE} vmidbt.end=... (slow self-tests skipped)`);

  const vmidbtBoots: Boot[] = [
    { system: 'vmidbt', flavour: '686', smp: 1, end: 'poweroff' },
    { system: 'vmidbt', flavour: '686', smp: 2, end: 'shell' },
    { system: 'vmidbt', flavour: '686-pae', smp: 1, end: 'reboot' },
  ];
  const qemu = !args.includes('--no-qemu') && hasQemu();
  if (!qemu) log('qemu-system-i386 not run (--no-qemu or not installed)');
  const qemuBoots: Boot[] = qemu ? vmidbtBoots.map((b) => ({ ...b, system: 'qemu', end: b.end === 'shell' ? 'poweroff' : b.end })) : [];
  const only = opt('--only', '');
  const boots = [...vmidbtBoots, ...qemuBoots].filter((b) => label(b).includes(only));
  const results = await pool(boots, jobs, async (b) => {
    log(`booting ${label(b)}`);
    const r = await bootOnce(b, files.kernels.get(b.flavour)!, initrd, timeoutSec);
    log(`${label(b)}: ${r.failures.length ? 'FAILED' : 'ok'}, shell after ${fmt(r.shellCpu)} s CPU, whole run ${fmt(r.wall, 1)} s wall`);
    return r;
  });
  report(results);
  writeFileSync(join(CACHE, 'results.json'), JSON.stringify(results.map(({ console: _c, ...r }) => r), null, 2));
  for (const r of results) writeFileSync(join(CACHE, `console-${label(r.boot).replace(/[ =]/g, '-')}.log`), r.console);

  const vm = results.filter((r) => r.boot.system === 'vmidbt');
  const passed = vm.filter((r) => !r.failures.length).length;
  const timed = (sys: string) => results.find((r) => r.boot.system === sys && r.boot.flavour === '686' && r.boot.smp === 1)?.shellCpu ?? null;
  log(`consoles and results.json in ${CACHE.slice(ROOT.length + 1)}/`);
  process.stdout.write(`guest-linux: booted ${passed} of ${vm.length}, shell in ${fmt(timed('vmidbt'), 1)} s (vmidbt) vs ${fmt(timed('qemu'), 1)} s (QEMU TCG, same kernel, initrd and command line)\n`);
  return passed === vm.length ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: Error) => {
  process.stderr.write(`guest-linux: ${e.message}\n`);
  process.exitCode = 2;
});
