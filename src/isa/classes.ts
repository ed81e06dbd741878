// Instruction classes the hart and the tracer ask about, derived from the table's class column and
// register kinds.

import type { Decoded } from "./decode.js";
import { OP_COUNT } from "./ops.js";
import { type RegKind, SPEC_BY_OP } from "./table.js";

export { AMO, BRANCH, CONTROL, EBREAK, FENCE, FP, LOAD, LRSC, PC_REL, STORE, SYSTEM } from "./flags.js";

/** Class bits of a decoded instruction (compressed forms have their expansion's classes). */
export function classOf(d: Decoded): number {
  return d.spec.cls;
}

/** Register kind per op and operand: 0 none, 1 x register, 2 f register, 3 immediate in a register field. */
export const KIND_NONE = 0;
export const KIND_X = 1;
export const KIND_F = 2;
export const KIND_UIMM = 3;

const KIND_CODE: Record<RegKind, number> = { "-": KIND_NONE, x: KIND_X, f: KIND_F, u: KIND_UIMM };

/** kinds[op * 4 + i] for operand i = 0 rd, 1 rs1, 2 rs2, 3 rs3. */
const kinds = new Uint8Array(OP_COUNT * 4);
for (const spec of SPEC_BY_OP) {
  spec.regs.forEach((k, i) => {
    kinds[spec.op * 4 + i] = KIND_CODE[k];
  });
}

export function rdKind(op: number): number {
  return kinds[op * 4]!;
}
export function rs1Kind(op: number): number {
  return kinds[op * 4 + 1]!;
}
export function rs2Kind(op: number): number {
  return kinds[op * 4 + 2]!;
}
export function rs3Kind(op: number): number {
  return kinds[op * 4 + 3]!;
}

/** rd names an integer register the instruction writes (FCVT_W_D, FMV_X_D, FEQ_D, ADDI, ...). */
export function writesIntRd(op: number): boolean {
  return kinds[op * 4] === KIND_X;
}

/** rd names a float register the instruction writes (FADD_D, FLD, FMV_D_X, FCVT_D_L, ...). */
export function writesFpRd(op: number): boolean {
  return kinds[op * 4] === KIND_F;
}
