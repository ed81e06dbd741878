// The vocabulary of ir.ts in WebAssembly: an expression becomes instructions that leave its value
// on the wasm stack as an i64 (or, for conditions, an i32 0/1). Most operations are one wasm
// instruction; the rest are spelled out here where RISC-V and wasm differ:
//   - the 32-bit operations run as i32 operations on the wrapped values, then i64.extend_i32_s
//     (wasm's i32 shifts take the amount mod 32, as RV64's W shifts do; i64 shifts mod 64, as RV64's)
//   - division: RISC-V defines x ÷ 0 (all ones, remainder x) and MIN ÷ -1 (MIN, remainder 0)
//     (Unprivileged ISA, M extension, "Division Operations"); wasm traps on both, so they are guarded
//   - mulh/mulhsu/mulhu: wasm has no 128-bit product; it is built from four 32×32→64 products,
//     and the signed forms subtract the other operand for each negative one (a = ua - 2^64·[a<0])
//   - rev8 and orc.b (Zbb) have no wasm instruction: swaps and masks
// Leaves come from the caller (registers in memory or locals, immediates and pcs as constants).
// Subexpressions whose leaves are all constants fold to one i64.const, so lui, auipc, jal's target,
// and `addi rd, x0, imm` cost one instruction, an operand that changes nothing (mv's 0, x0 added)
// costs none, and a constant divisor drops the division's guards.
// Everything here runs at compile time: no BigInt.

import { mulhu32 } from "../int64.js";
import type { BinaryOp, CompareOp, Expr, Leaf, UnaryOp } from "../ir.js";
import { type FunctionBody, I32, I64, Op } from "./encoder.js";

/** Push leaf `l`'s value as an i64. */
export type PushLeaf = (l: Leaf, body: FunctionBody) => void;
/** The leaf's value when the compiler knows it, as int32 words (lo, hi); undefined when it does not. */
export type ConstOf = (l: Leaf) => readonly [lo: number, hi: number] | undefined;

const noConstants: ConstOf = () => undefined;

/** Push e's value (i64) onto the wasm stack. */
export function lowerExpr(e: Expr, body: FunctionBody, leaf: PushLeaf, constOf: ConstOf = noConstants): void {
  new Lowering(body, leaf, constOf).value(e);
}

/** Push e as a condition: i32 1 when its value is nonzero, else 0 (a comparison without the extend). */
export function lowerCondition(
  e: Expr,
  body: FunctionBody,
  leaf: PushLeaf,
  constOf: ConstOf = noConstants,
): void {
  new Lowering(body, leaf, constOf).condition(e);
}

/** Push e's low 32 bits as an i32 (a wasm memory address, a W result before its extension). */
export function lowerLow32(
  e: Expr,
  body: FunctionBody,
  leaf: PushLeaf,
  constOf: ConstOf = noConstants,
): void {
  new Lowering(body, leaf, constOf).low32(e);
}

/** e's value as int32 words [lo, hi] when every leaf it reads is a known constant, else undefined. */
export function foldExpr(e: Expr, constOf: ConstOf = noConstants): [lo: number, hi: number] | undefined {
  return fold(e, constOf) ? [K[0]!, K[1]!] : undefined;
}

// ---- folding: a 64-bit value as two int32 words, left in K ----

const K = new Int32Array(2);

function setK(lo: number, hi: number): true {
  K[0] = lo;
  K[1] = hi;
  return true;
}

