/**
 * The ABI of generated code: every name a translated function is made of,
 * and how guest state moves between the CPU object and the function's
 * locals. Emitters build identifiers through this module, never from bare
 * strings, and the allow-list test (compile/allowlist.test.ts) takes its
 * list of legal names from here, so the generator and the check cannot
 * drift apart.
 *
 * A region is compiled once with `new Function(...FACTORY_PARAMS, source)`:
 * the factory's parameters (PARAMS) are the objects the region closes over
 * (host functions, its instructions, its chain links, memory, per
 * instruction tables); the source returns `function translated(cpu, pc)`
 * (`pc`: the block to start at, 0 for the region's entry, another for a
 * block start the code cache enters directly), whose locals (LOCALS) hold
 * guest state while it runs:
 *
 *   r0..r7              the general registers that the region touches
 *   fl lz lop lres la lb  EFLAGS and the lazy-flag record (cpu/flags.ts)
 *   ic, ip, sp0         instructions retired since entry; index of the
 *                       instruction that may fault, and ESP at its start
 *   pc, xt              the block to run next; an indirect jump's target
 *   xe, xl, smc         the exit EIP, its chain-link number, "a store hit code"
 *   t0, t1 ...          temporaries (emit-ops.ts), `const`, one per value
 *
 * Invariant: the locals are the truth while generated code runs; the CPU
 * object is the truth outside it. `spill` writes locals to the CPU (before a
 * helper, at every exit, on a fault) and `reload` reads them back (after a
 * helper). Nothing else moves state across.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Helpers } from './host.ts';
import { id, num, bin, member, index, assign, decl, declareLets, type Expr, type Identifier, type Stmt } from './ast.ts';

/** The factory's parameters: what a translated function closes over. */
export const PARAMS = {
  /** `H` (host.ts): memory slow paths, flag arithmetic, running a helper row */
  host: 'h',
  /** `HELPERS` (semantics/helpers.ts): pure value helpers semantics call by name */
  helpers: 'hp',
  /** the region's decoded instructions, by instruction index (helpers receive theirs) */
  instrs: 'INS',
  /** chained successors by static exit number, filled in by the code cache (the number itself until then) */
  links: 'L',
  /** the EIP of each static exit with a link number (an exit sets only `xl`) */
  exitEips: 'XE',
  /** physical memory (views, code epoch) */
  memory: 'MEM',
  /** each instruction's EIP, by index (a fault reports it) */
  eips: 'EIPS',
  /** instructions after it in its block, by index (counted on block entry, uncounted on a fault) */
  left: 'LEFT',
  /** 1 where the instruction saved ESP in `sp0` (a fault restores ESP from there) */
  savesEsp: 'SPX',
  /** the vCPU's VMI ROM state (vmirom/state.ts `VcpuVmi`), for inlined VMI calls (undefined without a ROM) */
  vmi: 'V',
  /** the ROM's hypervisor operations (vmirom/effects.ts `ROM_EFFECTS`), each called with `V` first */
  vmiEffects: 'VX',
  /**
   * A region lowered to WebAssembly (compile/wasm-lower.ts): its function,
   * and the vCPU's state block as int32 and float64 elements, through which
   * the function hands back the locals its JavaScript `finally` reads
   * (undefined for a JavaScript region)
   */
  wasmRun: 'WF',
  state32: 'S',
  state64: 'D',
} as const;

export type FactoryArgs = { [K in keyof typeof PARAMS]: unknown };

/** The order of the factory's parameters. */
export const FACTORY_PARAMS: readonly (keyof typeof PARAMS)[] = ['host', 'helpers', 'instrs', 'links', 'exitEips', 'memory', 'eips', 'left', 'savesEsp', 'vmi', 'vmiEffects', 'wasmRun', 'state32', 'state64'];

