/**
 * Assembly, the last stage: an emitted region's source (emission writes it
 * compact, emit/ast.ts) is compiled once with `new Function`, whose
 * parameters are the ABI's factory parameters (emit/abi.ts) bound to the
 * objects the region closes over. The result is a `Translation`, the unit
 * the code cache holds.
 *
 * The factory returns the region's function parenthesised: V8 then compiles
 * the function with its factory in one pass, where an unparenthesised one
 * is pre-parsed now and parsed again in full at its first call, which
 * always comes right after. `prettySource` re-indents a source for people.
 * With VMIDBT_CHECK_GENERATED=1 (every test run) each source is checked
 * against the allow-list (allowlist.ts) before it is compiled.
 *
 * The check and `prettySource` parse with acorn, which is most of the
 * translator's code by size, so they are loaded on demand
 * (`loadSourceTools`), never at start-up: every entry point awaits
 * `prepareSourceChecks()` after installing its host (bin/cli.ts,
 * bin/register.mjs, cli/test-setup.ts, the page's web/app/main.ts), and a
 * check asked for but not loaded is an error, never a silent skip.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { PhysicalMemory } from '../../cpu/memory.ts';
import { HELPERS } from '../../semantics/helpers.ts';
import { CHUNK_WORDS } from '../region/discover.ts';
import { H } from '../emit/host.ts';
import { FACTORY_PARAMS, PARAMS, type FactoryArgs } from '../emit/abi.ts';
import type { EmittedRegion } from '../emit/region.ts';
export { NO_BLOCK } from '../emit/region.ts';
import { host } from '../../base/host.ts';
import { widen } from '../../base/wide-fields.ts';
import type { WasmBatch } from './wasm-region.ts';

/** A translation's key (an unsigned 32-bit number) and instruction count: any size (base/wide-fields.ts) */
export const WIDE_TRANSLATION_FIELDS: readonly string[] = ['key', 'executed', 'hostMs', 'warmMs', 'warmExecuted'];

export interface Translation {
  /**
   * runs the region from its block `block` (call it with this translation's
   * own `block`); returns, for a static exit, its chained successor, or its
   * number while it has none (the engine links that exit); else undefined
   */
  fn: (cpu: Cpu, block: number) => Translation | number | undefined;
  valid: boolean;
  key: number;
  /** the CPU mode of its key (`key % 32`, kept apart: a remainder of a key past 2^31 is a call into C in V8's optimised code) */
  mode: number;
  entryEip: number;
  /**
   * The block this translation enters its function at: 0 for a region
   * compiled from `entryEip`; another for an entry the code cache made into
   * a region's block on its entry page (translator/cache/cache.ts
   * `enterBlock`), which shares everything below with `region`.
   */
  block: number;
  /** the region this translation runs the code of (itself, unless it is an entry into another's block) */
  region: Translation;
  /** where each block of the region starts, by block number (NO_BLOCK: an empty block) */
  blockEips: number[];
  /** the entries the code cache made into this region's blocks (retired with it) */
  entries: Translation[];
  /** physical pages the region's code came from */
  pages: number[];
  /** the chunks of each of those pages its code was read from, CHUNK_WORDS words of bits a page (region/discover.ts RegionCode.chunks) */
  chunks: number[];
  /**
   * chained successors by static exit number; an exit not linked yet holds
   * its own number, so that only the exit actually taken is ever linked (an
   * exit in another mode may land on the same EIP)
   */
  links: (Translation | number | undefined)[];
  /** EIPs of the static exits, by exit number (from 1: 0 is no exit's) */
  exitEips: number[];
  /** per indirect-jump site `k`, at 2k and 2k + 1: the translations its last two targets had, the latest first */
  sites: (Translation | undefined)[];
  /** physical page of the entry (a cached target is only reused while its page maps the same frame) */
  entryPage: number;
  /** the generated function's source ('' once the cache has dropped the translation) */
  source: string;
  /** its length, kept after the source is dropped */
  sourceBytes: number;
  instructions: number;
  blocks: number;
  /** guest instructions retired inside this translation so far (the engine counts, tiering reads) */
  executed: number;
  /** runs, and host milliseconds inside them, counted on the region when the engine times regions (EngineOptions.timeRegions) */
  runs: number;
  hostMs: number;
  /** of those, the host milliseconds and guest instructions of its first WARM_RUNS runs (engine/engine.ts) */
  warmMs: number;
  warmExecuted: number;
}

/** Where the region came from: cache key, entry, physical pages (entry page first), block count. */
export interface Origin {
  key: number;
  entry: number;
  pages: number[];
  /** the chunks of those pages the code was read from (RegionCode.chunks); absent: all of them */
  chunks?: number[];
  blocks: number;
}

type Factory = (...args: unknown[]) => Translation['fn'];

/**
 * Check every source against the allow-list before compiling it: the host's
 * VMIDBT_CHECK_GENERATED=1 (set in every test run: vitest.config.ts), read
 * once, at the first translation.
 */
