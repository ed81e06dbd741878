// The wasm engine's own machinery (the block compiler's behaviour is tested in test/hart/jit/): the
// hart's state placed in guest RAM's memory and given back, harts beyond the engine zone on the
// interpreter alone, regions chained without the run loop (and exact so), and regions whose slots
// are given back when their code changes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Hart, Stop } from "../../../src/hart/hart.js";
import { cacheOf } from "../../../src/hart/jit/hart-jit.js";
import { ENGINE_AREA, ENGINE_ZONE } from "../../../src/hart/ram.js";
import { HartState } from "../../../src/hart/state.js";
import { jcSet } from "../../../src/hart/wasm/layout.js";
import { AddressSpace } from "../../../src/linux-user/address-space.js";
import { a0, a1, a7, ra, s3, t0, t1, t2, t3 } from "../abi-registers.js";
import {
  CODE,
  DATA,
  DATA_BYTES,
  EAGER,
  type Line,
  type Machine,
  machine,
  program,
  runToEnd,
  snapshot,
} from "../jit/machine.js";

/** A loop calling two functions on other pages: three regions that jump to one another. */
const CALLS: Line[] = [
  ["addi", { rd: s3, rs1: 0, imm: 2000 }],
  "loop:",
  ["jal", { rd: ra }, "f"],
  ["jal", { rd: ra }, "g"],
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
  ["org", { imm: 0x1000 }],
  "f:",
  ["ld", { rd: t0, rs1: a0, imm: 8 }],
  ["addi", { rd: t0, rs1: t0, imm: 3 }],
  ["sd", { rs1: a0, rs2: t0, imm: 8 }],
  ["jalr", { rd: 0, rs1: ra, imm: 0 }],
  ["org", { imm: 0x2000 }],
  "g:",
  ["slli", { rd: t0, rs1: t0, imm: 1 }],
  ["xor", { rd: a0, rs1: a0, rs2: 0 }],
  ["jalr", { rd: 0, rs1: ra, imm: 0 }],
];

/**
 * Run `code` compiled with chained regions that never merge (each function stays a region of its
 * own, so jumps between them go through the jump cache): it must end as the interpreter's run does.
 */
function chainedAsInterpreted(code: Uint8Array): Machine {
  const ref = machine(code, false);
  const refSteps = runToEnd(ref, [1 << 30]);
  const m = machine(code, { ...EAGER, maxGrows: 0 });
  assert.deepEqual(runToEnd(m, [1 << 30]), refSteps);
  assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length));
  return m;
}

test("a wasm hart's state lives in guest RAM's memory, and moves back out when the hart goes", () => {
  const mem = new AddressSpace(1 << 24);
  const state = new HartState();
  state.setX(7, 0x1234_5678_9abc);
  const hart = new Hart(state, mem, {});
  assert.ok(hart.area >= mem.bytes.length - ENGINE_ZONE, "the area is in the engine zone");
  assert.equal(state.buffer, mem.bytes.buffer, "the state is a view of the memory");
  assert.equal(state.getX(7), 0x1234_5678_9abc, "its values came along");
  const area = hart.area;
  hart.detach();
  assert.notEqual(state.buffer, mem.bytes.buffer, "detached: a buffer of its own");
  assert.equal(state.getX(7), 0x1234_5678_9abc);
  const next = new Hart(new HartState(), mem, {});
  assert.equal(next.area, area, "the area is reused");
  const interpreted = new Hart(new HartState(), mem, { jit: false });
  assert.equal(interpreted.area, -1, "the interpreter alone leaves the state where it is");
});

