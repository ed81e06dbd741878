// The F and D chapters' rules, checked with values worked out by hand from the spec text
// (RISC-V Unprivileged ISA: "NaN Boxing", "NaN Generation and Propagation", the FCVT table,
// fused multiply-add, FMIN/FMAX, compares) and IEEE 754 (rounding, overflow, underflow).
// Each case runs the fast implementation and the BigInt reference; both must give the answer.

import assert from "node:assert/strict";
import { test } from "node:test";
import { box, dBits, hex, OPS, type Outcome, runFast, runRef } from "./harness.js";

const NX = 1;
const UF = 2;
const OF = 4;
const DZ = 8;
const NV = 16;
const RNE = 0;
const RTZ = 1;
const RDN = 2;
const RUP = 3;
const RMM = 4;

const CANON_D = 0x7ff8000000000000n;
const CANON_S = box(0x7fc00000n);
const SNAN_D = 0x7ff0000000000001n;
const QNAN_PAYLOAD_D = 0xfff8000000000123n;
const SNAN_S = box(0x7f800001n);
const INF_D = 0x7ff0000000000000n;
const NEG_INF_D = 0xfff0000000000000n;
const MAX_D = 0x7fefffffffffffffn;
const S = (x: number): bigint => {
  const f = new Float32Array([x]);
  return box(BigInt(new Uint32Array(f.buffer)[0]!));
};
const D = dBits;

function run(name: string, srcs: bigint[], rm = RNE): Outcome {
  const op = OPS.find((o) => o.name === name);
  if (!op) throw new Error(`no op ${name}`);
  const fast = runFast(op, srcs, rm);
  const ref = runRef(op, srcs, rm);
  assert.deepEqual(
    { bits: hex(fast.bits), flags: fast.flags },
    { bits: hex(ref.bits), flags: ref.flags },
    `${name} fast vs reference`,
  );
  return fast;
}

function expect(name: string, srcs: bigint[], rm: number, bits: bigint, flags: number): void {
  const got = run(name, srcs, rm);
  assert.deepEqual(
    { bits: hex(got.bits), flags: got.flags },
    { bits: hex(bits), flags },
    `${name} ${srcs.map(hex)} rm=${rm}`,
  );
}

test("NaN boxing: an S operand whose upper word is not all ones reads as the canonical NaN", () => {
  const unboxed = 0x000000003f800000n; // 1.0f without the box
  expect("fadd_s", [unboxed, S(1)], RNE, CANON_S, 0);
  expect("fclass_s", [unboxed], RNE, 1n << 9n, 0);
  expect("fsgnjn_s", [unboxed, S(1)], RNE, box(0xffc00000n), 0);
  expect("fcvt_d_s", [unboxed], RNE, CANON_D, 0);
  expect("fmv_x_w", [unboxed], RNE, 0x3f800000n, 0); // moves do not look at the box
  expect("fmv_w_x", [0x12345678bf800000n], RNE, box(0xbf800000n), 0);
  expect("fmv_x_w", [box(0x80000000n)], RNE, 0xffffffff80000000n, 0); // sign-extended
});

test("NaN results are canonical; signalling NaN operands raise NV", () => {
  expect("fadd_d", [QNAN_PAYLOAD_D, D(1)], RNE, CANON_D, 0);
  expect("fmul_d", [SNAN_D, D(2)], RNE, CANON_D, NV);
  expect("fsqrt_d", [D(-1)], RNE, CANON_D, NV);
  expect("fsub_d", [INF_D, INF_D], RNE, CANON_D, NV);
  expect("fdiv_s", [S(0), S(0)], RNE, CANON_S, NV);
  expect("fdiv_d", [D(1), D(-0)], RNE, NEG_INF_D, DZ);
  expect("fcvt_s_d", [SNAN_D], RNE, CANON_S, NV);
  expect("fcvt_d_s", [SNAN_S], RNE, CANON_D, NV);
  // sign injection is a bit operation: it keeps a NaN's payload and raises nothing
  expect("fsgnjn_d", [SNAN_D, D(1)], RNE, SNAN_D | (1n << 63n), 0);
});

