// Instruction encoder derived from table.ts: the inverse of decode(), for tests, the random instruction
// generator and code patching. Operands use decode()'s conventions (see Decoded).

import { decode, newDecoded } from "./decode.js";
import { immBits, immCovered, type RegPos } from "./formats.js";
import { specByName } from "./table.js";

export interface Operands {
  rd?: number;
  rs1?: number;
  rs2?: number;
  rs3?: number;
  rm?: number;
  imm?: number;
  /** AMO/LR/SC ordering bits (alternative to rm = aq<<1|rl). */
  aq?: boolean | number;
  rl?: boolean | number;
  /** CSR number (alternative to imm for csr* instructions). */
  csr?: number;
}

const scratch = newDecoded();

/** Encodes `name` (objdump mnemonic, "c.*" for 16-bit forms) with operands `f`; throws on bad operands. */
export function encode(name: string, f: Operands): number {
  const spec = specByName(name);
  if (!spec) throw new Error(`encode: unknown instruction "${name}"`);
  const fmt = spec.format;
  const fail = (msg: string): never => {
    throw new Error(`encode ${name}: ${msg}`);
  };
  let word = spec.match;

  const regField = (
    field: "rd" | "rs1" | "rs2" | "rs3",
    v: number | undefined,
    pos: RegPos | undefined,
    kind: string,
    implied: number | undefined,
  ) => {
    if (!pos || kind === "-") {
      // Not encoded: only the value the instruction implies (or nothing) is accepted.
      if (v !== undefined && v !== (implied ?? 0)) {
        fail(implied !== undefined ? `${field} is always x${implied}, got ${v}` : `has no ${field} operand`);
      }
      return;
    }
    const r = v ?? 0;
    if (!Number.isInteger(r)) fail(`${field} must be an integer, got ${r}`);
    if (pos.width === 5) {
      if (r < 0 || r > 31) fail(`${field} must be 0..31, got ${r}`);
      word |= r << pos.at;
    } else {
      if (r < 8 || r > 15) fail(`${field} must be one of x8..x15 (f8..f15), got ${r}`);
      word |= (r - 8) << pos.at;
    }
  };
  // c.addi and friends name one register twice (rd = rs1): either operand may be given.
  if (fmt.rd !== undefined && fmt.rd === fmt.rs1) {
    if (f.rd !== undefined && f.rs1 !== undefined && f.rd !== f.rs1) {
      fail(`rd and rs1 must be the same register, got ${f.rd} and ${f.rs1}`);
    }
    regField("rd", f.rd ?? f.rs1, fmt.rd, spec.regs[0], undefined);
  } else {
    regField("rd", f.rd, fmt.rd, spec.regs[0], fmt.implied?.rd);
    regField("rs1", f.rs1, fmt.rs1, spec.regs[1], fmt.implied?.rs1);
  }
  regField("rs2", f.rs2, fmt.rs2, spec.regs[2], fmt.implied?.rs2);
  regField("rs3", f.rs3, fmt.rs3, spec.regs[3], undefined);

  // Rounding mode / aq|rl.
  let rm = f.rm;
  if (f.aq !== undefined || f.rl !== undefined) {
    if (fmt.name !== "AMO") fail("aq/rl only apply to AMO, LR and SC");
    const both = (f.aq ? 2 : 0) | (f.rl ? 1 : 0);
    if (rm !== undefined && rm !== both) fail(`rm ${rm} contradicts aq/rl`);
    rm = both;
  }
  if (rm !== undefined) {
    const [at, width] = fmt.rm ?? fail("has no rounding-mode/ordering field");
    if (!Number.isInteger(rm) || rm < 0 || rm >= 1 << width)
      fail(`rm must be 0..${(1 << width) - 1}, got ${rm}`);
    if (((spec.mask >>> at) & ((1 << width) - 1)) !== 0) {
      if (((spec.match >>> at) & ((1 << width) - 1)) !== rm) fail(`rm is fixed for this instruction`);
    } else word |= rm << at;
  }

  let imm = f.imm;
  if (f.csr !== undefined) {
    if (fmt.name !== "CSR") fail("csr only applies to csr* instructions");
    if (imm !== undefined && imm !== f.csr) fail(`imm ${imm} contradicts csr ${f.csr}`);
    imm = f.csr;
  }
  if (imm !== undefined && !fmt.imm) {
    if (imm !== 0) fail("has no immediate operand");
  } else if (fmt.imm) {
    const v = imm ?? 0;
    const bits = immBits(fmt.imm);
    const covered = immCovered(fmt.imm);
    const lo = fmt.imm.signed ? -(2 ** (bits - 1)) : 0;
    // 32-bit U immediates may also be given unsigned (0xfffff000).
    const hi = fmt.imm.signed && bits < 32 ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    if (!Number.isInteger(v) || v < lo || v > hi) fail(`immediate ${v} out of range ${lo}..${hi}`);
    const lowMask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    const stray = (v & lowMask & ~covered) >>> 0;
    if (stray !== 0) {
      const align = covered & -covered;
      fail(`immediate ${v} must be a multiple of ${align}${align >= 4096 ? " (already shifted)" : ""}`);
    }
    for (const [from, width, to] of fmt.imm.segs) {
      word |= ((v >>> to) & ((1 << width) - 1)) << from;
    }
    // Fixed bits inside the immediate field (e.g. the funct6 of slli) must not be overwritten.
    if ((word & spec.mask) >>> 0 !== spec.match) fail(`immediate ${v} out of range`);
  }

  word >>>= 0;
  // The encoding must decode back to this instruction: catches reserved forms (c.addi4spn with
  // imm 0, c.lui with rd=sp, c.jr x0 ...) with one rule instead of a list.
  decode(word, scratch);
  if (scratch.spec !== spec) {
    const what = scratch.op === 0 ? "a reserved encoding" : `${scratch.spec.name}, not ${name}`;
    fail(`operands ${JSON.stringify(f)} give ${what}`);
  }
  // ... and give back the operands: catches values a fixed field cannot hold (c.addi16sp rd must be sp).
  const given = { ...f, rm, imm } as Record<string, number | undefined>;
  for (const k of ["rd", "rs1", "rs2", "rs3", "rm", "imm"] as const) {
    const v = given[k];
    // imm compares as int32: a U-type immediate may be given unsigned.
    if (v !== undefined && scratch[k] !== (k === "imm" ? v | 0 : v)) {
      fail(`${k} = ${v} cannot be encoded (this instruction has ${k} = ${scratch[k]})`);
    }
  }
  return word;
}
