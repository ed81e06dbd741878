// Real-instruction oracle: fixtures/fpu-oracle.c executes each F/D instruction on RISC-V (under
// qemu-riscv64, whose softfloat models the hardware) for random and special operands in a random
// rounding mode; the fast implementation and the BigInt reference must both match it bit for bit,
// flags included. Needs riscv64-linux-gnu-gcc and qemu-riscv64; outside CI skipped (visibly) without them, under CI failed.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../../temp-dir.js";
import { skipWithout, tool } from "../../tools.js";
import {
  box,
  describe,
  hex,
  type Kind,
  OPS,
  type OpSpec,
  Rng,
  randomOperands,
  randomReg,
  runFast,
  runRef,
  specials,
} from "./harness.js";

const RANDOM_PER_OP = 2500;
const SPECIAL_PER_OP = 1500;
const SEED = process.env.FPU_SEED ? Number(process.env.FPU_SEED) : 0x0ac1e;

function findSource(): string | undefined {
  for (const rel of ["../../../../test/hart/fpu/fixtures/fpu-oracle.c", "./fixtures/fpu-oracle.c"]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Outside CI a missing compiler or qemu skips with the reason; under CI the test fails naming it. */
const missing = skipWithout("cc", "qemu");

function specialReg(rng: Rng, k: Kind): bigint {
  if (k === "X")
    return rng.pick([0n, 1n, 0xffffffffffffffffn, 0x80000000n, 0x7fffffffffffffffn, 0x8000000000000000n]);
  const raw = rng.pick(specials(k));
  if (k === "D") return raw;
  return rng.chance(0.05) ? raw : box(raw); // sometimes not NaN-boxed
}

interface Case {
  op: OpSpec;
  srcs: bigint[];
  rm: number;
}

function makeCases(): Case[] {
  const rng = new Rng(SEED);
  const cases: Case[] = [];
  for (const op of OPS) {
    for (let i = 0; i < SPECIAL_PER_OP; i++) {
      // special values mixed with random ones
      const srcs = op.srcs.map((k) => (rng.chance(0.8) ? specialReg(rng, k) : randomReg(rng, k)));
      cases.push({ op, srcs, rm: rng.below(5) });
    }
    for (let i = 0; i < RANDOM_PER_OP; i++)
      cases.push({ op, srcs: randomOperands(rng, op), rm: rng.below(5) });
  }
  return cases;
}

test(`F/D ops match the real instructions under qemu-riscv64 (seed ${SEED})`, { skip: missing }, () => {
  const source = findSource();
  assert.ok(source, "fixtures/fpu-oracle.c not found next to the test sources");
  const dir = tempDir("hartscope-fpu-");
  const exe = join(dir, "fpu-oracle");
  const cc = spawnSync(tool("cc"), ["-O2", "-static", "-o", exe, source], { encoding: "utf8" });
  assert.equal(cc.status, 0, `building the oracle failed:\n${cc.stderr}`);

  const cases = makeCases();
  const input = cases
    .map((c) => `${c.op.mnemonic} ${c.rm} ${[0, 1, 2].map((i) => (c.srcs[i] ?? 0n).toString(16)).join(" ")}`)
    .join("\n");
  const run = spawnSync(tool("qemu"), [exe], {
    input: `${input}\n`,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  assert.equal(run.status, 0, `qemu-riscv64 failed:\n${run.stderr}`);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, cases.length, "one output line per case");

  const fastBad: string[] = [];
  const refBad: string[] = [];
  const perOp = new Map<string, number>();
  cases.forEach((c, i) => {
    const [bitsHex, flagsHex] = lines[i]!.split(" ");
    const want = { bits: BigInt(`0x${bitsHex}`), flags: Number.parseInt(flagsHex!, 16) };
    const fast = runFast(c.op, c.srcs, c.rm);
    const ref = runRef(c.op, c.srcs, c.rm);
    const show = (o: { bits: bigint; flags: number }): string => `${hex(o.bits)}/${o.flags}`;
    if (fast.bits !== want.bits || fast.flags !== want.flags) {
      fastBad.push(`${describe(c.op, c.srcs, c.rm)}: fast ${show(fast)}, hardware ${show(want)}`);
    }
    if (ref.bits !== want.bits || ref.flags !== want.flags) {
      refBad.push(`${describe(c.op, c.srcs, c.rm)}: reference ${show(ref)}, hardware ${show(want)}`);
      perOp.set(c.op.name, (perOp.get(c.op.name) ?? 0) + 1);
    }
  });
  const summary = [...perOp].map(([k, v]) => `${k}:${v}`).join(" ");
  assert.equal(
    refBad.length,
    0,
    `reference differs in ${refBad.length} cases (${summary}):\n${refBad.slice(0, 20).join("\n")}`,
  );
  assert.equal(
    fastBad.length,
    0,
    `fast path differs in ${fastBad.length} cases:\n${fastBad.slice(0, 20).join("\n")}`,
  );
});
