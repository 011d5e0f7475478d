/**
 * The CPU time a running child process has used so far, from Linux's
 * /proc/PID/stat (user + system). Read at a moment the child's output marks
 * (a shell prompt, the guest's DONE line), it times the emulator's work up to
 * that moment without depending on what else the machine runs, as wall time
 * does. Used by `npm run bench` and `npm run guest:linux`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try { clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { clockTicks = 100; }
  }
  return clockTicks;
}

/** User + system CPU seconds of a running process, or null when /proc does not have it (gone, or no /proc). */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
  } catch {
    return null;
  }
}