test("fused multiply-add: 0 * inf raises NV even when the addend is a quiet NaN", () => {
  expect("fmadd_d", [D(0), INF_D, CANON_D], RNE, CANON_D, NV);
  expect("fmadd_s", [S(Number.POSITIVE_INFINITY), S(0), S(1)], RNE, CANON_S, NV);
  expect("fmadd_d", [D(1), D(2), CANON_D], RNE, CANON_D, 0);
  expect("fmadd_d", [D(2), D(3), D(1)], RNE, D(7), 0);
  expect("fmsub_d", [D(2), D(3), D(1)], RNE, D(5), 0);
  expect("fnmsub_d", [D(2), D(3), D(1)], RNE, D(-5), 0);
  expect("fnmadd_d", [D(2), D(3), D(1)], RNE, D(-7), 0);
  // one rounding: (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly; a separate multiply would give 0
  expect("fmsub_d", [D(1 + 2 ** -52), D(1 - 2 ** -52), D(1)], RNE, D(-(2 ** -104)), 0);
});

test("exact zero sums are +0, or -0 when rounding down (IEEE 754 6.3)", () => {
  expect("fsub_d", [D(1.5), D(1.5)], RNE, D(0), 0);
  expect("fsub_d", [D(1.5), D(1.5)], RDN, D(-0), 0);
  expect("fadd_s", [S(-0), S(-0)], RNE, S(-0), 0);
  expect("fadd_s", [S(0), S(-0)], RDN, S(-0), 0);
  expect("fmadd_d", [D(2), D(3), D(-6)], RDN, D(-0), 0);
  expect("fnmadd_d", [D(1), D(0), D(-0)], RNE, D(0), 0); // -(1*0) - (-0) = -0 + +0
});

test("fmin/fmax: one NaN gives the other operand, -0 < +0, signalling NaNs raise NV", () => {
  expect("fmin_d", [CANON_D, D(3)], RNE, D(3), 0);
  expect("fmax_d", [D(3), SNAN_D], RNE, D(3), NV);
  expect("fmin_d", [CANON_D, SNAN_D], RNE, CANON_D, NV);
  expect("fmin_d", [D(0), D(-0)], RNE, D(-0), 0);
  expect("fmax_d", [D(-0), D(0)], RNE, D(0), 0);
  expect("fmin_s", [S(-0), S(0)], RNE, S(-0), 0);
  expect("fmax_s", [box(0x7fc00001n), S(-2)], RNE, S(-2), 0);
});

test("compares: FEQ raises NV only for signalling NaNs, FLT/FLE for any NaN", () => {
  expect("feq_d", [CANON_D, D(1)], RNE, 0n, 0);
  expect("feq_d", [SNAN_D, D(1)], RNE, 0n, NV);
  expect("flt_d", [CANON_D, D(1)], RNE, 0n, NV);
  expect("fle_s", [S(1), CANON_S], RNE, 0n, NV);
  expect("feq_s", [S(0), S(-0)], RNE, 1n, 0);
  expect("fle_d", [D(-0), D(0)], RNE, 1n, 0);
  expect("flt_d", [D(-0), D(0)], RNE, 0n, 0);
});

test("float -> integer: rounding per rm, saturation with NV (FCVT table), 32-bit results sign-extended", () => {
  expect("fcvt_w_d", [CANON_D], RNE, 0x7fffffffn, NV);
  expect("fcvt_w_d", [NEG_INF_D], RNE, 0xffffffff80000000n, NV);
  expect("fcvt_w_d", [D(2147483647.4)], RNE, 0x7fffffffn, NX);
  expect("fcvt_w_d", [D(2147483647.5)], RNE, 0x7fffffffn, NV);
  expect("fcvt_w_d", [D(-2147483648.9)], RTZ, 0xffffffff80000000n, NX);
  expect("fcvt_wu_d", [D(-1)], RNE, 0n, NV);
  expect("fcvt_wu_d", [D(-0.5)], RTZ, 0n, NX);
  expect("fcvt_wu_d", [D(4294967295)], RNE, 0xffffffffffffffffn, 0);
  expect("fcvt_wu_s", [CANON_S], RNE, 0xffffffffffffffffn, NV);
  expect("fcvt_l_d", [D(2 ** 63)], RNE, 0x7fffffffffffffffn, NV);
  expect("fcvt_l_d", [D(-(2 ** 63))], RNE, 0x8000000000000000n, 0);
  expect("fcvt_lu_d", [CANON_D], RNE, 0xffffffffffffffffn, NV);
  expect("fcvt_lu_d", [NEG_INF_D], RNE, 0n, NV);
  expect("fcvt_l_s", [S(-2.5)], RNE, 0xfffffffffffffffen, NX);
  expect("fcvt_l_s", [S(-2.5)], RMM, 0xfffffffffffffffdn, NX);
  expect("fcvt_l_s", [S(-2.5)], RDN, 0xfffffffffffffffdn, NX);
  expect("fcvt_l_s", [S(-2.5)], RUP, 0xfffffffffffffffen, NX);
});