/** Fold e into K; false when a leaf is unknown or the operation is left to wasm (mulh, div, clz...). */
function fold(e: Expr, constOf: ConstOf): boolean {
  switch (e.k) {
    case "const":
      return setK(e.value, e.value >> 31);
    case "leaf": {
      const v = constOf(e.leaf);
      return v !== undefined && setK(v[0], v[1]);
    }
    case "sel": {
      if (!fold(e.c, constOf)) return false;
      return fold(K[0] !== 0 || K[1] !== 0 ? e.a : e.b, constOf);
    }
    case "un":
      if (!fold(e.a, constOf)) return false;
      return foldUnary(e.op, K[0]!, K[1]!);
    case "cmp": {
      if (!fold(e.a, constOf)) return false;
      const alo = K[0]!;
      const ahi = K[1]!;
      if (!fold(e.b, constOf)) return false;
      return setK(compareWords(e.op, alo, ahi, K[0]!, K[1]!) ? 1 : 0, 0);
    }
    case "bin": {
      if (!fold(e.a, constOf)) return false;
      const alo = K[0]!;
      const ahi = K[1]!;
      if (!fold(e.b, constOf)) return false;
      return foldBinary(e.op, alo, ahi, K[0]!, K[1]!);
    }
  }
}

function compareWords(op: CompareOp, alo: number, ahi: number, blo: number, bhi: number): boolean {
  const lowLess = alo >>> 0 < blo >>> 0;
  switch (op) {
    case "eq":
      return alo === blo && ahi === bhi;
    case "ne":
      return alo !== blo || ahi !== bhi;
    case "lt":
      return ahi < bhi || (ahi === bhi && lowLess);
    case "ge":
      return !(ahi < bhi || (ahi === bhi && lowLess));
    case "ltu":
      return ahi >>> 0 < bhi >>> 0 || (ahi === bhi && lowLess);
    case "geu":
      return !(ahi >>> 0 < bhi >>> 0 || (ahi === bhi && lowLess));
  }
}

function foldUnary(op: UnaryOp, lo: number, hi: number): boolean {
  switch (op) {
    case "not":
      return setK(~lo, ~hi);
    case "sext8":
      return setK((lo << 24) >> 24, (lo << 24) >> 31);
    case "sext16":
      return setK((lo << 16) >> 16, (lo << 16) >> 31);
    case "sext32":
      return setK(lo, lo >> 31);
    case "zext16":
      return setK(lo & 0xffff, 0);
    case "zext32":
      return setK(lo, 0);
    default:
      return false;
  }
}

function foldBinary(op: BinaryOp, alo: number, ahi: number, blo: number, bhi: number): boolean {
  switch (op) {
    case "add": {
      const lo = (alo + blo) | 0;
      return setK(lo, (ahi + bhi + (lo >>> 0 < alo >>> 0 ? 1 : 0)) | 0);
    }
    case "sub":
      return setK((alo - blo) | 0, (ahi - bhi - (alo >>> 0 < blo >>> 0 ? 1 : 0)) | 0);
    case "and":
      return setK(alo & blo, ahi & bhi);
    case "or":
      return setK(alo | blo, ahi | bhi);
    case "xor":
      return setK(alo ^ blo, ahi ^ bhi);
    case "mul":
      return setK(Math.imul(alo, blo), (Math.imul(alo, bhi) + Math.imul(ahi, blo) + mulhu32(alo, blo)) | 0);
    case "shl": {
      const n = blo & 63;
      if (n === 0) return setK(alo, ahi);
      if (n < 32) return setK(alo << n, (ahi << n) | (alo >>> (32 - n)));
      return setK(0, alo << (n - 32));
    }
    case "shr": {
      const n = blo & 63;
      if (n === 0) return setK(alo, ahi);
      if (n < 32) return setK((alo >>> n) | (ahi << (32 - n)), ahi >>> n);
      return setK(ahi >>> (n - 32), 0);
    }
    case "sar": {
      const n = blo & 63;
      if (n === 0) return setK(alo, ahi);
      if (n < 32) return setK((alo >>> n) | (ahi << (32 - n)), ahi >> n);
      return setK(ahi >> (n - 32), ahi >> 31);
    }
    case "add32":
      return sext32K(alo + blo);
    case "sub32":
      return sext32K(alo - blo);
    case "mul32":
      return sext32K(Math.imul(alo, blo));
    case "shl32":
      return sext32K(alo << (blo & 31));
    case "shr32":
      return sext32K(alo >>> (blo & 31));
    case "sar32":
      return sext32K(alo >> (blo & 31));
    default:
      return false;
  }
}

