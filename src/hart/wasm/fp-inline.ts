// F/D arithmetic as inline WebAssembly: the wasm engine's fast paths of the fpu functions
// (fpu/arith64.ts, fma.ts, compare.ts, sign.ts, convert.ts), written as f64 code in the region's
// function instead of a call out to JavaScript (tens of ns each).
//
// Each op's fast path is the same computation as its JavaScript fast path — IEEE double arithmetic
// (wasm's f64 ops round to nearest even, like JavaScript's) plus the error-free transformation that
// gives the exact error or its sign, hence NX — under the same conditions (finite operands, no
// overflow, no result near the subnormal range). Rounding modes other than RNE, NaNs, infinities and
// every other case take the op's exact path: the caller's `slow`, the call to the fpu import, which
// works on the state where it lies.
//
// The f registers the region uses live in f64 locals, like the x registers: loaded at entry
// (prologue), stored by the epilogue when some instruction of the region writes them, and around a
// call out (the import's operands stored before it, its result loaded after; all written ones
// before a probe's hook). Locals and f64.reinterpret keep every bit, NaN payloads included.

import { KIND_X, rs1Kind } from "../../isa/classes.js";
import { opOf, rdOf, rs1Of, rs2Of, rs3Of } from "../decoded.js";
import {
  type FpuOp,
  fadd_d,
  fadd_s,
  fcvt_d_l,
  fcvt_d_lu,
  fcvt_d_s,
  fcvt_d_w,
  fcvt_d_wu,
  fcvt_l_d,
  fcvt_lu_d,
  fcvt_s_d,
  fcvt_w_d,
  fcvt_wu_d,
  fdiv_d,
  fdiv_s,
  feq_d,
  fle_d,
  flt_d,
  fmadd_d,
  fmax_d,
  fmin_d,
  fmsub_d,
  fmul_d,
  fmul_s,
  fmv_d_x,
  fmv_w_x,
  fmv_x_d,
  fmv_x_w,
  fnmadd_d,
  fnmsub_d,
  fsgnj_d,
  fsgnjn_d,
  fsgnjx_d,
  fsqrt_d,
  fsqrt_s,
  fsub_d,
  fsub_s,
} from "../fpu/index.js";
import { type Block, INT_RD, KIND, Kind } from "../jit/region.js";
import { SEMANTICS_BY_OP } from "../semantics-by-op.js";
import { F, FCSR, FFLAG_NV } from "../state.js";
import { F32, F64, type FunctionBody, I32, I64, Op, PrefixedOp } from "./encoder.js";
import { STATE_AT } from "./layout.js";

/** What the inline code needs of the region's generator. */
export interface FpRegionAccess {
  /** the function's parameter holding the hart's area */
  readonly st: number;
  /** push x register i (i64; x0 reads as 0) */
  getX(i: number): void;
  /** the i64 local of x destination rd (noted as written); undefined for x0 (the value is dropped) */
  dstX(rd: number): number | undefined;
}

/** The decoded instruction's fields the inline code uses. */
export interface FpInsn {
  op: number;
  rd: number;
  rs1: number;
  rs2: number;
  rs3: number;
  /** the rm field (7: dynamic, frm) */
  rm: number;
}

// The fast paths' bounds, as in the JavaScript fast paths (fpu/arith64.ts, fma.ts)
/** Veltkamp's splitter for 53-bit doubles: 2^27 + 1 */
const SPLIT = 134217729;
/** |product| above this: Dekker's TwoProduct error term is exact */
const TINY_PRODUCT = 2 ** -969;
const DIV_MIN_A = 2 ** -960;
const DIV_MIN_Q = 2 ** -1000;
const SQRT_MIN = 2 ** -960;
const SQRT_MAX = 2 ** 1020;
const FMA_MAX_OPERAND = 2 ** 1000;
const FMA_MIN_RESULT = 2 ** -960;
/** singles computed in double: no underflow or overflow for results in [2^-125, 2^127) (round.ts roundS) */
const S_MIN = 2 ** -125;
const S_MAX = 2 ** 127;

const fcsrAt = STATE_AT + 4 * FCSR;
const fAt = (i: number): number => STATE_AT + 4 * (F + 2 * i);

/** How an op depends on the rounding mode. */
enum Rounding {
  /** no rm field */
  NONE,
  /** the result never depends on it (a reserved dynamic one still traps) */
  IGNORED,
  /** inline only under RNE */
  RNE,
  /** float -> integer: static RNE, RTZ, RDN, RUP inline; dynamic only under RNE */
  TO_INT,
  /** inline when exact (any mode), inexact only under RNE */
  EXACT_OR_RNE,
}

type Emitter = (g: FpInline, i: FpInsn) => void;

interface OpForm {
  rounding: Rounding;
  emit: Emitter;
}