test("harts beyond the engine zone run the interpreter alone, with the same results", () => {
  const { code } = program(CALLS);
  const ref = machine(code, false);
  runToEnd(ref, [1 << 30]);
  const m = machine(code, EAGER);
  const others: Hart[] = [];
  for (let i = 1; i < Math.floor(ENGINE_ZONE / ENGINE_AREA); i++)
    others.push(new Hart(new HartState(), m.mem, {}));
  assert.ok(
    others.every((h) => h.area >= 0),
    "the zone holds this many",
  );
  // the hart under test goes, and one made while the zone is full takes its place
  m.hart.detach();
  others.push(new Hart(new HartState(), m.mem, {}));
  const state = new HartState();
  const hart = new Hart(state, m.mem, { jit: EAGER });
  assert.equal(hart.area, -1, "no area left");
  state.pc = CODE;
  state.setX(a0, DATA);
  const full = { hart, mem: m.mem, state };
  m.mem.write(DATA, new Uint8Array(DATA_BYTES));
  const cache = cacheOf(m.mem)!;
  const before = { compiled: cache.compiled, retired: cache.retired };
  runToEnd(full, [1 << 30]);
  assert.equal(hart.jit, undefined, "no block compiler for it");
  assert.ok(hart.retired > 10_000, "it ran the loop");
  assert.deepEqual(
    { compiled: cache.compiled, retired: cache.retired },
    before,
    "compiled code compiled and retired nothing for it",
  );
  assert.deepEqual(snapshot(full, code.length), snapshot(ref, code.length));
});

test("chained regions: jumps between regions stay in wasm, and the run is exact with and without chaining", () => {
  const { code } = program(CALLS);
  const ref = machine(code, false);
  const refSteps = runToEnd(ref, [1 << 30]);
  const runs = [true, false].map((chain) => {
    const m = machine(code, { ...EAGER, chain, maxGrows: 0 });
    const steps = runToEnd(m, [1 << 30]);
    assert.deepEqual(steps, refSteps, `chain ${chain}: stops`);
    assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length), `chain ${chain}: state`);
    return m.hart.jit!.cache;
  });
  const [chained, unchained] = runs as [(typeof runs)[0], (typeof runs)[0]];
  assert.equal(refSteps.at(-1)!.stop, Stop.ECALL);
  assert.ok(chained.compiled >= 3, "several regions");
  assert.ok(
    chained.entries * 20 < unchained.entries,
    `chained: ${chained.entries} entries from the run loop, unchained ${unchained.entries}`,
  );
});

test("two targets in one set of the jump cache both stay chained", () => {
  // g moved to where its entry shares f's set: a direct-mapped cache had them evict each other
  // at every call, each miss a trip through the run loop
  const lines = CALLS.map((l) =>
    Array.isArray(l) && l[0] === "org" && l[1]!.imm === 0x2000 ? ["org", { imm: 0x3004 }] : l,
  );
  const { code, at } = program(lines as Line[]);
  assert.equal(jcSet(CODE + at.f!), jcSet(CODE + at.g!), "f and g share a set");
  const m = chainedAsInterpreted(code);
  const cache = m.hart.jit!.cache;
  // 2000 iterations: a miss per call would be 4000 entries
  assert.ok(cache.entries < 200, `${cache.entries} entries from the run loop`);
});

test("four targets in one set of the jump cache all stay chained", () => {
  // a call each to four functions on four pages, each placed where its entry shares the first
  // one's set: with two ways per set, the calls evicted one another at every call
  const names = ["f", "g", "h", "k"];
  const offsets = names.map((_, i) => {
    let o = 0x1000 * (i + 1);
    while (jcSet(CODE + o) !== jcSet(CODE + 0x1000)) o += 2;
    return o;
  });
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 2000 }],
    "loop:",
    ...names.map((n): Line => ["jal", { rd: ra }, n]),
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ["addi", { rd: a7, rs1: 0, imm: 93 }],
    ["ecall"],
    ...names.flatMap((n, i): Line[] => [
      ["org", { imm: offsets[i]! }],
      `${n}:`,
      ["addi", { rd: t0, rs1: t0, imm: i + 1 }],
      ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ]),
  ];
  const { code } = program(lines);
  const m = chainedAsInterpreted(code);
  assert.equal(m.state.getX(t0), 2000 * 10);
  const cache = m.hart.jit!.cache;
  // 2000 iterations: a miss per call would be 8000 entries
  assert.ok(cache.entries < 200, `${cache.entries} entries from the run loop`);
});

