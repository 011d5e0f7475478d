/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 * one file with a "sampled" profile per vCPU for the whole-guest samples
 * (each stack rooted at its privilege level, `CPL0` or `CPL3`, weighted by
 * the instructions between samples) and one for the stacks taken at VMI
 * calls (each ending in the call, `VMI SetPxE`, weighted 1). Stacks are
 * written root first, as the format wants; frames are shared by name.
 */
import type { RawProfile } from './collector.ts';
import type { Symbolizer } from './symbols.ts';

export interface SpeedscopeFile {
  $schema: string;
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: { type: 'sampled'; name: string; unit: 'none'; startValue: number; endValue: number; samples: number[][]; weights: number[] }[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

class Frames {
  readonly list: { name: string; file?: string; line?: number }[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly sym: Symbolizer) {}

  named(name: string): number {
    let k = this.index.get(name);
    if (k === undefined) { k = this.list.push({ name }) - 1; this.index.set(name, k); }
    return k;
  }

  /** A guest address as its function (with file and line where known). `ret`: a return address, named by its call. */
  at(addr: number, ret: boolean): number {
    const loc = this.sym.lookup(ret ? addr - 1 : addr);
    const name = loc?.fn ?? `0x${(addr >>> 0).toString(16)}`;
    let k = this.index.get(name);
    if (k === undefined) {
      k = this.list.push(loc?.file ? { name, file: loc.file, line: loc.line } : { name }) - 1;
      this.index.set(name, k);
    }
    return k;
  }
}

export function toSpeedscope(raw: RawProfile, sym: Symbolizer, sampleEvery: number, title: string): SpeedscopeFile {
  const frames = new Frames(sym);
  const profiles: SpeedscopeFile['profiles'] = [];
  const vcpus = [...new Set(raw.samples.map((s) => s.vcpu))].sort((a, b) => a - b);
  for (const id of vcpus) {
    const mine = raw.samples.filter((s) => s.vcpu === id);
    const samples = mine.map((s) => [frames.named(`CPL${s.cpl}`), ...s.frames.map((f, k) => frames.at(f, k > 0)).reverse()]);
    profiles.push({
      type: 'sampled', name: `vCPU${id}: every ${sampleEvery} guest instructions`, unit: 'none',
      startValue: 0, endValue: samples.length * sampleEvery, samples, weights: samples.map(() => sampleEvery),
    });
  }
  if (raw.vmiStacks.length) {
    const samples = raw.vmiStacks.map((s) => [...s.frames.map((f) => frames.at(f, true)).reverse(), frames.named(`VMI ${s.name}`)]);
    profiles.push({ type: 'sampled', name: 'stacks at VMI calls', unit: 'none', startValue: 0, endValue: samples.length, samples, weights: samples.map(() => 1) });
  }
  return { $schema: SPEEDSCOPE_SCHEMA, shared: { frames: frames.list }, profiles, name: title, activeProfileIndex: 0, exporter: 'vmidbt profile' };
}
