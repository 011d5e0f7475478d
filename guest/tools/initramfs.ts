/**
 * The initramfs `npm run guest:linux` boots: Debian's static busybox and an
 * /init script, packed by the cpio writer in cpio.ts.
 *
 * /init mounts /proc, /sys and /dev, prints SHELL_MARKER (the shell is up),
 * runs the commands whose output guest:linux checks (uname -a, the CPU and
 * interrupt tables, the current clocksource, a small computation), with
 * `vmidbt.kallsyms` on the command line prints the kernel's text symbols
 * from /proc/kallsyms between KALLSYMS_BEGIN and KALLSYMS_END, with the
 * console's log level lowered so that kernel messages stay out (what
 * `npm run guest:linux -- --kallsyms` keeps for `vmidbt run --symbols`), then ends
 * as the kernel command line says: `vmidbt.end=shell` starts an interactive
 * shell on the console, `vmidbt.end=reboot` runs `reboot -f`, anything else
 * `poweroff -f`. (A parameter with a dot is a module parameter to the
 * kernel, which keeps it in /proc/cmdline without passing it to init.)
 */
import { writeCpio } from './cpio.ts';
import { Symbolizer } from '../../profile/symbols.ts';

export const SHELL_MARKER = 'vmidbt-guest-linux: shell is up';
export const INTERACTIVE_MARKER = 'vmidbt-guest-linux: interactive shell';
export const SUM_OF_SQUARES_LINE = 'sum of squares below 1000: 332833500';
export const KALLSYMS_BEGIN = 'vmidbt-guest-linux: kallsyms begin';
export const KALLSYMS_END = 'vmidbt-guest-linux: kallsyms end';

export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "${SHELL_MARKER}"
uname -a
cat /proc/cpuinfo
cat /proc/interrupts
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
i=0; s=0
while [ $i -lt 1000 ]; do s=$((s + i * i)); i=$((i + 1)); done
echo "sum of squares below 1000: $s"
case " $(cat /proc/cmdline) " in
  *" vmidbt.kallsyms "*) echo 1 > /proc/sys/kernel/printk; echo "${KALLSYMS_BEGIN}"; grep -i ' [tw] ' /proc/kallsyms; echo "${KALLSYMS_END}" ;;
esac
case " $(cat /proc/cmdline) " in
  *" vmidbt.end=shell "*) echo "${INTERACTIVE_MARKER}"; exec setsid cttyhack sh ;;
  *" vmidbt.end=reboot "*) reboot -f ;;
  *) poweroff -f ;;
esac
`;

/** The archive: /bin/busybox, /init, the mount points and /dev/console (the kernel opens it before /dev is mounted). */
export function buildInitramfs(busybox: Uint8Array): Uint8Array {
  return writeCpio([
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'dev' },
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'file', path: 'init', data: INIT_SCRIPT, mode: 0o755 },
  ]);
}

/** The text symbols between the init script's kallsyms markers, checked by the symbolizer that will read them. */
export function kallsymsFrom(console: string): string {
  const begin = console.indexOf(KALLSYMS_BEGIN);
  const end = console.indexOf(KALLSYMS_END, begin);
  if (begin < 0 || end < 0) throw new Error('the guest printed no kallsyms (its console has no begin and end markers)');
  // (a kernel message that still reached the console mid-line, after the name, is cut off)
  const lines = console.slice(begin + KALLSYMS_BEGIN.length, end).split(/\r?\n/).map((l) => /^[0-9a-f]{8} [tTwW] [^\s[]+/.exec(l)?.[0]);
  const text = lines.filter((l) => l !== undefined).join('\n') + '\n';
  Symbolizer.fromSymbolMap(text, 'the guest\'s /proc/kallsyms');
  return text;
}
