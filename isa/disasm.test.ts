/**
 * Disassembler formatting: known encodings to expected Intel-syntax text
 * (32- and 16-bit addressing, SIB, prefixes, immediates, branch targets and
 * symbols), the buffer walker's `(bad)` / symbol-split / data behaviour, and
 * the `vmidbt disasm` command on a raw image and on bad input.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from './decoder.ts';
import { BufferSource, disassembleRange, formatInstr, hexBytes, SymbolTable } from './disasm.ts';
import { TABLE } from '../semantics/table.ts';
import { readPrebuilt } from '../spec-tests/prebuilt.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

function text(bytes: number[], code32 = true, eip = 0x1000, symbols?: SymbolTable): string {
  const i = decode(TABLE, new BufferSource(Uint8Array.from(bytes), eip), eip, code32);
  expect(i.len).toBe(bytes.length);
  return formatInstr(i, { symbols });
}

describe('formatInstr, 32-bit code', () => {
  it('registers by operand size', () => {
    expect(text([0x89, 0xd8])).toBe('mov eax, ebx');
    expect(text([0x88, 0xe3])).toBe('mov bl, ah');
    expect(text([0x66, 0x89, 0xd8])).toBe('mov ax, bx');
    expect(text([0x0f, 0xb6, 0xc1])).toBe('movzx eax, cl');
  });

  it('ModRM and SIB memory operands', () => {
    expect(text([0x8b, 0x45, 0xfc])).toBe('mov eax, dword ptr [ebp-0x4]');
    expect(text([0x8b, 0x44, 0x24, 0x08])).toBe('mov eax, dword ptr [esp+0x8]');
    expect(text([0x8b, 0x84, 0xb3, 0x78, 0x56, 0x34, 0x12])).toBe('mov eax, dword ptr [ebx+esi*4+0x12345678]');
    expect(text([0x8b, 0x0c, 0x45, 0x00, 0x01, 0x00, 0x00])).toBe('mov ecx, dword ptr [eax*2+0x100]');
    expect(text([0x8b, 0x14, 0x08])).toBe('mov edx, dword ptr [eax+ecx]');
    expect(text([0x8b, 0x1d, 0x18, 0xd0, 0x10, 0x00])).toBe('mov ebx, dword ptr [0x10d018]');
    expect(text([0x8d, 0x44, 0x80, 0xff])).toBe('lea eax, [eax+eax*4-0x1]');
    expect(text([0xfe, 0x03])).toBe('inc byte ptr [ebx]');
  });

  it('16-bit addressing under a 67 prefix', () => {
    expect(text([0x67, 0x8b, 0x00])).toBe('mov eax, dword ptr [bx+si]');
    expect(text([0x67, 0x8a, 0x46, 0x02])).toBe('mov al, byte ptr [bp+0x2]');
  });

  it('segment overrides and moffs', () => {
    expect(text([0x26, 0x8b, 0x03])).toBe('mov eax, dword ptr es:[ebx]');
    expect(text([0x64, 0xa1, 0x10, 0x00, 0x00, 0x00])).toBe('mov eax, dword ptr fs:[0x10]');
    expect(text([0xa2, 0x78, 0x56, 0x34, 0x12])).toBe('mov byte ptr [0x12345678], al');
  });

  it('immediates in hex at their operand size', () => {
    expect(text([0x83, 0xc0, 0xff])).toBe('add eax, 0xffffffff');
    expect(text([0x66, 0x83, 0xc0, 0xff])).toBe('add ax, 0xffff');
    expect(text([0x80, 0xc1, 0x80])).toBe('add cl, 0x80');
    expect(text([0xc7, 0x00, 0x78, 0x56, 0x34, 0x12])).toBe('mov dword ptr [eax], 0x12345678');
    expect(text([0x66, 0xc7, 0x00, 0x34, 0x12])).toBe('mov word ptr [eax], 0x1234');
    expect(text([0xc2, 0x08, 0x00])).toBe('ret 0x8');
    expect(text([0xc8, 0x10, 0x00, 0x03])).toBe('enter 0x10, 0x3');
    expect(text([0xd1, 0xe0])).toBe('shl eax, 1');
  });

  it('lock and rep prefixes', () => {
    expect(text([0xf0, 0x0f, 0xc1, 0x01])).toBe('lock xadd dword ptr [ecx], eax');
    expect(text([0xf0, 0x83, 0x00, 0x01])).toBe('lock add dword ptr [eax], 0x1');
    expect(text([0xf3, 0xa5])).toMatch(/^rep movs/);
    expect(text([0xf3, 0xa6])).toMatch(/^repe cmps/);
    expect(text([0xf2, 0xae])).toMatch(/^repne scas/);
  });

  it('operand-size and address-size mnemonic pairs', () => {
    expect(text([0x98])).toBe('cwde');
    expect(text([0x66, 0x98])).toBe('cbw');
    expect(text([0xe3, 0x00])).toBe('jecxz 0x1002');
    // jcxz goes by address size, not operand size
    expect(text([0x67, 0xe3, 0x00])).toBe('jcxz 0x1003');
    expect(text([0x66, 0xe3, 0x00])).toBe('jecxz 0x1003');
  });

  it('branch targets as absolute addresses with <symbol+off>', () => {
    const syms = new SymbolTable([{ name: 'f', addr: 0x1000 }, { name: 'g', addr: 0x2000 }]);
    expect(text([0xeb, 0xfe], true, 0x1000)).toBe('jmp 0x1000');
    expect(text([0xe8, 0xf6, 0xff, 0xff, 0xff], true, 0x1005, syms)).toBe('call 0x1000 <f>');
    expect(text([0x75, 0x10], true, 0x1010, syms)).toBe('jne 0x1022 <f+0x22>');
    expect(text([0x0f, 0x84, 0xea, 0x0f, 0x00, 0x00], true, 0x1010, syms)).toBe('je 0x2000 <g>');
    expect(text([0xff, 0xd0])).toBe('call eax');
    expect(text([0xff, 0x24, 0x85, 0x00, 0x20, 0x00, 0x00])).toBe('jmp dword ptr [eax*4+0x2000]');
  });
});

describe('formatInstr, 16-bit code', () => {
  it('16-bit ModRM forms', () => {
    expect(text([0x8b, 0x00], false)).toBe('mov ax, word ptr [bx+si]');
    expect(text([0x8b, 0x46, 0xfe], false)).toBe('mov ax, word ptr [bp-0x2]');
    expect(text([0x8b, 0x0e, 0x34, 0x12], false)).toBe('mov cx, word ptr [0x1234]');
    expect(text([0x8a, 0x87, 0x00, 0x80], false)).toBe('mov al, byte ptr [bx-0x8000]');
  });

  it('66 and 67 prefixes select 32-bit forms', () => {
    expect(text([0x66, 0xb8, 0x78, 0x56, 0x34, 0x12], false)).toBe('mov eax, 0x12345678');
    expect(text([0x67, 0x8b, 0x04, 0x24], false)).toBe('mov ax, word ptr [esp]');
  });

  it('relative targets wrap within the segment', () => {
    expect(text([0xe9, 0xfd, 0xef], false, 0x1000)).toBe('jmp 0x0');
    expect(text([0xeb, 0x10], false, 0xfff0)).toBe('jmp 0x2');
  });
});

describe('disassembleRange', () => {
  it('walks a buffer and lists undefined or truncated encodings as one-byte (bad)', () => {
    const lines = disassembleRange(TABLE, Uint8Array.from([0x0f, 0xff, 0x90, 0xb8, 0x01, 0x02]), 0x400, true);
    expect(lines.map((l) => [l.addr, hexBytes(l.bytes), l.text])).toEqual([
      [0x400, '0f', '(bad)'], // 0F FF: undefined
      [0x401, 'ff', '(bad)'], // FF /2 with a disp32 cut short by the end of the buffer
      [0x402, '90', 'nop'],
      [0x403, 'b8', '(bad)'], // mov eax, imm32 with 2 bytes left
      [0x404, '01 02', 'add dword ptr [edx], eax'],
    ]);
  });

  it('an instruction longer than 15 bytes is (bad)', () => {
    const lines = disassembleRange(TABLE, Uint8Array.from([...new Array(15).fill(0x66), 0x90]), 0, true);
    expect(lines[0]).toMatchObject({ addr: 0, text: '(bad)' });
    expect(lines[0].bytes.length).toBe(1);
    // from the next byte, 14 prefixes and the opcode make exactly 15: allowed
    expect(lines.length).toBe(2);
    expect(lines[1]).toMatchObject({ addr: 1, text: 'nop' });
    expect(lines[1].bytes.length).toBe(15);
  });

  it('restarts at symbols as objdump does and labels them', () => {
    const bytes = Uint8Array.from([0xb8, 0x90, 0x90, 0x90, 0x90, 0x90]);
    const plain = disassembleRange(TABLE, bytes, 0x100, true);
    expect(plain.map((l) => l.text)).toEqual(['mov eax, 0x90909090', 'nop']);
    const syms = new SymbolTable([{ name: 'start', addr: 0x100 }, { name: 'here', addr: 0x102 }]);
    const split = disassembleRange(TABLE, bytes, 0x100, true, { symbols: syms });
    expect(split.map((l) => [l.addr, l.text, l.symbol])).toEqual([
      [0x100, '(bad)', 'start'], [0x101, 'nop', undefined], [0x102, 'nop', 'here'],
      [0x103, 'nop', undefined], [0x104, 'nop', undefined], [0x105, 'nop', undefined],
    ]);
  });

  it('lists a data object symbol range as data, 16 bytes a line', () => {
    const bytes = new Uint8Array(40).fill(0x90);
    const syms = new SymbolTable([{ name: 'code', addr: 0 }, { name: 'table', addr: 2, data: true }, { name: 'more', addr: 38 }]);
    const lines = disassembleRange(TABLE, bytes, 0, true, { symbols: syms });
    expect(lines.map((l) => [l.addr, l.bytes.length, l.data ?? false])).toEqual([
      [0, 1, false], [1, 1, false], [2, 16, true], [18, 16, true], [34, 4, true], [38, 1, false], [39, 1, false],
    ]);
    expect(lines[2].symbol).toBe('table');
  });

  it('honours start and count, and lists 16-bit code at its linear address', () => {
    const bytes = Uint8Array.from([0x90, 0x90, 0xeb, 0xfe, 0x90]);
    expect(disassembleRange(TABLE, bytes, 0, true, { start: 2, count: 2 }).map((l) => l.text)).toEqual(['jmp 0x2', 'nop']);
    const real = disassembleRange(TABLE, bytes, 0x17c00, false);
    expect(real.map((l) => [l.addr, l.text])).toEqual([
      [0x17c00, 'nop'], [0x17c01, 'nop'], [0x17c02, 'jmp 0x17c02'], [0x17c04, 'nop'],
    ]);
  });
});

describe('vmidbt disasm', () => {
  const root = new URL('../', import.meta.url).pathname;
  const run = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin/vmidbt.js'), 'disasm', ...args], { encoding: 'utf8' });
  const dir = tempDir('vmidbt-disasm-');

  it('lists a raw 16-bit image and emits JSON', () => {
    const file = join(dir, 'boot.bin');
    writeFileSync(file, Uint8Array.from([0x66, 0xb8, 0x34, 0x12, 0x00, 0x00, 0xeb, 0xfe]));
    const r = run(['--bits', '16', '--base', '7c00', file]);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      '    7c00:\t66 b8 34 12 00 00   \tmov eax, 0x1234',
      '    7c06:\teb fe               \tjmp 0x7c06',
    ]);
    const j = run(['--json', '--base', '0x7c00', '--bits', '16', '--count', '1', file]);
    expect(JSON.parse(j.stdout)).toEqual([{ addr: 0x7c00, bytes: '66 b8 34 12 00 00', text: 'mov eax, 0x1234' }]);
  });

  it('fails with one line on stderr for a missing file, a bad option, a malformed ELF', () => {
    const missing = run([join(dir, 'nope.bin')]);
    expect(missing.status).not.toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^vmidbt: cannot read image '.*nope\.bin': no such file\n$/);
    const bits = run(['--bits', '64', join(dir, 'boot.bin')]);
    expect(bits.stderr).toMatch(/^vmidbt: --bits: '64' must be 16 or 32\n$/);
    const elf = join(dir, 'bad.elf');
    writeFileSync(elf, Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]));
    const bad = run([elf]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/^vmidbt: .*bad\.elf: truncated ELF header/);
  });

  it('lists an ELF with section titles and symbol labels', () => {
    // spec-tests/fixtures/disasm/symbols.s, assembled by `as --32` (a committed build output)
    const obj = join(dir, 'symbols.o');
    writeFileSync(obj, readPrebuilt('spec-tests/fixtures/disasm/symbols.o'));
    const r = run([obj]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Disassembly of section .text:');
    expect(r.stdout).toContain('00000000 <f>:');
    expect(r.stdout).toMatch(/ {7}0:\tb8 01 00 00 00 +\tmov eax, 0x1\n {7}5:\tc3 +\tret\n/);
  });

  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
});