const FORMS = new Map<FpuOp, OpForm>([
  [fadd_d, { rounding: Rounding.RNE, emit: (g, i) => g.add(i, false) }],
  [fsub_d, { rounding: Rounding.RNE, emit: (g, i) => g.add(i, true) }],
  [fmul_d, { rounding: Rounding.RNE, emit: (g, i) => g.mul(i) }],
  [fdiv_d, { rounding: Rounding.RNE, emit: (g, i) => g.div(i) }],
  [fsqrt_d, { rounding: Rounding.RNE, emit: (g, i) => g.sqrt(i) }],
  [fmadd_d, { rounding: Rounding.RNE, emit: (g, i) => g.fma(i, false, false) }],
  [fmsub_d, { rounding: Rounding.RNE, emit: (g, i) => g.fma(i, false, true) }],
  [fnmsub_d, { rounding: Rounding.RNE, emit: (g, i) => g.fma(i, true, false) }],
  [fnmadd_d, { rounding: Rounding.RNE, emit: (g, i) => g.fma(i, true, true) }],
  [fsgnj_d, { rounding: Rounding.NONE, emit: (g, i) => g.sgnj(i, 0) }],
  [fsgnjn_d, { rounding: Rounding.NONE, emit: (g, i) => g.sgnj(i, 1) }],
  [fsgnjx_d, { rounding: Rounding.NONE, emit: (g, i) => g.sgnj(i, 2) }],
  [fmv_x_d, { rounding: Rounding.NONE, emit: (g, i) => g.moveToX(i) }],
  [fmv_d_x, { rounding: Rounding.NONE, emit: (g, i) => g.moveFromX(i) }],
  [feq_d, { rounding: Rounding.NONE, emit: (g, i) => g.feq(i) }],
  [flt_d, { rounding: Rounding.NONE, emit: (g, i) => g.order(i, Op.f64_lt) }],
  [fle_d, { rounding: Rounding.NONE, emit: (g, i) => g.order(i, Op.f64_le) }],
  [fmin_d, { rounding: Rounding.NONE, emit: (g, i) => g.minMax(i, false) }],
  [fmax_d, { rounding: Rounding.NONE, emit: (g, i) => g.minMax(i, true) }],
  [fcvt_d_w, { rounding: Rounding.IGNORED, emit: (g, i) => g.fromInt32(i, false) }],
  [fcvt_d_wu, { rounding: Rounding.IGNORED, emit: (g, i) => g.fromInt32(i, true) }],
  [fcvt_d_l, { rounding: Rounding.EXACT_OR_RNE, emit: (g, i) => g.fromInt64(i, false) }],
  [fcvt_d_lu, { rounding: Rounding.EXACT_OR_RNE, emit: (g, i) => g.fromInt64(i, true) }],
  [fcvt_w_d, { rounding: Rounding.TO_INT, emit: (g, i) => g.toInt(i, 32, false) }],
  [fcvt_wu_d, { rounding: Rounding.TO_INT, emit: (g, i) => g.toInt(i, 32, true) }],
  [fcvt_l_d, { rounding: Rounding.TO_INT, emit: (g, i) => g.toInt(i, 64, false) }],
  [fcvt_lu_d, { rounding: Rounding.TO_INT, emit: (g, i) => g.toInt(i, 64, true) }],
  [fadd_s, { rounding: Rounding.RNE, emit: (g, i) => g.arithS(i, Op.f32_add) }],
  [fsub_s, { rounding: Rounding.RNE, emit: (g, i) => g.arithS(i, Op.f32_sub) }],
  [fmul_s, { rounding: Rounding.RNE, emit: (g, i) => g.arithS(i, Op.f32_mul) }],
  [fdiv_s, { rounding: Rounding.RNE, emit: (g, i) => g.arithS(i, Op.f32_div) }],
  [fsqrt_s, { rounding: Rounding.RNE, emit: (g, i) => g.sqrtS(i) }],
  [fcvt_s_d, { rounding: Rounding.RNE, emit: (g, i) => g.toSingle(i) }],
  [fcvt_d_s, { rounding: Rounding.IGNORED, emit: (g, i) => g.fromSingle(i) }],
  [fmv_x_w, { rounding: Rounding.NONE, emit: (g, i) => g.moveToXW(i) }],
  [fmv_w_x, { rounding: Rounding.NONE, emit: (g, i) => g.moveFromXW(i) }],
]);

/** f64.round-to-integer op of a static rounding mode (RMM has none). */
const ROUND_OP = [Op.f64_nearest, Op.f64_trunc, Op.f64_floor, Op.f64_ceil];

/**
 * Emits the inline F/D code of one region function. Each `emit` opens two blocks: `done`, which
 * the fast path leaves to, and `slow`, which a failed condition leaves to run the exact path.
 */
export class FpInline {
  private slowDepth = 0;
  private doneDepth = 0;
  private readonly temps: number[] = [];
  /** the static rounding mode, or -1 for dynamic */
  private staticRm = 0;

  /** f register -> its f64 local */
  private readonly fl = new Map<number, number>();
  /** f registers some instruction of the region writes (the epilogue stores them) */
  private readonly fWritten: number[] = [];
  /**
   * fflags the inline code raised since FCSR last got them: an i32 local ORed into FCSR before
   * anything reads it (an fp CSR instruction, a probe's hook, the epilogue); 0 at every entry
   */
  private readonly acc: number;

