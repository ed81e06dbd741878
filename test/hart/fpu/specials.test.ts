// Every op on every combination of special values (+-0, +-inf, qNaN, sNaN, subnormals, min/max
// normals, values one ulp from 1 and 2) in every rounding mode: fast path against the reference.

import assert from "node:assert/strict";
import { test } from "node:test";
import { box, describe, hex, type Kind, OPS, type OpSpec, runFast, runRef, specials } from "./harness.js";

const X_SPECIALS = [
  0n,
  1n,
  0xffffffffffffffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffff80000000n,
  0xffffffffn,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  (1n << 53n) + 1n,
  (1n << 24n) + 1n,
  0xfffffffffffff801n, // -(2^11 - 1)
];

function pool(k: Kind, small: boolean): bigint[] {
  if (k === "X") return X_SPECIALS;
  let vals = specials(k);
  if (small) vals = vals.filter((_, i) => i % 3 === 0 || i === 13 || i === 30); // keep inf, NaNs, 0
  const regs = k === "S" ? vals.map(box) : vals;
  // an S operand that is not NaN-boxed reads as the canonical NaN
  return k === "S" ? [...regs, 0x000000003f800000n] : regs;
}

function* combos(op: OpSpec): Generator<bigint[]> {
  const pools = op.srcs.map((k) => pool(k, op.srcs.length === 3));
  const walk = function* (i: number, acc: bigint[]): Generator<bigint[]> {
    if (i === pools.length) {
      yield acc;
      return;
    }
    for (const v of pools[i]!) yield* walk(i + 1, [...acc, v]);
  };
  yield* walk(0, []);
}

for (const op of OPS) {
  test(`${op.mnemonic}: special operands in every rounding mode match the reference`, () => {
    const failures: string[] = [];
    let n = 0;
    for (const srcs of combos(op)) {
      for (let rm = 0; rm < (op.rounds ? 5 : 1); rm++) {
        n++;
        const got = runFast(op, srcs, rm);
        const want = runRef(op, srcs, rm);
        if (got.bits !== want.bits || got.flags !== want.flags) {
          failures.push(
            `${describe(op, srcs, rm)}: got ${hex(got.bits)}/${got.flags}, want ${hex(want.bits)}/${want.flags}`,
          );
        }
      }
    }
    assert.ok(n > 10);
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${n} differ:\n${failures.slice(0, 20).join("\n")}`,
    );
  });
}
