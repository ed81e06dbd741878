// Loads and stores of guest memory as word pairs (js-lowering.ts), at a host offset into `view`
// (a DataView over guest RAM, little-endian as RISC-V is): the one place that says how each access
// size reads and writes, for the interpreter's generated code.

import type { Pair } from "./js-lowering.js";
import { src } from "./js-lowering.js";

/**
 * The value a load of `size` bytes at host offset `p` gives: integer loads sign- or zero-extend; a
 * single loaded into an f register is NaN-boxed (Unprivileged ISA, "NaN Boxing of Narrower Values").
 * `tmp` names a const the code may declare.
 */
export function loadWords(
  size: number,
  signed: boolean,
  fp: boolean,
  p: string,
  tmp: string,
): { code: string; value: Pair } {
  if (size === 8)
    return { code: "", value: { lo: `view.getInt32(${p}, true)`, hi: `view.getInt32(${p} + 4, true)` } };
  if (fp) return { code: "", value: { lo: `view.getInt32(${p}, true)`, hi: -1 } };
  const get = { 1: "Int8", 2: "Int16", 4: "Int32" }[size as 1 | 2 | 4];
  if (!signed) {
    const u =
      size === 4 ? `view.getInt32(${p}, true)` : `view.getUint${size * 8}(${p}${size > 1 ? ", true" : ""})`;
    return { code: "", value: { lo: u, hi: 0 } };
  }
  return {
    code: `const ${tmp} = view.get${get}(${p}${size > 1 ? ", true" : ""});`,
    value: { lo: tmp, hi: `(${tmp} >> 31)` },
  };
}

/** Statements storing the low `size` bytes of v at host offset p. */
export function storeText(size: number, p: string, v: Pair): string {
  switch (size) {
    case 1:
      return `view.setInt8(${p}, ${src(v.lo)});`;
    case 2:
      return `view.setInt16(${p}, ${src(v.lo)}, true);`;
    case 4:
      return `view.setInt32(${p}, ${src(v.lo)}, true);`;
    default:
      return `view.setInt32(${p}, ${src(v.lo)}, true); view.setInt32(${p} + 4, ${src(v.hi)}, true);`;
  }
}
