/**
 * Just enough of an AML encoder (ACPI 6.x, chapter 20 "ACPI Machine
 * Language Specification", and 6.4 "Resource Data Types") for the DSDT in
 * acpi.ts: names with integer, package and buffer values, scopes, devices,
 * and the resource descriptors of a PCI host bridge's _CRS. Each function
 * returns the bytes of one term; callers concatenate them.
 */

const NAME_OP = 0x08, BYTE_PREFIX = 0x0a, WORD_PREFIX = 0x0b, DWORD_PREFIX = 0x0c;
const ZERO_OP = 0x00, ONE_OP = 0x01, SCOPE_OP = 0x10, BUFFER_OP = 0x11, PACKAGE_OP = 0x12;
const EXT_PREFIX = 0x5b, DEVICE_OP = 0x82;

/** A PkgLength for `body` bytes: counts its own 1 to 4 bytes. */
export function pkgLength(body: number): number[] {
  for (let extra = 0; extra < 4; extra++) {
    const total = body + 1 + extra;
    if (extra === 0 && total < 0x40) return [total];
    if (extra > 0 && total < 1 << (4 + 8 * extra)) {
      const bytes = [(extra << 6) | (total & 0x0f)];
      for (let k = 0; k < extra; k++) bytes.push((total >> (4 + 8 * k)) & 0xff);
      return bytes;
    }
  }
  throw new RangeError(`AML package too long: ${body} bytes`);
}

/** A name path: optional root prefix "\", then four-character segments (padded with "_"). */
export function namePath(path: string): number[] {
  const root = path.startsWith('\\');
  const segs = (root ? path.slice(1) : path).split('.').map((s) => s.padEnd(4, '_'));
  for (const s of segs) if (!/^[A-Z_][A-Z0-9_]{3}$/.test(s)) throw new Error(`bad AML name segment '${s}'`);
  const chars = segs.join('').split('').map((c) => c.charCodeAt(0));
  const prefix = root ? [0x5c] : [];
  if (segs.length === 1) return [...prefix, ...chars];
  if (segs.length === 2) return [...prefix, 0x2e, ...chars];
  return [...prefix, 0x2f, segs.length, ...chars];
}

export function integer(v: number): number[] {
  if (v === 0) return [ZERO_OP];
  if (v === 1) return [ONE_OP];
  if (v < 0x100) return [BYTE_PREFIX, v];
  if (v < 0x10000) return [WORD_PREFIX, v & 0xff, v >> 8];
  return [DWORD_PREFIX, ...le(v, 4)];
}

export function le(v: number, bytes: number): number[] {
  return Array.from({ length: bytes }, (_, k) => Math.floor(v / 2 ** (8 * k)) & 0xff);
}

export function name(path: string, value: number[]): number[] {
  return [NAME_OP, ...namePath(path), ...value];
}

export function pkg(elements: number[][]): number[] {
  const body = [elements.length, ...elements.flat()];
  return [PACKAGE_OP, ...pkgLength(body.length), ...body];
}

export function buffer(bytes: number[]): number[] {
  const body = [...integer(bytes.length), ...bytes];
  return [BUFFER_OP, ...pkgLength(body.length), ...body];
}

export function scope(path: string, terms: number[][]): number[] {
  const body = [...namePath(path), ...terms.flat()];
  return [SCOPE_OP, ...pkgLength(body.length), ...body];
}

export function device(path: string, terms: number[][]): number[] {
  const body = [...namePath(path), ...terms.flat()];
  return [EXT_PREFIX, DEVICE_OP, ...pkgLength(body.length), ...body];
}

/** EisaId("PNP0A03") and the like: three letters and four hex digits, compressed into a dword. */
export function eisaId(id: string): number[] {
  const c = (k: number) => id.charCodeAt(k) - 0x40;
  const hi = (c(0) << 10) | (c(1) << 5) | c(2);
  const v = ((hi >> 8) & 0xff) | ((hi & 0xff) << 8) | (parseInt(id.slice(3, 5), 16) << 16) | (parseInt(id.slice(5, 7), 16) << 24);
  return [DWORD_PREFIX, ...le(v >>> 0, 4)];
}

// ---- resource descriptors (a _CRS buffer's contents) ----------------------------------

/** general flags of an address space descriptor: producer, positive decode, min and max fixed */
const PRODUCER_FIXED = 0x0c;

/** Word Address Space Descriptor: `kind` 1 = I/O, 2 = bus number range. */
export function wordSpace(kind: 1 | 2, min: number, max: number, typeFlags = kind === 1 ? 3 : 0): number[] {
  return [0x88, 0x0d, 0x00, kind, PRODUCER_FIXED, typeFlags, ...le(0, 2), ...le(min, 2), ...le(max, 2), ...le(0, 2), ...le(max - min + 1, 2)];
}

/** DWord Address Space Descriptor for memory: read/write, cacheable or not. */
export function dwordMemory(min: number, max: number, cacheable: boolean): number[] {
  const typeFlags = 0x01 | (cacheable ? 0x02 : 0);
  return [0x87, 0x17, 0x00, 0, PRODUCER_FIXED, typeFlags, ...le(0, 4), ...le(min, 4), ...le(max, 4), ...le(0, 4), ...le(max - min + 1, 4)];
}

/** I/O Port Descriptor (16-bit decode) of `length` ports at `base`. */
export function ioPorts(base: number, length: number): number[] {
  return [0x47, 0x01, ...le(base, 2), ...le(base, 2), 0x01, length];
}

/** IRQ Descriptor without flags (edge, active high) for one ISA IRQ. */
export function irq(n: number): number[] {
  return [0x22, ...le(1 << n, 2)];
}

/** The End Tag closing a resource template (checksum 0: not computed). */
export const END_TAG = [0x79, 0x00];