  /** Declares the locals of the f registers `blocks` use (before any code is emitted). */
  constructor(
    private readonly f: FunctionBody,
    private readonly region: FpRegionAccess,
    blocks: readonly Block[],
  ) {
    const used = new Set<number>();
    const written = new Set<number>();
    for (const b of blocks)
      for (const ins of b.insns) {
        const w0 = ins.w0;
        const op = opOf(w0);
        const sem = SEMANTICS_BY_OP[op];
        if (KIND[op] === Kind.FPU) {
          // (rs2 and rs3 may be fields of another meaning: an unused local is harmless)
          if (rs1Kind(op) !== KIND_X) used.add(rs1Of(w0));
          used.add(rs2Of(w0));
          used.add(rs3Of(w0));
          if (INT_RD[op] !== 1) written.add(rdOf(w0));
        } else if (sem?.kind === "load" && sem.fp) written.add(rdOf(w0));
        else if (sem?.kind === "store" && sem.fp) used.add(rs2Of(w0));
      }
    for (const i of written) used.add(i);
    for (const i of [...used].sort((x, y) => x - y)) this.fl.set(i, f.addLocal(F64));
    this.fWritten.push(...[...written].sort((x, y) => x - y));
    this.acc = f.addLocal(I32);
  }

  /** FCSR |= the flags raised inline; then none are pending (before an fp CSR instruction). */
  flushFlags(): void {
    const f = this.f;
    f.localGet(this.region.st);
    f.localGet(this.region.st).i32Load(fcsrAt).localGet(this.acc).i32Or();
    f.i32Store(fcsrAt);
    f.i32Const(0).localSet(this.acc);
  }

  /** At the function's entry: the f registers into their locals. */
  prologue(): void {
    for (const [i, l] of this.fl) this.f.localGet(this.region.st).f64Load(fAt(i)).localSet(l);
  }

  /** Before JavaScript reads the state, and in the epilogue: the f registers written and the flags raised, stored. */
  storeWritten(): void {
    for (const i of this.fWritten) this.spill(i);
    this.flushFlags();
  }

  /** f[rd] := the i64 on the stack, bit for bit (an FP load). */
  setFromBits(rd: number): void {
    this.f.op(Op.f64_reinterpret_i64).localSet(this.fl.get(rd)!);
  }

  /** Push f[i]'s bits as an i64 (an FP store). */
  pushBits(i: number): void {
    this.getBits(i);
  }

  private spill(i: number): void {
    this.f.localGet(this.region.st).localGet(this.fl.get(i)!).f64Store(fAt(i));
  }

  /**
   * The exact path: the fpu import, which works on the state — its f operands stored first, its f
   * result loaded after.
   */
  private callOut(i: FpInsn, slow: () => void): void {
    const fRs1 = rs1Kind(i.op) !== KIND_X;
    for (const r of new Set(fRs1 ? [i.rs1, i.rs2, i.rs3] : [i.rs2, i.rs3])) this.spill(r);
    slow();
    if (INT_RD[i.op] !== 1) this.f.localGet(this.region.st).f64Load(fAt(i.rd)).localSet(this.fl.get(i.rd)!);
  }

  /**
   * Emit `i` (of fpu function `fn`): inline when it has an inline form under its rounding mode,
   * with `slow()` (the import's call) as its exact path; else the call alone.
   */
  emit(fn: FpuOp | undefined, i: FpInsn, slow: () => void): void {
    const form = fn === undefined ? undefined : FORMS.get(fn);
    const dynamic = form !== undefined && form.rounding !== Rounding.NONE && (i.rm & 7) === 7;
    this.staticRm = dynamic ? -1 : i.rm & 7;
    if (
      form === undefined ||
      (!dynamic && form.rounding === Rounding.RNE && this.staticRm !== 0) ||
      (!dynamic && form.rounding === Rounding.TO_INT && this.staticRm > 3)
    ) {
      this.callOut(i, slow);
      return;
    }
    const f = this.f;
    f.block();
    this.doneDepth = f.depth;
    f.block();
    this.slowDepth = f.depth;
    if (dynamic) {
      const rneOnly = form.rounding === Rounding.RNE || form.rounding === Rounding.TO_INT;
      // frm != RNE, or reserved (5..7: the exact path's side exit, the interpreter's trap)
      this.frm();
      if (rneOnly) f.brIf(f.depth - this.slowDepth);
      else
        f.i32Const(4)
          .op(Op.i32_gt_u)
          .brIf(f.depth - this.slowDepth);
    }
    form.emit(this, i);
    f.end(); // slow
    this.callOut(i, slow);
    f.end(); // done
    for (const t of this.temps) f.freeTemp(t);
    this.temps.length = 0;
  }

  // ---- helpers ----

  /** A scratch local for this instruction. */
  private tmp(type: number): number {
    const t = this.f.tempLocal(type);
    this.temps.push(t);
    return t;
  }

  /** Push frm (FCSR bits 7:5). */
  private frm(): void {
    this.f.localGet(this.region.st).i32Load(fcsrAt).i32Const(5).op(Op.i32_shr_u);
  }

