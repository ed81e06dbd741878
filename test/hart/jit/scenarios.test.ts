// Hand-written programs for what the block compiler must get exactly right: calls and returns
// across pages (regions over several pages, merges, an instruction across a page boundary), code
// that patches itself while compiled, data stored beside code, code rewritten or remapped by the
// kernel, faults inside compiled loops (precise pc, cause, tval and count), ECALL and EBREAK, and
// accesses that straddle pages. Each runs interpreted and compiled, in one budget and in small
// ones, and must stop at the same places with the same state.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Cause, Stop } from "../../../src/hart/hart.js";
import { encode } from "../../../src/isa/encode.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../src/linux-user/address-space.js";
import { a0, a1, a7, ra, s1, s2, s3, t0, t1, t2, t3 } from "../abi-registers.js";
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
  type Step,
  type Syscall,
  snapshot,
} from "./machine.js";

const EXIT: Line[] = [["addi", { rd: a7, rs1: 0, imm: 93 }], ["ecall"]];

/** s1 = DATA, s2 = CODE, then `more`. */
function setup(more?: (m: Machine) => void): (m: Machine) => void {
  return (m) => {
    m.state.setX(s1, DATA);
    m.state.setX(s2, CODE);
    more?.(m);
  };
}

interface Outcome {
  steps: Step[];
  m: Machine;
}

/**
 * Run `lines` interpreted and compiled, in one budget and in small ones; every run must stop where
 * the interpreter's does, with its state. Returns the compiled run in one budget, and the last step.
 */
function agree(
  name: string,
  lines: readonly Line[],
  init: (m: Machine) => void,
  syscall?: Syscall,
): Outcome & { last: Step } {
  const { code } = program(lines);
  let result: Outcome | undefined;
  for (const budgets of [[1 << 30], [1, 5, 2, 17, 100, 3]]) {
    const ref = machine(code, false, init);
    const refSteps = runToEnd(ref, budgets, syscall);
    const jit = machine(code, EAGER, init);
    const jitSteps = runToEnd(jit, budgets, syscall);
    const what = `${name}, budgets ${budgets}`;
    assert.deepEqual(jitSteps, refSteps, `${what}: stops`);
    assert.deepEqual(snapshot(jit, code.length), snapshot(ref, code.length), `${what}: state`);
    assert.ok(jit.hart.jit!.cache.compiled > 0, `${what}: something was compiled`);
    result ??= { steps: jitSteps, m: jit };
  }
  return { ...result!, last: result!.steps.at(-1)! };
}

test("calls and returns across pages, and a 32-bit instruction across a page boundary", () => {
  // 2000 iterations: chained jumps between regions reach the run loop as a sample (hart-jit.ts
  // CHAIN_SAMPLE), and only enough of them make the regions merge
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 2000 }],
    ["addi", { rd: a0, rs1: 0, imm: 0 }],
    "loop:",
    ["jal", { rd: ra }, "f"],
    ["jal", { rd: ra }, "g"],
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ...EXIT,
    ["org", { imm: 0xffa }],
    "g:",
    ["c.addi", { rd: a0, imm: 1 }],
    ["c.addi", { rd: a0, imm: 2 }],
    ["addi", { rd: a0, rs1: a0, imm: 5 }], // at 0xffe: its second half is on the next page
    ["addi", { rd: a0, rs1: a0, imm: 7 }],
    ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ["org", { imm: 0x1800 }],
    "f:",
    ["ld", { rd: t0, rs1: s1, imm: 0 }],
    ["add", { rd: t0, rs1: t0, rs2: a0 }],
    ["sd", { rs1: s1, rs2: t0, imm: 0 }],
    ["slli", { rd: t1, rs1: a0, imm: 33 }],
    ["xor", { rd: a0, rs1: a0, rs2: t1 }],
    ["srai", { rd: a0, rs1: a0, imm: 3 }],
    ["jalr", { rd: 0, rs1: ra, imm: 0 }],
  ];
  const { m, last } = agree("calls", lines, setup());
  assert.equal(last.stop, Stop.ECALL);
  const code = m.hart.jit!.pageCodeAt(CODE)!;
  const spans = new Set(code.entryRegion.filter((r) => r !== undefined).map((r) => r!.pages.length));
  assert.ok(Math.max(...spans) > 1, "a region spans both pages after merging");
});

