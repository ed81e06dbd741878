// Physical memory protection from bare-metal code: NA4, NAPOT and TOR entries denying S-mode loads
// and stores (access faults with the address in mtval), an entry covering part of a page (the rest
// of the page stays accessible, also from a compiled loop), a locked entry that binds M-mode too and
// cannot be rewritten, and no entry at all (S can do nothing).

import assert from "node:assert/strict";
import { test } from "node:test";
import { Cause } from "../../../src/hart/stop.js";
import {
  a0,
  a7,
  board,
  CSR,
  csrr,
  csrs,
  csrw,
  DATA,
  ENGINES,
  type Line,
  la,
  li,
  log,
  MSTATUS,
  mHandler,
  pass,
  runSystem,
  s0,
  s1,
  s2,
  s3,
  t0,
  t1,
  t2,
  words,
} from "./board.js";

const NA4 = DATA + 0x2000;
const READ_ONLY = DATA + 0x3000;
const TOR_LOW = DATA + 0x4000;
const TOR_HIGH = DATA + 0x5000;
const LOCKED = DATA + 0x6000;

/** pmpaddr for a NAPOT region of `size` bytes at `base` */
const napot = (base: number, size: number): bigint => BigInt(base / 4) | BigInt(size / 8 - 1);
const cfgBytes = (...bytes: number[]): bigint =>
  bytes.reduce((v, b, i) => v | (BigInt(b) << BigInt(8 * i)), 0n);

const LOAD_ACCESS = 5n;
const STORE_ACCESS = 7n;

for (const [engine, jit] of ENGINES) {
  test(`${engine}: PMP denies S-mode accesses by NA4, NAPOT and TOR entries; the rest of a page stays open`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      li(t0, NA4 / 4),
      csrw(CSR.pmpaddr0, t0), // NA4: 4 bytes, no access
      li(t0, napot(READ_ONLY, 0x1000)),
      csrw(CSR.pmpaddr0 + 1, t0), // NAPOT 4 KiB, R
      li(t0, TOR_LOW / 4),
      csrw(CSR.pmpaddr0 + 2, t0), // OFF: the bottom of the TOR above it
      li(t0, TOR_HIGH / 4),
      csrw(CSR.pmpaddr0 + 3, t0), // TOR, X only
      li(t0, -1),
      csrw(CSR.pmpaddr0 + 4, t0), // NAPOT everything, RWX
      li(t0, cfgBytes(0x10, 0x19, 0x00, 0x0c, 0x1f)),
      csrw(CSR.pmpcfg0, t0),
      csrr(s3, CSR.pmpcfg0),
      li(t0, MSTATUS.MPP_S),
      csrs(CSR.mstatus, t0),
      la(t0, "supervisor"),
      csrw(CSR.mepc, t0),
      ["mret"],
      "supervisor:",
      li(t2, NA4),
      ["lw", { rd: t1, rs1: t2, imm: 0 }], // load access fault
      ["sw", { rs1: t2, rs2: t2, imm: 4 }], // the next word of the page is not covered
      li(t1, 100),
      "loop:",
      ["lw", { rd: s0, rs1: t2, imm: 4 }],
      ["addi", { rd: t1, rs1: t1, imm: -1 }],
      ["bne", { rs1: t1, rs2: 0 }, "loop"],
      li(t2, READ_ONLY),
      ["ld", { rd: s1, rs1: t2, imm: 8 }],
      ["sd", { rs1: t2, rs2: t2, imm: 8 }], // store access fault
      li(t2, TOR_LOW + 0x800),
      ["ld", { rd: t1, rs1: t2, imm: 0 }], // load access fault (X only)
      li(t2, TOR_HIGH),
      ["ld", { rd: s2, rs1: t2, imm: 0 }], // just above the TOR range: allowed
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"],
      ...mHandler(),
    ];
    const b = board(program, jit);
    runSystem(b, { slice: 50 });
    assert.deepEqual(log(b, DATA, a0), [
      [LOAD_ACCESS, BigInt(NA4)],
      [STORE_ACCESS, BigInt(READ_ONLY + 8)],
      [LOAD_ACCESS, BigInt(TOR_LOW + 0x800)],
      [9n, 0n],
    ]);
    assert.equal(b.state.getX(s0), (NA4 & 0xffffffff) | 0, "read beside the NA4 word");
    assert.equal(words(b, NA4, 1)[0], BigInt(NA4) << 32n, "written beside it");
    assert.equal(b.state.getX(s1), 0, "read from the read-only page");
    assert.equal(BigInt.asUintN(64, b.state.getXBig(s3)), cfgBytes(0x10, 0x19, 0x00, 0x0c, 0x1f));
    assert.ok(
      b.traps.slice(0, 3).every((t) => t.from === 1),
      "the faults came from S",
    );
    if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });

  test(`${engine}: a locked PMP entry binds M-mode and ignores writes; with no entry S can do nothing`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      li(t0, napot(LOCKED, 0x1000)),
      csrw(CSR.pmpaddr0, t0),
      li(t0, 0x99), // L, NAPOT, R
      csrw(CSR.pmpcfg0, t0),
      li(t2, LOCKED),
      ["ld", { rd: s0, rs1: t2, imm: 0 }],
      ["sd", { rs1: t2, rs2: t2, imm: 0 }], // store access fault in M
      csrw(CSR.pmpcfg0, 0), // ignored: locked
      csrw(CSR.pmpaddr0, 0), // ignored: locked
      csrr(s1, CSR.pmpcfg0),
      csrr(s2, CSR.pmpaddr0),
      // S with only the locked entry: nothing else matches, so its first fetch fails
      li(t0, MSTATUS.MPP_S),
      csrs(CSR.mstatus, t0),
      la(t0, "supervisor"),
      csrw(CSR.mepc, t0),
      ["mret"],
      "supervisor:",
      ["addi", { rd: s3, rs1: 0, imm: 1 }],
      { align: 4 },
      "mhandler:",
      csrr(t0, CSR.mcause),
      ["addi", { rd: t1, rs1: 0, imm: 1 }],
      ["bne", { rs1: t0, rs2: t1 }, "common"],
      ...pass(), // the fetch access fault from S ends the test
      "common:",
      ...mHandler("m2"),
    ];
    const b = board(program, jit);
    runSystem(b, { slice: 50 });
    assert.deepEqual(log(b, DATA, a0), [[STORE_ACCESS, BigInt(LOCKED)]]);
    assert.equal(b.state.getX(s1), 0x99, "pmpcfg0 kept");
    assert.equal(BigInt(b.state.getX(s2)), napot(LOCKED, 0x1000), "pmpaddr0 kept");
    assert.equal(b.state.getX(s3), 0, "S ran nothing");
    assert.deepEqual(
      b.traps.map((t) => [t.cause, t.from, t.tval]),
      [
        [Cause.STORE_ACCESS, 3, LOCKED],
        [Cause.FETCH_ACCESS, 1, b.at.supervisor],
      ],
    );
  });
}