  private get(i: number): void {
    this.f.localGet(this.fl.get(i)!);
  }

  private getBits(i: number): void {
    this.f.localGet(this.fl.get(i)!).op(Op.i64_reinterpret_f64);
  }

  /** f[rd] := the f64 local v. */
  private set(rd: number, v: number): void {
    this.f.localGet(v).localSet(this.fl.get(rd)!);
  }

  /** f[rd] := the i64 local v (bit for bit). */
  private setBits(rd: number, v: number): void {
    this.f.localGet(v).op(Op.f64_reinterpret_i64).localSet(this.fl.get(rd)!);
  }

  /** A new f64 local holding f[i] (negated: sign flipped, exact). */
  private load(i: number, negate = false): number {
    const t = this.tmp(F64);
    this.get(i);
    if (negate) this.f.op(Op.f64_neg);
    this.f.localSet(t);
    return t;
  }

  /** Pop an i32 of fflags and OR it into the pending ones. */
  private orFlags(): void {
    this.f.localGet(this.acc).i32Or().localSet(this.acc);
  }

  /** Leave to the exact path when the i32 on the stack is 0. */
  private slowUnless(): void {
    this.f.i32Eqz().brIf(this.f.depth - this.slowDepth);
  }

  private done(): void {
    this.f.br(this.f.depth - this.doneDepth);
  }

  /** Push (v - v == 0): v is finite. */
  private finite(v: number): void {
    this.f.localGet(v).localGet(v).op(Op.f64_sub).f64Const(0).op(Op.f64_eq);
  }

  /** Push |v| > k (false for NaN). */
  private absAbove(v: number, k: number): void {
    this.f.localGet(v).op(Op.f64_abs).f64Const(k).op(Op.f64_gt);
  }

  /** Push (v != 0) as an i32: NX when v is an exact error or residual. */
  private nonzero(v: number): void {
    this.f.localGet(v).f64Const(0).op(Op.f64_ne);
  }

  /** t := the high part of Veltkamp's split of v (t = SPLIT*v; hi = t - (t - v)); returns [hi, lo]. */
  private split(v: number): [number, number] {
    const f = this.f;
    const t = this.tmp(F64);
    const hi = this.tmp(F64);
    const lo = this.tmp(F64);
    f.f64Const(SPLIT).localGet(v).op(Op.f64_mul).localSet(t);
    f.localGet(t).localGet(t).localGet(v).op(Op.f64_sub).op(Op.f64_sub).localSet(hi);
    f.localGet(v).localGet(hi).op(Op.f64_sub).localSet(lo);
    return [hi, lo];
  }

  /** Dekker's product error: (((xh*yh - p) + xh*yl) + xl*yh) + xl*yl, into a new local. */
  private productError(x: readonly [number, number], y: readonly [number, number], p: number): number {
    const f = this.f;
    const e = this.tmp(F64);
    const mul = (a: number, b: number) => f.localGet(a).localGet(b).op(Op.f64_mul);
    mul(x[0], y[0]);
    f.localGet(p).op(Op.f64_sub);
    mul(x[0], y[1]);
    f.op(Op.f64_add);
    mul(x[1], y[0]);
    f.op(Op.f64_add);
    mul(x[1], y[1]);
    f.op(Op.f64_add).localSet(e);
    return e;
  }

  /** TwoSum of locals x, y: returns [s, e] with s + e == x + y exactly (barring overflow). */
  private twoSum(x: number, y: number): [number, number] {
    const f = this.f;
    const s = this.tmp(F64);
    const bb = this.tmp(F64);
    const e = this.tmp(F64);
    f.localGet(x).localGet(y).op(Op.f64_add).localSet(s);
    f.localGet(s).localGet(x).op(Op.f64_sub).localSet(bb);
    // e = (x - (s - bb)) + (y - bb)
    f.localGet(x).localGet(s).localGet(bb).op(Op.f64_sub).op(Op.f64_sub);
    f.localGet(y).localGet(bb).op(Op.f64_sub).op(Op.f64_add).localSet(e);
    return [s, e];
  }

  // ---- arithmetic (fpu/arith64.ts's fast paths, RNE) ----

  add(i: FpInsn, sub: boolean): void {
    const a = this.load(i.rs1);
    const b = this.load(i.rs2, sub);
    const [s, e] = this.twoSum(a, b);
    // finite operands and no overflow (else e is NaN); a sum too small to be normal is exact
    this.finite(e);
    this.slowUnless();
    this.set(i.rd, s);
    this.nonzero(e);
    this.orFlags();
    this.done();
  }

