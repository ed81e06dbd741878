// ISA strings ("rv64imafdc", "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0") as found in
// ELF attributes and $x<isa> mapping symbols (Unprivileged ISA, chapter "ISA Extension Naming
// Conventions"), reduced to the extensions the table knows. binutils 2.40 knows no "b" letter (Zba,
// Zbb and Zbs together, ratified in 2024), so neither does this.

import type { Ext } from "./table.js";

/** Which of the table's extensions an ISA string enables. */
export type IsaSet = ReadonlySet<Ext>;

export const RV64GC: IsaSet = new Set<Ext>(["I", "M", "A", "F", "D", "C", "Zicsr", "Zifencei", "Priv"]);
/** RV64GC with the Zba and Zbb bit-manipulation extensions (-march=rv64gc_zba_zbb). */
export const RV64GC_ZBA_ZBB: IsaSet = new Set<Ext>([...RV64GC, "Zba", "Zbb"]);

/**
 * Parses an ISA string; undefined if it is not one. G stands for IMAFD_Zicsr_Zifencei; D implies F.
 * Zicsr and Zifencei are always on: before ISA 20191213 they were part of I, and every RV64 toolchain
 * string we read either names them or predates the split.
 */
export function parseIsaString(isa: string): IsaSet | undefined {
  const m = /^rv(32|64|128)([a-z][a-z0-9]*)?((?:_[a-z][a-z0-9]*)*)$/.exec(isa.toLowerCase());
  if (!m) return undefined;
  const out = new Set<Ext>(["I", "Zicsr", "Zifencei", "Priv"]);
  // Single-letter extensions, each optionally followed by a version (2p1).
  const single = (m[2] ?? "").replace(/\d+(p\d+)?/g, "");
  const [first, ...rest] = single.split("_")[0]!;
  if (first !== "i" && first !== "e" && first !== "g") return undefined;
  const letters = new Set(first === "g" ? ["m", "a", "f", "d", ...rest] : rest);
  // Multi-letter extensions after underscores; "zmmul" is M's multiplications alone (not modelled).
  const multi = new Set<string>();
  for (const part of (m[3] ?? "").split("_").filter(Boolean)) {
    const name = part.replace(/\d+(p\d+)?$/, "");
    if (name.length === 1) letters.add(name);
    else multi.add(name);
  }
  if (letters.has("m")) out.add("M");
  if (letters.has("a")) out.add("A");
  if (letters.has("f") || letters.has("d")) out.add("F");
  if (letters.has("d")) out.add("D");
  if (letters.has("c")) out.add("C");
  if (multi.has("zba")) out.add("Zba");
  if (multi.has("zbb")) out.add("Zbb");
  return out;
}