test("a compiled instruction across a page boundary runs its new version once its second half is rewritten", () => {
  // addi a0, a0, 5 at 0xffe: its second half (the immediate's bits) is the next page's first
  // halfword, which the loop rewrites (to imm 9) after 200 of its 400 iterations
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 400 }],
    ["addi", { rd: a0, rs1: 0, imm: 0 }],
    ["addi", { rd: t2, rs1: s2, imm: 2047 }],
    ["addi", { rd: t2, rs1: t2, imm: 2047 }],
    ["addi", { rd: t2, rs1: t2, imm: 2 }], // t2 = CODE + 0x1000
    ["jal", { rd: 0 }, "loop"],
    ["org", { imm: 0xff4 }],
    "loop:",
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["addi", { rd: a1, rs1: a1, imm: 1 }],
    ["c.addi", { rd: a1, imm: 1 }],
    ["addi", { rd: a0, rs1: a0, imm: 5 }], // at 0xffe
    ["addi", { rd: t0, rs1: 0, imm: 200 }],
    ["bne", { rs1: s3, rs2: t0 }, "skip"],
    ["lhu", { rd: t1, rs1: s1, imm: 0x100 }],
    ["sh", { rs1: t2, rs2: t1, imm: 0 }],
    ["fence.i"],
    "skip:",
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ...EXIT,
  ];
  const patched = encode("addi", { rd: a0, rs1: a0, imm: 9 });
  const { m } = agree(
    "cross-page patch",
    lines,
    setup((x) => x.mem.writeU32(DATA + 0x100, patched >>> 16)),
  );
  assert.equal(m.state.getX(a0), 200 * 5 + 200 * 9);
  // the block from the loop's head to the page's end holds the instruction across it
  const region = m.hart.jit!.pageCodeAt(CODE)!.entryRegion[0xff4 >> 1];
  assert.ok(region !== undefined, "the loop head runs compiled");
  assert.equal(
    region.blocks.find((b) => b.start === 0xff4 >> 1 && region.pages[b.page]!.pageVA === CODE)?.len,
    4,
  );
});

/** A loop whose `addi a0, a0, 5` lies across the boundary of CODE's first two pages, with an ECALL. */
const CROSSING_LOOP: Line[] = [
  ["addi", { rd: s3, rs1: 0, imm: 200 }],
  ["addi", { rd: a0, rs1: 0, imm: 0 }],
  ["jal", { rd: 0 }, "loop"],
  ["org", { imm: 0xff6 }],
  "loop:",
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["c.addi", { rd: a1, imm: 1 }],
  ["c.addi", { rd: a1, imm: 1 }],
  ["addi", { rd: a0, rs1: a0, imm: 5 }], // at 0xffe
  ["addi", { rd: a7, rs1: 0, imm: 1 }],
  ["ecall"],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  ...EXIT,
];

test("mappings changed elsewhere leave a compiled instruction across a page boundary compiled", () => {
  // every ECALL maps or unmaps a page beside the data: the instruction's pages keep their frames
  const page = DATA + DATA_BYTES;
  const syscall: Syscall = (m, n) => {
    if (n % 2 === 1) m.mem.map(page, 4096, PROT_READ);
    else m.mem.unmap(page, 4096);
  };
  const { m } = agree("mappings elsewhere", CROSSING_LOOP, setup(), syscall);
  assert.equal(m.state.getX(a0), 200 * 5);
  // (dropping the instruction at every change reset its page's counts and regions, so that the
  // loop ran interpreted: 594 of 1405 instructions compiled)
  const { retired } = m.hart.jit!.cache;
  assert.ok(retired > 0.9 * m.hart.retired, `the loop runs compiled (${retired} of ${m.hart.retired})`);
});