function sext32K(v: number): true {
  const lo = v | 0;
  return setK(lo, lo >> 31);
}

// ---- emission ----

const I64_COMPARE: Readonly<Record<CompareOp, number>> = {
  eq: Op.i64_eq,
  ne: Op.i64_ne,
  lt: Op.i64_lt_s,
  ge: Op.i64_ge_s,
  ltu: Op.i64_lt_u,
  geu: Op.i64_ge_u,
};

/** Operations that are one wasm instruction on their two i64 operands. */
const I64_BINARY: Partial<Readonly<Record<BinaryOp, number>>> = {
  add: Op.i64_add,
  sub: Op.i64_sub,
  and: Op.i64_and,
  or: Op.i64_or,
  xor: Op.i64_xor,
  shl: Op.i64_shl,
  shr: Op.i64_shr_u,
  sar: Op.i64_shr_s,
  mul: Op.i64_mul,
};

/** The 32-bit operations that are one i32 instruction. */
const I32_BINARY: Partial<Readonly<Record<BinaryOp, number>>> = {
  add32: Op.i32_add,
  sub32: Op.i32_sub,
  mul32: Op.i32_mul,
  shl32: Op.i32_shl,
  shr32: Op.i32_shr_u,
  sar32: Op.i32_shr_s,
};

const is32Binary = (op: BinaryOp): boolean => op.endsWith("32");
const is32Unary = (op: UnaryOp): boolean => op === "clz32" || op === "ctz32" || op === "cpop32";

class Lowering {
  constructor(
    private readonly body: FunctionBody,
    private readonly leaf: PushLeaf,
    private readonly constOf: ConstOf,
  ) {}

  /** The constant value of e, left in K, when it folds. */
  private known(e: Expr): boolean {
    return fold(e, this.constOf);
  }

  /** Push e's value as an i64. */
  value(e: Expr): void {
    const b = this.body;
    if (this.known(e)) {
      b.i64Const(K[0]!, K[1]!);
      return;
    }
    switch (e.k) {
      case "leaf":
        this.leaf(e.leaf, b);
        return;
      case "const": // folded above
        return;
      case "cmp":
        this.compare(e.op, e.a, e.b);
        b.op(Op.i64_extend_i32_u);
        return;
      case "sel":
        this.select(e.c, e.a, e.b);
        return;
      case "un":
        if (e.op === "sext32" && !(e.a.k === "bin" && is32Binary(e.a.op))) {
          this.value(e.a);
          b.op(Op.i64_extend32_s);
          return;
        }
        if (is32Unary(e.op) || e.op === "sext32" || e.op === "zext32") {
          this.low32(e.a);
          this.unary32(e.op);
          return;
        }
        this.unary(e.op, e.a);
        return;
      case "bin": {
        if (is32Binary(e.op)) {
          if (this.isSext32Of(e.op, e.b)) {
            // addiw rd, rs, 0 (sext.w) and W shifts by 0: the low word sign-extended
            this.value(e.a);
            b.op(Op.i64_extend32_s);
            return;
          }
          this.binary32(e.op, e.a, e.b);
          b.op(Op.i64_extend_i32_s);
          return;
        }
        const simple = I64_BINARY[e.op];
        if (simple !== undefined) {
          if (this.identity(e.op, e.a, e.b)) return;
          this.value(e.a);
          this.value(e.b);
          b.op(simple);
          return;
        }
        this.binary(e.op, e.a, e.b);
        return;
      }
    }
  }

  /** Whether `a op b` is sext32(a): a 32-bit add, subtract or shift of a known 0 (shifts: mod 32). */
  private isSext32Of(op: BinaryOp, eb: Expr): boolean {
    if (op !== "add32" && op !== "sub32" && op !== "shl32" && op !== "shr32" && op !== "sar32") return false;
    if (!this.known(eb)) return false;
    return op === "add32" || op === "sub32" ? K[0] === 0 : (K[0]! & 31) === 0;
  }

