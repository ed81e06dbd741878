// Instruction corpora for differential and round-trip tests: every table entry with random operands
// and with the operand values that select objdump aliases (x0, ra, sp, imm 0/1/-1/255, ...).

import { encode, type Operands } from "../../src/isa/encode.js";
import { immBits, immCovered } from "../../src/isa/formats.js";
import { ALL_INSNS, type InsnSpec } from "../../src/isa/table.js";

/** mulberry32: a small seeded PRNG, so failures replay. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Random operands that `encode` accepts for `spec` (it may still reject reserved combinations). */
export function randomOperands(spec: InsnSpec, rand: () => number, special = false): Operands {
  const f = spec.format;
  const o: Operands = {};
  const reg = (pos: { width: number } | undefined) => {
    if (!pos) return undefined;
    if (pos.width === 3) return 8 + Math.floor(rand() * 8);
    return special ? pick(rand, [0, 1, 2, 3, 4, 8, 10, Math.floor(rand() * 32)]) : Math.floor(rand() * 32);
  };
  const fields = ["rd", "rs1", "rs2", "rs3"] as const;
  fields.forEach((k, i) => {
    if (spec.regs[i] !== "-" && f[k]) o[k] = reg(f[k]);
  });
  if (f.rd && f.rd === f.rs1) o.rs1 = o.rd;
  if (special && f.rs1 && f.rs2 && spec.regs[1] !== "-" && rand() < 0.3) o.rs2 = o.rs1; // fmv/fneg/fabs
  if (f.rm) {
    const width = f.rm[1];
    const fixed = (spec.mask >>> f.rm[0]) & ((1 << width) - 1);
    if (fixed === 0) o.rm = Math.floor(rand() * (1 << width));
  }
  if (f.imm) {
    const bits = immBits(f.imm);
    const covered = immCovered(f.imm);
    const align = covered & -covered;
    let v: number;
    if (special) {
      const top = f.imm.signed ? 2 ** (bits - 1) : 2 ** bits;
      v = pick(rand, [
        0,
        1,
        -1,
        255,
        2,
        4,
        8,
        0xff,
        0x33,
        0x3f,
        top - 1,
        f.imm.signed ? -top : 0,
        0xc00,
        0x001,
        0x002,
        0x003,
        0xc01,
        0xc02,
        0x8330,
      ]);
    } else {
      v = Math.floor(rand() * 2 ** bits);
      if (f.imm.signed && v >= 2 ** (bits - 1)) v -= 2 ** bits;
    }
    v -= v % align;
    if (!f.imm.signed && v < 0) v = 0;
    const lo = f.imm.signed ? -(2 ** (bits - 1)) : 0;
    const hi = f.imm.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    v = Math.max(lo, Math.min(hi - (hi % align), v));
    if (f.name === "SH6") v &= 63;
    if (f.name === "SH5") v &= 31;
    o.imm = v;
  }
  return o;
}

/** `count` random encodings of every table entry (reserved operand combinations skipped). */
export function corpus(
  count: number,
  seed: number,
  special = false,
): { spec: InsnSpec; raw: number; ops: Operands }[] {
  const rand = rng(seed);
  const out: { spec: InsnSpec; raw: number; ops: Operands }[] = [];
  for (const spec of ALL_INSNS) {
    let made = 0;
    for (let tries = 0; made < count && tries < count * 20; tries++) {
      const ops = randomOperands(spec, rand, special);
      let raw: number;
      try {
        raw = encode(spec.name, ops);
      } catch {
        continue;
      }
      out.push({ spec, raw, ops });
      made++;
    }
    if (made === 0) throw new Error(`corpus: could not encode ${spec.name}`);
  }
  return out;
}
