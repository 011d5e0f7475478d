/**
 * The vCPU's registers as gdb's i386 target sees them: the target
 * description the stub sends (`target.xml`) and the register numbering of
 * `g`/`G`/`p`/`P` that follows from it.
 *
 * The feature gdb's i386 architecture knows, `org.gnu.gdb.i386.core`
 * (eight general registers, eip, eflags, the six segment selectors, the x87
 * stack st0-st7 as 80-bit values and the x87 control registers), then
 * vmidbt's own `org.vmidbt.i386.system` with fs_base, gs_base, cr0, cr2,
 * cr3 and cr4, which gdb shows as extra registers (`p $cr3`). (gdb 13's
 * own `org.gnu.gdb.i386.segments` cannot be used without the SSE feature:
 * gdb numbers fs_base after the SSE registers and fails an assertion; the
 * guest CPU has no SSE.) The order of the `<reg>` elements is the remote
 * numbering.
 *
 * Writes: general registers, eip, eflags and the x87 state are written as
 * given; a segment selector, a segment base or a control register cannot be
 * changed from the debugger (loading one has side effects a debugger should
 * not cause silently) and writing a different value is an error.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import { Seg } from '../../isa/instr.ts';
import { decodeF80, encodeF80 } from '../../semantics/families/fpu-float80.ts';

interface RegDef {
  name: string;
  bits: 32 | 80;
  type: string;
  group?: string;
  feature: 'core' | 'system';
  get(cpu: Cpu): number | Uint8Array;
  /** absent: read-only (a different value is refused) */
  set?(cpu: Cpu, v: number | Uint8Array): void;
}

const GPR_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
// gdb's order of segment registers, as indexes of cpu.segSel
const SEG_ORDER = [Seg.CS, Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS];
const SEG_GDB = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'];

function num(v: number | Uint8Array): number {
  return v as number;
}

function f80Bytes(x: number): Uint8Array {
  const f = encodeF80(x);
  const b = Buffer.alloc(10);
  b.writeUInt32LE(f.lo >>> 0, 0);
  b.writeUInt32LE(f.hi >>> 0, 4);
  b.writeUInt16LE(f.se & 0xffff, 8);
  return b;
}

function f80Value(v: number | Uint8Array): number {
  const b = Buffer.from(v as Uint8Array);
  return decodeF80(b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt16LE(8)) ?? Number.NaN;
}

function buildRegs(): RegDef[] {
  const regs: RegDef[] = GPR_NAMES.map((name, r) => ({
    name, bits: 32, feature: 'core', type: r === 4 || r === 5 ? 'data_ptr' : 'int32',
    get: (cpu) => cpu.regs[r], set: (cpu, v) => { cpu.regs[r] = num(v); },
  }));
  regs.push({ name: 'eip', bits: 32, feature: 'core', type: 'code_ptr', get: (cpu) => cpu.eip, set: (cpu, v) => { cpu.eip = num(v) | 0; } });
  regs.push({ name: 'eflags', bits: 32, feature: 'core', type: 'i386_eflags', get: (cpu) => cpu.getEflags(), set: (cpu, v) => cpu.setEflags(num(v)) });
  SEG_ORDER.forEach((s, k) => regs.push({ name: SEG_GDB[k], bits: 32, feature: 'core', type: 'int32', get: (cpu) => cpu.segSel[s] }));
  for (let i = 0; i < 8; i++) {
    regs.push({
      name: `st${i}`, bits: 80, feature: 'core', type: 'i387_ext', group: 'float',
      get: (cpu) => f80Bytes(cpu.fpu.st[(cpu.fpu.top + i) & 7]),
      set: (cpu, v) => { cpu.fpu.st[(cpu.fpu.top + i) & 7] = f80Value(v); },
    });
  }
  const fpu = (name: string, get: (cpu: Cpu) => number, set: (cpu: Cpu, v: number) => void): RegDef =>
    ({ name, bits: 32, feature: 'core', type: 'int', group: 'float', get, set: (cpu, v) => set(cpu, num(v)) });
  regs.push(
    fpu('fctrl', (c) => c.fpu.cw, (c, v) => { c.fpu.cw = v & 0xffff; }),
    fpu('fstat', (c) => c.fpu.status(), (c, v) => c.fpu.setStatus(v)),
    fpu('ftag', (c) => c.fpu.tags, (c, v) => { c.fpu.tags = v & 0xffff; }),
    fpu('fiseg', (c) => c.fpu.fcs, (c, v) => { c.fpu.fcs = v & 0xffff; }),
    fpu('fioff', (c) => c.fpu.fip, (c, v) => { c.fpu.fip = v; }),
    fpu('foseg', (c) => c.fpu.fds, (c, v) => { c.fpu.fds = v & 0xffff; }),
    fpu('fooff', (c) => c.fpu.fdp, (c, v) => { c.fpu.fdp = v; }),
    fpu('fop', (c) => c.fpu.fop, (c, v) => { c.fpu.fop = v & 0x7ff; }),
  );
  regs.push({ name: 'fs_base', bits: 32, feature: 'system', type: 'uint32', group: 'system', get: (cpu) => cpu.segBase[Seg.FS] });
  regs.push({ name: 'gs_base', bits: 32, feature: 'system', type: 'uint32', group: 'system', get: (cpu) => cpu.segBase[Seg.GS] });
  for (const cr of ['cr0', 'cr2', 'cr3', 'cr4'] as const) {
    regs.push({ name: cr, bits: 32, feature: 'system', type: 'uint32', group: 'system', get: (cpu) => cpu[cr] });
  }
  return regs;
}