test("a region compiled beside chained ones leaves their chains in place", () => {
  // every 64 iterations the loop starts calling a new function (one of 32), which becomes hot and
  // is compiled: the chains between the loop, f and g need not start anew for it
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 0 }],
    ["lui", { rd: t3, imm: CODE + 0x3000 }],
    "loop:",
    ["jal", { rd: ra }, "f"],
    ["srli", { rd: t1, rs1: s3, imm: 6 }],
    ["slli", { rd: t1, rs1: t1, imm: 4 }],
    ["add", { rd: t1, rs1: t1, rs2: t3 }],
    ["jalr", { rd: ra, rs1: t1, imm: 0 }],
    ["jal", { rd: ra }, "g"],
    ["addi", { rd: s3, rs1: s3, imm: 1 }],
    ["addi", { rd: t0, rs1: 0, imm: 2047 }],
    ["bge", { rs1: t0, rs2: s3 }, "loop"],
    ["addi", { rd: a7, rs1: 0, imm: 93 }],
    ["ecall"],
    ["org", { imm: 0x1000 }],
    "f:",
    ["addi", { rd: t2, rs1: t2, imm: 1 }],
    ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ["org", { imm: 0x2000 }],
    "g:",
    ["slli", { rd: t0, rs1: t2, imm: 1 }],
    ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ...Array.from({ length: 32 }, (_, k): Line[] => [
      ["org", { imm: 0x3000 + 16 * k }],
      ["addi", { rd: a1, rs1: a1, imm: k }],
      ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ]).flat(),
  ];
  const { code } = program(lines);
  const m = chainedAsInterpreted(code);
  assert.equal(m.state.getX(a1), 64 * ((31 * 32) / 2));
  const cache = m.hart.jit!.cache;
  assert.ok(cache.compiled >= 32, `each function compiled (${cache.compiled} regions)`);
  // each new function: its first calls, and the returns from them, through the run loop (111
  // entries in all); starting the chains anew at each compile sent every other target there once
  // more after each (273)
  assert.ok(cache.entries < 32 * 5, `${cache.entries} entries from the run loop`);
});

test("chained regions still merge: the run loop counts a sample of the chained jumps", () => {
  const { code } = program(CALLS);
  const ref = machine(code, false);
  const refSteps = runToEnd(ref, [1 << 30]);
  // growAt 100: more jumps between regions than the few the jump cache misses (after each compile)
  // send through the run loop, so only the chained jumps' sample can make the regions merge
  const m = machine(code, { ...EAGER, chain: true, growAt: 100 });
  assert.deepEqual(runToEnd(m, [1 << 30]), refSteps);
  assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length));
  const loop = m.hart.jit!.pageCodeAt(CODE)!;
  const spans = loop.entryRegion.filter((r) => r !== undefined).map((r) => r!.pages.length);
  assert.equal(Math.max(...spans), 3, "the loop's region took in f's and g's pages");
});

test("chained regions stop exactly where small budgets end", () => {
  const { code } = program(CALLS);
  const budgets = [1, 7, 2, 13, 64, 3, 250, 1, 997];
  const ref = machine(code, false);
  const refSteps = runToEnd(ref, budgets);
  const m = machine(code, { ...EAGER, maxGrows: 0 });
  assert.deepEqual(runToEnd(m, budgets), refSteps);
  assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length));
});

/**
 * LR/SC compiled: a counter bumped through a retry loop (lr.w/sc.w and lr.d/sc.d), an SC without a
 * reservation (fails, rd = 1, no store), an SC to another address than the LR's (fails), and a
 * reservation broken by the ECALL the budget ends at; the same stops, state and memory as the
 * interpreter, with the loop retired in compiled code.
 */
