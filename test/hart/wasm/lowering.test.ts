// The WebAssembly lowering of the vocabulary: every expression of semantics.ts, lowered into a
// function of the leaves (rs1, rs2, imm, pc, next, old, fcsr as i64 params), run by the host's
// WebAssembly on edge and random operands, equals the BigInt evaluator of ir.ts — with the leaves
// unknown (parameters), all known (folded constants) and some known, as a value, as a branch
// condition and as a 32-bit address.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CSRS, fpCsrAccess } from "../../../src/hart/csr.js";
import {
  add,
  c,
  div,
  div32,
  divu,
  divu32,
  type Expr,
  IMM,
  type Leaf,
  mulh,
  mulhsu,
  mulhu,
  NEXT,
  PC,
  RS1,
  RS2,
  rem,
  rem32,
  remu,
  remu32,
} from "../../../src/hart/ir.js";
import { SEMANTICS } from "../../../src/hart/semantics.js";
import { FunctionBody, I64, ModuleBuilder, Op } from "../../../src/hart/wasm/encoder.js";
import {
  type ConstOf,
  foldExpr,
  lowerCondition,
  lowerExpr,
  lowerLow32,
  type PushLeaf,
} from "../../../src/hart/wasm/lowering.js";
import { Prng } from "../../../src/machine/prng.js";
import { type Env, evaluate, M64 } from "../ir-eval.js";

const LEAVES: readonly Leaf[] = ["rs1", "rs2", "imm", "pc", "next", "old", "fcsr"];
const pushParam: PushLeaf = (l, b) => {
  b.localGet(LEAVES.indexOf(l));
};
const words = (v: bigint): [number, number] => [
  Number(BigInt.asIntN(32, v)),
  Number(BigInt.asIntN(32, v >> 32n)),
];

type Mode = "value" | "condition" | "low32";
interface Case {
  readonly e: Expr;
  readonly mode: Mode;
  /** the leaves the compiler knows, and their values */
  readonly known: Partial<Env>;
}

/** One module with a function per case; returns them as functions of an operand set. */
function compile(cases: readonly Case[]): ((env: Env) => bigint)[] {
  const m = new ModuleBuilder();
  const t = m.type(
    LEAVES.map(() => I64),
    [I64],
  );
  cases.forEach((k, i) => {
    const b = m.body(t);
    const constOf: ConstOf = (l) => (k.known[l] === undefined ? undefined : words(k.known[l]));
    if (k.mode === "value") lowerExpr(k.e, b, pushParam, constOf);
    else {
      (k.mode === "condition" ? lowerCondition : lowerLow32)(k.e, b, pushParam, constOf);
      b.op(Op.i64_extend_i32_u);
    }
    m.exportFunction(`f${i}`, m.addFunction(t, b));
  });
  const bytes = m.bytes();
  assert.ok(WebAssembly.validate(bytes), "the lowered module validates");
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return cases.map((_, i) => {
    const f = inst.exports[`f${i}`] as (...args: bigint[]) => bigint;
    return (env) => BigInt.asUintN(64, f(...LEAVES.map((l) => BigInt.asIntN(64, env[l]!))));
  });
}

function expected(e: Expr, mode: Mode, env: Env): bigint {
  const v = evaluate(e, env);
  return mode === "value" ? v : mode === "condition" ? (v !== 0n ? 1n : 0n) : v & 0xffff_ffffn;
}

const EDGES = [
  0n,
  1n,
  2n,
  3n,
  31n,
  32n,
  63n,
  64n,
  0x7fn,
  0x80n,
  0xffn,
  0xffffn,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_ffffn,
  0x1_0000_0000n,
  0x1_0000_0001n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0x8000_0000_0000_0001n,
  M64,
  M64 - 1n,
  0xffff_ffff_8000_0000n,
  0xffff_ffff_7fff_ffffn,
  0x0123_4567_89ab_cdefn,
  0xfedc_ba98_7654_3210n,
];