  /**
   * One operand known to be an identity or a zero of a one-instruction operation: `mv` (addi 0),
   * `add rd, x0, rs`, `and` with all ones, shifts by 0, multiply by 1 or 0 emit no operation (Liftoff,
   * V8's first tier, does not fold them). Pushes the result and returns true, or returns false.
   */
  private identity(op: BinaryOp, ea: Expr, eb: Expr): boolean {
    const b = this.body;
    const shift = op === "shl" || op === "shr" || op === "sar";
    if (this.known(eb)) {
      const lo = K[0]!;
      const hi = K[1]!;
      const zero = lo === 0 && hi === 0;
      if (
        (zero && (op === "add" || op === "sub" || op === "or" || op === "xor")) ||
        (shift && (lo & 63) === 0) ||
        (lo === -1 && hi === -1 && op === "and") ||
        (lo === 1 && hi === 0 && op === "mul")
      ) {
        this.value(ea);
        return true;
      }
      if (zero && (op === "and" || op === "mul")) {
        b.i64Const(0);
        return true;
      }
      return false;
    }
    if (this.known(ea)) {
      const lo = K[0]!;
      const hi = K[1]!;
      const zero = lo === 0 && hi === 0;
      if (
        (zero && (op === "add" || op === "or" || op === "xor")) ||
        (lo === -1 && hi === -1 && op === "and") ||
        (lo === 1 && hi === 0 && op === "mul")
      ) {
        this.value(eb);
        return true;
      }
      if (zero && (op === "and" || op === "mul" || shift)) {
        b.i64Const(0);
        return true;
      }
    }
    return false;
  }

  /** Push e's low 32 bits as an i32. */
  low32(e: Expr): void {
    const b = this.body;
    if (this.known(e)) {
      b.i32Const(K[0]!);
      return;
    }
    if (e.k === "bin" && is32Binary(e.op)) {
      this.binary32(e.op, e.a, e.b);
      return;
    }
    if (e.k === "un" && (e.op === "sext32" || e.op === "zext32")) {
      this.low32(e.a); // the low word is the same
      return;
    }
    if (e.k === "un" && is32Unary(e.op)) {
      this.low32(e.a);
      b.op(e.op === "clz32" ? Op.i32_clz : e.op === "ctz32" ? Op.i32_ctz : Op.i32_popcnt);
      return;
    }
    if (e.k === "cmp") {
      this.compare(e.op, e.a, e.b);
      return;
    }
    this.value(e);
    b.op(Op.i32_wrap_i64);
  }

  /** Push e as an i32 condition: 1 when nonzero. */
  condition(e: Expr): void {
    const b = this.body;
    if (this.known(e)) {
      b.i32Const(K[0] !== 0 || K[1] !== 0 ? 1 : 0);
      return;
    }
    if (e.k === "cmp") {
      this.compare(e.op, e.a, e.b);
      return;
    }
    this.value(e);
    b.i64Const(0).op(Op.i64_ne);
  }

  private compare(op: CompareOp, ea: Expr, eb: Expr): void {
    const b = this.body;
    this.value(ea);
    if ((op === "eq" || op === "ne") && this.known(eb) && K[0] === 0 && K[1] === 0) {
      b.op(Op.i64_eqz); // x == 0
      if (op === "ne") b.op(Op.i32_eqz);
      return;
    }
    this.value(eb);
    b.op(I64_COMPARE[op]);
  }

  /** c ? a : b — both sides are pure and cannot trap (divisions are guarded), so wasm's select. */
  private select(c: Expr, ea: Expr, eb: Expr): void {
    if (this.known(c)) {
      this.value(K[0] !== 0 || K[1] !== 0 ? ea : eb);
      return;
    }
    this.value(ea);
    this.value(eb);
    this.condition(c);
    this.body.select();
  }

