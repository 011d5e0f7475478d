/**
 * The `vmidbt` command line. Each subcommand lives in its own module under
 * cli/; this file wires them to commander and turns every expected failure
 * (bad option, missing image, guest error) into one clear line on stderr and
 * a non-zero exit, never a stack trace.
 */
import { CPU_MODELS } from '../cpu/models.ts';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError } from '../base/errors.ts';
import { EXIT_STATUS_HELP, EXIT_USAGE } from '../base/exit-status.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../translator/engine/engine.ts';
import type { PageBuilder } from './web.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Commands whose code sits above this layer, handed in by bin/cli.ts. */
export interface CliExtensions {
  /** `vmidbt bench SUITE` (bench/command.ts) */
  bench?: (suite: string, opts: Record<string, unknown>) => Promise<number>;
  /** `vmidbt web`: where the page is built and its builder, which says in one line what it built (web/build.ts) */
  web?: () => Promise<PageBuilder>;
}

/** The options of a guest run, shared by `run` and `profile` (cli/run.ts RunOptions). */
function runOptions(cmd: Command): Command {
  return cmd
    .option('--smp <n>', 'number of vCPUs, 1..8', '1')
    .option('--no-rom', 'hide the VMI ROM: the guest runs natively')
    .option('--no-reboot', 'a guest reset ends the run (status 0) instead of booting the kernel again')
    .option('--vmi-abi <abi>', 'the ROM\'s interface: proposal (2006, default), vmware13 (revision 13.3) or linux3 (Linux VMI API 3.0)', 'proposal')
    .option('--mem <MiB>', 'guest RAM in MiB', '128')
    .option('--append <cmdline>', 'kernel command line (a Multiboot kernel sees the image name first, as QEMU passes it)')
    .option('--initrd <file>', 'initial ramdisk for a Linux kernel; for a Multiboot kernel, modules "file args,file2" (QEMU\'s convention)')
    .option('--machine <options>', 'machine options: hpet=on|off (default on)')
    .option('--mark <text>', 'note instructions and time when the console first shows this text (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--max-instructions <n>', 'fail once the guest has run this many instructions')
    .option('--json', 'print the summary as JSON on stdout (the console goes to stderr)')
    .option('--stats', 'more detail in the summary (per-vCPU time, scheduler, interrupts)')
    .option('--host-time', 'clocks follow the host instead of counting guest instructions')
    .option('--io-ns <ns>', 'guest time each port access takes in virtual time, 0..100000 ns (default 1000, an ISA/LPC bus cycle)')
    .option('--icount <shift>', 'deterministic guest time of 2^shift ns (cycles) per instruction, 0..10 (default 0), as QEMU\'s -icount shift=N')
    .option('--cpu <model>', `CPU model: ${CPU_MODELS.map((m) => m.name).join(', ')} (default vmidbt)`)
    .option('--rtc-base <when>', 'wall clock at power-on: YYYY-MM-DD[Thh:mm:ss] (UTC) or now (default 2000-01-01, or now with --host-time)')
    .option('--slice <n>', 'instructions per scheduling slice (default 100000 with one vCPU or while the others are halted, 2000 with more ready)')
    .option('--no-jit', 'interpreter only: translate nothing')
    .option('--jit-threshold <n>', 'executions of a guest address before its code is translated (0: at once)', String(DEFAULT_ENGINE_OPTIONS.threshold))
    .option('--jit-cache <MiB>', 'bound on the heap held by translated code (an estimate)', String(DEFAULT_ENGINE_OPTIONS.cacheBytes >> 20))
    .option('--lockstep', 'run every translated region and the interpreter from the same state; stop at the first difference')
    .option('--region-times [n]', 'time each translated region on the host; the summary lists the n (default 20) that took longest')
    .option('--no-vmi-inline', 'translated code calls the VMI ROM for every VMI call instead of inlining it')
    .option('--wasm', 'experimental: translated regions as WebAssembly where the lowering takes them (the rest stay JavaScript)');
}

