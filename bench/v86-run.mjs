/**
 * v86 (the npm package, an x86 emulator with a JIT to WebAssembly) booting
 * a Multiboot kernel from Node, for `npm run bench`'s v86 column. It behaves
 * as the QEMU command the benchmarks run does, so bench/vmi-boot.ts times it
 * the same way (`bootConsoleProcess`):
 *
 *   node bench/v86-run.mjs [--kernel FILE] [--append CMDLINE] [--mem MiB]
 *
 * - the guest's COM1 output goes to stdout, byte for byte, as it is sent;
 * - a write of v to the debug-exit port 0xF4 ends the process with status
 *   (v << 1) | 1, as QEMU's isa-debug-exit;
 * - 2 with a one-line error for bad arguments or a missing v86 package.
 *
 * No BIOS image is needed: v86 loads a Multiboot ELF itself (its `multiboot`
 * option) and enters it in protected mode. `acpi: true` gives the machine
 * the local APIC and ACPI tables the guest's native mode uses for its timer;
 * without it the guest runs with no timer. The kernel sees the image name
 * first on its command line, as QEMU passes it.
 *
 * v86's debug-exit handler logs "Test exited with code 0xNN" and throws the
 * string "HALT" out of its run loop; this script reads the value from that
 * log line and ends on that throw. Plain JavaScript (no TypeScript loader), so
 * the column's start-up time is v86's own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`v86-run: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { kernel: join(ROOT, 'guest', 'kernel.elf'), append: '', mem: 128 };
  for (let k = 0; k < argv.length; k += 2) {
    const [name, value] = [argv[k], argv[k + 1]];
    if (value === undefined) fail(`${name} wants a value`);
    if (name === '--kernel') o.kernel = value;
    else if (name === '--append') o.append = value;
    else if (name === '--mem' && /^[1-9]\d*$/.test(value)) o.mem = Number(value);
    else fail(`bad argument ${name} ${value} (usage: v86-run.mjs [--kernel FILE] [--append CMDLINE] [--mem MiB])`);
  }
  return o;
}

async function loadV86() {
  try {
    const require = createRequire(import.meta.url);
    const wasm = require.resolve('v86/build/v86.wasm');
    const { V86 } = await import('v86');
    return { V86, wasm };
  } catch (e) {
    fail(`the npm package v86 is not installed (npm ci installs it): ${String(e.message ?? e).split('\n')[0]}`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let image;
  try { image = readFileSync(o.kernel); } catch (e) { fail(`cannot read ${o.kernel}: ${e.code ?? e.message}`); }
  const { V86, wasm } = await loadV86();
  let exitValue;
  // v86 logs the debug-exit value, then throws "HALT"; its own log lines stay off stdout (the console)
  console.log = (...parts) => {
    const m = /^Test exited with code 0x([0-9a-f]+)/i.exec(parts.join(' '));
    if (m) exitValue = parseInt(m[1], 16);
    else process.stderr.write(parts.join(' ') + '\n');
  };
  process.on('uncaughtException', (e) => {
    if (e === 'HALT' && exitValue !== undefined) process.stdout.write('', () => process.exit(((exitValue & 0x7f) << 1) | 1));
    else fail(`v86 stopped: ${String(e?.message ?? e)}`);
  });
  const emulator = new V86({
    wasm_path: wasm,
    memory_size: o.mem * 1024 * 1024,
    vga_memory_size: 2 * 1024 * 1024,
    multiboot: { buffer: image.buffer.slice(image.byteOffset, image.byteOffset + image.length) },
    cmdline: `${relative(ROOT, o.kernel) || o.kernel} ${o.append}`.trim(),
    acpi: true,
    autostart: true,
    disable_speaker: true,
    disable_keyboard: true,
    disable_mouse: true,
  });
  // bytes to stdout as they come, in batches per event-loop turn
  let pending = [];
  emulator.add_listener('serial0-output-byte', (byte) => {
    if (pending.length === 0) setImmediate(() => { process.stdout.write(Buffer.from(pending)); pending = []; });
    pending.push(byte);
  });
}

main();
