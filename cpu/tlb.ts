/**
 * The software TLB's entry format and the test every fast path makes.
 *
 * The TLB (owned by cpu/mmu.ts) is an Int32Array indexed by linear page
 * number, 1M entries. An entry is the physical frame address ORed with
 * rights bits, or 0 when nothing is cached. A fast path looks up one entry
 * and tests one rights bit; when the bit is set it may use the frame without
 * walking page tables, setting accessed/dirty bits or checking anything
 * else (cpu/mmu.ts caches a right only when using it needs no bookkeeping).
 *
 * The fast paths are the MMU's accessors, the interpreter's decode cache,
 * the string instructions' page runs, the translator's inline loads and
 * stores, and its checks that a region's pages are still mapped where they
 * were. All of them use this module; the tests are written over Arith
 * (base/arith.ts), so the translator emits the same formulas the MMU runs.
 * Each test gives 0 or 1.
 */
import type { Arith } from '../base/arith.ts';

/** Rights bits: read and write at supervisor level (CPL 0-2) and at user level (CPL 3). */
export const TLB_RS = 1;
export const TLB_WS = 2;
export const TLB_RU = 4;
export const TLB_WU = 8;
/** a global page (kept by a CR3 load) */
export const TLB_GLOBAL = 16;
/** not executable (PAE with EFER.NXE) */
export const TLB_NX = 32;
/** part of a large page (INVLPG must drop all of it) */
export const TLB_LARGE = 64;
/**
 * A device page's entry (MMIO, or no memory at all): it sets no access
 * right, so every fast path fails and takes the slow one as before, but the
 * slow path finds the page's physical frame and rights here (the rights
 * moved up by DEVICE_RIGHTS_SHIFT) and reaches the device without walking
 * the page tables again (a kernel reads its local APIC's ID on every
 * system call).
 */
export const TLB_DEVICE = 128;
const DEVICE_RIGHTS_SHIFT = 8;
/** every access right */
export const TLB_ALL_RIGHTS = TLB_RS | TLB_WS | TLB_RU | TLB_WU;
/** the write rights, which a page loses when it becomes code or a device */
export const TLB_WRITE_RIGHTS = TLB_WS | TLB_WU;

const FRAME = ~0xfff;
const PAGE_OFFSET = 0xfff;

/** The right an access needs. */
export function tlbRight(user: boolean, write: boolean): number {
  return user ? (write ? TLB_WU : TLB_RU) : write ? TLB_WS : TLB_RS;
}

/** An entry caching `frame` (page aligned) with `rights`. */
export function tlbEntry(frame: number, rights: number): number {
  return (frame & FRAME) | rights;
}

/** A device page's entry caching `frame` with `rights` (the access rights moved out of every fast path's way). */
export function deviceEntry(frame: number, rights: number): number {
  return (frame & FRAME) | TLB_DEVICE | ((rights & TLB_ALL_RIGHTS) << DEVICE_RIGHTS_SHIFT) | (rights & ~TLB_ALL_RIGHTS & PAGE_OFFSET);
}

/** Is e a device page's entry granting `right` (the slow path's test)? */
export function deviceGrants(e: number, right: number): boolean {
  return (e & TLB_DEVICE) !== 0 && ((e >>> DEVICE_RIGHTS_SHIFT) & right) !== 0;
}

/*
 * The fast-path test as the MMU's accessors and the interpreter's decode
 * cache run it, on numbers, for every guest memory access. These are the
 * formulas below specialised by hand, because the accessors sit at the bottom
 * of the interpreter's deepest call chain and the number backend of Arith
 * costs measurable time there (V8 runs out of inlining budget); cpu/tlb.test.ts
 * checks that each agrees with its formula.
 */

/** Does entry e grant `right`? */
export function grants(e: number, right: number): boolean {
  return (e & right) !== 0;
}

/** May code be fetched through e with the read right `right`? */
export function executable(e: number, right: number): boolean {
  return (e & (right | TLB_NX)) === right;
}

/** The physical address of lin through its entry e (unsigned). */
export function physical(e: number, lin: number): number {
  // unsigned: RAM may reach past 2 GiB, where an int32 index would be negative
  return ((e & FRAME) | (lin & PAGE_OFFSET)) >>> 0;
}

/** Does an access of `size` bytes at lin stay within its page? */
export function fitsInPage(lin: number, size: number): boolean {
  return (lin & PAGE_OFFSET) <= 0x1000 - size;
}

/*
 * The same tests over Arith, for the translator to emit into generated code,
 * and for its own checks that a region's pages are still mapped.
 */

/** The index of the entry for linear address lin. */
export function tlbSlot<V>(a: Arith<V>, lin: V): V {
  return a.shr(lin, a.c(12));
}

/** The physical frame an entry caches (as an int32). */
export function tlbFrame<V>(a: Arith<V>, e: V): V {
  return a.and(e, a.c(FRAME));
}

/** The physical address of linear address lin, through its entry e. */
export function tlbPhysical<V>(a: Arith<V>, e: V, lin: V): V {
  return a.or(tlbFrame(a, e), a.and(lin, a.c(PAGE_OFFSET)));
}

/** The fast-path test: does entry e grant `right` (from tlbRight)? */
export function tlbGrants<V>(a: Arith<V>, e: V, right: V): V {
  return a.ne(a.and(e, right), a.c(0));
}

/** Does e still map linear page to `frame` with `right` (a translation made from that page is valid)? */
export function tlbMaps<V>(a: Arith<V>, e: V, frame: V, right: V): V {
  return a.and(a.eq(tlbFrame(a, e), frame), tlbGrants(a, e, right));
}

/** Is code fetched through e from `frame` with the read right `right` (not NX): does a call into that page reach that frame? */
export function tlbFetchesFrom<V>(a: Arith<V>, e: V, frame: V, right: V): V {
  return a.eq(a.and(e, a.or(a.c(FRAME | TLB_NX), right)), a.or(frame, right));
}

/** Is lin aligned for an access of `size` bytes (so a typed-array view of that width reaches it)? */
export function aligned<V>(a: Arith<V>, lin: V, size: number): V {
  return a.eq(a.and(lin, a.c(size - 1)), a.c(0));
}