test("a page remapped under the second half of a compiled instruction across the boundary", () => {
  // after 100 iterations the second page is unmapped and mapped again, holding the second half of
  // addi a0, a0, 9 instead; then the first page is remapped as it was, which must change nothing
  const { code } = program(CROSSING_LOOP);
  const patched = encode("addi", { rd: a0, rs1: a0, imm: 9 });
  const second = code.slice(0x1000);
  new DataView(second.buffer).setUint16(0, patched >>> 16, true);
  const syscall: Syscall = (m, n) => {
    if (n === 100) {
      m.mem.unmap(CODE + 0x1000, 0x1000);
      m.mem.map(CODE + 0x1000, 0x1000, PROT_READ | PROT_EXEC);
      m.mem.write(CODE + 0x1000, second);
    }
    if (n === 150) {
      m.mem.unmap(CODE, 0x1000);
      m.mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
      m.mem.write(CODE, code.slice(0, 0x1000));
    }
  };
  const { m } = agree("second page remapped", CROSSING_LOOP, setup(), syscall);
  assert.equal(m.state.getX(a0), 100 * 5 + 100 * 9);
});

test("a compiled function patched by a store (and fence.i) runs its new instruction", () => {
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 200 }],
    ["addi", { rd: a0, rs1: 0, imm: 0 }],
    "loop:",
    ["jal", { rd: ra }, "f"],
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["addi", { rd: t0, rs1: 0, imm: 100 }],
    ["bne", { rs1: s3, rs2: t0 }, "skip"],
    ["lw", { rd: t1, rs1: s1, imm: 0x100 }],
    ["sw", { rs1: s2, rs2: t1, imm: 0x40 }],
    ["fence.i"],
    "skip:",
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ...EXIT,
    ["org", { imm: 0x40 }],
    "f:",
    ["addi", { rd: a0, rs1: a0, imm: 1 }],
    ["jalr", { rd: 0, rs1: ra, imm: 0 }],
  ];
  const patch = encode("addi", { rd: a0, rs1: a0, imm: 2 });
  const { m } = agree(
    "patch",
    lines,
    setup((x) => x.mem.writeU32(DATA + 0x100, patch)),
  );
  assert.equal(m.state.getX(a0), 100 * 1 + 100 * 2);
});

test("a loop that rewrites an instruction of its own block runs each new version", () => {
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 400 }],
    ["addi", { rd: a1, rs1: 0, imm: 0 }],
    "loop:",
    ["andi", { rd: t0, rs1: s3, imm: 63 }],
    ["bne", { rs1: t0, rs2: 0 }, "same"],
    ["andi", { rd: t0, rs1: s3, imm: 64 }],
    ["srli", { rd: t0, rs1: t0, imm: 4 }],
    ["add", { rd: t0, rs1: t0, rs2: s1 }],
    ["lw", { rd: t1, rs1: t0, imm: 0x100 }],
    ["sw", { rs1: s2, rs2: t1, imm: 0x80 }],
    "same:",
    ["addi", { rd: t2, rs1: s3, imm: 0 }],
    ["jal", { rd: 0 }, "p"],
    ["org", { imm: 0x80 }],
    "p:",
    ["addi", { rd: a1, rs1: a1, imm: 1 }],
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ...EXIT,
  ];
  const init = setup((x) => {
    x.mem.writeU32(DATA + 0x100, encode("addi", { rd: a1, rs1: a1, imm: 1 }));
    x.mem.writeU32(DATA + 0x104, encode("addi", { rd: a1, rs1: a1, imm: 3 }));
  });
  const { m } = agree("self-patching block", lines, init);
  assert.ok(m.state.getX(a1) > 400, "the patched variant ran");
});

test("data stored beside compiled code leaves the code compiled", () => {
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 500 }],
    "loop:",
    ["lw", { rd: t0, rs1: s2, imm: 0x700 }],
    ["add", { rd: t0, rs1: t0, rs2: s3 }],
    ["sw", { rs1: s2, rs2: t0, imm: 0x700 }],
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ["lw", { rd: a0, rs1: s2, imm: 0x700 }],
    ...EXIT,
    ["org", { imm: 0x704 }],
  ];
  const { m } = agree("data beside code", lines, setup());
  assert.equal(m.state.getX(a0), (500 * 501) / 2);
  assert.ok(m.hart.jit!.cache.compiled <= 4, `no recompiling (${m.hart.jit!.cache.compiled} regions)`);
});

