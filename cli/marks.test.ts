import { describe, expect, it } from 'vitest';
import { ConsoleMarks } from './marks.ts';

describe('console marks', () => {
  it('notes the instruction count when a text first shows, even split across writes, and only the first time', () => {
    let n = 0;
    const m = new ConsoleMarks(['shell is up', 'never'], () => ({ instructions: n, virtualSeconds: n / 1e9 }));
    const say = (s: string) => { n += 1000; m.see(Buffer.from(s)); };
    say('booting...\nshell ');
    say('is');
    say(' up\n');
    say('shell is up\n');
    expect(m.marks[0]).toMatchObject({ text: 'shell is up', instructions: 3000, virtualSeconds: 3e-6 });
    expect(m.marks[0].cpuSeconds).toBeGreaterThan(0);
    expect(m.marks[1].instructions).toBeNull();
    const lines = m.lines((v) => String(v));
    expect(lines[0]).toMatch(/'shell is up' after 3000 instructions/);
    expect(lines[1]).toMatch(/'never' never seen/);
  });
});