let checkGenerated: boolean | undefined;

/** Print, compile and bind an emitted region (`bindings`: what call-site inliners' code closes over). */
export function assemble(region: EmittedRegion, origin: Origin, memory: PhysicalMemory, bindings: Partial<FactoryArgs> = {}, wasm?: WasmBatch): Translation {
  const source = flat(`return(${region.fn});`);
  checkGenerated ??= checkRequested();
  const t: Translation = widen({
    fn: undefined!, valid: true, key: origin.key, mode: origin.key % 32, entryEip: origin.entry, block: 0, region: undefined!, blockEips: region.blockEips, entries: [],
    pages: origin.pages, chunks: origin.chunks ?? origin.pages.flatMap(() => new Array<number>(CHUNK_WORDS).fill(-1)),
    links: unlinked(region.exitEips.length), exitEips: region.exitEips,
    sites: new Array(2 * region.sites).fill(undefined), entryPage: origin.pages[0] ?? -1,
    source, sourceBytes: source.length, instructions: region.instrs.length, blocks: origin.blocks, executed: 0, runs: 0, hostMs: 0, warmMs: 0, warmExecuted: 0,
  }, WIDE_TRANSLATION_FIELDS);
  const args: FactoryArgs = {
    host: H, helpers: HELPERS, instrs: region.instrs, links: t.links, exitEips: region.exitEips, memory,
    eips: region.eips, left: region.left, savesEsp: region.savesEsp, vmi: undefined, vmiEffects: undefined,
    wasmRun: undefined, state32: undefined, state64: undefined,
    ...bindings,
  };
  t.fn = bind(source, args);
  t.region = t;
  // the same code as WebAssembly, once its batch is compiled (compile/wasm-region.ts)
  wasm?.add(t, args);
  return t;
}

/** Compile a region's function (or its WebAssembly wrapper) from its source, checked, over the factory's arguments. */
export function bind(source: string, args: FactoryArgs): Translation['fn'] {
  check(source);
  const factory = new Function(...FACTORY_PARAMS.map((p) => PARAMS[p]), source) as Factory;
  return factory(...FACTORY_PARAMS.map((p) => args[p]));
}

/** With VMIDBT_CHECK_GENERATED=1: the source against the allow-list, an error if it strays. */
function check(source: string): void {
  if (!checkGenerated) return;
  if (!tools) throw new Error('VMIDBT_CHECK_GENERATED=1, but the allow-list check is not loaded: the entry point must await prepareSourceChecks() (compile/assemble.ts)');
  const bad = tools.violations(source);
  if (bad.length) throw new Error(`generated code outside the allow-list (compile/allowlist.ts): ${bad[0]}`);
}

/**
 * Links for exits 1..n-1, none linked yet (each holds its own number; entry
 * 0, the link of an exit that has none, stays undefined), in an
 * array whose elements are general from the start: an array of small
 * integers changes its map when the first translation is stored in it, and
 * V8 throws away the optimised code of every region that has read it
 * (`return L[xl]`, a "wrong map" deoptimisation, about 140 of them in a
 * Linux boot).
 */
function unlinked(n: number): (Translation | number | undefined)[] {
  const links: (Translation | number | undefined)[] = [GENERAL];
  links.pop();
  for (let k = 0; k < n; k++) links.push(undefined); // pushed, not a length: an array with holes reads slower
  unlinkAll(links);
  return links;
}

/** Every exit's link back to its own number (entry 0, no exit's, undefined): as made, or as a retired region's. */
export function unlinkAll(links: (Translation | number | undefined)[]): void {
  links[0] = undefined;
  for (let k = 1; k < links.length; k++) links[k] = k;
}
const GENERAL = {} as Translation;

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder();

/**
 * The same text as one flat string. Emission builds it by concatenation,
 * which V8 keeps as a rope of one node per piece, and compiling it does not
 * flatten the copy the translation keeps; a string made from bytes is flat.
 */
function flat(source: string): string {
  return TEXT_DECODER.decode(TEXT_ENCODER.encode(source));
}

/**
 * Generated source re-indented for reading (expect files, --dump, lockstep
 * reports); as compiled (a statement a line) when the source tools are not
 * loaded.
 */
export function prettySource(source: string): string {
  return tools ? tools.pretty(source) : source;
}

const checkRequested = () => host().setting('VMIDBT_CHECK_GENERATED') === '1';
let tools: typeof import('./source-tools.ts') | undefined;

/** Load the allow-list check and the pretty-printer (acorn), once. */
export async function loadSourceTools(): Promise<void> {
  tools ??= await import('./source-tools.ts');
}

/** What a Node entry point awaits after installing its host: the source tools when the host asks for the check (or for `pretty`). */
export async function prepareSourceChecks(pretty = false): Promise<void> {
  if (pretty || checkRequested()) await loadSourceTools();
}