test("code rewritten through the kernel's view, and a page remapped with other code", () => {
  const lines: Line[] = [
    ["addi", { rd: s3, rs1: 0, imm: 90 }],
    "loop:",
    ["addi", { rd: a1, rs1: a1, imm: 1 }],
    ["addi", { rd: a7, rs1: 0, imm: 1 }],
    ["ecall"],
    ["addi", { rd: s3, rs1: s3, imm: -1 }],
    ["bne", { rs1: s3, rs2: 0 }, "loop"],
    ...EXIT,
  ];
  const { code, at } = program(lines);
  const addi = (imm: number) => encode("addi", { rd: a1, rs1: a1, imm });
  const syscall: Syscall = (m, n) => {
    if (n === 30) m.mem.writeU32(CODE + at.loop!, addi(5));
    if (n === 60) {
      const bytes = code.slice();
      new DataView(bytes.buffer).setUint32(at.loop!, addi(100), true);
      m.mem.unmap(CODE, 0x4000);
      m.mem.map(CODE, 0x4000, PROT_READ | PROT_WRITE | PROT_EXEC);
      m.mem.write(CODE, bytes);
    }
  };
  const { m } = agree("rewritten", lines, setup(), syscall);
  assert.equal(m.state.getX(a1), 30 * 1 + 30 * 5 + 30 * 100);
});

test("a load fault inside a compiled loop: precise pc, cause, tval and count", () => {
  const lines: Line[] = [
    ["addi", { rd: t1, rs1: s1, imm: 0 }],
    "loop:",
    ["addi", { rd: a0, rs1: a0, imm: 1 }],
    ["ld", { rd: t0, rs1: t1, imm: 0 }],
    ["add", { rd: a1, rs1: a1, rs2: t0 }],
    ["addi", { rd: t1, rs1: t1, imm: 8 }],
    ["jal", { rd: 0 }, "loop"],
  ];
  const { last } = agree("load fault", lines, setup());
  assert.equal(last.stop, Stop.FAULT);
  assert.equal(last.cause, Cause.LOAD_PAGE_FAULT);
  assert.equal(last.tval, DATA + DATA_BYTES);
  assert.equal(last.pc, CODE + 8);
  assert.equal(last.retired, 1 + (DATA_BYTES / 8) * 5 + 1);
});

test("a store fault on a read-only page inside a compiled loop", () => {
  const lines: Line[] = [
    ["addi", { rd: t1, rs1: s1, imm: 0 }],
    "loop:",
    ["sd", { rs1: t1, rs2: t1, imm: 0 }],
    ["addi", { rd: t1, rs1: t1, imm: 8 }],
    ["c.addi", { rd: a0, imm: 1 }],
    ["jal", { rd: 0 }, "loop"],
  ];
  const init = setup((m) => m.mem.map(DATA + DATA_BYTES, 4096, PROT_READ));
  const { last } = agree("store fault", lines, init);
  assert.equal(last.stop, Stop.FAULT);
  assert.equal(last.cause, Cause.STORE_PAGE_FAULT);
  assert.equal(last.tval, DATA + DATA_BYTES);
});

