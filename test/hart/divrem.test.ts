// 64-bit division (interpreter and compiled code) against BigInt arithmetic with the M extension's rules
// (Unprivileged ISA, "M": x / 0 = all ones, x % 0 = x, INT64_MIN / -1 = INT64_MIN, rem 0).

import assert from "node:assert/strict";
import { test } from "node:test";
import { divrem } from "../../src/hart/int64.js";
import { Prng } from "../random/prng.js";

const M64 = (1n << 64n) - 1n;

function reference(a: bigint, b: bigint, signed: boolean, rem: boolean): bigint {
  const x = signed ? BigInt.asIntN(64, a) : a;
  const y = signed ? BigInt.asIntN(64, b) : b;
  if (y === 0n) return rem ? a : M64;
  if (signed && x === -(1n << 63n) && y === -1n) return rem ? 0n : a;
  return (rem ? x % y : x / y) & M64;
}

const pair = (v: bigint): [number, number] => [
  Number(BigInt.asIntN(32, v)),
  Number(BigInt.asIntN(32, v >> 32n)),
];

test("divrem agrees with BigInt on edge and random operands", () => {
  const rng = new Prng(64);
  const edges = [0n, 1n, 2n, 3n, 7n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n];
  const values: bigint[] = [];
  for (const e of edges) values.push(e, M64 - e, (1n << 63n) + e, (1n << 63n) - e, (1n << 53n) + e, -e & M64);
  for (let i = 0; i < 300; i++) {
    const big = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
    values.push(big, big >> BigInt(rng.below(64)), BigInt(rng.u32()), -BigInt(rng.u32()) & M64);
  }
  const out = new Int32Array(2);
  for (const a of values) {
    for (let j = 0; j < 40; j++) {
      const b = values[rng.below(values.length)]!;
      for (const signed of [false, true]) {
        for (const rem of [false, true]) {
          const [alo, ahi] = pair(a);
          const [blo, bhi] = pair(b);
          divrem(out, 0, alo, ahi, blo, bhi, signed, rem);
          const got = ((BigInt(out[1]! >>> 0) << 32n) | BigInt(out[0]! >>> 0)) & M64;
          const want = reference(a, b, signed, rem);
          assert.equal(got, want, `${signed ? "" : "u"}${rem ? "rem" : "div"} ${a} ${b}`);
        }
      }
    }
  }
});