/** Locals of the translated function, its name and parameter. */
export const LOCALS = {
  /** the function's name and its one parameter */
  fn: 'translated',
  cpu: 'cpu',
  /** cpu.regs, cpu.mmu.tlb, and views of RAM */
  regs: 'R',
  tlb: 'tlb',
  m8: 'm8',
  m16: 'm16',
  m32: 'm32',
  /** MEM.codeEpoch at entry (a change means a store hit translated code) */
  epoch: 'ep',
  /** cpu.budget: instructions the region may retire before a back-edge leaves */
  budget: 'lim',
  /** cpu.instructions at entry */
  i0: 'i0',
  /** instructions retired since entry */
  count: 'ic',
  /** index of the instruction that may fault, and ESP at its start */
  faultIndex: 'ip',
  espAtStart: 'sp0',
  /** the block to run next (a case of the switch) */
  block: 'pc',
  /**
   * where the region leaves to, and the chain link of that exit (0: none;
   * links count from 1, so that the exit's table reads run on every exit)
   */
  exitEip: 'xe',
  exitLink: 'xl',
  /** the exit table's EIP for the link taken (the entry for link 0 is unused) */
  linkedEip: 'xk',
  /** a slow-path store hit translated code */
  smc: 'smc',
  /** an indirect jump's target, for the dispatch case */
  target: 'xt',
  /**
   * 1 while a helper row runs: the CPU then holds every register and flag,
   * and a fault leaves them as the helper did (a rep string instruction's
   * completed iterations), so the region's `finally` does not write its
   * stale locals over them
   */
  inHelper: 'hx',
  // EFLAGS and the lazy-flag record
  eflags: 'fl',
  lazy: 'lz',
  lop: 'lop',
  lres: 'lres',
  la: 'la',
  lb: 'lb',
} as const;

export type Local = keyof typeof LOCALS;

/** Statement labels: the dispatch loop, and the inner loop of a block that jumps to itself. */
export const LABELS = { run: 'run', self: 'self' } as const;

/** The label of block k's place in a region laid out without a dispatch loop (forward.ts): `b` and the number. */
export function blockLabel(k: number): string {
  return `b${k}`;
}
export const BLOCK_LABEL_PATTERN = /^b\d+$/;

/** Globals generated code may name. */
export const GLOBALS = { math: 'Math' } as const;

/** The flag locals and the CPU fields they mirror, in spill order. */
export const FLAG_LOCALS: readonly (readonly [Local, keyof Cpu])[] = [
  ['eflags', 'eflags'], ['lazy', 'lazy'], ['lop', 'lop'], ['lres', 'lres'], ['la', 'la'], ['lb', 'lb'],
];

/** The RAM views and the PhysicalMemory fields they are. */
export const MEMORY_VIEWS = { m8: 'u8', m16: 'u16', m32: 'i32' } as const;
/** The PhysicalMemory field read for self-modifying code. */
export const CODE_EPOCH = 'codeEpoch';
/** The PhysicalMemory field with each page's kind (an inlined VMI call's physical accesses test it). */
export const PAGE_KINDS = 'pageKind';

/**
 * The fields of `V` (the vCPU's VMI state) generated code reads or writes:
 * the virtual IF, the deferred mode, the inlined-call counters, the high
 * word of a 64-bit effect's value, and (profiling only) the per-site
 * counters of inlined calls (vmirom/profile-hooks.ts).
 */
export const VMI_FIELDS = { vif: 'vif', deferMode: 'deferMode', inlined: 'inlined', high: 'high', siteHits: 'siteHits', pageTables: 'pageTables' } as const;

/** Every register (bit r for register r). */
export const ALL_REGS = 0xff;

/** Temporaries are `t` and a number. */
export const TEMP_PATTERN = /^t\d+$/;
export function tempName(n: number): string {
  return `t${n}`;
}

/**
 * A region's count of the inlined calls of VMI call number `k`
 * (vmirom/calls.ts CALL_NAMES): a local, added to the vCPU's counters
 * (`V.inlined`) when the region is left (region.ts), where an increment
 * of the counter itself at each call was a store the next call's
 * increment waited for (an inlined DisableInterrupts in a loop 2.2 ns
 * with it, 1.3 ns without).
 */
