// The BigInt reference at the register level: every F/D instruction as a function of its source
// registers' 64-bit values (f or x, as the instruction reads them) to the destination register's
// 64-bit value and fflags. The fast implementations fall back to these pieces, and the tests
// compare the fast ones against this table.

import { type FloatFormat, FMT_D, FMT_S } from "../format.js";
import { refAdd, refDiv, refFma, refMul, refSqrt } from "./arith.js";
import { type Relation, refClass, refCompare, refMinMax, refSignInject, type SignOp } from "./compare.js";
import { refConvert, refFromInt, refToInt } from "./convert.js";
import type { Rounded } from "./round.js";

export type RefOp = (a: bigint, b: bigint, c: bigint, rm: number) => Rounded;

const M32 = 0xffffffffn;
const M64 = 0xffffffffffffffffn;
const BOX = M32 << 32n;

/** An S operand: valid only when NaN-boxed (upper 32 bits all ones), else the canonical NaN (F chapter, "NaN Boxing"). */
export function unboxS(reg: bigint): bigint {
  return reg >> 32n === M32 ? reg & M32 : FMT_S.canonicalNaN;
}

export function boxS(bits: bigint): bigint {
  return BOX | (bits & M32);
}

function fmtOf(name: string): FloatFormat {
  return name.endsWith("_s") ? FMT_S : FMT_D;
}

/** Reads a register value as an operand of fmt, writes a result of fmt as a register value. */
function load(fmt: FloatFormat, reg: bigint): bigint {
  return fmt === FMT_S ? unboxS(reg) : reg;
}

function store(fmt: FloatFormat, res: Rounded): Rounded {
  return fmt === FMT_S ? { bits: boxS(res.bits), flags: res.flags } : res;
}

const table: Record<string, RefOp> = {};

for (const suffix of ["_s", "_d"]) {
  const f = fmtOf(suffix);
  const L = (x: bigint): bigint => load(f, x);
  const neg = (x: bigint): bigint => x ^ f.signBit;
  table[`fadd${suffix}`] = (a, b, _c, rm) => store(f, refAdd(f, L(a), L(b), rm));
  table[`fsub${suffix}`] = (a, b, _c, rm) => store(f, refAdd(f, L(a), neg(L(b)), rm));
  table[`fmul${suffix}`] = (a, b, _c, rm) => store(f, refMul(f, L(a), L(b), rm));
  table[`fdiv${suffix}`] = (a, b, _c, rm) => store(f, refDiv(f, L(a), L(b), rm));
  table[`fsqrt${suffix}`] = (a, _b, _c, rm) => store(f, refSqrt(f, L(a), rm));
  // F chapter, "Floating-Point Fused Multiply-Add": fmsub = a*b - c, fnmsub = -(a*b) + c, fnmadd = -(a*b) - c
  table[`fmadd${suffix}`] = (a, b, c, rm) => store(f, refFma(f, L(a), L(b), L(c), rm));
  table[`fmsub${suffix}`] = (a, b, c, rm) => store(f, refFma(f, L(a), L(b), neg(L(c)), rm));
  table[`fnmsub${suffix}`] = (a, b, c, rm) => store(f, refFma(f, neg(L(a)), L(b), L(c), rm));
  table[`fnmadd${suffix}`] = (a, b, c, rm) => store(f, refFma(f, neg(L(a)), L(b), neg(L(c)), rm));
  table[`fmin${suffix}`] = (a, b) => store(f, refMinMax(f, L(a), L(b), false));
  table[`fmax${suffix}`] = (a, b) => store(f, refMinMax(f, L(a), L(b), true));
  for (const [name, op] of [
    ["fsgnj", "j"],
    ["fsgnjn", "jn"],
    ["fsgnjx", "jx"],
  ] as const) {
    table[`${name}${suffix}`] = (a, b) =>
      store(f, { bits: refSignInject(f, L(a), L(b), op as SignOp), flags: 0 });
  }
  for (const rel of ["eq", "lt", "le"] as Relation[]) {
    table[`f${rel}${suffix}`] = (a, b) => refCompare(f, L(a), L(b), rel);
  }
  table[`fclass${suffix}`] = (a) => ({ bits: refClass(f, L(a)), flags: 0 });

  // float -> integer; 32-bit results are sign-extended into the 64-bit register, WU included
  for (const [t, width, signed] of [
    ["w", 32, true],
    ["wu", 32, false],
    ["l", 64, true],
    ["lu", 64, false],
  ] as const) {
    table[`fcvt_${t}${suffix}`] = (a, _b, _c, rm) => {
      const { value, flags } = refToInt(f, L(a), rm, width, signed);
      const bits = width === 32 ? BigInt.asUintN(64, BigInt.asIntN(32, value)) : BigInt.asUintN(64, value);
      return { bits, flags };
    };
    // integer -> float; the x operand's low 32 bits for W/WU
    table[`fcvt${suffix}_${t}`] = (a, _b, _c, rm) => {
      const v =
        width === 32
          ? signed
            ? BigInt.asIntN(32, a)
            : BigInt.asUintN(32, a)
          : signed
            ? BigInt.asIntN(64, a)
            : BigInt.asUintN(64, a);
      return store(f, refFromInt(f, v, rm));
    };
  }
}

table.fcvt_s_d = (a, _b, _c, rm) => store(FMT_S, refConvert(FMT_D, FMT_S, a, rm));
table.fcvt_d_s = (a, _b, _c, rm) => refConvert(FMT_S, FMT_D, unboxS(a), rm);
// moves are bit copies: no NaN-boxing check on FMV.X.W's source, sign extension of bit 31
table.fmv_x_w = (a) => ({ bits: BigInt.asUintN(64, BigInt.asIntN(32, a)), flags: 0 });
table.fmv_w_x = (a) => ({ bits: boxS(a), flags: 0 });
table.fmv_x_d = (a) => ({ bits: a & M64, flags: 0 });
table.fmv_d_x = (a) => ({ bits: a & M64, flags: 0 });

export const REF_OPS: Readonly<Record<string, RefOp>> = table;
