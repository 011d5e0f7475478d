/**
 * When translating an address pays: heat counters in bounded memory, and
 * back-off for code whose translations do not pay for themselves.
 *
 * Heat. Each lookup the interpreter makes counts one execution of its key
 * (physical EIP and mode, cache/cache.ts `keyOf`) in a direct-mapped table
 * of HEAT_SLOTS counters, so a guest that never runs the same code twice
 * (a sled of millions of instructions) uses the same memory as one that
 * loops. A key that lands on a slot another key holds wears one execution
 * off the holder's count, and takes the slot over (starting from one) once
 * that count is down to one: the key that runs more keeps the slot. (With
 * plain takeover, a loop body run 37,000 times in Linux's boot was never
 * translated while a function 0x4e0000 bytes away, run 483 times in the
 * same stretch, kept resetting its count.) A run the interpreter then makes
 * from a key that was not hot yet adds one execution per HEAT_UNIT
 * instructions it retired (`credit`): a straight block of thousands of
 * instructions is as hot after a few runs as a loop body after hundreds.
 * A count also belongs to its page's generation: a guest
 * write to a page with translations starts its addresses from zero again,
 * so code rewritten in place is not translated at once the next time round.
 *
 * Back-off. Translating costs about as much as interpreting the same code
 * a few dozen times (`vmidbt run --stats` shows the cost per instruction),
 * so a translation pays once it has run PAYOFF times its own length. Two
 * kinds of code never get there, and each makes the tiers back off:
 *
 * - code on a page the guest keeps writing (self-modifying code, or code
 *   and data sharing a page): each time a write drops a page's translations
 *   before they paid, the page takes a strike, and an address on it must be
 *   reached twice as often before it is translated again (up to
 *   2^MAX_STRIKES times the threshold); translations that did pay clear the
 *   strikes, so a page reused for new code (a new program) starts afresh;
 * - code that runs too few times to pay (code that never repeats, with
 *   `--jit-threshold 0`, or code run a little more than the threshold and
 *   abandoned): each translation is judged once the guest has run
 *   JUDGE_AFTER times its length since it was made (or, when RECENT
 *   translations wait, the oldest at once); when BOOST.window judgements in a row
 *   find most of them unpaid, the threshold doubles for the whole vCPU (up
 *   to BOOST.maxBoost times), and when most paid, it halves back.
 *
 * Reached. Each lookup also sets the key's bit in a set of the block starts
 * the interpreter has reached. A region is made of those (region/discover.ts
 * leaves the others out, as exits): code that has not run once in the
 * threshold's executions of its entry mostly does not run in the region's
 * first thousands either, and V8 optimises a function with such code as a
 * trap back to unoptimised code (a deoptimisation: in Linux's boot, blocks
 * never run before V8 optimised their region made 138 of its 415). Leaving
 * them out made the boot's JavaScript 27 % smaller (7.2 to 5.2 MB) for 25 %
 * more region entries.
 *
 * Every input is a count of guest events, so the tiers are as deterministic
 * as the guest. Memory: HEAT_SLOTS * 14 bytes, the reached set's 512 KiB,
 * and two bytes per page of RAM, whatever the guest runs. Used by the engine (engine.ts), one per vCPU.
 */

import { addressBitOf, physicalOfKey } from '../cache/cache.ts';
import { widen } from '../../base/wide-fields.ts';

/**
 * Instructions of one interpreted run that count as one execution: a run
 * from a key that retires more counts as that many executions of an
 * ordinary block (`credit`). Interpreted blocks average about six
 * instructions; a straight-line function of a thousand (an unrolled hash,
 * BLAKE2s in Linux's random driver) costs its thousand each time it runs,
 * and counted once a run it was never translated at all.
 */
export const HEAT_UNIT = 16;
/** Counters in the heat table (a power of two). */
export const HEAT_SLOTS = 1 << 16;
/** A translation has paid once it has retired this many times its own instruction count. */
export const PAYOFF = 32;
/** Strikes a page can take: the required heat grows to 2^MAX_STRIKES times the threshold. */
export const MAX_STRIKES = 12;
/** A translation is judged once the guest ran this many times its length after it was made. */
export const JUDGE_AFTER = 1000;
/** Translations waiting to be judged, at most. */
export const RECENT = 256;
/**
 * The global back-off: after `window` judgements, more than `unpaidHigh`
 * unpaid doubles it and fewer than `unpaidLow` halves it, between 1 and
 * `maxBoost` times the threshold. The cap keeps it within a few times of
 * where translating pays (a translation costs about what interpreting its
 * code 100 to 300 times does): Linux's initialisation code drove an
 * uncapped boost to 256, so that loops first reached late in the boot ran
 * 12,800 times in the interpreter before translation; capped at 8
 * (threshold 50), the boot took 2-6 % less time in each of three
 * alternating pairs of runs.
 */
export const BOOST = { window: 32, unpaidHigh: 24, unpaidLow: 8, maxBoost: 8 } as const;

/** What tiering reads of a translation. */
export interface Judged {
  readonly instructions: number;
  readonly executed: number;
}

export interface TieringStats {
  /** translations made while some back-off was in force */
  backedOff: number;
  /** page strikes taken (translations dropped by writes before they paid) */
  strikes: number;
  /** the global back-off factor now (1 when none) */
  boost: number;
}