export async function main(argv: string[], ext: CliExtensions = {}): Promise<number> {
  const program = new Command();
  let exitCode = 0;
  program
    .name('vmidbt')
    .description('Dynamic binary translator for paravirtualized i386 guests (VMware VMI ROM interface)')
    .version(pkg.version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  // a command's action: its module loads when it runs (a lazy part of the bundle), its answer is the exit status
  const exits = <A extends unknown[]>(act: (...args: A) => Promise<number>) => async (...args: A) => { exitCode = await act(...args); };
  // Only the command asked for is defined when the first argument names one (the other six took 1.3-1.7 ms
  // of every start); anything else (help, the version, a typo) gets them all, in this order.
  const commands: Record<string, () => void> = {
    disasm: () => {
      program
        .command('disasm')
        .description('disassemble an ELF or raw i386 image (addresses, bytes, mnemonics, symbols)')
        .argument('<image>', 'ELF file or raw binary')
        .option('--base <addr>', 'load address of a raw image (hex)', '0')
        .option('--bits <n>', 'code size of a raw image: 16 or 32', '32')
        .option('--start <addr>', 'first address to list (hex)')
        .option('--count <n>', 'number of instructions to list')
        .option('--json', 'machine-readable output')
        .action(exits(async (image: string, opts) => (await import('./disasm.ts')).disasmCommand(image, opts)));
    },
    conformance: () => {
      program
        .command('conformance')
        .description('replay the golden instruction vectors and the system tests (interpreted, translated or in lockstep)')
        .option('--filter <text>', 'only forms whose name contains this text')
        .option('--json', 'machine-readable summary')
        .option('--verbose', 'print every failing vector')
        .option('--engine <engine>', 'interpreter, jit (translate everything at once) or lockstep (translated and checked against the interpreter)', 'interpreter')
        .action(exits(async (opts) => (await import('./conformance.ts')).conformanceCommand(opts)));
    },
    rom: () => {
      program
        .command('rom')
        .description('write the VMI ROM image (vmidbt disasm lists it by call name)')
        .requiredOption('--out <file>', 'where to write the image')
        .option('--vmi-abi <abi>', 'proposal (2006, default), vmware13 (revision 13.3) or linux3 (Linux VMI API 3.0)', 'proposal')
        .action(exits(async (opts) => (await import('./rom.ts')).romCommand(opts)));
    },
    run: () => {
      runOptions(program
        .command('run')
        .description('boot a guest kernel (default: the built-in guest) and show its console and a summary')
        .argument('[image]', 'Linux bzImage or Multiboot kernel (default: the built-in guest)'))
        .option('--gdb [port]', 'serve gdb on 127.0.0.1:PORT (default 1234; QEMU\'s tcp::PORT also accepted)')
        .option('-s', 'short for --gdb 1234 (QEMU\'s -s)')
        .option('--gdb-wait', 'hold the guest at its first instruction until gdb connects and continues')
        .option('-S', 'short for --gdb-wait (QEMU\'s -S)')
        .option('--gdb-disconnect <action>', 'when gdb goes away without detaching: run (default) the guest on, stop it until gdb connects again, or quit')
        .option('--symbols <file>', 'System.map or /proc/kallsyms dump naming the regions --region-times lists (default: the image\'s ELF symbols)')
        .addHelpText('after', `\n${EXIT_STATUS_HELP}`)
        .action(exits(async (image: string | undefined, opts) => (await import('./run.ts')).runCommand(image, opts)));
    },
    profile: () => {
      runOptions(program
        .command('profile')
        .description('run a guest with the profiler: hottest VMI call sites with symbols and stacks, samples, and files for speedscope, Perfetto and a browser')
        .argument('[image]', 'Linux bzImage or Multiboot kernel (default: the built-in guest)'))
        .option('--out <dir>', 'where profile.json, speedscope.json, trace.json, flame.svg and report.html go', 'vmidbt-profile')
        .option('--symbols <file>', 'System.map or /proc/kallsyms dump naming the guest\'s functions (default: the image\'s ELF symbols)')
        .option('--sample-every <n>', 'a whole-guest stack sample every N guest instructions per vCPU (0: none)', '10000')
        .option('--stack-every <n>', 'a stack walk at one VMI call in N per vCPU, on average (0: none; with --no-trace too, inlined calls only count)', '4')
        .option('--no-trace', 'no Chrome trace events (and no host call per inlined VMI call, unless stacks are wanted)')
        .option('--no-overhead', 'do not run the guest again to measure what profiling costs')
        .option('--overhead-rounds <n>', 'interleaved rounds of the overhead runs; medians are shown', '1')
        .option('--top <n>', 'sites in the terminal report', '15')
        .addHelpText('after', `\n${EXIT_STATUS_HELP}`)
        .action(exits(async (image: string | undefined, opts) => (await import('./profile.ts')).profileCommand(image, opts)));
    },
    web: () => {
      program
        .command('web')
        .description('serve the browser page (npm run web builds it; built here if missing) on 127.0.0.1')
        .option('--port <n>', 'TCP port (0: any free one)', '8000')
        .option('--dir <dir>', 'serve this folder instead of the built page')
        .action(exits(async (opts) => {
          const { webCommand } = await import('./web.ts');
          if (!ext.web && opts.dir === undefined) throw new UserError('web: not available in this build (pass --dir)', 2);
          return webCommand(opts, await ext.web?.());
        }));
    },
    bench: () => {
      program
        .command('bench')
        .description('run a benchmark suite: vmi (what each privileged operation costs natively and through VMI, bench/README.md)')
        .argument('<suite>', 'vmi')
        .option('--runs <n>', 'interleaved rounds; each figure is the median over them', '5')
        .option('--quick', 'a quarter of the iterations (a smoke test, not a measurement)')
        .option('--scale <x>', 'iterations relative to the default (--quick is 0.25)')
        .option('--only <ops>', 'comma-separated operations (vmibench names) to measure')
        .option('--no-qemu', 'leave out the QEMU column')
        .option('--no-workloads', 'microbenchmarks only')
        .option('--wasm', 'also the native and inlined columns with translated regions as WebAssembly (experimental, as run --wasm)')
        .option('--save-charts', 'also write the charts the README shows (bench/charts/)')
        .option('--out <dir>', 'where vmi.json and the charts go (default: bench/out in the checkout)')
        .action(exits(async (suite: string, opts) => {
          if (!ext.bench) throw new UserError('bench: not available in this build', 2);
          return ext.bench(suite, opts);
        }));
    },
  };
  const asked = argv[2];
  if (asked !== undefined && Object.hasOwn(commands, asked)) commands[asked]();
  else for (const define of Object.values(commands)) define();

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message; help and version exit with 0, a bad command line with EXIT_USAGE
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (e instanceof UserError) {
      process.stderr.write(`vmidbt: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  return exitCode;
}
