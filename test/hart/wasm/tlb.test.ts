// The data TLB's inline check in compiled code (region-module.ts translate, tlb.ts entries): a tag
// is a page's whole virtual address, compared with the page of an access's last byte. Real code
// runs compiled and interpreted, and must leave the same stops, registers and memory: accesses at
// the top of the last page below 4 GiB and across that boundary, pages whose addresses differ only
// in the high word (one TLB entry, two tags), grouped accesses, an AMO and LR/SC above 4 GiB, pages
// remapped while compiled code holds their entries, and finally accesses at 2^64 - 8 and 2^64 - 4
// (the latter wrapping to page 0), whose entry holds the page below 4 GiB (the same low word); and a
// group of accesses whose one check fails on every run, which the region stops sharing.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Cause, Stop } from "../../../src/hart/hart.js";
import { WASM_TLB_MASK } from "../../../src/hart/wasm/layout.js";
import { PROT_READ, PROT_WRITE } from "../../../src/linux-user/address-space.js";
import { a0, a1, a7, s1, s2, s3, s4, s5, s7, t0, t1, t2, t3, t4, t5, t6 } from "../abi-registers.js";
import {
  CODE,
  DATA,
  EAGER,
  type Line,
  type Machine,
  machine,
  program,
  runToEnd,
  type Step,
  type Syscall,
  snapshot,
} from "../jit/machine.js";

const RW = PROT_READ | PROT_WRITE;
/**
 * The last page below 4 GiB, in the TLB's last entry, which accesses at 2^64 - 8 and 2^64 - 4 look
 * up too (their page's low word is the same), and the first page above 4 GiB (entry 0).
 */
const BELOW_4G = 2 ** 32 - 4096;
const ABOVE_4G = 2 ** 32;
/** DATA's page plus 2^32: the same TLB entry as DATA (the same low word), another tag */
const DATA_HIGH = DATA + 2 ** 32;
const PAGES = [BELOW_4G, ABOVE_4G, DATA_HIGH];
/** pages far from the others, for a walk through many of them */
const FAR = 0x1000_0000;
const ITERATIONS = 300;
/** iterations between ECALLs, at which the test remaps DATA_HIGH */
const REMAP_EVERY = 64;

/**
 * The loop: each access reads a word another iteration wrote, so a stale or wrong translation
 * changes what ends in memory. Its last iteration loads from `last`, which faults.
 */
