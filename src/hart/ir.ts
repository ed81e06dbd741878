// The vocabulary instruction semantics are written in (semantics.ts): expressions over 64-bit
// integers, as the ISA manual states them. An engine implements this vocabulary once — the
// JavaScript lowering (js-lowering.ts) serves the interpreter, and the block compiler
// (wasm/expr.ts) maps it onto i64/i32 operations almost one to one — and gets every
// instruction from the description. A leaf module.
//
// Values are 64-bit two's-complement integers. Operations ending in 32 work on the low 32 bits
// and sign-extend their 32-bit result to 64 (the RV64 "W" instructions, wasm's i32 operations
// followed by i64.extend_i32_s). Shift amounts are taken modulo the width (64, or 32 for the 32-bit
// shifts), as RISC-V's shifts take them. Comparisons give 0 or 1.

/** Operands an instruction's expression may read. */
export type Leaf =
  /** the value of rs1 / rs2 (x registers) */
  | "rs1"
  | "rs2"
  /** the decoded immediate, sign-extended from its int32 form */
  | "imm"
  /** the instruction's own address, and the address after it (pc + 2 or 4) */
  | "pc"
  | "next"
  /** in an AMO's expression: the value it loaded from memory */
  | "old"
  /** the floating-point control and status word, frm << 5 | fflags (csr.ts's FP CSRs) */
  | "fcsr";

export type BinaryOp =
  | "add"
  | "sub"
  | "and"
  | "or"
  | "xor"
  | "shl"
  | "shr"
  | "sar"
  | "mul"
  | "mulh"
  | "mulhsu"
  | "mulhu"
  | "div"
  | "divu"
  | "rem"
  | "remu"
  | "add32"
  | "sub32"
  | "shl32"
  | "shr32"
  | "sar32"
  | "mul32"
  | "div32"
  | "divu32"
  | "rem32"
  | "remu32";

export type CompareOp = "eq" | "ne" | "lt" | "ge" | "ltu" | "geu";

export type UnaryOp =
  | "not"
  | "sext8"
  | "sext16"
  | "sext32"
  | "zext16"
  | "zext32"
  | "clz"
  | "ctz"
  | "cpop"
  | "clz32"
  | "ctz32"
  | "cpop32"
  | "rev8"
  | "orcb";

export type Expr =
  | { readonly k: "leaf"; readonly leaf: Leaf }
  /** an int32 constant, sign-extended */
  | { readonly k: "const"; readonly value: number }
  | { readonly k: "un"; readonly op: UnaryOp; readonly a: Expr }
  | { readonly k: "bin"; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: "cmp"; readonly op: CompareOp; readonly a: Expr; readonly b: Expr }
  /** c !== 0 ? a : b */
  | { readonly k: "sel"; readonly c: Expr; readonly a: Expr; readonly b: Expr };

// ---- builders, so that semantics.ts reads like the manual ----

const leaf = (l: Leaf): Expr => ({ k: "leaf", leaf: l });
export const RS1 = leaf("rs1");
export const RS2 = leaf("rs2");
export const IMM = leaf("imm");
export const PC = leaf("pc");
export const NEXT = leaf("next");
export const OLD = leaf("old");
export const FCSR_WORD = leaf("fcsr");
export const c = (value: number): Expr => ({ k: "const", value: value | 0 });

const bin =
  (op: BinaryOp) =>
  (a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b });
const cmp =
  (op: CompareOp) =>
  (a: Expr, b: Expr): Expr => ({ k: "cmp", op, a, b });
const un =
  (op: UnaryOp) =>
  (a: Expr): Expr => ({ k: "un", op, a });

export const add = bin("add");
export const sub = bin("sub");
export const and = bin("and");
export const or = bin("or");
export const xor = bin("xor");
export const shl = bin("shl");
export const shr = bin("shr");
export const sar = bin("sar");
export const mul = bin("mul");
export const mulh = bin("mulh");
export const mulhsu = bin("mulhsu");
export const mulhu = bin("mulhu");
export const div = bin("div");
export const divu = bin("divu");
export const rem = bin("rem");
export const remu = bin("remu");
export const add32 = bin("add32");
export const sub32 = bin("sub32");
export const shl32 = bin("shl32");
export const shr32 = bin("shr32");
export const sar32 = bin("sar32");
export const mul32 = bin("mul32");
export const div32 = bin("div32");
export const divu32 = bin("divu32");
export const rem32 = bin("rem32");
export const remu32 = bin("remu32");

export const eq = cmp("eq");
export const ne = cmp("ne");
export const lt = cmp("lt");
export const ge = cmp("ge");
export const ltu = cmp("ltu");
export const geu = cmp("geu");

export const not = un("not");
export const sext8 = un("sext8");
export const sext16 = un("sext16");
export const sext32 = un("sext32");
export const zext16 = un("zext16");
export const zext32 = un("zext32");
export const clz = un("clz");
export const ctz = un("ctz");
export const cpop = un("cpop");
export const clz32 = un("clz32");
export const ctz32 = un("ctz32");
export const cpop32 = un("cpop32");
export const rev8 = un("rev8");
export const orcb = un("orcb");

export const select = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: "sel", c: cond, a, b });

/** e with every leaf `name` replaced by `by`. */
export function substitute(e: Expr, name: Leaf, by: Expr): Expr {
  switch (e.k) {
    case "leaf":
      return e.leaf === name ? by : e;
    case "const":
      return e;
    case "un":
      return { ...e, a: substitute(e.a, name, by) };
    case "sel":
      return {
        ...e,
        c: substitute(e.c, name, by),
        a: substitute(e.a, name, by),
        b: substitute(e.b, name, by),
      };
    default:
      return { ...e, a: substitute(e.a, name, by), b: substitute(e.b, name, by) };
  }
}