function* operandSets(seed: number, count: number): Generator<Env> {
  const prng = new Prng(seed);
  const rng = () => prng.nextU32();
  const rand64 = () => (BigInt(rng() >>> 0) << 32n) | BigInt(rng() >>> 0);
  const pick = () => (rng() % 3 === 0 ? rand64() : EDGES[(rng() >>> 0) % EDGES.length]!);
  for (let i = 0; i < count; i++) {
    // immediates are int32 values, sign-extended (the decoded form)
    const imm = BigInt.asUintN(64, BigInt(rng() % 2 === 0 ? Number(BigInt.asIntN(12, pick())) : rng() | 0));
    const pc = rng() % 4 === 0 ? pick() & ~1n : 0x10000n + BigInt((rng() >>> 0) & 0xffffe);
    yield {
      rs1: pick(),
      rs2: pick(),
      imm,
      pc,
      next: BigInt.asUintN(64, pc + 4n),
      old: pick(),
      fcsr: BigInt(rng() & 0xff),
    };
  }
}

const describe = (env: Env) => LEAVES.map((l) => `${l}=0x${env[l]!.toString(16)}`).join(" ");

/**
 * Check expression `e` (named `name`) on `count` operand sets: the unknown-leaf functions on all
 * of them, and for every fourth set a function with all leaves known and one with a random subset.
 */
function check(name: string, e: Expr, count: number, seed: number): number {
  const envs = [...operandSets(seed, count)];
  const prng = new Prng(seed ^ 0x5a5a);
  const cases: Case[] = [
    { e, mode: "value", known: {} },
    { e, mode: "condition", known: {} },
    { e, mode: "low32", known: {} },
  ];
  const byEnv: { env: Env; first: number; n: number }[] = [];
  envs.forEach((env, i) => {
    if (i % 4 !== 0) return;
    const first = cases.length;
    const some: Partial<Env> = {};
    for (const l of LEAVES) if (prng.nextU32() & 1) some[l] = env[l];
    cases.push({ e, mode: "value", known: env }, { e, mode: "value", known: some });
    cases.push({ e, mode: "condition", known: some }, { e, mode: "low32", known: some });
    byEnv.push({ env, first, n: 4 });
  });
  const fns = compile(cases);
  let checked = 0;
  const verify = (k: Case, fn: (env: Env) => bigint, env: Env) => {
    const want = expected(e, k.mode, env);
    const got = fn(env);
    if (got !== want) {
      const knownOnes = Object.keys(k.known).join(",") || "none";
      assert.fail(
        `${name} as ${k.mode} (known: ${knownOnes}) ${describe(env)}: got 0x${got.toString(16)}, want 0x${want.toString(16)}`,
      );
    }
    checked++;
  };
  for (const env of envs) for (let i = 0; i < 3; i++) verify(cases[i]!, fns[i]!, env);
  for (const { env, first, n } of byEnv)
    for (let i = first; i < first + n; i++) verify(cases[i]!, fns[i]!, env);
  return checked;
}

/** The expressions of every row: values, conditions, targets, AMO combines, and the implied ones. */
function rowExpressions(): [string, Expr][] {
  const out: [string, Expr][] = [];
  for (const [name, sem] of Object.entries(SEMANTICS)) {
    if (sem.kind === "write") out.push([name, sem.value]);
    else if (sem.kind === "branch") out.push([name, sem.cond], [`${name} target`, add(PC, IMM)]);
    else if (sem.kind === "jump") out.push([`${name} target`, sem.target], [`${name} link`, NEXT]);
    else if (sem.kind === "amo") out.push([name, sem.value]);
    else if (sem.kind === "load" || sem.kind === "store") out.push([`${name} address`, add(RS1, IMM)]);
  }
  return out;
}

test("every expression of semantics.ts lowered to wasm equals the vocabulary's meaning", () => {
  let checked = 0;
  let rows = 0;
  for (const [name, e] of rowExpressions()) {
    checked += check(name, e, 240, name.length * 7919 + name.charCodeAt(0) + rows);
    rows++;
  }
  assert.ok(rows > 120, `${rows} expressions`);
  assert.ok(checked > 100_000, `checked ${checked} evaluations`);
});

