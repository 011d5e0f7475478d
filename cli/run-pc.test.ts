/**
 * `vmidbt run` with the options of the CPU and PC a guest assumes (issue
 * 14), through the real executable: --cpu, --machine, --icount and
 * Multiboot modules from --initrd reach the machine (the machine tests'
 * kernels in spec-tests/machine pass only if they do), and each bad value
 * is one line and exit status 2.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { EXIT_LOAD, EXIT_USAGE } from '../base/exit-status.ts';

const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;
const MACHINE_TESTS = new URL('../spec-tests/machine/', import.meta.url).pathname;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', timeout: 120_000, cwd: MACHINE_TESTS });

describe('vmidbt run: CPU model, machine options, modules, icount', () => {
  it('passes each --initrd item as a Multiboot module with its command line, to a kernel linked at 0x8000', () => {
    const r = run('low.bin', '--no-rom', '--initrd', 'mod-a.txt alpha,mod-b.txt beta gamma');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--cpu names the model in the summary; fw_cfg reports --smp', () => {
    const r = run('fwcfg.bin', '--smp', '4', '--append', 'cpus=4', '--cpu', 'pentium3');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/4 vCPUs \(pentium3\)/);
  });

  it('--icount 5 makes guest time 32 cycles per instruction; --machine hpet=off drops the HPET table', () => {
    const r = run('icount.bin', '--icount', '5', '--append', 'shift=5');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/32 cycle\/instruction/);
    expect(run('acpi.bin', '--machine', 'hpet=off', '--append', 'hpet=0').status).toBe(0);
    expect(run('acpi.bin', '--append', 'hpet=0').status).toBe((8 << 1) | 1); // check 8 failed (the table is there): guest value 8
  });

  it('refuses bad values in one line', () => {
    // a bad option value is a usage error (2); a module that cannot be read is a load error (4)
    const cases: [string[], RegExp, number][] = [
      [['--cpu', 'k6'], /--cpu k6: unknown CPU model \(known: vmidbt, pentiumpro, pentium2, pentium3\)/, EXIT_USAGE],
      [['--machine', 'hpet=maybe'], /--machine hpet=maybe: unknown machine option/, EXIT_USAGE],
      [['--icount', '11'], /--icount must be a decimal integer from 0 to 10/, EXIT_USAGE],
      [['--icount', '2', '--host-time'], /--icount and --host-time exclude each other/, EXIT_USAGE],
      [['--initrd', 'missing.txt'], /cannot read Multiboot module 'missing.txt'/, EXIT_LOAD],
    ];
    for (const [args, message, status] of cases) {
      const r = run('low.bin', ...args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
