// The one description of instruction semantics: every instruction of the table has a row, and the
// JavaScript lowering both engines are generated from computes what the vocabulary means. The
// oracle is a BigInt evaluator of ir.ts written from the vocabulary's definitions, run on edge values
// and random ones, with operands unknown (as the interpreter sees them) and known (as the block
// compiler folds them).

import assert from "node:assert/strict";
import { test } from "node:test";
import { CSRS, fpCsrAccess } from "../../src/hart/csr.js";
import type { Expr } from "../../src/hart/ir.js";
import { RS1 } from "../../src/hart/ir.js";
import { type Binding, JS_RUNTIME, JS_RUNTIME_PRELUDE, JsLowering } from "../../src/hart/js-lowering.js";
import { SEMANTICS } from "../../src/hart/semantics.js";
import { opsWithoutSemantics } from "../../src/hart/semantics-by-op.js";
import { BASE_INSNS } from "../../src/isa/table.js";
import { Prng } from "../../src/machine/prng.js";
import { type Env, evaluate, M64, u64 } from "./ir-eval.js";

const LEAVES = ["rs1", "rs2", "imm", "pc", "next", "old", "fcsr"] as const;

/** The lowered expression as a function of the leaves' words (unknown), or with all of them known. */
function lowered(e: Expr, env: Env, knownLeaves: boolean): bigint {
  const words = (v: bigint) => ({
    lo: Number(BigInt.asIntN(32, v)),
    hi: Number(BigInt.asIntN(32, v >> 32n)),
  });
  const binding = Object.fromEntries(
    LEAVES.map((l) => [l, knownLeaves ? words(env[l]!) : { lo: `${l}_lo`, hi: `${l}_hi` }]),
  ) as unknown as Binding;
  const low = new JsLowering(binding);
  const v = low.valueBound(e);
  const params = LEAVES.flatMap((l) => [`${l}_lo`, `${l}_hi`]);
  const fn = new Function(
    "RT",
    `${JS_RUNTIME_PRELUDE} return (${params.join(", ")}) => { ${low.code()} return [${v.lo}, ${v.hi}]; };`,
  )(JS_RUNTIME) as (...args: number[]) => [number, number];
  const args = LEAVES.flatMap((l) => {
    const w = words(env[l]!);
    return [w.lo, w.hi];
  });
  const [lo, hi] = fn(...args);
  assert.equal(lo, lo | 0, "low word is an int32");
  assert.equal(hi, hi | 0, "high word is an int32");
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

const EDGES = [
  0n,
  1n,
  2n,
  31n,
  32n,
  63n,
  64n,
  0x7fn,
  0x80n,
  0xffffn,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_ffffn,
  0x1_0000_0000n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  M64,
  M64 - 1n,
  0xffff_ffff_8000_0000n,
  0x0123_4567_89ab_cdefn,
];

function* operandSets(seed: number, count: number): Generator<Env> {
  const prng = new Prng(seed);
  const rng = () => prng.nextU32();
  const rand64 = () => (BigInt(rng() >>> 0) << 32n) | BigInt(rng() >>> 0);
  const pick = () => (rng() % 3 === 0 ? rand64() : EDGES[(rng() >>> 0) % EDGES.length]!);
  for (let i = 0; i < count; i++) {
    // immediates are int32 values, sign-extended (the decoded form)
    const imm = u64(BigInt(rng() % 2 === 0 ? Number(BigInt.asIntN(12, pick())) : rng() | 0));
    yield {
      rs1: pick(),
      rs2: pick(),
      imm,
      pc: 0x10000n + BigInt((rng() >>> 0) & 0xffffe),
      next: 0n,
      old: pick(),
      fcsr: BigInt(rng() & 0xff),
    };
  }
}

test("every instruction of the table has semantics", () => {
  assert.deepEqual(opsWithoutSemantics(), []);
  const names = new Set(BASE_INSNS.map((s) => s.name));
  for (const name of Object.keys(SEMANTICS))
    assert.ok(names.has(name), `${name} is not in the instruction table`);
});

test("the JavaScript lowering of every expression equals the vocabulary's meaning", () => {
  let checked = 0;
  for (const [name, sem] of Object.entries(SEMANTICS)) {
    const exprs: Expr[] = [];
    if (sem.kind === "write") exprs.push(sem.value);
    else if (sem.kind === "branch") exprs.push(sem.cond);
    else if (sem.kind === "jump") exprs.push(sem.target);
    else if (sem.kind === "amo") exprs.push(sem.value);
    for (const e of exprs) {
      for (const env of operandSets(name.length * 7919 + name.charCodeAt(0), 300)) {
        env.next = env.pc + 4n;
        const want = evaluate(e, env);
        for (const knownLeaves of [false, true]) {
          const got = lowered(e, env, knownLeaves);
          if (got !== want) {
            const ops = Object.entries(env)
              .map(([k, v]) => `${k}=0x${v.toString(16)}`)
              .join(" ");
            assert.fail(
              `${name} (${knownLeaves ? "known" : "unknown"} operands) ${ops}: got 0x${got.toString(16)}, want 0x${want.toString(16)}`,
            );
          }
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 50_000, `checked ${checked} evaluations`);
});

test("the fp CSRs' accesses, as the compiler inlines them, equal the vocabulary's meaning", () => {
  for (const [num, def] of CSRS) {
    if (def.kind !== "fp") continue;
    for (const how of ["rw", "rs", "rc"] as const) {
      const access = fpCsrAccess(def, how, RS1);
      for (const e of [access.old, access.fcsr]) {
        for (const env of operandSets(num * 31 + how.length, 200)) {
          const want = evaluate(e, env);
          for (const knownLeaves of [false, true])
            assert.equal(lowered(e, env, knownLeaves), want, `${def.name} ${how}`);
        }
      }
    }
  }
  // fflags keeps frm; frm keeps fflags; writing fcsr keeps 8 bits
  const f = CSRS.get(1)!;
  assert.ok(f.kind === "fp");
  const w = fpCsrAccess(f, "rw", RS1).fcsr;
  assert.equal(evaluate(w, { fcsr: 0b111_00000n, rs1: 0xffn } as Env), 0b111_11111n);
});
