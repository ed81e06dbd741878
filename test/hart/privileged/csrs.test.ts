// The M and S CSRs from bare-metal code: their values and WARL rules read back from M-mode, and the
// access rules from lower modes (illegal-instruction traps with the instruction's bits in mtval),
// the counter enables, mstatus.TVM/TSR/TW, and the FP unit switched off by mstatus.FS.

import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "../../../src/isa/encode.js";
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
  PMP_ALLOW_ALL,
  pass,
  runSystem,
  s0,
  s1,
  s2,
  s3,
  s4,
  s5,
  t0,
  t1,
  t2,
} from "./board.js";

const ILLEGAL = 2n;
const bits = (name: string, f: Parameters<typeof encode>[1]): bigint => BigInt(encode(name, f) >>> 0);

for (const [engine, jit] of ENGINES) {
  test(`${engine}: M-mode CSRs read back under their WARL rules; read-only and missing CSRs are illegal`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      csrr(s0, CSR.mhartid),
      csrr(s1, CSR.misa),
      // MPP = 2 is no mode (reads U); FS = Initial reads Dirty (SD set); UXL = SXL = 2
      li(t0, (2n << 11n) | (1n << 13n) | MSTATUS.SUM),
      csrw(CSR.mstatus, t0),
      csrr(s2, CSR.mstatus),
      csrr(s3, CSR.sstatus),
      li(t0, -1),
      csrw(CSR.medeleg, t0),
      csrw(CSR.mideleg, t0),
      csrw(CSR.mie, t0),
      csrr(s4, CSR.medeleg),
      csrr(s5, CSR.mideleg),
      csrr(t2, CSR.mie),
      ["sd", { rs1: a0, rs2: t2, imm: 0x400 }],
      // mepc's bit 0 is always 0; mtvec MODE 3 is reserved (reads 1)
      li(t0, 0x80001235),
      csrw(CSR.mepc, t0),
      csrr(t2, CSR.mepc),
      ["sd", { rs1: a0, rs2: t2, imm: 0x408 }],
      la(t0, "mhandler"),
      ["ori", { rd: t0, rs1: t0, imm: 3 }],
      csrw(CSR.mtvec, t0),
      csrr(t2, CSR.mtvec),
      ["sd", { rs1: a0, rs2: t2, imm: 0x410 }],
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      // satp: Sv39 and Sv48 are taken, MODE 5 leaves it as it was
      li(t0, (8n << 60n) | 0x12345n),
      csrw(CSR.satp, t0),
      li(t0, 5n << 60n),
      csrw(CSR.satp, t0),
      csrr(t2, CSR.satp),
      ["sd", { rs1: a0, rs2: t2, imm: 0x418 }],
      csrw(CSR.satp, 0),
      // minstret: the next instruction reads what was written, the one after one more
      li(t0, 1000),
      csrw(CSR.minstret, t0),
      csrr(t1, CSR.minstret),
      csrr(t2, CSR.minstret),
      ["sd", { rs1: a0, rs2: t1, imm: 0x420 }],
      ["sd", { rs1: a0, rs2: t2, imm: 0x428 }],
      // illegal: writing a read-only CSR, a CSR that does not exist, an odd pmpcfg (RV64)
      "ro:",
      csrw(CSR.mhartid, t0),
      "missing:",
      csrr(t1, 0x7c0),
      "odd:",
      csrr(t1, 0x3a1),
      ...pass(),
      ...mHandler(),
    ];
    const b = board(program, jit, 7);
    runSystem(b);
    assert.equal(b.state.getX(s0), 7, "mhartid");
    assert.equal(BigInt.asUintN(64, b.state.getXBig(s1)), 0x8000_0000_0014_112dn, "misa: RV64 IMAFDC S U");
    assert.equal(BigInt.asUintN(64, b.state.getXBig(s2)), 0x8000_000a_0004_6000n, "mstatus");
    assert.equal(BigInt.asUintN(64, b.state.getXBig(s3)), 0x8000_0002_0004_6000n, "sstatus");
    assert.equal(b.state.getX(s4), 0xb3ff, "medeleg");
    assert.equal(b.state.getX(s5), 0x222, "mideleg");
    const base = DATA;
    const [mie, mepc, mtvec, satp, instret1, instret2] = [0x400, 0x408, 0x410, 0x418, 0x420, 0x428]
      .map((o) => b.mem.read(base + o, 8))
      .map((x) => new DataView(x.buffer).getBigUint64(0, true));
    assert.equal(mie, 0xaaan);
    assert.equal(mepc, 0x80001234n);
    assert.equal(mtvec, BigInt(b.at.mhandler!) | 1n);
    assert.equal(satp, (8n << 60n) | 0x12345n);
    assert.equal(instret1, 1000n);
    assert.equal(instret2, 1001n);
    assert.deepEqual(log(b, DATA, a0), [
      [ILLEGAL, bits("csrrw", { rd: 0, rs1: t0, csr: CSR.mhartid })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: 0x7c0 })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: 0x3a1 })],
    ]);
  });

  test(`${engine}: from U the M and S CSRs are illegal, counters need both enables, the FP unit needs FS`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      ...PMP_ALLOW_ALL,
      la(t0, "user"),
      csrw(CSR.mepc, t0),
      ["mret"], // MPP is U after reset
      "user:",
      csrr(t1, CSR.mstatus), // illegal
      csrr(t1, CSR.sstatus), // illegal: S-level
      csrr(t1, CSR.cycle), // illegal: mcounteren = 0
      ["addi", { rd: a7, rs1: 0, imm: 1 }],
      ["ecall"], // M enables cycle and instret for S, and cycle for U
      csrr(s0, CSR.cycle), // allowed
      csrr(t1, CSR.instret), // illegal: scounteren.IR = 0
      csrr(t1, CSR.time), // illegal: mcounteren.TM = 0
      csrr(t1, CSR.fflags), // illegal: FS is Off
      ["fadd.d", { rd: 1, rs1: 2, rs2: 3, rm: 0 }], // illegal: FS is Off
      ["fld", { rd: 1, rs1: a0, imm: 0 }], // illegal: FS is Off
      ["addi", { rd: a7, rs1: 0, imm: 2 }],
      ["ecall"], // M turns the FP unit on
      csrr(s1, CSR.fflags),
      ["fld", { rd: 1, rs1: a0, imm: -16 }],
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"],
      // M's handler, with two services for U before the common part
      { align: 4 },
      "mhandler:",
      csrr(t0, CSR.mcause),
      ["addi", { rd: t1, rs1: 0, imm: 8 }],
      ["bne", { rs1: t0, rs2: t1 }, "common"],
      ["addi", { rd: t1, rs1: 0, imm: 1 }],
      ["bne", { rs1: a7, rs2: t1 }, "fp"],
      li(t0, 5),
      csrw(CSR.mcounteren, t0),
      li(t0, 1),
      csrw(CSR.scounteren, t0),
      ["jal", { rd: 0 }, "common"],
      "fp:",
      ["addi", { rd: t1, rs1: 0, imm: 2 }],
      ["bne", { rs1: a7, rs2: t1 }, "common"],
      li(t0, MSTATUS.FS),
      csrs(CSR.mstatus, t0),
      "common:",
      ...mHandler("m2"), // aligned already: it follows 4-byte instructions from an aligned label
    ];
    const b = board(program, jit);
    runSystem(b);
    const ecall = 8n;
    assert.deepEqual(log(b, DATA, a0), [
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.mstatus })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.sstatus })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.cycle })],
      [ecall, 0n],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.instret })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.time })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.fflags })],
      [ILLEGAL, bits("fadd.d", { rd: 1, rs1: 2, rs2: 3, rm: 0 })],
      [ILLEGAL, bits("fld", { rd: 1, rs1: a0, imm: 0 })],
      [ecall, 0n],
      [ecall, 0n],
    ]);
    assert.ok(b.state.getX(s0) > 0, "cycle read from U");
    assert.equal(b.state.getX(s1), 0, "fflags once FS is on");
    assert.deepEqual(
      b.traps.map((t) => t.from),
      Array(11).fill(0),
      "every trap came from U",
    );
    assert.equal(b.hart.priv, 3);
  });

  test(`${engine}: from S: sstatus yes, mstatus no; counters by mcounteren; TVM, TW, TSR and Sstc's enable`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      ...PMP_ALLOW_ALL,
      li(t0, 2),
      csrw(CSR.mcounteren, t0), // time only
      li(t0, MSTATUS.MPP_S | MSTATUS.TVM | MSTATUS.TW | MSTATUS.TSR),
      csrs(CSR.mstatus, t0),
      la(t0, "supervisor"),
      csrw(CSR.mepc, t0),
      ["mret"],
      "supervisor:",
      csrr(s0, CSR.sstatus),
      csrr(t1, CSR.mstatus), // illegal: M-level
      csrr(s1, CSR.time),
      csrr(t1, CSR.cycle), // illegal: mcounteren.CY = 0
      csrr(t1, CSR.satp), // illegal: TVM
      ["sfence.vma", { rs1: 0, rs2: 0 }], // illegal: TVM
      ["wfi"], // illegal: TW
      csrr(t1, CSR.stimecmp), // illegal: menvcfg.STCE = 0
      ["sret"], // illegal: TSR
      ["addi", { rd: a7, rs1: 0, imm: 1 }],
      ["ecall"], // M clears TVM, TW and TSR, and sets STCE
      csrr(s2, CSR.satp),
      ["sfence.vma", { rs1: 0, rs2: 0 }],
      csrr(s3, CSR.stimecmp),
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"],
      { align: 4 },
      "mhandler:",
      csrr(t0, CSR.mcause),
      ["addi", { rd: t1, rs1: 0, imm: 9 }],
      ["bne", { rs1: t0, rs2: t1 }, "common"],
      ["addi", { rd: t1, rs1: 0, imm: 1 }],
      ["bne", { rs1: a7, rs2: t1 }, "common"],
      li(t0, MSTATUS.TVM | MSTATUS.TW | MSTATUS.TSR),
      ["csrrc", { rd: 0, rs1: t0, csr: CSR.mstatus }],
      li(t0, 1n << 63n),
      csrs(CSR.menvcfg, t0),
      "common:",
      ...mHandler("m2"),
    ];
    const b = board(program, jit);
    runSystem(b);
    const ecallS = 9n;
    assert.deepEqual(log(b, DATA, a0), [
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.mstatus })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.cycle })],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.satp })],
      [ILLEGAL, bits("sfence.vma", { rs1: 0, rs2: 0 })],
      [ILLEGAL, bits("wfi", {})],
      [ILLEGAL, bits("csrrs", { rd: t1, rs1: 0, csr: CSR.stimecmp })],
      [ILLEGAL, bits("sret", {})],
      [ecallS, 0n],
      [ecallS, 0n],
    ]);
    assert.equal(BigInt.asUintN(64, b.state.getXBig(s0)), 0x0000_0002_0000_0000n, "sstatus in S: UXL only");
    assert.ok(b.state.getX(s1) >= 0, "time read from S");
    assert.equal(b.state.getX(s2), 0, "satp once TVM is clear");
    assert.equal(BigInt.asUintN(64, b.state.getXBig(s3)), (1n << 64n) - 1n, "stimecmp after reset");
    assert.ok(
      b.traps.slice(0, 9).every((t) => t.from === 1),
      "every trap came from S",
    );
  });

  test(`${engine}: FP code compiled while FS is on traps when run again with FS Off`, () => {
    const fadd = { rd: 1, rs1: 1, rs2: 2, rm: 0 };
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      li(t0, MSTATUS.FS),
      csrs(CSR.mstatus, t0),
      li(t2, 60),
      ["jal", { rd: 1 }, "sub"],
      li(t0, MSTATUS.FS),
      ["csrrc", { rd: 0, rs1: t0, csr: CSR.mstatus }],
      li(t2, 5),
      ["jal", { rd: 1 }, "sub"],
      ...pass(),
      "sub:",
      ["fadd.d", fadd],
      ["addi", { rd: s0, rs1: s0, imm: 1 }],
      ["addi", { rd: t2, rs1: t2, imm: -1 }],
      ["bne", { rs1: t2, rs2: 0 }, "sub"],
      ["jalr", { rd: 0, rs1: 1, imm: 0 }],
      ...mHandler(),
    ];
    const b = board(program, jit);
    runSystem(b, { slice: 40 });
    assert.equal(b.state.getX(s0), 65);
    assert.deepEqual(log(b, DATA, a0), Array(5).fill([ILLEGAL, bits("fadd.d", fadd)]));
    if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });
}