  private unary32(op: UnaryOp): void {
    const b = this.body;
    switch (op) {
      case "sext32":
        b.op(Op.i64_extend_i32_s);
        return;
      case "zext32":
        b.op(Op.i64_extend_i32_u);
        return;
      case "clz32":
        b.op(Op.i32_clz).op(Op.i64_extend_i32_u);
        return;
      case "ctz32":
        b.op(Op.i32_ctz).op(Op.i64_extend_i32_u);
        return;
      default:
        b.op(Op.i32_popcnt).op(Op.i64_extend_i32_u);
    }
  }

  private unary(op: UnaryOp, ea: Expr): void {
    const b = this.body;
    this.value(ea);
    switch (op) {
      case "not":
        b.i64Const(-1).op(Op.i64_xor);
        return;
      case "sext8":
        b.op(Op.i64_extend8_s);
        return;
      case "sext16":
        b.op(Op.i64_extend16_s);
        return;
      case "zext16":
        b.i64Const(0xffff).op(Op.i64_and);
        return;
      case "clz":
        b.op(Op.i64_clz);
        return;
      case "ctz":
        b.op(Op.i64_ctz);
        return;
      case "cpop":
        b.op(Op.i64_popcnt);
        return;
      case "rev8":
        this.rev8();
        return;
      case "orcb":
        this.orcb();
        return;
      case "sext32":
      case "zext32":
      case "clz32":
      case "ctz32":
      case "cpop32":
        throw new Error(`wasm lowering: ${op} belongs to the 32-bit path`);
      default:
        unlowered(op);
    }
  }

  /** rev8: swap the words (a rotation), then the halfwords in each word, then the bytes in each. */
  private rev8(): void {
    const b = this.body;
    const x = b.tempLocal(I64);
    b.i64Const(32).op(Op.i64_rotl).localSet(x);
    const swap = (shift: number, lo: number, hi: number) => {
      // ((x & mask) << shift) | ((x >>> shift) & mask)
      b.localGet(x).i64Const(lo, hi).op(Op.i64_and).i64Const(shift).op(Op.i64_shl);
      b.localGet(x).i64Const(shift).op(Op.i64_shr_u).i64Const(lo, hi).op(Op.i64_and);
      b.op(Op.i64_or);
    };
    swap(16, 0x0000ffff, 0x0000ffff);
    b.localSet(x);
    swap(8, 0x00ff00ff, 0x00ff00ff);
    b.freeTemp(x);
  }

  /**
   * orc.b: a byte's high bit, or its low seven bits plus 0x7f (no carry leaves the byte), is set
   * exactly when the byte is nonzero; that bit, moved to bit 0 and multiplied by 0xff, fills it.
   */
  private orcb(): void {
    const b = this.body;
    const x = b.tempLocal(I64);
    const m7 = 0x7f7f7f7f;
    b.localTee(x).i64Const(m7, m7).op(Op.i64_and).i64Const(m7, m7).op(Op.i64_add);
    b.localGet(x).op(Op.i64_or).i64Const(7).op(Op.i64_shr_u);
    b.i64Const(0x01010101, 0x01010101).op(Op.i64_and).i64Const(0xff).op(Op.i64_mul);
    b.freeTemp(x);
  }

