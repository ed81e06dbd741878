// The compiled TLB check at the very top of the address space, which Sv39 maps (user mode cannot):
// a loop in S mode reads and writes the last bytes below 2^64 (2^64 - 8, - 4, - 1), and its last
// iteration loads a doubleword at 2^64 - 4, which wraps to page 0 (unmapped): a page fault; then a
// loop over that page and the last page below 4 GiB in turn, which share the TLB entry and the low
// word. Interpreted and compiled runs must leave the same trap log, registers and memory.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Cause } from "../../../src/hart/stop.js";
import { WASM_TLB_MASK } from "../../../src/hart/wasm/layout.js";
import { s6, s7, s8 } from "../abi-registers.js";
import {
  a7,
  type Board,
  board,
  CSR,
  csrs,
  csrw,
  DATA,
  ENGINES,
  type Line,
  la,
  ld,
  li,
  log,
  MSTATUS,
  mHandler,
  PMP_ALLOW_ALL,
  PTE,
  poke,
  pte,
  RAM,
  runSystem,
  s1,
  s2,
  s3,
  s4,
  s5,
  sd,
  t0,
  words,
} from "../privileged/board.js";

const { V, R, W, X, A, D } = PTE;

const ROOT = RAM + 0x20_0000;
const L1_TOP = ROOT + 0x1000;
const L0_TOP = ROOT + 0x2000;
const L1_4G = ROOT + 0x3000;
const L0_4G = ROOT + 0x4000;
/** the frames of the page below 2^64 and of the one below 4 GiB */
const TOP_FRAME = RAM + 0x30_0000;
const BELOW_4G_FRAME = RAM + 0x30_1000;
const ITERATIONS = 300;

/**
 * Sv39: the identity gigapage over RAM (code, tables), the last page below 2^64 (VPN 511, 511, 511)
 * and the last page below 4 GiB (VPN 3, 511, 511).
 */
function tables(b: Board): void {
  poke(b, ROOT + 2 * 8, pte(RAM, V | R | W | X | A | D));
  poke(b, ROOT + 511 * 8, pte(L1_TOP, V));
  poke(b, L1_TOP + 511 * 8, pte(L0_TOP, V));
  poke(b, L0_TOP + 511 * 8, pte(TOP_FRAME, V | R | W | A | D));
  poke(b, ROOT + 3 * 8, pte(L1_4G, V));
  poke(b, L1_4G + 511 * 8, pte(L0_4G, V));
  poke(b, L0_4G + 511 * 8, pte(BELOW_4G_FRAME, V | R | W | A | D));
  for (let k = 0; k < 512; k++) {
    poke(b, TOP_FRAME + 8 * k, BigInt(k) * 0x0101_0101_0101n);
    poke(b, BELOW_4G_FRAME + 8 * k, BigInt(k) * 0x0303_0303n);
  }
}

const PROGRAM: Line[] = [
  la(t0, "mhandler"),
  csrw(CSR.mtvec, t0),
  ...PMP_ALLOW_ALL,
  li(t0, (8n << 60n) | BigInt(ROOT / 4096)),
  csrw(CSR.satp, t0),
  li(t0, MSTATUS.MPP_S),
  csrs(CSR.mstatus, t0),
  la(t0, "supervisor"),
  csrw(CSR.mepc, t0),
  ["mret"],
  "supervisor:",
  li(s2, -2048), // 2^64 - 2048: 2040(s2) is 2^64 - 8
  li(s8, 2 ** 32 - 2048), // 2040(s8) is 2^32 - 8
  li(s3, ITERATIONS),
  "loop:",
  ld(s4, 2040, s2),
  ["addi", { rd: s4, rs1: s4, imm: 3 }],
  sd(s4, 2040, s2),
  ["lw", { rd: s5, rs1: s2, imm: 2044 }],
  ["add", { rd: s1, rs1: s1, rs2: s5 }],
  ["lbu", { rd: s5, rs1: s2, imm: 2047 }],
  ["add", { rd: s1, rs1: s1, rs2: s5 }],
  ["sb", { rs1: s2, rs2: s3, imm: 2046 }],
  // 2^64 - 8, and on the last iteration 2^64 - 4: s6 = s2 + 4 * (s3 == 1)
  ["addi", { rd: s6, rs1: s3, imm: -1 }],
  ["sltiu", { rd: s6, rs1: s6, imm: 1 }],
  ["slli", { rd: s6, rs1: s6, imm: 2 }],
  ["add", { rd: s6, rs1: s6, rs2: s2 }],
  ld(s7, 2040, s6),
  ["add", { rd: s1, rs1: s1, rs2: s7 }],
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  // then the page below 2^64 and the one below 4 GiB in turn: the same entry, the same low word
  li(s3, ITERATIONS / 3),
  "alias:",
  ld(s4, 2040, s2),
  ld(s5, 2040, s8),
  ["add", { rd: s5, rs1: s5, rs2: s4 }],
  sd(s5, 2040, s8),
  ["lhu", { rd: s5, rs1: s8, imm: 2046 }],
  ["sh", { rs1: s2, rs2: s5, imm: 2044 }],
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "alias"],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
  ...mHandler(),
];

test("Sv39: compiled accesses at 2^64 - 8, - 4 and - 1, beside 4 GiB's last page, then one wrapping to page 0", () => {
  // the two pages share the TLB's last entry
  assert.equal(Math.floor(2 ** 64 / 4096 - 1) & WASM_TLB_MASK, WASM_TLB_MASK);
  assert.equal((2 ** 32 / 4096 - 1) & WASM_TLB_MASK, WASM_TLB_MASK);
  const runs = ENGINES.map(([engine, jit]) => {
    const b = board(PROGRAM, jit);
    tables(b);
    runSystem(b, { slice: 97 });
    if (jit !== false) {
      const cache = b.hart.jit!.cache;
      assert.ok(cache.retired * 2 > b.hart.retired, `${engine}: compiled code retired ${cache.retired}`);
    }
    return {
      log: log(b, DATA, 10),
      s1: b.state.getX(s1),
      top: words(b, TOP_FRAME, 512),
      below4g: words(b, BELOW_4G_FRAME, 512),
      traps: b.traps.map((t) => [t.cause, t.tval, t.epc]),
    };
  });
  assert.deepEqual(runs[1], runs[0], "compiled as interpreted");
  // one page fault (the wrapping load), then the ECALL that ends the program
  assert.deepEqual(
    runs[0]!.log.map(([cause]) => Number(cause)),
    [Cause.LOAD_PAGE_FAULT, Cause.ECALL_S],
  );
});
