/**
 * Fields laid out from the start for how they will change: numbers that
 * outgrow small integers (`widen`, below) and values that first change long
 * after optimised code has read them (`mutable`, at the end).
 *
 * V8 picks a field's layout from the first values it holds: a field that
 * has only held integers below 2^31 is kept as an unboxed small integer in
 * every object of that shape. The first time one of them holds a larger
 * number (an instruction count passing 2^31, a 32-bit limit of 0xffffffff,
 * a cycle count) V8 gives the shape a new layout and throws away every
 * optimised function that has seen the old one: in a Linux boot, at 2^31
 * instructions, the engine's loop, the interpreter and every translated
 * region that had read `cpu.instructions` ("wrong map" deoptimisations,
 * 208 of them in a boot to `Run /init`; bench/README.md, "Fields that pass
 * 2^31") and had to be compiled again. A field that holds a fraction once
 * is laid out as a number of any size, and stays so.
 *
 * `widen(o, keys)` does that for the named fields of `o`, keeping their
 * values; call it where the object is made, before any code has run on it.
 */
export function widen<T extends object>(o: T, keys: readonly string[]): T {
  // (names, not `keyof T`: most of these fields are private)
  const fields = o as unknown as Record<string, unknown>;
  for (const k of keys) {
    if (!(k in fields)) throw new Error(`widen: no field ${k}`);
    const value = fields[k];
    fields[k] = 0.5;
    fields[k] = value;
  }
  return o;
}

/**
 * Fields optimised code must not take for constants. V8 treats a field that
 * still holds the first value it was given as a constant: code it optimises
 * meanwhile folds the value in, and the field's first change throws all of
 * that code away ("code dependencies" deoptimisations). The code epoch
 * (cpu/memory.ts) kept its first value through the whole of Linux's
 * decompressor, every region compiled then folded it, and the kernel's first
 * write to a code page sent 52 optimised regions back to unoptimised code
 * at once, each to be optimised again (bench/README.md, "Where kernel
 * initialisation's time goes").
 *
 * `mutable(o, keys)` changes each named number or boolean field once and
 * puts its value back, so that no code ever folds it; call it where the
 * object is made.
 */
export function mutable<T extends object>(o: T, keys: readonly string[]): T {
  const fields = o as unknown as Record<string, unknown>;
  for (const k of keys) {
    const value = fields[k];
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`mutable: no number or boolean field ${k}`);
    fields[k] = typeof value === 'number' ? (value === 0 ? 1 : 0) : !value;
    fields[k] = value;
  }
  return o;
}
