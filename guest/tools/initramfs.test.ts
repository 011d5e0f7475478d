/**
 * The init script's kallsyms dump (`vmidbt.kallsyms`) and what
 * `npm run guest:linux -- --kallsyms` keeps of a console that printed one.
 */
import { describe, expect, it } from 'vitest';
import { INIT_SCRIPT, KALLSYMS_BEGIN, KALLSYMS_END, kallsymsFrom } from './initramfs.ts';
import { Symbolizer } from '../../profile/symbols.ts';

describe('kallsyms from the guest console', () => {
  it('the init script prints the text symbols between the markers only when the command line asks', () => {
    expect(INIT_SCRIPT).toContain(`*" vmidbt.kallsyms "*) echo 1 > /proc/sys/kernel/printk; echo "${KALLSYMS_BEGIN}"; grep -i ' [tw] ' /proc/kallsyms; echo "${KALLSYMS_END}"`);
  });

  it('keeps the symbol lines between the markers (CR LF or LF), drops kernel messages (whole lines, or the end of a line) and what lies outside', () => {
    const console = [
      'c1000000 T before_the_dump',
      KALLSYMS_BEGIN,
      'c1000000 T startup_32',
      '[    2.000000] random: crng init done',
      'c1001000 t do_one_initcall[    2.379068] tsc: Refined TSC clocksource calibration: 2445.432 MHz',
      'c1002000 W weak_function',
      KALLSYMS_END,
      'c1003000 T after_the_dump',
    ].join('\r\n');
    const text = kallsymsFrom(console);
    expect(text).toBe('c1000000 T startup_32\nc1001000 t do_one_initcall\nc1002000 W weak_function\n');
    const sym = Symbolizer.fromSymbolMap(text, 'dump');
    expect(sym.format(0xc1001010)).toBe('do_one_initcall+0x10');
  });

  it('says so when the console has no dump, or one the symbolizer refuses', () => {
    expect(() => kallsymsFrom('no markers here\n')).toThrow(/printed no kallsyms/);
    expect(() => kallsymsFrom(`${KALLSYMS_BEGIN}\n00000000 T _text\n00000000 t foo\n${KALLSYMS_END}\n`)).toThrow(/every address is zero/);
  });
});
