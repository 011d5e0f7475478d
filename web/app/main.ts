/**
 * The page: boots the built-in guest at load (bundled as bytes by
 * web/build.ts), shows its console in an xterm.js terminal whose keys go to
 * the UART, and the counters beside it; a file picker boots another
 * Multiboot kernel or a Linux bzImage (with an initrd).
 *
 * Query parameters set the first boot: `append` (the command line after the
 * name), `smp`, `mem`, `rom=off`, `boot=none` (wait for a choice), and the
 * host's settings (browser-host.ts). `window.vmidbtPage` lets a test read
 * the terminal and the counters (web/web.test.ts).
 */
import { Terminal } from '@xterm/xterm';
import kernelElf from '../../guest/kernel.elf';
import { installHost } from '../../base/host.ts';
import { LoaderError } from '../../runtime/loader/errors.ts';
import type { StopInfo } from '../../runtime/machine.ts';
import { DEFAULT_GUEST_APPEND } from '../../cli/boot.ts';
import { browserHost } from './browser-host.ts';
import { Session, type GuestChoice } from './session.ts';
import { showCounters } from './counters.ts';
import { prepareSourceChecks } from '../../translator/compile/assemble.ts';

installHost(browserHost());
// the allow-list check of generated code, when the page's query asks for it (?VMIDBT_CHECK_GENERATED=1, the tests)
await prepareSourceChecks();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const query = new URLSearchParams(location.search);
const term = new Terminal({ convertEol: false, scrollback: 5000, fontSize: 14, cols: 100, rows: 30, theme: { background: '#101418' } });
term.open($('terminal'));
let session: Session | null = null;
const encoder = new TextEncoder();
term.onData((keys) => session?.send(encoder.encode(keys)));

function status(text: string, kind: 'run' | 'ok' | 'error' = 'run'): void {
  const el = $('status');
  el.textContent = text;
  el.className = kind;
}

function describeStop(stop: StopInfo): string {
  if (stop.kind === 'error') return `failed, exit status ${stop.exitCode}: ${stop.message}`;
  return `stopped, exit status ${stop.exitCode} (${stop.reason})`;
}

/** End the running guest, if any, and boot `choice` in a fresh terminal. */
function boot(choice: GuestChoice): void {
  session?.end('another guest was booted');
  session = null;
  term.reset();
  let s: Session;
  // an ended guest's last output and its end come after the next one has started: they are dropped
  const current = () => session === s;
  try {
    s = new Session(choice, (bytes) => { if (current()) term.write(bytes); }, (stop) => {
      if (!current()) return;
      status(`${choice.name}: ${describeStop(stop)}`, stop.kind === 'error' ? 'error' : 'ok');
      if (stop.kind === 'error') term.write(`\r\n\x1b[31mvmidbt: ${stop.message}\x1b[0m\r\n`);
    });
  } catch (e) {
    const why = e instanceof LoaderError || e instanceof RangeError ? e.message : `internal error: ${(e as Error).message}`;
    status(`${choice.name}: cannot boot: ${why}`, 'error');
    return;
  }
  session = s;
  for (const w of s.warnings) term.write(`\x1b[33mvmidbt: warning: ${w}\x1b[0m\r\n`);
  status(`${choice.name}: running (${s.loadedKind === 'linux' ? 'Linux boot protocol' : 'Multiboot'}, ${choice.smp} vCPU${choice.smp > 1 ? 's' : ''}, ${choice.rom ? 'VMI ROM' : 'no ROM'})`);
  $<HTMLButtonElement>('pause').textContent = 'Pause';
  term.focus();
  void s.run();
}

/** The machine settings chosen in the form. */
function settings(): Pick<GuestChoice, 'smp' | 'memMiB' | 'rom' | 'append'> {
  return {
    smp: Number($<HTMLSelectElement>('smp').value),
    memMiB: Number($<HTMLSelectElement>('mem').value),
    rom: $<HTMLInputElement>('rom').checked,
    append: $<HTMLInputElement>('append').value.trim(),
  };
}

function bootBuiltIn(): void {
  boot({ name: 'guest/kernel.elf', image: kernelElf, ...settings() });
}

async function bootFiles(): Promise<void> {
  const kernel = $<HTMLInputElement>('kernel').files?.[0];
  if (!kernel) { status('choose a kernel file first (a Multiboot kernel or a Linux bzImage)', 'error'); return; }
  const initrd = $<HTMLInputElement>('initrd').files?.[0];
  const image = new Uint8Array(await kernel.arrayBuffer());
  const module = initrd ? { name: initrd.name, data: new Uint8Array(await initrd.arrayBuffer()) } : undefined;
  boot({ name: kernel.name, image, initrd: module, ...settings() });
}

function initForm(): void {
  $<HTMLInputElement>('append').value = query.get('append') ?? DEFAULT_GUEST_APPEND;
  if (query.get('smp')) $<HTMLSelectElement>('smp').value = query.get('smp')!;
  if (query.get('mem')) $<HTMLSelectElement>('mem').value = query.get('mem')!;
  if (query.get('rom') === 'off') $<HTMLInputElement>('rom').checked = false;
  $('boot-builtin').addEventListener('click', bootBuiltIn);
  $('boot-file').addEventListener('click', () => void bootFiles());
  $('pause').addEventListener('click', () => {
    if (!session || session.stop) return;
    session.setPaused(!session.isPaused);
    $<HTMLButtonElement>('pause').textContent = session.isPaused ? 'Resume' : 'Pause';
  });
}

/** What a test reads (web/web.test.ts). */
function terminalText(): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let k = 0; k < buf.length; k++) lines.push(buf.getLine(k)?.translateToString(true) ?? '');
  return lines.join('\n').replace(/\n+$/, '');
}

declare global {
  interface Window { vmidbtPage: { terminalText(): string; stop(): StopInfo | null; host: string } }
}
window.vmidbtPage = { terminalText, stop: () => session?.stop ?? null, host: 'browser' };

initForm();
setInterval(() => { if (session) showCounters(session.sample()); }, 500);
if (query.get('boot') !== 'none') bootBuiltIn();
else status('choose a guest');
