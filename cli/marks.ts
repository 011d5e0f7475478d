/**
 * `vmidbt run --mark TEXT`: note when the guest console first shows TEXT
 * (the guest instructions retired by then, host wall and CPU time since
 * the command started, guest time), for measuring things like "time to the
 * shell" without instrumenting the guest. Text split across console writes
 * is found: the last few bytes of each write are kept for the next.
 */

export interface Mark {
  text: string;
  instructions: number | null;
  wallSeconds: number | null;
  cpuSeconds: number | null;
  virtualSeconds: number | null;
}

export class ConsoleMarks {
  readonly marks: Mark[];
  private tail = '';
  private readonly keep: number;

  constructor(texts: string[], private readonly now: () => { instructions: number; virtualSeconds: number }) {
    this.marks = texts.map((text) => ({ text, instructions: null, wallSeconds: null, cpuSeconds: null, virtualSeconds: null }));
    this.keep = Math.max(0, ...texts.map((t) => t.length - 1));
  }

  /** Look at console bytes as they are written. */
  see(bytes: Uint8Array): void {
    if (this.marks.every((m) => m.instructions !== null)) return;
    const s = this.tail + Buffer.from(bytes).toString('latin1');
    for (const m of this.marks) {
      if (m.instructions !== null || !s.includes(m.text)) continue;
      const { instructions, virtualSeconds } = this.now();
      const cpu = process.cpuUsage();
      Object.assign(m, {
        instructions, virtualSeconds,
        wallSeconds: Number(process.uptime().toFixed(3)),
        cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
      });
    }
    this.tail = this.keep ? s.slice(-this.keep) : '';
  }

  /** Summary lines, one per mark. */
  lines(fmtInt: (n: number) => string): string[] {
    return this.marks.map((m) => m.instructions === null
      ? `  mark          '${m.text}' never seen`
      : `  mark          '${m.text}' after ${fmtInt(m.instructions)} instructions, ${m.wallSeconds!.toFixed(2)} s wall, ${m.cpuSeconds!.toFixed(2)} s CPU, ${m.virtualSeconds!.toFixed(3)} s guest time`);
  }
}
