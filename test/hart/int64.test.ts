// The 64-bit multiply/divide helpers against BigInt arithmetic, on edge values and random operands.

import assert from "node:assert/strict";
import { test } from "node:test";
import { divrem, divremw, mul, mulh } from "../../src/hart/int64.js";

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
const hi = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));
const read = (r: Int32Array) => (BigInt(r[1]! >>> 0) << 32n) | BigInt(r[0]! >>> 0);

const EDGES = [
  0n,
  1n,
  2n,
  3n,
  7n,
  10n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  (1n << 53n) - 1n,
  1n << 53n,
  (1n << 63n) - 1n,
  1n << 63n,
  M64,
  M64 - 1n,
  0x123456789abcdef0n,
];

function* operands(seed: number): Generator<[bigint, bigint]> {
  for (const a of EDGES) for (const b of EDGES) yield [a, b];
  let s = BigInt(seed);
  const next = () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & M64;
    // vary magnitudes so both the double fast paths and the BigInt fallback run
    const width = BigInt(Number(s >> 58n) + 1);
    return (s >> 3n) & ((1n << width) - 1n);
  };
  for (let i = 0; i < 20000; i++) {
    const a = next();
    const b = next();
    yield [a, b];
    yield [u64(-a), b];
    yield [a, u64(-b)];
  }
}

test("mul and mulh/mulhu/mulhsu match 128-bit products", () => {
  const r = new Int32Array(2);
  for (const [a, b] of operands(1)) {
    mul(r, 0, lo(a), hi(a), lo(b), hi(b));
    assert.equal(read(r), u64(a * b), `mul ${a} ${b}`);
    mulh(r, 0, lo(a), hi(a), lo(b), hi(b), false, false);
    assert.equal(read(r), u64((a * b) >> 64n), `mulhu ${a} ${b}`);
    mulh(r, 0, lo(a), hi(a), lo(b), hi(b), true, true);
    assert.equal(read(r), u64((s64(a) * s64(b)) >> 64n), `mulh ${a} ${b}`);
    mulh(r, 0, lo(a), hi(a), lo(b), hi(b), true, false);
    assert.equal(read(r), u64((s64(a) * b) >> 64n), `mulhsu ${a} ${b}`);
  }
});

test("div/divu/rem/remu follow the M extension, including /0 and overflow", () => {
  const r = new Int32Array(2);
  for (const [a, b] of operands(2)) {
    const sa = s64(a);
    const sb = s64(b);
    const expect = {
      div: b === 0n ? M64 : sa === -(1n << 63n) && sb === -1n ? a : u64(sa / sb),
      divu: b === 0n ? M64 : a / b,
      rem: b === 0n ? a : sa === -(1n << 63n) && sb === -1n ? 0n : u64(sa % sb),
      remu: b === 0n ? a : a % b,
    };
    divrem(r, 0, lo(a), hi(a), lo(b), hi(b), true, false);
    assert.equal(read(r), expect.div, `div ${sa} ${sb}`);
    divrem(r, 0, lo(a), hi(a), lo(b), hi(b), false, false);
    assert.equal(read(r), expect.divu, `divu ${a} ${b}`);
    divrem(r, 0, lo(a), hi(a), lo(b), hi(b), true, true);
    assert.equal(read(r), expect.rem, `rem ${sa} ${sb}`);
    divrem(r, 0, lo(a), hi(a), lo(b), hi(b), false, true);
    assert.equal(read(r), expect.remu, `remu ${a} ${b}`);
  }
});

test("divw/divuw/remw/remuw sign-extend 32-bit results", () => {
  const r = new Int32Array(2);
  for (const [a64, b64] of operands(3)) {
    const a = BigInt.asIntN(32, a64);
    const b = BigInt.asIntN(32, b64);
    const ua = BigInt.asUintN(32, a);
    const ub = BigInt.asUintN(32, b);
    const sext = (v: bigint) => u64(BigInt.asIntN(32, v));
    const cases: [boolean, boolean, bigint][] = [
      [true, false, b === 0n ? M64 : a === -(1n << 31n) && b === -1n ? sext(a) : sext(a / b)],
      [false, false, b === 0n ? M64 : sext(ua / ub)],
      [true, true, b === 0n ? sext(a) : a === -(1n << 31n) && b === -1n ? 0n : sext(a % b)],
      [false, true, b === 0n ? sext(a) : sext(ua % ub)],
    ];
    for (const [signed, remainder, want] of cases) {
      divremw(r, 0, Number(a), Number(b), signed, remainder);
      assert.equal(read(r), want, `${signed ? "" : "u"}${remainder ? "rem" : "div"}w ${a} ${b}`);
    }
  }
});