export class Tiering {
  /**
   * each slot's key plus one (0: empty): the table starts as the zeroed
   * memory it is allocated as, and a page of it is touched only when a key
   * lands there (filling it with a mark touched all 128 pages at every
   * start, each page's first touch a fault: bench/README.md, `npm run bench:startup`)
   */
  private readonly keys = new Float64Array(HEAT_SLOTS);
  private readonly counts = new Int32Array(HEAT_SLOTS);
  /** the generation of the key's page when the count started */
  private readonly gens = new Uint8Array(HEAT_SLOTS);
  /** per physical page of RAM: how often its translations were dropped by writes (mod 256) */
  private readonly pageGen: Uint8Array;
  /** per physical page of RAM: strikes, 0..MAX_STRIKES */
  private readonly pageStrikes: Uint8Array;
  private boost = 1;
  /** one bit per hashed key: the interpreter has reached it where a block starts (`reached`) */
  private readonly reachedBits = new Uint8Array(REACHED_BITS >>> 3);
  /** translations not judged yet, oldest first, with the instruction count at which each is due */
  private readonly recent: { t: Judged; due: number }[] = [];
  private judged = 0;
  private unpaid = 0;
  readonly stats: TieringStats = { backedOff: 0, strikes: 0, boost: 1 };

  /**
   * `threshold`: executions before an address is translated (0: at once);
   * `ramPages`: pages of physical RAM (code outside RAM is never translated);
   * `backOff`: false keeps the threshold as given (tests of the translator).
   */
  constructor(readonly threshold: number, ramPages: number, private readonly backOff = true) {
    this.pageGen = new Uint8Array(ramPages);
    this.pageStrikes = new Uint8Array(ramPages);
  }

  /** Count one execution of `key` (at physical address `phys`); true when its region should be translated now. */
  hot(key: number, phys: number): boolean {
    const bit = reachedBitOf(key);
    this.reachedBits[bit >>> 3] |= 1 << (bit & 7);
    const page = phys >>> 12;
    const gen = this.pageGen[page] ?? 0;
    const slot = slotOf(key);
    const held = this.keys[slot];
    let count: number;
    if (held === key + 1 && this.gens[slot] === gen) {
      count = this.counts[slot] + 1;
    } else if (held !== key + 1 && held !== 0 && this.counts[slot] > 1) {
      this.counts[slot]--;
      return false;
    } else {
      this.keys[slot] = key + 1;
      this.gens[slot] = gen;
      count = 1;
    }
    const need = this.required(page);
    if (count < need) { this.counts[slot] = count; return false; }
    this.keys[slot] = 0;
    if (need > this.threshold) this.stats.backedOff++;
    return true;
  }

  /**
   * The interpreter then ran `instructions` from `key`, whose execution
   * `hot` counted just before (and found not hot yet): a long run counts as
   * one execution per HEAT_UNIT of them, where its slot still holds the key.
   */
  credit(key: number, instructions: number): void {
    const extra = Math.floor(instructions / HEAT_UNIT) - 1;
    if (extra <= 0) return;
    const slot = slotOf(key);
    if (this.keys[slot] === key + 1) this.counts[slot] = Math.min(this.counts[slot] + extra, HEAT_CAP);
  }

  /**
   * Has the interpreter reached `key` where a block starts (counted by `hot`)?
   * False means never; true may also be another key sharing its bit.
   */
  reached(key: number): boolean {
    const bit = reachedBitOf(key);
    return (this.reachedBits[bit >>> 3] & (1 << (bit & 7))) !== 0;
  }

  /** How many times an address on `page` must be reached to be translated (the threshold, backed off). */
  private required(page: number): number {
    if (!this.backOff) return this.threshold;
    const factor = this.boost * 2 ** (this.pageStrikes[page] ?? 0);
    return factor === 1 ? this.threshold : Math.max(this.threshold, 1) * factor;
  }

  /** A guest write to `page` dropped these translations. */
  invalidated(page: number, dropped: readonly Judged[]): void {
    if (page >= this.pageGen.length) return;
    this.pageGen[page] = (this.pageGen[page] + 1) & 0xff;
    let made = 0, ran = 0;
    for (const t of dropped) { made += t.instructions; ran += t.executed; }
    if (ran >= PAYOFF * made) {
      this.pageStrikes[page] = 0;
    } else if (this.pageStrikes[page] < MAX_STRIKES) {
      this.pageStrikes[page]++;
      this.stats.strikes++;
    }
  }

  /** A translation was made when the vCPU had retired `now` instructions. */
  translated(t: Judged, now: number): void {
    const recent = this.recent;
    while (recent.length && (recent[0].due <= now || recent.length >= RECENT)) this.judge(recent.shift()!.t);
    recent.push(widen({ t, due: now + JUDGE_AFTER * t.instructions }, ['due']));
  }

  private judge(t: Judged): void {
    this.judged++;
    if (t.executed < PAYOFF * t.instructions) this.unpaid++;
    if (this.judged < BOOST.window) return;
    if (this.unpaid > BOOST.unpaidHigh) this.boost = Math.min(this.boost * 2, BOOST.maxBoost);
    else if (this.unpaid < BOOST.unpaidLow) this.boost = Math.max(this.boost / 2, 1);
    this.stats.boost = this.boost;
    this.judged = 0;
    this.unpaid = 0;
  }
}

/** A heat count stays a small integer, however long the runs credited to it. */
const HEAT_CAP = 1 << 30;

/** Bits of the reached set (512 KiB): a few per cent of a kernel's block starts share one. */
const REACHED_LOG2 = 22;
const REACHED_BITS = 1 << REACHED_LOG2;

/** A key's bit in the reached set (cache.ts `addressBitOf`, as the cache's filter). */
function reachedBitOf(key: number): number {
  return addressBitOf(key, REACHED_LOG2);
}

/** The heat slot of a key: its physical address's low bits, mixed with the mode. */
function slotOf(key: number): number {
  const phys = physicalOfKey(key);
  const mode = key - phys * 32;
  return (phys ^ (mode * 0x9e37)) & (HEAT_SLOTS - 1);
}