  mul(i: FpInsn): void {
    const f = this.f;
    const a = this.load(i.rs1);
    const b = this.load(i.rs2);
    const p = this.tmp(F64);
    f.localGet(a).localGet(b).op(Op.f64_mul).localSet(p);
    const e = this.productError(this.split(a), this.split(b), p);
    // e is NaN/inf when p overflowed or a split did (|a| or |b| above ~2^996)
    this.absAbove(p, TINY_PRODUCT);
    this.finite(e);
    f.i32And().if_();
    this.set(i.rd, p);
    this.nonzero(e);
    this.orFlags();
    this.done();
    f.end();
    // an exact zero: 0 * finite, sign = xor of signs
    f.localGet(p).f64Const(0).op(Op.f64_eq);
    f.localGet(a).f64Const(0).op(Op.f64_eq).localGet(b).f64Const(0).op(Op.f64_eq).i32Or().i32And();
    this.finite(a);
    f.i32And();
    this.finite(b);
    f.i32And();
    this.slowUnless();
    this.set(i.rd, p);
    this.done();
  }

  div(i: FpInsn): void {
    const f = this.f;
    const a = this.load(i.rs1);
    const b = this.load(i.rs2);
    const q = this.tmp(F64);
    f.localGet(a).localGet(b).op(Op.f64_div).localSet(q);
    const ph = this.tmp(F64);
    f.localGet(q).localGet(b).op(Op.f64_mul).localSet(ph);
    const pl = this.productError(this.split(q), this.split(b), ph);
    // a - ph is exact (Sterbenz), so res has the sign of a - q*b
    const res = this.tmp(F64);
    f.localGet(a).localGet(ph).op(Op.f64_sub).localGet(pl).op(Op.f64_sub).localSet(res);
    this.absAbove(a, DIV_MIN_A);
    this.absAbove(q, DIV_MIN_Q);
    f.i32And();
    this.finite(res);
    f.i32And().if_();
    this.set(i.rd, q);
    this.nonzero(res);
    this.orFlags();
    this.done();
    f.end();
    // 0 / nonzero (not NaN), or finite / inf: an exact zero
    f.localGet(a).f64Const(0).op(Op.f64_eq);
    f.localGet(b).f64Const(0).op(Op.f64_ne).i32And();
    f.localGet(b).localGet(b).op(Op.f64_eq).i32And();
    this.finite(a);
    f.localGet(b).op(Op.f64_abs).f64Const(Infinity).op(Op.f64_eq).i32And();
    f.i32Or();
    this.slowUnless();
    this.set(i.rd, q);
    this.done();
  }

  sqrt(i: FpInsn): void {
    const f = this.f;
    const a = this.load(i.rs1);
    f.localGet(a).f64Const(SQRT_MIN).op(Op.f64_gt);
    f.localGet(a).f64Const(SQRT_MAX).op(Op.f64_lt).i32And().if_();
    const s = this.tmp(F64);
    f.localGet(a).op(Op.f64_sqrt).localSet(s);
    const sp = this.split(s);
    const ph = this.tmp(F64);
    f.localGet(s).localGet(s).op(Op.f64_mul).localSet(ph);
    const pl = this.productError(sp, sp, ph);
    const res = this.tmp(F64);
    f.localGet(a).localGet(ph).op(Op.f64_sub).localGet(pl).op(Op.f64_sub).localSet(res);
    this.set(i.rd, s);
    this.nonzero(res);
    this.orFlags();
    this.done();
    f.end();
    // sqrt(+-0) = +-0
    f.localGet(a).f64Const(0).op(Op.f64_eq);
    this.slowUnless();
    this.set(i.rd, a);
    this.done();
  }

  /**
   * fma(+-a, b, +-c), after fpu/fma.ts's double fast path: TwoProduct a*b = ph + pl, TwoSum c + ph =
   * th + tl, TwoSum tl + pl = uh + ul, and, as |th| >= 16|uh| is required, Fast2Sum th + uh = z + e;
   * the exact value is z + e + ul. There z = RNE(th + uh), and th, z, e and every midpoint near z
   * are multiples of ulp(uh) while |ul| <= ulp(uh)/2: ul cannot carry the exact value across a
   * midpoint or a double, so z is the result unless th + uh is itself a midpoint (e = +-ulp(z)/2,
   * z + 2e a double) — left, with the cancellations that fail the bounds, to the exact path.
   * Flags: NX when e or ul is nonzero.
   */
  fma(i: FpInsn, negProduct: boolean, negAddend: boolean): void {
    const f = this.f;
    const a = this.load(i.rs1, negProduct);
    const b = this.load(i.rs2);
    const c = this.load(i.rs3, negAddend);
    const ph = this.tmp(F64);
    f.localGet(a).localGet(b).op(Op.f64_mul).localSet(ph);
    const pl = this.productError(this.split(a), this.split(b), ph);
    this.absAbove(ph, TINY_PRODUCT);
    f.localGet(ph).op(Op.f64_abs).f64Const(FMA_MAX_OPERAND).op(Op.f64_lt).i32And();
    f.localGet(c).op(Op.f64_abs).f64Const(FMA_MAX_OPERAND).op(Op.f64_lt).i32And();
    this.finite(pl);
    f.i32And().if_();
    {
      const [th, tl] = this.twoSum(c, ph);
      const [uh, ul] = this.twoSum(tl, pl);
      // Fast2Sum (exact for |th| >= |uh|): z = th + uh, e = uh - (z - th)
      const z = this.tmp(F64);
      const e = this.tmp(F64);
      f.localGet(th).localGet(uh).op(Op.f64_add).localSet(z);
      f.localGet(uh).localGet(z).localGet(th).op(Op.f64_sub).op(Op.f64_sub).localSet(e);
      // |th| >= 16|uh|, |th| above the subnormal risk, and not a midpoint:
      // !(e != 0 && (z + 2e) - z == 2e)
      f.localGet(th).op(Op.f64_abs);
      f.f64Const(16).localGet(uh).op(Op.f64_abs).op(Op.f64_mul).op(Op.f64_ge);
      this.absAbove(th, FMA_MIN_RESULT);
      f.i32And();
      const e2 = this.tmp(F64);
      f.localGet(e).localGet(e).op(Op.f64_add).localSet(e2);
      f.localGet(z).localGet(e2).op(Op.f64_add).localGet(z).op(Op.f64_sub).localGet(e2).op(Op.f64_eq);
      this.nonzero(e);
      f.i32And().i32Eqz().i32And();
      f.if_();
      this.set(i.rd, z);
      this.nonzero(e);
      this.nonzero(ul);
      f.i32Or();
      this.orFlags();
      this.done();
      f.end();
      f.br(f.depth - this.slowDepth);
    }
    f.end();
    // 0 * finite + finite c: exactly c, and for c = 0 the RNE sign of an exact zero sum (ph + c)
    f.localGet(ph).f64Const(0).op(Op.f64_eq);
    f.localGet(a).f64Const(0).op(Op.f64_eq).localGet(b).f64Const(0).op(Op.f64_eq).i32Or().i32And();
    this.finite(a);
    f.i32And();
    this.finite(b);
    f.i32And();
    this.finite(c);
    f.i32And();
    this.slowUnless();
    const r = this.tmp(F64);
    f.localGet(ph).localGet(c).op(Op.f64_add).localSet(r);
    this.set(i.rd, r);
    this.done();
  }