const CALL_COUNT_PREFIX = 'vc';
export const CALL_COUNT_PATTERN = new RegExp(`^${CALL_COUNT_PREFIX}\\d+$`);
export function callCountName(k: number): string {
  return `${CALL_COUNT_PREFIX}${k}`;
}
/** The call numbers whose counts a region keeps (`vc` locals), from the names its text holds (`namesIn`). */
export function callCountsIn(names: ReadonlySet<string>): number[] {
  const counts: number[] = [];
  for (const n of names) if (CALL_COUNT_PATTERN.test(n)) counts.push(Number(n.slice(CALL_COUNT_PREFIX.length)));
  return counts.sort((a, b) => a - b);
}

/**
 * Every name a text holds but the temporaries (identifiers and property
 * names, not the letters of a number such as `1e5` or `0xff`): one pass
 * over a region's body, which the prologue and the write-back then ask
 * what it mentions. Temporaries are most of a body's names and nothing
 * asks for them (the emitter counts its own); a scan by character codes,
 * where a regular expression and a set of every name took 15 % of emission.
 */
export function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (isNameStart(c)) {
      const start = i;
      do i++; while (i < n && isNamePart(text.charCodeAt(i)));
      if (!isTemporary(text, start, i)) names.add(text.slice(start, i));
    } else if (c >= 48 && c <= 57) {
      // a number, with its exponent, hex digits or fraction
      do i++; while (i < n && (isNamePart(text.charCodeAt(i)) || text.charCodeAt(i) === 46));
    } else {
      i++;
    }
  }
  return names;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** `t` and digits only (TEMP_PATTERN) */