export const REGISTERS: readonly RegDef[] = buildRegs();

/** The value of register `n` as target-order hex, or null for a number the target does not have. */
export function readRegister(cpu: Cpu, n: number): string | null {
  const r = REGISTERS[n];
  if (!r) return null;
  const v = r.get(cpu);
  if (typeof v !== 'number') return Buffer.from(v).toString('hex');
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString('hex');
}

/** All registers, as `g` answers. */
export function readAllRegisters(cpu: Cpu): string {
  return REGISTERS.map((_, n) => readRegister(cpu, n)).join('');
}

/** Write register `n` from target-order hex; returns an error text, or null when done. */
export function writeRegister(cpu: Cpu, n: number, hex: string): string | null {
  const r = REGISTERS[n];
  if (!r) return `no register ${n}`;
  if (hex.length !== r.bits / 4 || !/^[0-9a-fA-F]*$/.test(hex)) return `register ${r.name} takes ${r.bits / 8} bytes`;
  const bytes = Buffer.from(hex, 'hex');
  const value: number | Uint8Array = r.bits === 80 ? Uint8Array.from(bytes) : bytes.readUInt32LE(0) | 0;
  if (!r.set) return readRegister(cpu, n) === hex.toLowerCase() ? null : `register ${r.name} is read-only here`;
  r.set(cpu, value);
  return null;
}

/** Write every register from a `G` packet's hex (each in order, all or nothing is not promised: the first error stops). */
export function writeAllRegisters(cpu: Cpu, hex: string): string | null {
  let at = 0;
  for (let n = 0; n < REGISTERS.length && at < hex.length; n++) {
    const width = REGISTERS[n].bits / 4;
    const err = writeRegister(cpu, n, hex.slice(at, at + width));
    if (err) return err;
    at += width;
  }
  return at === hex.length ? null : 'G packet longer than the register block';
}

/** The number of the register gdb calls `name` (tests, stop replies). */
export function registerNumber(name: string): number {
  return REGISTERS.findIndex((r) => r.name === name);
}

const FEATURES: [RegDef['feature'], string][] = [
  ['core', 'org.gnu.gdb.i386.core'],
  ['system', 'org.vmidbt.i386.system'],
];

const EFLAGS_FIELDS: [string, number][] = [
  ['CF', 0], ['', 1], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11],
  ['NT', 14], ['RF', 16], ['VM', 17], ['AC', 18], ['VIF', 19], ['VIP', 20], ['ID', 21],
];

/** The target description (`qXfer:features:read:target.xml`). */
export function targetXml(): string {
  const lines = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">', '<target version="1.0">', '  <architecture>i386</architecture>'];
  REGISTERS.forEach((r, n) => {
    const feature = FEATURES.find(([f]) => f === r.feature)![1];
    const first = REGISTERS.findIndex((x) => x.feature === r.feature) === n;
    if (first) {
      if (n) lines.push('  </feature>');
      lines.push(`  <feature name="${feature}">`);
      if (r.feature === 'core') {
        lines.push('    <flags id="i386_eflags" size="4">');
        for (const [name, bit] of EFLAGS_FIELDS) lines.push(`      <field name="${name}" start="${bit}" end="${bit}"/>`);
        lines.push('    </flags>');
      }
    }
    lines.push(`    <reg name="${r.name}" bitsize="${r.bits}" type="${r.type}" regnum="${n}"${r.group ? ` group="${r.group}"` : ''}/>`);
  });
  lines.push('  </feature>', '</target>');
  return lines.join('\n') + '\n';
}