  /** A 32-bit operation on the operands' low words, leaving its i32 result (not yet extended). */
  private binary32(op: BinaryOp, ea: Expr, eb: Expr): void {
    const b = this.body;
    const simple = I32_BINARY[op];
    if (simple !== undefined) {
      this.low32(ea);
      this.low32(eb);
      b.op(simple);
      return;
    }
    const divisorKnown = this.known(eb);
    const d = K[0]!;
    if (divisorKnown) {
      // x ÷ 0 and MIN ÷ -1 resolved at compile time; any other divisor is wasm's own division
      if (d === 0) {
        if (op === "div32" || op === "divu32") b.i32Const(-1);
        else this.low32(ea);
        return;
      }
      if (d === -1 && (op === "div32" || op === "rem32")) {
        if (op === "div32") {
          b.i32Const(0);
          this.low32(ea);
          b.op(Op.i32_sub);
        } else b.i32Const(0);
        return;
      }
      this.low32(ea);
      b.i32Const(d).op(DIV32[op]!);
      return;
    }
    const x = b.tempLocal(I32);
    const y = b.tempLocal(I32);
    this.low32(ea);
    b.localSet(x);
    this.low32(eb);
    b.localSet(y);
    if (op === "divu32" || op === "remu32") {
      b.localGet(y).op(Op.i32_eqz).if_(I32);
      if (op === "divu32") b.i32Const(-1);
      else b.localGet(x);
      b.else_().localGet(x).localGet(y).op(DIV32[op]!).end();
    } else this.signedDivision(op === "div32" ? "div" : "rem", I32, x, y);
    b.freeTemp(x);
    b.freeTemp(y);
  }

  private binary(op: BinaryOp, ea: Expr, eb: Expr): void {
    switch (op) {
      case "mulhu":
      case "mulh":
      case "mulhsu":
        this.mulHigh(op, ea, eb);
        return;
      case "div":
      case "divu":
      case "rem":
      case "remu":
        this.division(op, ea, eb);
        return;
      case "add":
      case "sub":
      case "and":
      case "or":
      case "xor":
      case "shl":
      case "shr":
      case "sar":
      case "mul":
      case "add32":
      case "sub32":
      case "shl32":
      case "shr32":
      case "sar32":
      case "mul32":
      case "div32":
      case "divu32":
      case "rem32":
      case "remu32":
        throw new Error(`wasm lowering: ${op} is lowered by value() or binary32()`);
      default:
        unlowered(op);
    }
  }

  private division(op: "div" | "divu" | "rem" | "remu", ea: Expr, eb: Expr): void {
    const b = this.body;
    const opcode = DIV64[op];
    if (this.known(eb)) {
      const dlo = K[0]!;
      const dhi = K[1]!;
      if (dlo === 0 && dhi === 0) {
        if (op === "div" || op === "divu") b.i64Const(-1);
        else this.value(ea);
        return;
      }
      if (dlo === -1 && dhi === -1 && (op === "div" || op === "rem")) {
        if (op === "div") {
          b.i64Const(0);
          this.value(ea);
          b.op(Op.i64_sub);
        } else b.i64Const(0);
        return;
      }
      this.value(ea);
      b.i64Const(dlo, dhi).op(opcode);
      return;
    }
    const x = b.tempLocal(I64);
    const y = b.tempLocal(I64);
    this.value(ea);
    b.localSet(x);
    this.value(eb);
    b.localSet(y);
    if (op === "divu" || op === "remu") {
      b.localGet(y).op(Op.i64_eqz).if_(I64);
      if (op === "divu") b.i64Const(-1);
      else b.localGet(x);
      b.else_().localGet(x).localGet(y).op(opcode).end();
    } else this.signedDivision(op, I64, x, y);
    b.freeTemp(x);
    b.freeTemp(y);
  }

  /**
   * Signed x ÷ y or x rem y in locals of `type`: one unsigned comparison, y + 1 <= 1, sends the
   * two divisors wasm traps on (0 and -1) to the slow arm, where y = 0 gives -1 / x and y = -1
   * gives -x (MIN stays MIN) / 0.
   */
  private signedDivision(op: "div" | "rem", type: number, x: number, y: number): void {
    const b = this.body;
    const w64 = type === I64;
    const konst = (n: number) => (w64 ? b.i64Const(n) : b.i32Const(n));
    b.localGet(y);
    konst(1);
    b.op(w64 ? Op.i64_add : Op.i32_add);
    konst(1);
    b.op(w64 ? Op.i64_le_u : Op.i32_le_u);
    b.if_(type);
    if (op === "div") {
      konst(-1);
      konst(0);
      b.localGet(x).op(w64 ? Op.i64_sub : Op.i32_sub);
    } else {
      b.localGet(x);
      konst(0);
    }
    b.localGet(y)
      .op(w64 ? Op.i64_eqz : Op.i32_eqz)
      .select();
    b.else_().localGet(x).localGet(y);
    b.op(w64 ? (op === "div" ? Op.i64_div_s : Op.i64_rem_s) : op === "div" ? Op.i32_div_s : Op.i32_rem_s);
    b.end();
  }

