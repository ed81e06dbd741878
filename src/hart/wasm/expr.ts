// The region compiler's binding of an instruction's operands for lowering.ts (ir.ts Expr -> wasm):
// x registers are i64 locals (x0 the constant 0), the immediate and the pcs constants the lowering
// folds, fcsr a word of the state.

import type { Expr, Leaf } from "../ir.js";
import type { FunctionBody } from "./encoder.js";
import { type ConstOf, lowerCondition, lowerExpr, type PushLeaf } from "./lowering.js";

const TWO32 = 4294967296;

/** One instruction's operands. */
export interface WasmBinding {
  /** the i64 locals of rs1 and rs2; -1 for x0 */
  rs1: number;
  rs2: number;
  imm: number;
  pc: number;
  next: number;
  /** push fcsr (i64, zero-extended) */
  fcsr: (f: FunctionBody) => void;
  /** an AMO's old memory value: its i64 local */
  old?: number;
}

/** (lo, hi) of an address held as a number (exact below 2^53 in magnitude, negative for high halves). */
const words = (n: number): readonly [number, number] => [n | 0, Math.floor(n / TWO32) | 0];

const ZERO = [0, 0] as const;

function leaves(b: WasmBinding): { push: PushLeaf; constOf: ConstOf } {
  const constOf: ConstOf = (l: Leaf) => {
    switch (l) {
      case "rs1":
        return b.rs1 < 0 ? ZERO : undefined;
      case "rs2":
        return b.rs2 < 0 ? ZERO : undefined;
      case "imm":
        return [b.imm | 0, b.imm >> 31];
      case "pc":
        return words(b.pc);
      case "next":
        return words(b.next);
      default:
        return undefined;
    }
  };
  const push: PushLeaf = (l, f) => {
    const k = constOf(l);
    if (k !== undefined) f.i64Const(k[0], k[1]);
    else if (l === "rs1") f.localGet(b.rs1);
    else if (l === "rs2") f.localGet(b.rs2);
    else if (l === "fcsr") b.fcsr(f);
    else if (l === "old" && b.old !== undefined) f.localGet(b.old);
    else throw new Error(`wasm engine: leaf ${l} is not bound here`);
  };
  return { push, constOf };
}

/** Push the value of e (an i64). */
export function emitValue(f: FunctionBody, e: Expr, bind: WasmBinding): void {
  const { push, constOf } = leaves(bind);
  lowerExpr(e, f, push, constOf);
}

/** Push e as an i32 condition (1 true, 0 false). */
export function emitCondition(f: FunctionBody, e: Expr, bind: WasmBinding): void {
  const { push, constOf } = leaves(bind);
  lowerCondition(e, f, push, constOf);
}
