/**
 * The exit statuses of `vmidbt`, in one place so that a status always says
 * who chose it.
 *
 * A guest's own value and vmidbt's verdicts must never share a number, and
 * neither may look like a shell's "killed by signal N" (128 + N). So the
 * space is split by parity, below 128:
 *
 * - 0: the guest ended well: it wrote 0 to the debug-exit port (the success
 *   value of every guest written for it), or ended the machine itself (ACPI
 *   S5 power-off, VMI Shutdown, a reset under --no-reboot). Success must be
 *   0, or `npm start` and every script would call a passing guest a failure;
 *   this is the one place vmidbt departs from QEMU's isa-debug-exit, which
 *   cannot give 0 at all.
 * - odd 3..127: the guest wrote v (1..63) to the debug-exit port; the status
 *   is `(v << 1) | 1`, as QEMU's isa-debug-exit gives it, so scripts written
 *   for QEMU read the same number for a failure. 1 is never used.
 * - even 2..126: vmidbt's own verdicts (the constants below). A guest value
 *   of 64..255 cannot be told apart from a verdict once shifted, so it has
 *   a verdict of its own (`GUEST_VALUE_HIGH`) and the summary gives the value.
 * - 128 + N: vmidbt ended by signal N (SIGINT, SIGTERM, SIGHUP): it saves the
 *   console and the terminal, then dies of the same signal, so its parent
 *   sees a signal, not a status. `C-a x` on the console exits 130 as Ctrl-C
 *   would.
 */

/** the guest ended well (debug-exit value 0, power-off, shutdown, reset with --no-reboot) */
export const EXIT_OK = 0;
/** bad command line: unknown option, bad option value */
export const EXIT_USAGE = 2;
/** an image or initrd that cannot be read or loaded */
export const EXIT_LOAD = 4;
/** the guest wrote 64..255 to the debug-exit port (the summary says which) */
export const EXIT_GUEST_VALUE_HIGH = 6;
/** triple fault */
export const EXIT_TRIPLE_FAULT = 8;
/** the guest needs something the CPU core does not model (16-bit task switches, virtual-8086 mode) */
export const EXIT_UNSUPPORTED = 10;
/** every vCPU halted with nothing left to wake it */
export const EXIT_DEADLOCK = 12;
/** whoever read the console went away (EPIPE: `vmidbt run | head`) */
export const EXIT_OUTPUT_CLOSED = 14;
/** a bug in vmidbt (EX_SOFTWARE) */
export const EXIT_INTERNAL = 70;
/** --max-instructions exceeded (as timeout(1) reports a timeout) */
export const EXIT_RUNAWAY = 124;
/** C-a x on the console: as if interrupted */
export const EXIT_QUIT = 130;

/** Largest debug-exit value with a status of its own. */
export const GUEST_VALUE_MAX = 63;

/** The status for a debug-exit write of `value` (a byte). */
export function guestExitStatus(value: number): number {
  const v = value & 0xff;
  if (v === 0) return EXIT_OK;
  return v <= GUEST_VALUE_MAX ? (v << 1) | 1 : EXIT_GUEST_VALUE_HIGH;
}

/** What a status means, in a few words (for --help, the README and the fuzzers). */
export function describeExitStatus(status: number): string {
  if (status & 1 && status < 128) return `the guest wrote ${status >> 1} to the debug-exit port`;
  const own: Record<number, string> = {
    [EXIT_OK]: 'the guest wrote 0 to the debug-exit port, powered off, shut down, or reset under --no-reboot',
    [EXIT_USAGE]: 'bad command line',
    [EXIT_LOAD]: 'image or initrd cannot be read or loaded',
    [EXIT_GUEST_VALUE_HIGH]: 'the guest wrote 64..255 to the debug-exit port',
    [EXIT_TRIPLE_FAULT]: 'triple fault',
    [EXIT_UNSUPPORTED]: 'the guest needs a feature the CPU core lacks',
    [EXIT_DEADLOCK]: 'deadlock: every vCPU halted for good',
    [EXIT_OUTPUT_CLOSED]: 'the console\'s reader went away',
    [EXIT_INTERNAL]: 'internal error in vmidbt',
    [EXIT_RUNAWAY]: '--max-instructions exceeded',
    [EXIT_QUIT]: 'quit from the console (C-a x)',
  };
  return own[status] ?? (status > 128 ? `killed by signal ${status - 128}` : `unknown status ${status}`);
}

/** The table for `vmidbt run --help` and the README. */
export const EXIT_STATUS_HELP = [
  'Exit status:',
  '  0        the guest wrote 0 (success) to the debug-exit port 0xf4, powered off, shut down, or reset under --no-reboot',
  '  odd      the guest wrote v (1..63) to the debug-exit port 0xf4: (v << 1) | 1, as QEMU',
  `  ${EXIT_USAGE}        bad command line`,
  `  ${EXIT_LOAD}        image or initrd cannot be read or loaded`,
  `  ${EXIT_GUEST_VALUE_HIGH}        the guest wrote 64..255 to the debug-exit port (the summary gives it)`,
  `  ${EXIT_TRIPLE_FAULT}        triple fault`,
  `  ${EXIT_UNSUPPORTED}       the guest needs a feature the CPU core lacks (16-bit task switches, vm86)`,
  `  ${EXIT_DEADLOCK}       deadlock: every vCPU halted for good`,
  `  ${EXIT_OUTPUT_CLOSED}       the console's reader went away (EPIPE)`,
  `  ${EXIT_INTERNAL}       internal error in vmidbt`,
  `  ${EXIT_RUNAWAY}      --max-instructions exceeded`,
  `  ${EXIT_QUIT}      C-a x on the console`,
  '  signal   SIGINT, SIGTERM, SIGHUP: the console is saved, then vmidbt dies of that signal (128 + N in a shell)',
].join('\n');
