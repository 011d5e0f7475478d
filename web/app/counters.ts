/**
 * The counters beside the terminal, redrawn from a `Counters` sample
 * (session.ts) twice a second: guest MIPS, the share of instructions that
 * ran translated, the translator's output, guest and host time, and the
 * VMI calls by name with how many the translator inlined. Each figure is an
 * element with an id (`c-…`) so a test can read it.
 */
import type { Counters } from './session.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const FIGURES: [id: string, show: (c: Counters) => string][] = [
  ['c-mips', (c) => (c.running ? c.mips.toFixed(1) : `${c.averageMips.toFixed(1)} (run average)`)],
  ['c-translated', (c) => `${(c.translatedShare * 100).toFixed(1)} %`],
  ['c-instructions', (c) => fmt(c.instructions)],
  ['c-regions', (c) => `${fmt(c.translations)} (${(c.jsBytes / 1048576).toFixed(1)} MiB of JS)`],
  ['c-guest-time', (c) => `${c.guestSeconds.toFixed(3)} s`],
  ['c-wall-time', (c) => `${c.wallSeconds.toFixed(1)} s${c.reboots ? `, ${c.reboots} reboot${c.reboots > 1 ? 's' : ''}` : ''}`],
  ['c-input', (c) => (c.inputWaiting ? `${c.inputWaiting} bytes waiting` : 'none waiting')],
  ['c-vmi-total', (c) => fmt(c.vmiCalls.reduce((n, v) => n + v.inlined + v.called, 0))],
];

function cell(text: string, cls?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

export function showCounters(c: Counters): void {
  for (const [id, show] of FIGURES) {
    const el = document.getElementById(id);
    if (el) el.textContent = show(c);
  }
  const rows = c.vmiCalls.map((v) => {
    const tr = document.createElement('tr');
    tr.append(cell(v.name), cell(fmt(v.inlined + v.called), 'num'), cell(fmt(v.inlined), 'num'), cell(fmt(v.called), 'num'));
    return tr;
  });
  document.getElementById('vmi-calls')?.replaceChildren(...rows);
}