test("the fp CSRs' accesses lowered to wasm equal the vocabulary's meaning", () => {
  for (const [num, def] of CSRS) {
    if (def.kind !== "fp") continue;
    for (const how of ["rw", "rs", "rc"] as const) {
      const access = fpCsrAccess(def, how, RS1);
      check(`${def.name} ${how} old`, access.old, 80, num * 31 + how.length);
      check(`${def.name} ${how} fcsr`, access.fcsr, 80, num * 37 + how.length);
    }
  }
});

test("multiply-high and division on every pair of edge values (signed corrections, ÷0, MIN ÷ -1)", () => {
  const extra = [
    M64 - 2n,
    0x8000_0000_0000_0002n,
    0xffff_ffff_0000_0000n,
    0x0000_0001_ffff_ffffn,
    7n,
    M64 - 6n,
  ];
  const values = [...EDGES, ...extra];
  const ops: [string, Expr][] = [
    ["mulh", mulh(RS1, RS2)],
    ["mulhsu", mulhsu(RS1, RS2)],
    ["mulhu", mulhu(RS1, RS2)],
    ["div", div(RS1, RS2)],
    ["divu", divu(RS1, RS2)],
    ["rem", rem(RS1, RS2)],
    ["remu", remu(RS1, RS2)],
    ["divw", div32(RS1, RS2)],
    ["divuw", divu32(RS1, RS2)],
    ["remw", rem32(RS1, RS2)],
    ["remuw", remu32(RS1, RS2)],
  ];
  for (const [name, e] of ops) {
    // unknown operands, and the divisor known (the compiler's guard-free path when it is a constant)
    const cases: Case[] = [{ e, mode: "value", known: {} }];
    for (const b of values) cases.push({ e, mode: "value", known: { rs2: b } });
    const fns = compile(cases);
    for (const a of values)
      values.forEach((b, j) => {
        const env: Env = { rs1: a, rs2: b, imm: 0n, pc: 0n, next: 0n, old: 0n, fcsr: 0n };
        const want = evaluate(e, env);
        for (const [i, fn] of [fns[0]!, fns[j + 1]!].entries()) {
          const got = fn(env);
          assert.equal(
            got,
            want,
            `${name} ${i ? "known divisor" : ""} rs1=0x${a.toString(16)} rs2=0x${b.toString(16)}`,
          );
        }
      });
  }
});

test("constant leaves fold: lui, auipc, jal's target and link, addi from x0 are one i64.const", () => {
  const known: Env = {
    rs1: 0n,
    rs2: 5n,
    imm: 0xffff_f800n | (M64 ^ 0xffff_ffffn),
    pc: 0x8000_0ffen,
    next: 0x8000_1002n,
    old: 0n,
    fcsr: 0n,
  };
  const constOf: ConstOf = (l) => (l === "old" ? undefined : words(known[l]!));
  const rows = [
    "lui",
    "auipc",
    "addi",
    "slti",
    "sltiu",
    "xori",
    "slli",
    "addiw",
    "sraiw",
    "add",
    "sub",
    "sllw",
    "mul",
    "mulw",
    "andn",
    "sext.b",
    "zext.h",
  ];
  for (const name of rows) {
    const sem = SEMANTICS[name]!;
    assert.ok(sem.kind === "write", name);
    const want = evaluate(sem.value, known);
    assert.deepEqual(foldExpr(sem.value, constOf), words(BigInt.asIntN(64, want)), `${name} folds`);
    const b = new FunctionBody(7);
    lowerExpr(sem.value, b, pushParam, constOf);
    const code = [...b.code.view()];
    assert.equal(code[0], 0x42, `${name}: an i64.const`);
    assert.ok(
      code.length <= 11 && code.slice(1, -1).every((x) => x & 0x80),
      `${name}: only one i64.const (${code})`,
    );
  }
  const jal = SEMANTICS.jal!;
  assert.ok(jal.kind === "jump");
  assert.deepEqual(foldExpr(jal.target, constOf), words(BigInt.asIntN(64, known.pc! + known.imm!)));
  // a known divisor drops the guards: no `if` in divu by a constant
  const b = new FunctionBody(7);
  lowerExpr(divu(RS1, c(10)), b, pushParam);
  assert.ok(![...b.code.view()].includes(0x04), "no if for a constant divisor");
});