test("a jump to unmapped memory, an illegal dynamic rounding mode, a misaligned AMO", () => {
  const fetch = agree(
    "fetch fault",
    [
      ["addi", { rd: s3, rs1: 0, imm: 50 }],
      "loop:",
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "call"],
      ["lui", { rd: t3, imm: 0x900 << 12 }],
      "call:",
      ["jalr", { rd: ra, rs1: t3, imm: 0 }],
      ["jal", { rd: 0 }, "loop"],
      ["org", { imm: 0x100 }],
      ["c.addi", { rd: a0, imm: 1 }],
      ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ],
    setup((m) => m.state.setX(t3, CODE + 0x100)),
  ).last;
  assert.deepEqual(
    [fetch.stop, fetch.cause, fetch.tval, fetch.pc],
    [Stop.FAULT, Cause.FETCH_PAGE_FAULT, 0x900000, 0x900000],
  );

  const fadd = encode("fadd.d", { rd: 1, rs1: 1, rs2: 2, rm: 7 });
  const illegal = agree(
    "dynamic rm",
    [
      ["addi", { rd: s3, rs1: 0, imm: 60 }],
      "loop:",
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "add"],
      ["csrrwi", { rd: 0, rs1: 5, csr: 2 }],
      "add:",
      ["fadd.d", { rd: 1, rs1: 1, rs2: 2, rm: 7 }],
      ["jal", { rd: 0 }, "loop"],
    ],
    setup((m) => {
      m.state.fd[34 + 2] = 0.25;
      m.state.fd[34 + 1] = 1;
    }),
  ).last;
  assert.deepEqual(
    [illegal.stop, illegal.cause, illegal.tval],
    [Stop.FAULT, Cause.ILLEGAL_INSTRUCTION, fadd >>> 0],
  );

  const amo = agree(
    "misaligned amo",
    [
      ["addi", { rd: t2, rs1: s1, imm: 0 }],
      ["addi", { rd: t1, rs1: 0, imm: 3 }],
      ["addi", { rd: s3, rs1: 0, imm: 50 }],
      "loop:",
      ["amoadd.w", { rd: t0, rs1: t2, rs2: t1 }],
      ["add", { rd: a0, rs1: a0, rs2: t0 }],
      ["addi", { rd: t2, rs1: t2, imm: 4 }],
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "loop"],
      ["addi", { rd: t2, rs1: t2, imm: 2 }],
      ["jal", { rd: 0 }, "loop"],
    ],
    setup(),
  ).last;
  assert.deepEqual([amo.stop, amo.cause, amo.tval], [Stop.FAULT, Cause.MISALIGNED_STORE, DATA + 202]);
});

test("ECALL and EBREAK inside compiled loops", () => {
  const { steps } = agree(
    "ecall",
    [
      ["addi", { rd: s3, rs1: 0, imm: 50 }],
      "loop:",
      ["addi", { rd: a7, rs1: 0, imm: 1 }],
      ["ecall"],
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "loop"],
      ...EXIT,
    ],
    setup((m) => m.state.setX(a0, 0)),
  );
  assert.equal(steps.filter((s) => s.stop === Stop.ECALL).length, 51);

  const brk = agree(
    "ebreak",
    [
      ["addi", { rd: s3, rs1: 0, imm: 40 }],
      "loop:",
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["c.addi", { rd: a0, imm: 3 }],
      ["bne", { rs1: s3, rs2: 0 }, "loop"],
      ["c.ebreak"],
    ],
    setup(),
  ).last;
  assert.deepEqual(
    [brk.stop, brk.cause, brk.tval, brk.pc],
    [Stop.EBREAK, Cause.BREAKPOINT, CODE + 14, CODE + 14],
  );
});

test("loads and stores that straddle pages, and misaligned ones, in a compiled loop", () => {
  const { m } = agree(
    "straddling",
    [
      ["addi", { rd: s3, rs1: 0, imm: 100 }],
      ["lui", { rd: t3, imm: 0x1000 }],
      ["add", { rd: t3, rs1: t3, rs2: s1 }],
      "loop:",
      ["ld", { rd: t0, rs1: t3, imm: -3 }],
      ["addi", { rd: t0, rs1: t0, imm: 3 }],
      ["sd", { rs1: t3, rs2: t0, imm: -5 }],
      ["lw", { rd: t1, rs1: t3, imm: -1 }],
      ["sh", { rs1: t3, rs2: a0, imm: -1 }],
      ["add", { rd: a0, rs1: a0, rs2: t1 }],
      ["lhu", { rd: t2, rs1: s1, imm: 1 }],
      ["add", { rd: a0, rs1: a0, rs2: t2 }],
      ["sw", { rs1: s1, rs2: a0, imm: 5 }],
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "loop"],
      ...EXIT,
    ],
    setup(),
  );
  assert.notEqual(m.state.getX(a0), 0);
});