  // ---- sign injection and moves (fpu/sign.ts): bits only, no flags ----

  /** mode 0: fsgnj (rs2's sign), 1: fsgnjn (its opposite), 2: fsgnjx (the xor of both). */
  sgnj(i: FpInsn, mode: number): void {
    const f = this.f;
    const r = this.tmp(I64);
    this.getBits(i.rs1);
    f.i64Const(-1, 0x7fffffff).i64And();
    if (mode === 2) {
      this.getBits(i.rs1);
      this.getBits(i.rs2);
      f.i64Xor();
    } else {
      this.getBits(i.rs2);
      if (mode === 1) f.i64Const(-1).i64Xor();
    }
    f.i64Const(0, -0x80000000).i64And().i64Or().localSet(r);
    this.setBits(i.rd, r);
    this.done();
  }

  moveToX(i: FpInsn): void {
    const d = this.region.dstX(i.rd);
    if (d !== undefined) {
      this.getBits(i.rs1);
      this.f.localSet(d);
    }
    this.done();
  }

  moveFromX(i: FpInsn): void {
    const r = this.tmp(I64);
    this.region.getX(i.rs1);
    this.f.localSet(r);
    this.setBits(i.rd, r);
    this.done();
  }

  // ---- comparisons (fpu/compare.ts) ----

  /** feq: a NaN operand (NV only when signalling) takes the exact path. */
  feq(i: FpInsn): void {
    const f = this.f;
    const a = this.load(i.rs1);
    const b = this.load(i.rs2);
    f.localGet(a).localGet(a).op(Op.f64_eq).localGet(b).localGet(b).op(Op.f64_eq).i32And();
    this.slowUnless();
    const d = this.region.dstX(i.rd);
    if (d !== undefined) f.localGet(a).localGet(b).op(Op.f64_eq).i64ExtendI32U().localSet(d);
    this.done();
  }

  /** flt, fle: 0 and NV when either operand is NaN. */
  order(i: FpInsn, cmp: number): void {
    const f = this.f;
    const a = this.load(i.rs1);
    const b = this.load(i.rs2);
    const d = this.region.dstX(i.rd);
    if (d !== undefined) f.localGet(a).localGet(b).op(cmp).i64ExtendI32U().localSet(d);
    f.localGet(a).localGet(a).op(Op.f64_ne).localGet(b).localGet(b).op(Op.f64_ne).i32Or();
    f.i32Const(Math.log2(FFLAG_NV)).op(Op.i32_shl);
    this.orFlags();
    this.done();
  }

  /** fmin/fmax of non-NaN operands: the chosen operand bit for bit, -0 below +0. */
  minMax(i: FpInsn, max: boolean): void {
    const f = this.f;
    const a = this.load(i.rs1);
    const b = this.load(i.rs2);
    f.localGet(a).localGet(a).op(Op.f64_eq).localGet(b).localGet(b).op(Op.f64_eq).i32And();
    this.slowUnless();
    const r = this.tmp(I64);
    this.getBits(i.rs1);
    this.getBits(i.rs2);
    // a is picked when it is strictly on the chosen side, or equal with the right sign
    f.localGet(a)
      .localGet(b)
      .op(max ? Op.f64_gt : Op.f64_lt);
    f.localGet(a).localGet(b).op(Op.f64_eq);
    this.getBits(i.rs1);
    f.i64Const(0)
      .op(max ? Op.i64_ge_s : Op.i64_lt_s)
      .i32And()
      .i32Or();
    f.select().localSet(r);
    this.setBits(i.rd, r);
    this.done();
  }