  /**
   * The high 64 bits of the 128-bit product, from 32-bit halves: with a = ah·2^32 + al and
   * b = bh·2^32 + bl, every partial product fits in 64 bits unsigned, and
   *   mid = (al·bl >>> 32) + lo32(al·bh) + lo32(ah·bl)       (< 3·2^32, no overflow)
   *   hi  = ah·bh + (al·bh >>> 32) + (ah·bl >>> 32) + (mid >>> 32)
   * Signed operands: for a < 0 subtract b, for b < 0 (mulh only) subtract a — as masks (x >> 63) & y.
   */
  private mulHigh(op: "mulh" | "mulhsu" | "mulhu", ea: Expr, eb: Expr): void {
    const b = this.body;
    const a = b.tempLocal(I64);
    const c = b.tempLocal(I64);
    const al = b.tempLocal(I64);
    const ah = b.tempLocal(I64);
    const bl = b.tempLocal(I64);
    const bh = b.tempLocal(I64);
    const albh = b.tempLocal(I64);
    const ahbl = b.tempLocal(I64);
    this.value(ea);
    b.localTee(a).op(Op.i32_wrap_i64).op(Op.i64_extend_i32_u).localSet(al);
    b.localGet(a).i64Const(32).op(Op.i64_shr_u).localSet(ah);
    this.value(eb);
    b.localTee(c).op(Op.i32_wrap_i64).op(Op.i64_extend_i32_u).localSet(bl);
    b.localGet(c).i64Const(32).op(Op.i64_shr_u).localSet(bh);
    b.localGet(al).localGet(bh).op(Op.i64_mul).localSet(albh);
    b.localGet(ah).localGet(bl).op(Op.i64_mul).localSet(ahbl);
    const lo32 = (l: number) => b.localGet(l).i64Const(-1, 0).op(Op.i64_and);
    const hi32 = (l: number) => b.localGet(l).i64Const(32).op(Op.i64_shr_u);
    // hi = ah·bh + hi32(albh) + hi32(ahbl) + (mid >>> 32)
    b.localGet(ah).localGet(bh).op(Op.i64_mul);
    hi32(albh).op(Op.i64_add);
    hi32(ahbl).op(Op.i64_add);
    b.localGet(al).localGet(bl).op(Op.i64_mul).i64Const(32).op(Op.i64_shr_u);
    lo32(albh).op(Op.i64_add);
    lo32(ahbl).op(Op.i64_add);
    b.i64Const(32).op(Op.i64_shr_u).op(Op.i64_add);
    if (op !== "mulhu") {
      b.localGet(a).i64Const(63).op(Op.i64_shr_s).localGet(c).op(Op.i64_and).op(Op.i64_sub);
    }
    if (op === "mulh") {
      b.localGet(c).i64Const(63).op(Op.i64_shr_s).localGet(a).op(Op.i64_and).op(Op.i64_sub);
    }
    for (const t of [a, c, al, ah, bl, bh, albh, ahbl]) b.freeTemp(t);
  }
}

/** An operation added to ir.ts without a lowering here is a type error (op is then not `never`). */
function unlowered(op: never): never {
  throw new Error(`wasm lowering: no lowering for ${op as string}`);
}

const DIV64 = { div: Op.i64_div_s, divu: Op.i64_div_u, rem: Op.i64_rem_s, remu: Op.i64_rem_u } as const;
const DIV32: Partial<Readonly<Record<BinaryOp, number>>> = {
  div32: Op.i32_div_s,
  divu32: Op.i32_div_u,
  rem32: Op.i32_rem_s,
  remu32: Op.i32_rem_u,
};