function isTemporary(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== 116 || end - start < 2) return false;
  for (let k = start + 1; k < end; k++) {
    const d = text.charCodeAt(k);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

/** The local holding general register r. */
export function regLocal(r: number): string {
  return `r${r}`;
}

// ---- expressions ------------------------------------------------------------------

export function local(name: Local): Identifier {
  return id(LOCALS[name]);
}

export function param(name: keyof typeof PARAMS): Identifier {
  return id(PARAMS[name]);
}

export function reg(r: number): Identifier {
  return id(regLocal(r));
}

/** `cpu.<field>` */
export function cpuField(field: keyof Cpu): Expr {
  return member(local('cpu'), field);
}

/** `MEM.<field>` */
export function memoryField(field: (typeof MEMORY_VIEWS)[keyof typeof MEMORY_VIEWS] | typeof CODE_EPOCH | typeof PAGE_KINDS): Expr {
  return member(param('memory'), field);
}

/** `V.<field>` */
export function vmiField(field: keyof typeof VMI_FIELDS): Expr {
  return member(param('vmi'), VMI_FIELDS[field]);
}

/** `VX.<name>`: a hypervisor operation of the ROM (its names are the ROM's, checked by the allow-list test) */
export function vmiEffect(name: string): Expr {
  return member(param('vmiEffects'), name);
}

/** `h.<name>` */
export function hostFn(name: keyof Helpers): Expr {
  return member(param('host'), name);
}

/** `R[r]` */
export function cpuReg(r: number): Expr {
  return index(local('regs'), num(r));
}

/** `TABLE[ip]` for a per-instruction table parameter. */
export function perInstruction(table: 'instrs' | 'eips' | 'left' | 'savesEsp', ip: Expr): Expr {
  return index(param(table), ip);
}

/**
 * The instructions retired before instruction `ip` of the region (the
 * value `cpu.instructions` has when the interpreter starts it), for helpers
 * that read machine time: rdtsc, and devices behind a memory slow path.
 */
export function retiredBefore(ip: Expr): Expr {
  return bin('-', bin('+', local('i0'), local('count')), bin('+', perInstruction('left', ip), num(1)));
}

/** The same, for an instruction whose entry in the `left` table is known when emitting it: `left + 1` is a constant. */
export function retiredBeforeKnown(left: number): Expr {
  return bin('-', bin('+', local('i0'), local('count')), num(left + 1));
}

// ---- moving state between the CPU and the locals ---------------------------------------

/** Registers in `regs` (a bit mask) from locals to the CPU. */
export function spillRegs(regs: number): Stmt[] {
  const out: Stmt[] = [];
  for (let r = 0; r < 8; r++) if (regs & (1 << r)) out.push(assign(cpuReg(r), reg(r)));
  return out;
}

/** Registers in `regs` from the CPU to locals. */
export function reloadRegs(regs: number): Stmt[] {
  const out: Stmt[] = [];
  for (let r = 0; r < 8; r++) if (regs & (1 << r)) out.push(assign(reg(r), cpuReg(r)));
  return out;
}

/** The flag locals to the CPU. */
export function spillFlags(): Stmt[] {
  return FLAG_LOCALS.map(([l, field]) => assign(cpuField(field), local(l)));
}

/** The flag locals from the CPU. */
export function reloadFlags(): Stmt[] {
  return FLAG_LOCALS.map(([l, field]) => assign(local(l), cpuField(field)));
}

/** Registers in `regs` and the flags, from locals to the CPU. */
export function spill(regs: number): Stmt[] {
  return [...spillRegs(regs), ...spillFlags()];
}

/** Registers in `regs` and the flags, from the CPU to locals. */
export function reload(regs: number): Stmt[] {
  return [...reloadRegs(regs), ...reloadFlags()];
}

/**
 * The declarations that open a translated function: views, the registers in
 * `regs`, the flags, bookkeeping, and `temporaries` temporaries (t0...).
 * What the body never names is left out (`mentions`): a RAM view, the
 * flags (all six together), `smc`, the dispatch target and the helper mark;
 * an unoptimised region loads each declaration at every entry. `callCounts`:
 * the VMI calls whose inlined runs the region counts (`callCountsIn`).
 */
export function prologue(regs: number, temporaries: number, mentions: (name: string) => boolean, callCounts: readonly number[]): Stmt[] {
  const out: Stmt[] = [
    decl('const', LOCALS.regs, cpuField('regs')),
    decl('const', LOCALS.tlb, member(cpuField('mmu'), 'tlb')),
    ...Object.entries(MEMORY_VIEWS).filter(([view]) => mentions(view)).map(([view, field]) => decl('const', view, memoryField(field))),
    decl('const', LOCALS.epoch, memoryField(CODE_EPOCH)),
    decl('const', LOCALS.budget, cpuField('budget')),
  ];
  for (let r = 0; r < 8; r++) if (regs & (1 << r)) out.push(decl('let', regLocal(r), cpuReg(r)));
  if (usesFlags(mentions)) for (const [l, field] of FLAG_LOCALS) out.push(decl('let', LOCALS[l], cpuField(field)));
  out.push(
    decl('const', LOCALS.i0, cpuField('instructions')),
    decl('let', LOCALS.count, num(0)),
    decl('let', LOCALS.faultIndex, num(0)),
    decl('let', LOCALS.espAtStart, reg(4)),
    decl('let', LOCALS.exitEip, num(0)),
    decl('let', LOCALS.exitLink, num(0)),
  );
  for (const l of ['smc', 'target', 'inHelper'] as const) if (mentions(LOCALS[l])) out.push(decl('let', LOCALS[l], num(0)));
  for (const k of callCounts) out.push(decl('let', callCountName(k), num(0)));
  out.push(declareLets(Array.from({ length: temporaries }, (_, k) => tempName(k))));
  return out;
}

/** Does a body (as `mentions` sees it) touch the flags? Then all six live in locals, loaded and stored. */
export function usesFlags(mentions: (name: string) => boolean): boolean {
  return FLAG_LOCALS.some(([l]) => mentions(LOCALS[l]));
}

/** What the region's `finally` adds to the vCPU's counters of inlined calls. */
export function addCallCounts(callCounts: readonly number[]): Stmt[] {
  return callCounts.map((k) => assign(index(vmiField('inlined'), num(k)), id(callCountName(k)), '+='));
}

/** Every identifier a translated function may contain, temporaries and call counts aside (TEMP_PATTERN, CALL_COUNT_PATTERN). */
export function declaredNames(): Set<string> {
  return new Set<string>([
    ...Object.values(PARAMS), ...Object.values(LOCALS), ...Object.values(LABELS), ...Object.values(GLOBALS),
    ...Object.keys(MEMORY_VIEWS), ...[0, 1, 2, 3, 4, 5, 6, 7].map(regLocal),
  ]);
}