const LOOP: Line[] = [
  ["addi", { rd: s3, rs1: 0, imm: ITERATIONS }],
  "loop:",
  // what hits in the TLB first (compiled code retires it), then what misses (side exits): the top
  // doubleword below 4 GiB (in its page)
  ["ld", { rd: t0, rs1: s1, imm: 0x7f8 }],
  ["addi", { rd: t0, rs1: t0, imm: 3 }],
  ["sd", { rs1: s1, rs2: t0, imm: 0x7f8 }],
  // a group above 4 GiB: three doublewords through one check
  ["ld", { rd: t2, rs1: s2, imm: 8 }],
  ["ld", { rd: t3, rs1: s2, imm: 16 }],
  ["add", { rd: t2, rs1: t2, rs2: t3 }],
  ["addi", { rd: t2, rs1: t2, imm: 1 }],
  ["sd", { rs1: s2, rs2: t2, imm: 24 }],
  ["sd", { rs1: s2, rs2: t1, imm: 16 }],
  // an AMO and LR/SC above 4 GiB (aligned: the check keeps the address's low bits)
  ["amoadd.d", { rd: t3, rs1: s2, rs2: t1 }],
  ["addi", { rd: t4, rs1: s2, imm: 32 }],
  ["lr.d", { rd: t5, rs1: t4 }],
  ["add", { rd: t5, rs1: t5, rs2: t3 }],
  ["sc.d", { rd: t6, rs1: t4, rs2: t5 }],
  ["add", { rd: a1, rs1: a1, rs2: t6 }],
  // the last iteration loads from `last`, the others in the page below 4 GiB: t5 = (s3 == 1 ? s7 : 0) + s1
  ["addi", { rd: t5, rs1: s3, imm: -1 }],
  ["sltiu", { rd: t5, rs1: t5, imm: 1 }],
  ["sub", { rd: t5, rs1: 0, rs2: t5 }],
  ["and", { rd: t5, rs1: t5, rs2: s7 }],
  ["add", { rd: t5, rs1: t5, rs2: s1 }],
  ["ld", { rd: t6, rs1: t5, imm: 8 }],
  ["add", { rd: a1, rs1: a1, rs2: t6 }],
  // a word and a halfword across 4 GiB (through another register: with s1 they would join the
  // group of the first load, whose one check would then fail every time)
  ["lw", { rd: t1, rs1: s5, imm: 0x7fe }],
  ["add", { rd: t1, rs1: t1, rs2: t0 }],
  ["sh", { rs1: s5, rs2: t1, imm: 0x7ff }],
  // DATA and DATA + 2^32: one entry, two tags
  ["ld", { rd: t3, rs1: s4, imm: 0 }],
  ["ld", { rd: t4, rs1: a0, imm: 0 }],
  ["add", { rd: t3, rs1: t3, rs2: t4 }],
  ["addi", { rd: t3, rs1: t3, imm: 5 }],
  ["sd", { rs1: s4, rs2: t3, imm: 0 }],
  ["sd", { rs1: a0, rs2: t2, imm: 0 }],
  // an ECALL every REMAP_EVERY iterations (the test remaps DATA_HIGH there)
  ["andi", { rd: t6, rs1: s3, imm: REMAP_EVERY - 1 }],
  ["bne", { rs1: t6, rs2: 0 }, "next"],
  ["addi", { rd: a7, rs1: 0, imm: 1 }],
  ["ecall"],
  "next:",
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
];

function setUp(last: number): (m: Machine) => void {
  return (m) => {
    for (const page of PAGES) m.mem.map(page, 4096, RW);
    m.state.setX(s1, BELOW_4G + 0x800);
    m.state.setX(s2, ABOVE_4G);
    m.state.setX(s5, BELOW_4G + 0x800);
    m.state.setX(s4, DATA_HIGH);
    m.state.setX(s7, last - 8 - (BELOW_4G + 0x800));
  };
}

/**
 * At each ECALL, the mappings of pages the loop's TLB entries hold change: DATA_HIGH's frame moves
 * to ABOVE_4G (mremap: another frame, other contents), and DATA_HIGH is mapped afresh with the
 * number of the call in its first byte; or, with `readOnly`, ABOVE_4G becomes read-only at the
 * second call, and the loop's next store there must fault.
 */
function remapper(readOnly: boolean): Syscall {
  return (m, count) => {
    if (readOnly && count === 2) {
      m.mem.protect(ABOVE_4G, 4096, PROT_READ);
      return;
    }
    m.mem.move(DATA_HIGH, ABOVE_4G, 4096);
    m.mem.map(DATA_HIGH, 4096, RW);
    m.mem.write(DATA_HIGH, Uint8Array.of(count));
  };
}

function pages(m: Machine): Uint8Array[] {
  return PAGES.filter((page) => m.mem.isMapped(page)).map((page) => m.mem.read(page, 4096));
}

/**
 * The loop run interpreted and compiled, in one budget and in small ones: the same stops, state and
 * pages, and compiled code retires most of it. Returns the compiled run (one budget), its last stop.
 */
