// Randomized differential test: every fast F/D implementation against the exact BigInt reference,
// on seeded operands mixing special values, subnormals, near-overflow values, ties and
// cancellations. A failure prints the seed and the operands; FPU_SEED=n reruns another seed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { describe, hex, OPS, Rng, randomOperands, runFast, runRef } from "./harness.js";

/** cases per seed */
const CASES = 100_000;
const seeds = process.env.FPU_SEED ? [Number(process.env.FPU_SEED)] : [0x5eed1, 0xfee1600d];

for (const seed of seeds) {
  test(`fast F/D ops agree with the BigInt reference (seed ${seed}, ${CASES} cases, rd = rs1 in 10%)`, () => {
    const rng = new Rng(seed);
    const perOp = Math.ceil(CASES / OPS.length);
    const failures: string[] = [];
    for (const op of OPS) {
      for (let i = 0; i < perOp; i++) {
        const srcs = randomOperands(rng, op);
        const rm = rng.below(5);
        const alias = rng.chance(0.1);
        const got = runFast(op, srcs, rm, alias);
        const want = runRef(op, srcs, rm);
        if (got.bits !== want.bits || got.flags !== want.flags) {
          failures.push(
            `${describe(op, srcs, rm)}${alias ? " (rd=rs1)" : ""}: got ${hex(got.bits)}/${got.flags}, ` +
              `want ${hex(want.bits)}/${want.flags}`,
          );
        }
      }
    }
    assert.equal(
      failures.length,
      0,
      `seed ${seed}: ${failures.length} mismatches, first:\n${failures.slice(0, 25).join("\n")}`,
    );
  });
}