test("integer -> float: 64-bit integers round by rm", () => {
  const n = (1n << 53n) + 1n; // halfway between 2^53 and 2^53 + 2
  expect("fcvt_d_l", [n], RNE, D(2 ** 53), NX);
  expect("fcvt_d_l", [n], RMM, D(2 ** 53 + 2), NX);
  expect("fcvt_d_l", [n], RUP, D(2 ** 53 + 2), NX);
  expect("fcvt_d_l", [BigInt.asUintN(64, -n)], RDN, D(-(2 ** 53) - 2), NX);
  expect("fcvt_d_lu", [0xffffffffffffffffn], RTZ, D(2 ** 64 - 2048), NX);
  expect("fcvt_d_lu", [0xffffffffffffffffn], RNE, D(2 ** 64), NX);
  expect("fcvt_s_w", [0x01000001n], RNE, S(2 ** 24), NX);
  expect("fcvt_s_w", [0x01000001n], RMM, S(2 ** 24 + 2), NX);
  expect("fcvt_s_wu", [0xffffffffn], RTZ, S(4294967040), NX);
  expect("fcvt_d_w", [0xffffffffn], RNE, D(-1), 0); // the low word, signed
});

test("round to nearest, ties away (RMM) differs from RNE only at ties", () => {
  expect("fadd_s", [S(1), S(2 ** -24)], RNE, S(1), NX);
  expect("fadd_s", [S(1), S(2 ** -24)], RMM, S(1 + 2 ** -23), NX);
  expect("fadd_d", [D(1), D(2 ** -53)], RMM, D(1 + 2 ** -52), NX);
  expect("fadd_d", [D(1), D(2 ** -53 + 2 ** -100)], RNE, D(1 + 2 ** -52), NX);
  expect("fmul_d", [D(1 + 2 ** -52), D(1.5)], RMM, D(1.5 + 2 ** -51), NX);
});

test("overflow gives inf or the largest finite value depending on rm and sign", () => {
  expect("fmul_d", [MAX_D, D(2)], RNE, INF_D, OF | NX);
  expect("fmul_d", [MAX_D, D(2)], RTZ, MAX_D, OF | NX);
  expect("fmul_d", [MAX_D, D(2)], RDN, MAX_D, OF | NX);
  expect("fmul_d", [MAX_D, D(-2)], RDN, NEG_INF_D, OF | NX);
  expect("fmul_d", [MAX_D, D(-2)], RUP, MAX_D | (1n << 63n), OF | NX);
  expect("fadd_d", [MAX_D, D(2 ** 960)], RUP, INF_D, OF | NX);
  expect("fadd_d", [MAX_D, D(2 ** 960)], RNE, MAX_D, NX);
  expect("fcvt_s_d", [D(2 ** 200)], RTZ, box(0x7f7fffffn), OF | NX);
});

test("underflow: tininess is detected after rounding, UF only with NX", () => {
  // 2^-126 - 2^-152 rounds (with an unbounded exponent) up to 2^-126: not tiny, no UF
  expect("fcvt_s_d", [D(2 ** -126 - 2 ** -152)], RNE, S(2 ** -126), NX);
  // rounding toward zero keeps it below 2^-126: tiny and inexact
  expect("fcvt_s_d", [D(2 ** -126 - 2 ** -152)], RTZ, box(0x007fffffn), UF | NX);
  // 2^-1022 * (1 - 2^-53): tiny after rounding to 53 bits, rounds to 2^-1022 in the subnormal grid
  expect("fmul_d", [D(1 - 2 ** -53), D(2 ** -1022)], RNE, D(2 ** -1022), UF | NX);
  // an exact subnormal result raises nothing
  expect("fmul_d", [D(2 ** -1000), D(2 ** -60)], RNE, D(2 ** -1060), 0);
  expect("fdiv_d", [D(2 ** -1074), D(2)], RNE, D(0), UF | NX);
  expect("fdiv_d", [D(2 ** -1074), D(2)], RUP, D(2 ** -1074), UF | NX);
});
