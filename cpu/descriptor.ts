/**
 * A segment descriptor as the CPU core passes it around once read from its
 * table: its two dwords and the fields decoded from them. cpu/segments.ts
 * reads and checks descriptors; the vCPU (cpu/cpu.ts) keeps the last ones
 * read, which is why the shape lives apart from both.
 */
export interface Descriptor {
  lo: number;
  hi: number;
  base: number;
  limit: number;
  /** attr bits as Cpu.segAttr holds them */
  attr: number;
  type: number;
  s: boolean;
  dpl: number;
  present: boolean;
  /** linear address of the descriptor in its table (for the accessed bit) */
  addr: number;
}