test("scratch locals are reused: fifty multiply-highs in one function declare eight locals", () => {
  const b = new FunctionBody(7);
  for (let i = 0; i < 50; i++) {
    lowerExpr(mulh(RS1, RS2), b, pushParam);
    b.drop();
  }
  assert.equal(b.locals.length, 8);
  lowerExpr(div(RS1, RS2), b, pushParam);
  assert.equal(b.locals.length, 8, "the division reuses them too");
});

test("one operand known to be 0, 1, -1, 32 or 64 (x0, mv, sext.w, not...) on every edge value", () => {
  const names = [
    "beq",
    "bne",
    "blt",
    "bge",
    "bltu",
    "bgeu",
    "slt",
    "sltu",
    "sub",
    "sll",
    "srl",
    "sra",
    "add",
    "or",
  ];
  names.push(
    "xor",
    "and",
    "mul",
    "div",
    "rem",
    "addw",
    "subw",
    "sllw",
    "srlw",
    "sraw",
    "mulw",
    "andn",
    "orn",
  );
  names.push(
    "addi",
    "andi",
    "ori",
    "xori",
    "slli",
    "srli",
    "srai",
    "addiw",
    "slliw",
    "srliw",
    "sraiw",
    "sltiu",
    "rori",
  );
  const specials = [0n, 1n, M64, 32n, 64n];
  for (const name of names) {
    const sem = SEMANTICS[name]!;
    const e = sem.kind === "branch" ? sem.cond : sem.kind === "write" ? sem.value : undefined;
    assert.ok(e, name);
    const cases: Case[] = [];
    for (const mode of ["value", "condition", "low32"] as const)
      for (const l of ["rs1", "rs2", "imm"] as const)
        for (const v of specials) cases.push({ e, mode, known: { [l]: v } });
    const fns = compile(cases);
    for (const v of EDGES) {
      cases.forEach((k, i) => {
        const env: Env = { rs1: v, rs2: v, imm: v, pc: 0n, next: 0n, old: 0n, fcsr: 0n, ...k.known };
        const want = expected(e, k.mode, env);
        const [l, x] = Object.entries(k.known)[0]!;
        assert.equal(
          fns[i]!(env),
          want,
          `${name} as ${k.mode} with ${l} = 0x${x!.toString(16)} known: ${describe(env)}`,
        );
      });
    }
  }
});

test("operands that change nothing emit nothing: mv is its register, sext.w one extend", () => {
  const zeroImm: ConstOf = (l) => (l === "imm" ? [0, 0] : undefined);
  const code = (e: Expr, constOf: ConstOf) => {
    const b = new FunctionBody(7);
    lowerExpr(e, b, pushParam, constOf);
    return [...b.code.view()];
  };
  const rs1Only = code(RS1, zeroImm);
  const addi = SEMANTICS.addi!;
  const addiw = SEMANTICS.addiw!;
  const add = SEMANTICS.add!;
  assert.ok(addi.kind === "write" && addiw.kind === "write" && add.kind === "write");
  assert.deepEqual(code(addi.value, zeroImm), rs1Only, "mv rd, rs1");
  assert.deepEqual(code(addiw.value, zeroImm), [...rs1Only, Op.i64_extend32_s], "sext.w rd, rs1");
  assert.deepEqual(
    code(add.value, (l) => (l === "rs1" ? [0, 0] : undefined)),
    code(RS2, zeroImm),
    "add rd, x0, rs2",
  );
});
