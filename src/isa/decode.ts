// Instruction decoder derived from table.ts. decode() fills a caller-owned Decoded and allocates
// nothing; the hart calls it once per instruction per cached page.

import type { RegPos } from "./formats.js";
import { BASE_INSNS, COMPRESSED_INSNS, ILLEGAL_SPEC, type InsnSpec } from "./table.js";

export interface Decoded {
  /** Op id (ops.ts); compressed instructions report the op they expand to; 0 = illegal/reserved. */
  op: number;
  rd: number;
  rs1: number;
  rs2: number;
  rs3: number;
  /** FP rounding mode field, or aq<<1|rl for AMO/LR/SC. */
  rm: number;
  /**
   * Sign-extended immediate as an int32. U-type: already shifted (raw & 0xfffff000); branches and
   * jumps: byte offset; shifts: shamt; CSR ops: CSR number; fence/fence.i: raw >>> 20.
   */
  imm: number;
  len: 2 | 4;
  /** The instruction bits: the 16-bit halfword for compressed instructions, else the 32-bit word. */
  raw: number;
  /** The table entry that matched (the compressed entry for compressed instructions). */
  spec: InsnSpec;
}

export function newDecoded(): Decoded {
  return { op: 0, rd: 0, rs1: 0, rs2: 0, rs3: 0, rm: 0, imm: 0, len: 4, raw: -0, spec: ILLEGAL_SPEC };
}

/** Per-entry decoding recipe, flattened from the table so decode() only reads numbers. */
interface Plan {
  spec: InsnSpec;
  match: number; // int32
  mask: number; // int32
  op: number;
  // Register fields: width 0 = not an operand (value `imp`), 5 = plain, 3 = x8..x15.
  rdAt: number;
  rdW: number;
  rdImp: number;
  rs1At: number;
  rs1W: number;
  rs1Imp: number;
  rs2At: number;
  rs2W: number;
  rs2Imp: number;
  rs3At: number;
  rs3W: number;
  /** Immediate: flat [from, width, to, ...]; shift = 32 - bits for sign extension (0: unsigned). */
  immSegs: readonly number[];
  immShift: number;
  rmAt: number;
  rmW: number;
  /** Bits: 1 rd, 2 rs1, 4 rs2, 8 imm must be nonzero. */
  nz: number;
}

function planFor(spec: InsnSpec): Plan {
  const f = spec.format;
  const reg = (pos: RegPos | undefined, kind: string, imp: number | undefined) =>
    pos && kind !== "-" ? { at: pos.at, w: pos.width, imp: 0 } : { at: 0, w: 0, imp: imp ?? 0 };
  const rd = reg(f.rd, spec.regs[0], f.implied?.rd);
  const rs1 = reg(f.rs1, spec.regs[1], f.implied?.rs1);
  const rs2 = reg(f.rs2, spec.regs[2], f.implied?.rs2);
  const rs3 = reg(f.rs3, spec.regs[3], undefined);
  const immSegs: number[] = [];
  let bits = 0;
  for (const [from, width, to] of f.imm?.segs ?? []) {
    immSegs.push(from, width, to);
    bits = Math.max(bits, to + width);
  }
  const nzBit = { rd: 1, rs1: 2, rs2: 4, imm: 8 } as const;
  return {
    spec,
    match: spec.match | 0,
    mask: spec.mask | 0,
    op: spec.op,
    rdAt: rd.at,
    rdW: rd.w,
    rdImp: rd.imp,
    rs1At: rs1.at,
    rs1W: rs1.w,
    rs1Imp: rs1.imp,
    rs2At: rs2.at,
    rs2W: rs2.w,
    rs2Imp: rs2.imp,
    rs3At: rs3.at,
    rs3W: rs3.w,
    immSegs,
    immShift: f.imm?.signed ? 32 - bits : 0,
    rmAt: f.rm ? f.rm[0] : 0,
    rmW: f.rm ? f.rm[1] : 0,
    nz: spec.nz.reduce((m, k) => m | nzBit[k], 0),
  };
}

/**
 * Candidate lists, bucketed so a lookup scans a handful of entries: 32-bit by opcode[6:2] and
 * funct3, 16-bit by funct3[15:13] and quadrant[1:0]. An entry goes in every bucket its fixed bits allow.
 */