function agree(
  lines: readonly Line[],
  init: (m: Machine) => void,
  syscall?: Syscall,
): { m: Machine; end: Step } {
  const { code } = program(lines);
  let result: { m: Machine; end: Step } | undefined;
  for (const budgets of [[1 << 30], [1, 7, 2, 13, 64, 3, 250, 1, 997]]) {
    const ref = machine(code, false, init);
    const refSteps = runToEnd(ref, budgets, syscall);
    const m = machine(code, EAGER, init);
    const steps = runToEnd(m, budgets, syscall);
    assert.deepEqual(steps, refSteps, `budgets ${budgets}: stops`);
    assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length), `budgets ${budgets}: state`);
    assert.deepEqual(pages(m), pages(ref), `budgets ${budgets}: the pages`);
    const cache = m.hart.jit!.cache;
    assert.ok(
      cache.retired * 2 > m.hart.retired,
      `compiled code retired ${cache.retired} of ${m.hart.retired}`,
    );
    result ??= { m, end: steps.at(-1)! };
  }
  return result!;
}

// (the pages' entries as the comments say: the alias through the last entry is real)
assert.equal((BELOW_4G / 4096) & WASM_TLB_MASK, WASM_TLB_MASK);
assert.equal(Math.floor(2 ** 64 / 4096 - 1) & WASM_TLB_MASK, WASM_TLB_MASK);

// (as signed numbers: 2^64 - 8 is -8, exactly)
for (const last of [-8, -4]) {
  const what = last === -8 ? "2^64 - 8" : "2^64 - 4 (wrapping to page 0)";
  test(`TLB tags are whole page addresses: 4 GiB, high-word aliases, remapped pages, a load at ${what}`, () => {
    const { m, end } = agree(LOOP, setUp(last), remapper(false));
    // the run ends at the load of the last iteration, with a page fault at `last`
    assert.deepEqual([end.stop, end.cause, end.tval], [Stop.FAULT, Cause.LOAD_PAGE_FAULT, last]);
    assert.equal(m.state.getX(s3), 1, "the last iteration");
  });
}

test("a page made read-only while compiled code holds its write entry: the next store faults", () => {
  const { m, end } = agree(LOOP, setUp(-8), remapper(true));
  // ECALLs come where s3 is a multiple of REMAP_EVERY: the first store above 4 GiB after the second
  // one faults, in the next iteration
  assert.deepEqual([end.stop, end.cause, end.tval], [Stop.FAULT, Cause.STORE_PAGE_FAULT, ABOVE_4G + 24]);
  const second = ITERATIONS - (ITERATIONS % REMAP_EVERY) - REMAP_EVERY;
  assert.equal(m.state.getX(s3), second - 1, "the iteration after the second ECALL");
});

test("a load from page 0 (unmapped, its TLB entry empty) in a compiled loop faults", () => {
  const { m, end } = agree(
    [
      ["addi", { rd: s3, rs1: 0, imm: 200 }],
      "loop:",
      ["ld", { rd: t0, rs1: a0, imm: 0 }],
      ["addi", { rd: t0, rs1: t0, imm: 1 }],
      ["sd", { rs1: a0, rs2: t0, imm: 0 }],
      // the last iteration loads from 16, the others from DATA + 16: t5 = (s3 == 1 ? -DATA : 0) + a0
      ["addi", { rd: t5, rs1: s3, imm: -1 }],
      ["sltiu", { rd: t5, rs1: t5, imm: 1 }],
      ["sub", { rd: t5, rs1: 0, rs2: t5 }],
      ["and", { rd: t5, rs1: t5, rs2: s7 }],
      ["add", { rd: t5, rs1: t5, rs2: a0 }],
      ["ld", { rd: t6, rs1: t5, imm: 16 }],
      ["add", { rd: a1, rs1: a1, rs2: t6 }],
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "loop"],
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"],
    ],
    (m) => m.state.setX(s7, -DATA),
  );
  assert.deepEqual([end.stop, end.cause, end.tval], [Stop.FAULT, Cause.LOAD_PAGE_FAULT, 16]);
  assert.equal(m.state.getX(s3), 1, "the last iteration");
});