  // ---- singles (fpu/arith32.ts): NaN-boxed in the f registers (F chapter, "NaN Boxing") ----

  /** Push 1 when f[i] holds a NaN-boxed single (its upper 32 bits all ones). */
  private boxed(i: number): void {
    this.getBits(i);
    this.f.i64Const(32).i64ShrU().i64Const(-1, 0).op(Op.i64_eq);
  }

  /** A new f32 local holding f[i]'s single (negated: sign flipped); valid where boxed(i). */
  private loadS(i: number, negate = false): number {
    const t = this.tmp(F32);
    this.getBits(i);
    this.f.i32WrapI64().op(Op.f32_reinterpret_i32);
    if (negate) this.f.op(Op.f32_neg);
    this.f.localSet(t);
    return t;
  }

  /** A new f64 local holding the f32 local v, exactly. */
  private promote(v: number): number {
    const t = this.tmp(F64);
    this.f.localGet(v).op(Op.f64_promote_f32).localSet(t);
    return t;
  }

  /** f[rd] := the f32 local v, NaN-boxed. */
  private setS(rd: number, v: number): void {
    this.f.localGet(v).op(Op.i32_reinterpret_f32).i64ExtendI32U().i64Const(0, -1).i64Or();
    this.f.op(Op.f64_reinterpret_i64).localSet(this.fl.get(rd)!);
  }

  /** Push: the double d is 0, or in the single range where RNE neither underflows nor overflows. */
  private singleRange(d: number): void {
    const f = this.f;
    f.localGet(d).f64Const(0).op(Op.f64_eq);
    f.localGet(d).op(Op.f64_abs).f64Const(S_MIN).op(Op.f64_ge);
    f.localGet(d).op(Op.f64_abs).f64Const(S_MAX).op(Op.f64_lt).i32And().i32Or();
  }

  /**
   * fadd/fsub/fmul/fdiv.s: the f32 op's result (correctly rounded, RNE). The operands in double
   * give the exact result's double d (a product exactly; a sum with TwoSum's error e; a quotient is
   * never within 2^-46 of a single unless it is one, so d is one exactly when the quotient is):
   * NX unless the single equals d and e is 0. NaN, infinite or out-of-range results: exact path.
   */
  arithS(i: FpInsn, op: number): void {
    const f = this.f;
    this.boxed(i.rs1);
    this.boxed(i.rs2);
    f.i32And();
    this.slowUnless();
    const sub = op === Op.f32_sub;
    const a32 = this.loadS(i.rs1);
    const b32 = this.loadS(i.rs2, sub);
    const a = this.promote(a32);
    const b = this.promote(b32);
    const sum = op === Op.f32_add || sub;
    const d = this.tmp(F64);
    let e = -1;
    if (sum) [, e] = this.twoSum(a, b);
    f.localGet(a)
      .localGet(b)
      .op(sum ? Op.f64_add : op === Op.f32_mul ? Op.f64_mul : Op.f64_div)
      .localSet(d);
    // d finite (no NaN, inf, x/0) and in range; a sum's error finite too
    this.finite(d);
    this.singleRange(d);
    f.i32And();
    this.slowUnless();
    const r = this.tmp(F32);
    f.localGet(a32)
      .localGet(b32)
      .op(sum ? Op.f32_add : op)
      .localSet(r);
    this.setS(i.rd, r);
    f.localGet(r).op(Op.f64_promote_f32).localGet(d).op(Op.f64_ne);
    if (sum) {
      this.nonzero(e);
      f.i32Or();
    }
    this.orFlags();
    this.done();
  }

  /** fsqrt.s: positive finite operands (NX as for a quotient), and +-0. */
  sqrtS(i: FpInsn): void {
    const f = this.f;
    this.boxed(i.rs1);
    this.slowUnless();
    const a32 = this.loadS(i.rs1);
    const a = this.promote(a32);
    f.localGet(a).f64Const(0).op(Op.f64_eq).if_();
    this.setS(i.rd, a32); // sqrt(+-0) = +-0
    this.done();
    f.end();
    f.localGet(a).f64Const(0).op(Op.f64_gt);
    this.finite(a);
    f.i32And();
    this.slowUnless();
    const d = this.tmp(F64);
    const r = this.tmp(F32);
    f.localGet(a).op(Op.f64_sqrt).localSet(d);
    f.localGet(a32).op(Op.f32_sqrt).localSet(r);
    this.setS(i.rd, r);
    f.localGet(r).op(Op.f64_promote_f32).localGet(d).op(Op.f64_ne);
    this.orFlags();
    this.done();
  }