const BASE_BUCKETS: Plan[][] = Array.from({ length: 256 }, () => []);
const C_BUCKETS: Plan[][] = Array.from({ length: 32 }, () => []);

for (const spec of BASE_INSNS) {
  const p = planFor(spec);
  const fixed = spec.mask & 0x707f;
  for (let opc = 0; opc < 32; opc++) {
    // most rows fix the whole opcode: skip the other 31 before trying the funct3 values
    if ((((opc << 2) | 3) & fixed & 0x7f) !== (spec.match & fixed & 0x7f)) continue;
    for (let f3 = 0; f3 < 8; f3++) {
      const bits = (opc << 2) | 3 | (f3 << 12);
      if ((bits & fixed) === (spec.match & fixed)) BASE_BUCKETS[(opc << 3) | f3]!.push(p);
    }
  }
}
for (const spec of COMPRESSED_INSNS) {
  const p = planFor(spec);
  for (let key = 0; key < 32; key++) {
    const bits = ((key >> 2) << 13) | (key & 3);
    if ((bits & spec.mask & 0xe003) === (spec.match & 0xe003)) C_BUCKETS[key]!.push(p);
  }
}

function reg(raw: number, at: number, w: number, imp: number): number {
  if (w === 5) return (raw >>> at) & 31;
  if (w === 3) return 8 + ((raw >>> at) & 7);
  return imp;
}

function fill(p: Plan, raw: number, out: Decoded): void {
  out.op = p.op;
  out.rd = reg(raw, p.rdAt, p.rdW, p.rdImp);
  out.rs1 = reg(raw, p.rs1At, p.rs1W, p.rs1Imp);
  out.rs2 = reg(raw, p.rs2At, p.rs2W, p.rs2Imp);
  out.rs3 = p.rs3W === 5 ? (raw >>> p.rs3At) & 31 : 0;
  out.rm = p.rmW === 0 ? 0 : (raw >>> p.rmAt) & ((1 << p.rmW) - 1);
  let imm = 0;
  const segs = p.immSegs;
  for (let i = 0; i < segs.length; i += 3) {
    const width = segs[i + 1]!;
    // A 20-bit field shifted by 12 reaches bit 31; `|` keeps everything int32.
    imm |= ((raw >>> segs[i]!) & ((1 << width) - 1)) << segs[i + 2]!;
  }
  out.imm = p.immShift === 0 ? imm : (imm << p.immShift) >> p.immShift;
  out.spec = p.spec;
}

function nonzeroOk(p: Plan, d: Decoded): boolean {
  const nz = p.nz;
  return (
    nz === 0 ||
    (!(nz & 1 && d.rd === 0) &&
      !(nz & 2 && d.rs1 === 0) &&
      !(nz & 4 && d.rs2 === 0) &&
      !(nz & 8 && d.imm === 0))
  );
}

function illegal(out: Decoded): void {
  out.op = 0;
  out.rd = 0;
  out.rs1 = 0;
  out.rs2 = 0;
  out.rs3 = 0;
  out.rm = 0;
  out.imm = 0;
  out.spec = ILLEGAL_SPEC;
}

/**
 * Decodes one instruction into `out`. If (raw & 3) !== 3 the low 16 bits are a compressed instruction,
 * expanded to its base op (len 2); otherwise raw is the 32-bit word. Reserved and unknown encodings
 * give op 0 (Op.ILLEGAL). Validity of the rounding mode is left to execution.
 */
export function decode(raw: number, out: Decoded): void {
  if ((raw & 3) !== 3) {
    const h = raw & 0xffff;
    out.len = 2;
    out.raw = h;
    const bucket = C_BUCKETS[((h >>> 13) << 2) | (h & 3)]!;
    for (let i = 0; i < bucket.length; i++) {
      const p = bucket[i]!;
      if ((h & p.mask) === p.match) {
        fill(p, h, out);
        if (nonzeroOk(p, out)) return;
      }
    }
    illegal(out);
    return;
  }
  const w = raw | 0;
  out.len = 4;
  out.raw = w >>> 0;
  const bucket = BASE_BUCKETS[(((w >>> 2) & 31) << 3) | ((w >>> 12) & 7)]!;
  for (let i = 0; i < bucket.length; i++) {
    const p = bucket[i]!;
    if ((w & p.mask) === p.match) {
      fill(p, w, out);
      return;
    }
  }
  illegal(out);
}
