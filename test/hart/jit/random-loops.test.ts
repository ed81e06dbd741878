// Random instruction sequences (the differential test's generator: every RV64GC instruction class,
// forward branches and jumps, LR/SC, CSRs, all widths of loads and stores) run as the body of a
// loop, so that they become hot and run compiled. The compiled run must leave exactly the state the
// interpreter leaves: registers, pc, fcsr, memory, instret, and the same stops at the same counts
// when run in small budgets. So must random control flow, with loops that nest and overlap.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Stop } from "../../../src/hart/hart.js";
import { F, FCSR } from "../../../src/hart/state.js";
import { Generator, SCRATCH_BYTES, SP_OFFSET, X_SCRATCH, X_SP } from "../../random/generator.js";
import { Prng } from "../../random/prng.js";
import {
  type Asm,
  assemble,
  DATA,
  EAGER,
  type Line,
  program as labelled,
  type Machine,
  machine,
  runToEnd,
  snapshot,
} from "./machine.js";

const ITERATIONS = 40;
/** The loop counter lives beyond the scratch area the body touches. */
const COUNTER = SCRATCH_BYTES + 64;

function program(seed: number): { code: Uint8Array; init: (m: Machine) => void } {
  const rng = new Prng(seed);
  const gen = new Generator(rng, rng.below(5));
  const body = gen.body(60).flatMap((u) => u.insns);
  const bytes: number[] = [];
  for (const i of body) {
    for (let k = 0; k < i.len; k++) bytes.push((i.raw >>> (8 * k)) & 0xff);
  }
  // loop: counter in memory (the body may write any register but x2 and x8)
  const tailLen = 4 * 4;
  const tail: Asm[] = [
    ["ld", { rd: 5, rs1: X_SCRATCH, imm: COUNTER }],
    ["addi", { rd: 5, rs1: 5, imm: -1 }],
    ["sd", { rs1: X_SCRATCH, rs2: 5, imm: COUNTER }],
    ["bne", { rs1: 5, rs2: 0, imm: -(bytes.length + tailLen - 4) }],
    ["addi", { rd: 17, rs1: 0, imm: 93 }],
    ["ecall"],
  ];
  const code = Uint8Array.from([...bytes, ...assemble(tail)]);
  const init = (m: Machine) => {
    const r = new Prng(seed ^ 0x5a5a5a5a);
    for (let i = 1; i < 32; i++) m.state.setXBig(i, (BigInt(r.u32()) << 32n) | BigInt(r.u32()));
    for (let i = 0; i < 32; i++) {
      m.state.r[F + 2 * i] = r.u32() | 0;
      m.state.r[F + 2 * i + 1] = r.chance(0.5) ? -1 : r.u32() | 0;
    }
    m.state.r[FCSR] = gen.frm << 5;
    const scratch = new Uint8Array(SCRATCH_BYTES);
    for (let i = 0; i < SCRATCH_BYTES; i++) scratch[i] = r.below(256);
    m.mem.write(DATA, scratch);
    m.mem.writeU64(DATA + COUNTER, ITERATIONS);
    m.state.setX(X_SCRATCH, DATA);
    m.state.setX(X_SP, DATA + SP_OFFSET);
  };
  return { code, init };
}

const SMALL_BUDGETS = [1, 7, 2, 13, 64, 3, 250, 1];

/**
 * Run `code` interpreted and compiled, in slices of `budgets`: the same stops at the same counts
 * and the same state, with something compiled; with `toExit`, the run ends at its exit.
 */
function sameAsInterpreter(
  what: string,
  { code, init }: { code: Uint8Array; init: (m: Machine) => void },
  budgets: readonly number[],
  toExit = false,
): void {
  const ref = machine(code, false, init);
  const refSteps = runToEnd(ref, budgets);
  const jit = machine(code, EAGER, init);
  const jitSteps = runToEnd(jit, budgets);
  if (toExit) assert.equal(refSteps.at(-1)!.stop, Stop.ECALL, `${what}: the reference run ends at its exit`);
  assert.ok(jit.hart.jit!.cache.compiled > 0, `${what}: something was compiled`);
  assert.deepEqual(jitSteps, refSteps, `${what}: stops`);
  assert.deepEqual(snapshot(jit, code.length), snapshot(ref, code.length), `${what}: state`);
}

test("random loop bodies: compiled runs leave the interpreter's state", () => {
  for (let seed = 1; seed <= 60; seed++) sameAsInterpreter(`seed ${seed}`, program(seed), [1 << 30], true);
});

test("random loop bodies in small budgets: every stop where the interpreter's is", () => {
  for (let seed = 100; seed < 120; seed++) sameAsInterpreter(`seed ${seed}`, program(seed), SMALL_BUDGETS);
});

/**
 * Random control flow: blocks of arithmetic that branch forward on data and back on counters (each
 * backward branch spends one of eight counters, so the run ends), making loops that nest, overlap
 * and share heads: the region's wasm loops (wasm/loops.ts) and jumps into their middles.
 */
function branchy(seed: number): { code: Uint8Array; init: (m: Machine) => void } {
  const rng = new Prng(seed);
  const data = [10, 11, 12, 13, 14, 15];
  const counters = [20, 21, 22, 23, 24, 25, 26, 27];
  const blocks = rng.range(6, 16);
  const lines: Line[] = [];
  for (let i = 0; i < blocks; i++) {
    lines.push(`b${i}:`);
    for (let k = rng.range(1, 4); k > 0; k--) {
      const [rd, rs1, rs2] = [rng.pick(data), rng.pick(data), rng.pick(data)];
      const op = rng.pick(["add", "sub", "xor", "mul", "and", "or", "slli", "srli", "addi", "addiw"]);
      if (op === "slli" || op === "srli") lines.push([op, { rd, rs1, imm: rng.range(0, 63) }]);
      else if (op === "addi" || op === "addiw") lines.push([op, { rd, rs1, imm: rng.range(-2048, 2047) }]);
      else lines.push([op, { rd, rs1, rs2 }]);
    }
    // (the last block branches back, so that every program loops)
    const way = i === blocks - 1 ? 0 : rng.below(10);
    if (way < 4) {
      const c = rng.pick(counters);
      lines.push(["addi", { rd: c, rs1: c, imm: -1 }]);
      lines.push(["blt", { rs1: 0, rs2: c }, `b${rng.range(0, i)}`]);
    } else if (way < 7) {
      const op = rng.pick(["beq", "bne", "blt", "bge", "bltu", "bgeu"]);
      lines.push([op, { rs1: rng.pick(data), rs2: rng.pick(data) }, `b${rng.range(i + 1, blocks - 1)}`]);
    }
  }
  lines.push(`b${blocks}:`, ["addi", { rd: 17, rs1: 0, imm: 93 }], ["ecall"]);
  const { code } = labelled(lines);
  const init = (m: Machine) => {
    const r = new Prng(seed ^ 0x3c3c3c3c);
    for (const i of data) m.state.setXBig(i, (BigInt(r.u32()) << 32n) | BigInt(r.u32()));
    for (const i of counters) m.state.setX(i, r.range(20, 90));
  };
  return { code, init };
}

test("random loops that nest and overlap, entered in their middles: the interpreter's state and stops", () => {
  for (let seed = 1; seed <= 40; seed++) {
    sameAsInterpreter(`seed ${seed}`, branchy(seed), [1 << 30], true);
    // in small budgets, runs stop and resume inside the loops
    sameAsInterpreter(`seed ${seed}, small budgets`, branchy(seed), SMALL_BUDGETS);
  }
});