const LR_SC: Line[] = [
  ["addi", { rd: s3, rs1: 0, imm: 500 }],
  "loop:",
  "retry:",
  ["lr.w", { rd: t0, rs1: a0 }],
  ["addi", { rd: t0, rs1: t0, imm: 3 }],
  ["sc.w", { rd: 6, rs1: a0, rs2: t0 }],
  ["bne", { rs1: 6, rs2: 0 }, "retry"],
  ["addi", { rd: 7, rs1: a0, imm: 8 }],
  ["lr.d", { rd: 28, rs1: 7 }],
  ["addi", { rd: 28, rs1: 28, imm: -5 }],
  ["sc.d", { rd: 29, rs1: 7, rs2: 28 }],
  // no reservation left: fails, stores nothing
  ["sc.d", { rd: 30, rs1: 7, rs2: 0 }],
  ["add", { rd: 31, rs1: 31, rs2: 30 }],
  // a reservation of another address: fails
  ["lr.w", { rd: 0, rs1: a0 }],
  ["sc.w", { rd: 30, rs1: 7, rs2: 0 }],
  ["add", { rd: 31, rs1: 31, rs2: 30 }],
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  ["lr.w", { rd: t0, rs1: a0 }],
  ["addi", { rd: a7, rs1: 0, imm: 64 }],
  ["ecall"],
  ["sc.w", { rd: 6, rs1: a0, rs2: 0 }],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
];

/**
 * `lines` run compiled as the interpreter runs them — the same stops, state and memory, with the run
 * in one go and cut into small budgets — and compiled code retires most of it.
 */
function compiledAsInterpreted(lines: Line[]): void {
  const { code } = program(lines);
  for (const budgets of [[1 << 30], [1, 7, 2, 13, 64, 3, 250, 1, 997, 1 << 30]]) {
    const ref = machine(code, false);
    const refSteps = runToEnd(ref, budgets);
    const m = machine(code, EAGER);
    assert.deepEqual(runToEnd(m, budgets), refSteps);
    assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length));
    const cache = m.hart.jit!.cache;
    assert.ok(
      cache.retired * 10 > m.hart.retired * 9,
      `compiled code retired ${cache.retired} of ${m.hart.retired}`,
    );
  }
}

test("LR/SC run compiled in wasm, exactly as the interpreter runs them", () => compiledAsInterpreted(LR_SC));

/**
 * AMOs compiled: every .w and .d operation on words holding negative, large unsigned and small
 * values (minu/maxu on .w compare the words unsigned, their results sign-extended), with rd equal
 * to rs2 and rd = x0, a value accumulated over iterations; then a misaligned amoadd.w, which the
 * interpreter faults on (a side exit). The same stops, state and memory as the interpreter, with the
 * loop retired in compiled code.
 */
const AMOS = ["swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu"];
const AMO_LOOP: Line[] = [
  ["addi", { rd: s3, rs1: 0, imm: 300 }],
  // data: word 0 = -7, word 4 = 0x7fff0000-ish, dword 8 = -2^40-ish
  ["addi", { rd: t0, rs1: 0, imm: -7 }],
  ["sw", { rs1: a0, rs2: t0, imm: 0 }],
  ["lui", { rd: t0, imm: 0x7fff0000 }],
  ["sw", { rs1: a0, rs2: t0, imm: 4 }],
  ["slli", { rd: t0, rs1: t0, imm: 9 }],
  ["sub", { rd: t0, rs1: 0, rs2: t0 }],
  ["sd", { rs1: a0, rs2: t0, imm: 8 }],
  ["addi", { rd: 7, rs1: a0, imm: 4 }],
  ["addi", { rd: 8, rs1: a0, imm: 8 }],
  "loop:",
  ...AMOS.flatMap((op, i): Line[] => [
    ["addi", { rd: 28, rs1: s3, imm: i * 37 - 150 }],
    [`amo${op}.w`, { rd: 29, rs1: i % 2 === 0 ? a0 : 7, rs2: 28 }],
    ["add", { rd: 31, rs1: 31, rs2: 29 }],
    ["slli", { rd: 28, rs1: 28, imm: 33 - i }],
    [`amo${op}.d`, { rd: 28, rs1: 8, rs2: 28 }],
    ["xor", { rd: 31, rs1: 31, rs2: 28 }],
  ]),
  ["amoadd.w", { rd: 0, rs1: a0, rs2: s3 }],
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  ["addi", { rd: 9, rs1: a0, imm: 2 }],
  ["amoadd.w", { rd: 29, rs1: 9, rs2: s3 }],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
];

test("AMOs run compiled in wasm, exactly as the interpreter runs them", () =>
  compiledAsInterpreted(AMO_LOOP));