test("a group whose span crosses a page on every run is checked one by one after SPAN_EXITS side exits, however much its region ran", () => {
  // Two stores through one check (t1 and t1 + 8) where t1 + 8 is on the next page, in a loop whose
  // other work is far more than the side exits (a bound on side exits by the work done, as there
  // was, waited for 4096 of them)
  const ITER = 6000;
  const pad: Line[] = Array.from({ length: 60 }, () => ["addi", { rd: t2, rs1: t2, imm: 1 }] as Line);
  const { code, at } = program([
    ["addi", { rd: s3, rs1: 0, imm: 0 }],
    "loop:",
    ...pad,
    ["sd", { rs1: t1, rs2: t2, imm: 0 }],
    ["sd", { rs1: t1, rs2: s3, imm: 8 }],
    ["addi", { rd: s3, rs1: s3, imm: 1 }],
    ["bne", { rs1: s3, rs2: s4 }, "loop"],
    ["addi", { rd: a7, rs1: 0, imm: 93 }],
    ["ecall"],
  ]);
  const init = (m: Machine) => {
    m.state.setX(t1, DATA + 4096 - 8);
    m.state.setX(s4, ITER);
  };
  const ref = machine(code, false, init);
  const refSteps = runToEnd(ref, [1 << 30]);
  const m = machine(code, EAGER, init);
  const steps = runToEnd(m, [1 << 30]);
  assert.deepEqual(steps, refSteps, "stops");
  assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length), "state");
  const loop = CODE + at.loop!;
  const page = m.hart.jit!.pageCodeAt(loop)!;
  const region = page.entryRegion[(loop - page.pageVA) >> 1];
  assert.ok(region !== undefined, "the loop is compiled");
  assert.equal(region.grouped, false, "its accesses are checked one by one");
  const entries = m.hart.jit!.cache.entries;
  assert.ok(entries < 1000, `${entries} entries from the run loop in ${ITER} iterations`);
});

test("a group that misses because its pages are new each time stays one check", () => {
  // a load pair (t1, t1 + 8) a page further on every iteration: each check misses once, and checking
  // the two one by one would miss as often (counting every side exit rebuilt it after 512)
  const ITER = 700;
  const { code, at } = program([
    ["addi", { rd: s3, rs1: 0, imm: 0 }],
    "loop:",
    ["ld", { rd: t2, rs1: t1, imm: 0 }],
    ["ld", { rd: t3, rs1: t1, imm: 8 }],
    ["add", { rd: a1, rs1: a1, rs2: t2 }],
    ["add", { rd: a1, rs1: a1, rs2: t3 }],
    ["add", { rd: t1, rs1: t1, rs2: t4 }],
    ["addi", { rd: s3, rs1: s3, imm: 1 }],
    ["bne", { rs1: s3, rs2: s4 }, "loop"],
    ["addi", { rd: a7, rs1: 0, imm: 93 }],
    ["ecall"],
  ]);
  const init = (m: Machine) => {
    m.mem.map(FAR, ITER * 4096, RW);
    for (let i = 0; i < ITER; i++) m.mem.writeU32(FAR + i * 4096 + 8, i);
    m.state.setX(t1, FAR);
    m.state.setX(t4, 4096);
    m.state.setX(s4, ITER);
  };
  const ref = machine(code, false, init);
  const refSteps = runToEnd(ref, [1 << 30]);
  const m = machine(code, EAGER, init);
  assert.deepEqual(runToEnd(m, [1 << 30]), refSteps, "stops");
  assert.deepEqual(snapshot(m, code.length), snapshot(ref, code.length), "state");
  assert.equal(m.state.getX(a1), (ITER * (ITER - 1)) / 2);
  const loop = CODE + at.loop!;
  const page = m.hart.jit!.pageCodeAt(loop)!;
  const region = page.entryRegion[(loop - page.pageVA) >> 1];
  assert.ok(region !== undefined, "the loop is compiled");
  assert.equal(region.grouped, true, "its two loads share one check");
});