  /** fcvt.s.d: f32.demote (RNE) of a finite double in range; NX when it changed the value. */
  toSingle(i: FpInsn): void {
    const f = this.f;
    const a = this.load(i.rs1);
    this.finite(a);
    this.singleRange(a);
    f.i32And();
    this.slowUnless();
    const r = this.tmp(F32);
    f.localGet(a).op(Op.f32_demote_f64).localSet(r);
    this.setS(i.rd, r);
    f.localGet(r).op(Op.f64_promote_f32).localGet(a).op(Op.f64_ne);
    this.orFlags();
    this.done();
  }

  /** fcvt.d.s: exact for a boxed non-NaN single (a NaN takes the exact path: canonical NaN, NV if signalling). */
  fromSingle(i: FpInsn): void {
    const f = this.f;
    this.boxed(i.rs1);
    this.slowUnless();
    const a = this.promote(this.loadS(i.rs1));
    f.localGet(a).localGet(a).op(Op.f64_eq);
    this.slowUnless();
    this.set(i.rd, a);
    this.done();
  }

  /** fmv.x.w: the low 32 bits, sign-extended (no NaN-boxing check). */
  moveToXW(i: FpInsn): void {
    const d = this.region.dstX(i.rd);
    if (d !== undefined) {
      this.getBits(i.rs1);
      this.f.i32WrapI64().i64ExtendI32S().localSet(d);
    }
    this.done();
  }

  /** fmv.w.x: x[rs1]'s low 32 bits, NaN-boxed. */
  moveFromXW(i: FpInsn): void {
    const r = this.tmp(I64);
    this.region.getX(i.rs1);
    this.f.i64Const(-1, 0).i64And().i64Const(0, -1).i64Or().localSet(r);
    this.setBits(i.rd, r);
    this.done();
  }

  // ---- conversions (fpu/convert.ts) ----

  /** fcvt.d.w(u): always exact. */
  fromInt32(i: FpInsn, unsigned: boolean): void {
    const f = this.f;
    const r = this.tmp(F64);
    this.region.getX(i.rs1);
    f.i32WrapI64()
      .op(unsigned ? Op.f64_convert_i32_u : Op.f64_convert_i32_s)
      .localSet(r);
    this.set(i.rd, r);
    this.done();
  }

  /** fcvt.d.l(u): RNE's double; exact when it converts back (below 2^63 / 2^64) to the same integer. */
  fromInt64(i: FpInsn, unsigned: boolean): void {
    const f = this.f;
    const x = this.tmp(I64);
    const r = this.tmp(F64);
    this.region.getX(i.rs1);
    f.localTee(x)
      .op(unsigned ? Op.f64_convert_i64_u : Op.f64_convert_i64_s)
      .localSet(r);
    f.localGet(r)
      .f64Const(unsigned ? 2 ** 64 : 2 ** 63)
      .op(Op.f64_ne);
    f.localGet(r).prefixed(unsigned ? PrefixedOp.i64_trunc_sat_f64_u : PrefixedOp.i64_trunc_sat_f64_s);
    f.localGet(x).op(Op.i64_eq).i32And().if_();
    this.set(i.rd, r);
    this.done();
    f.end();
    // inexact: RNE's result with NX, or the exact path for the other modes
    if (this.staticRm > 0) f.br(f.depth - this.slowDepth);
    else if (this.staticRm < 0) {
      this.frm();
      f.brIf(f.depth - this.slowDepth);
    }
    this.set(i.rd, r);
    f.i32Const(1); // NX
    this.orFlags();
    this.done();
  }

  /**
   * fcvt.w(u).d, fcvt.l(u).d: the operand rounded to an integer by rm (dynamic: RNE only); in
   * range, that integer (32-bit results sign-extended) and NX when it differs from the operand;
   * out of range or NaN: the exact path (NV and the saturated value).
   */
  toInt(i: FpInsn, bits: 32 | 64, unsigned: boolean): void {
    const f = this.f;
    const a = this.load(i.rs1);
    const v = this.tmp(F64);
    f.localGet(a).op(ROUND_OP[Math.max(this.staticRm, 0)]!).localSet(v);
    const lo = unsigned ? 0 : bits === 32 ? -(2 ** 31) : -(2 ** 63);
    f.localGet(v).f64Const(lo).op(Op.f64_ge);
    // the largest integer (32 bits: exact) or 2^bits exclusive (64 bits: 2^63 - 1 is no double)
    const top = unsigned ? 2 ** bits : 2 ** (bits - 1);
    if (bits === 32)
      f.localGet(v)
        .f64Const(top - 1)
        .op(Op.f64_le);
    else f.localGet(v).f64Const(top).op(Op.f64_lt);
    f.i32And();
    this.slowUnless();
    const d = this.region.dstX(i.rd);
    if (d !== undefined) {
      f.localGet(v);
      if (bits === 32) f.op(unsigned ? Op.i32_trunc_f64_u : Op.i32_trunc_f64_s).i64ExtendI32S();
      else f.op(unsigned ? Op.i64_trunc_f64_u : Op.i64_trunc_f64_s);
      f.localSet(d);
    }
    f.localGet(v).localGet(a).op(Op.f64_ne); // NX
    this.orFlags();
    this.done();
  }
}
