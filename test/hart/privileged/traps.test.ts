// Traps from bare-metal code: ECALL's cause by mode, delegation of exceptions to S by medeleg, MRET
// and SRET between the modes with their mstatus updates; interrupts through the pins and mip, vectored
// mtvec, masking by mstatus.MIE/SIE and delegation by mideleg, taken right after the instruction
// that enables them; WFI stopping the run until an interrupt is pending.

import assert from "node:assert/strict";
import { test } from "node:test";
import { MSTATUS as MSTATUS_WORD } from "../../../src/hart/state.js";
import { Cause, Irq } from "../../../src/hart/stop.js";
import {
  a0,
  a1,
  a7,
  board,
  CSR,
  csrc,
  csrr,
  csrs,
  csrw,
  DATA,
  ENGINES,
  j,
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
  sd,
  sHandler,
  t0,
  t1,
} from "./board.js";

const S_LOG = DATA + 0x800;
const interrupt = (code: number) => (1n << 63n) | BigInt(code);
const u64 = (b: { state: { getXBig(i: number): bigint } }, reg: number) =>
  BigInt.asUintN(64, b.state.getXBig(reg));

for (const [engine, jit] of ENGINES) {
  test(`${engine}: ECALL from M, S and U (causes 11, 9, 8); medeleg sends U's to S; MRET to S, SRET to U`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      la(t0, "shandler"),
      csrw(CSR.stvec, t0),
      li(a1, S_LOG),
      ...PMP_ALLOW_ALL,
      ["ecall"], // from M: cause 11, to M
      li(t0, 1 << 8),
      csrw(CSR.medeleg, t0),
      li(t0, MSTATUS.MPP_S | MSTATUS.MPIE),
      csrs(CSR.mstatus, t0),
      la(t0, "supervisor"),
      csrw(CSR.mepc, t0),
      ["mret"],
      "supervisor:",
      csrr(s0, CSR.sstatus),
      ["ecall"], // from S: cause 9, not delegated: to M
      la(t0, "user"),
      csrw(CSR.sepc, t0),
      li(t0, MSTATUS.SPIE),
      csrs(CSR.sstatus, t0), // SPP stays U
      ["sret"],
      "user:",
      ["ecall"], // from U: cause 8, delegated: to S
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"], // to S, whose handler asks M to pass
      ...mHandler(),
      ...sHandler(),
    ];
    const b = board(program, jit);
    let mstatusInS = -1n;
    runSystem(b, {
      slice: 7,
      onRun: (x) => {
        if (x.hart.priv === 1 && mstatusInS < 0n) mstatusInS = BigInt(x.state.r[MSTATUS_WORD]! >>> 0);
      },
    });
    assert.deepEqual(log(b, DATA, a0), [
      [11n, 0n],
      [9n, 0n],
      [9n, 0n],
    ]);
    assert.deepEqual(log(b, S_LOG, a1), [
      [8n, 0n],
      [8n, 0n],
    ]);
    assert.deepEqual(
      b.traps.map((t) => [t.cause, t.from]),
      [
        [Cause.ECALL_M, 3],
        [Cause.ECALL_S, 1],
        [Cause.ECALL_U, 0],
        [Cause.ECALL_U, 0],
        [Cause.ECALL_S, 1],
      ],
    );
    // MRET: MIE := MPIE (1), MPIE := 1, MPP := U
    assert.equal(mstatusInS & 0x1888n, 0x88n, "mstatus after MRET to S");
    assert.equal(u64(b, s0) & 0x122n, 0n, "sstatus in S: SPP = U, SIE = SPIE = 0");
  });

  test(`${engine}: the MTIP pin interrupts a compiled loop through vectored mtvec, at the run boundary`, () => {
    const program: Line[] = [
      la(t0, "vectors"),
      ["ori", { rd: t0, rs1: t0, imm: 1 }],
      csrw(CSR.mtvec, t0),
      ["ecall"], // an exception goes to BASE even when vectored
      li(t0, 1 << 7),
      csrw(CSR.mie, t0),
      ["csrrsi", { rd: 0, rs1: 8, csr: CSR.mstatus }],
      "loop:",
      ["addi", { rd: s0, rs1: s0, imm: 1 }],
      ["addi", { rd: s1, rs1: s1, imm: 3 }],
      j("loop"),
      { align: 64 },
      "vectors:",
      j("exception"),
      ...[1, 2, 3, 4, 5, 6].map((): Line => j("bad")),
      j("timer"),
      j("bad"),
      j("bad"),
      j("bad"),
      j("bad"),
      "exception:",
      csrr(t0, CSR.mcause),
      sd(t0, 0, a0),
      csrr(t0, CSR.mepc),
      ["addi", { rd: t0, rs1: t0, imm: 4 }],
      csrw(CSR.mepc, t0),
      ["mret"],
      "timer:",
      csrr(t0, CSR.mcause),
      sd(t0, 8, a0),
      csrr(t0, CSR.mepc),
      sd(t0, 16, a0),
      csrr(t0, CSR.mip),
      sd(t0, 24, a0),
      ...pass(),
      "bad:",
      li(s2, 0xbad),
      ...pass("bad_spin"),
    ];
    const b = board(program, jit);
    let raisedAt = -1;
    runSystem(b, {
      slice: 1000,
      onRun: (x) => {
        if (raisedAt < 0 && x.hart.retired >= 3000) {
          raisedAt = x.hart.retired;
          x.hart.setInterruptPin(Irq.MTI, true);
        }
      },
    });
    assert.equal(b.state.getX(s2), 0, "no unexpected vector");
    const [ecall, cause, mepc, mip] = [0, 8, 16, 24].map((o) =>
      new DataView(b.mem.read(DATA + o, 8).buffer).getBigUint64(0, true),
    );
    assert.equal(ecall, 11n);
    assert.equal(cause, interrupt(7));
    const timerTrap = b.traps[1]!;
    assert.equal(timerTrap.cause, Cause.INTERRUPT + Irq.MTI);
    assert.equal(mepc, BigInt(timerTrap.epc));
    assert.equal(mip & 0x80n, 0x80n, "mip.MTIP follows the pin");
    // taken at the first run boundary after the pin rose, in the loop, which ran until then
    assert.equal(timerTrap.retired, raisedAt);
    const inLoop = Number(mepc) - b.at.loop!;
    assert.ok([0, 4, 8].includes(inLoop), `mepc in the loop (+${inLoop})`);
    const s0v = b.state.getX(s0);
    assert.equal(
      b.state.getX(s1),
      3 * (inLoop === 4 ? s0v - 1 : s0v),
      "the loop stopped between instructions",
    );
    if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });

  test(`${engine}: a pending interrupt waits for mstatus.MIE and is taken right after the CSR write that sets it`, () => {
    const program: Line[] = [
      la(t0, "handler"),
      csrw(CSR.mtvec, t0),
      li(t0, 1 << 7),
      csrw(CSR.mie, t0),
      csrr(s0, CSR.mip), // MTIP: the pin is high from the start
      csrc(CSR.mip, t0), // MTIP is read-only in mip
      csrr(s1, CSR.mip),
      ["addi", { rd: s2, rs1: 0, imm: 5 }],
      ["csrrsi", { rd: 0, rs1: 8, csr: CSR.mstatus }],
      "after:",
      ["addi", { rd: s2, rs1: 0, imm: 6 }],
      { align: 4 },
      "handler:",
      csrr(t0, CSR.mcause),
      sd(t0, 0, a0),
      csrr(t0, CSR.mepc),
      sd(t0, 8, a0),
      csrr(t0, CSR.mstatus),
      sd(t0, 16, a0),
      ...pass(),
    ];
    const b = board(program, jit);
    b.hart.setInterruptPin(Irq.MTI, true);
    runSystem(b, { slice: 3 });
    const [cause, mepc, mstatus] = [0, 8, 16].map((o) =>
      new DataView(b.mem.read(DATA + o, 8).buffer).getBigUint64(0, true),
    );
    assert.equal(u64(b, s0) & 0x80n, 0x80n);
    assert.equal(u64(b, s1) & 0x80n, 0x80n);
    assert.equal(b.state.getX(s2), 5, "the instruction after the enabling write did not run");
    assert.equal(cause, interrupt(7));
    assert.equal(mepc, BigInt(b.at.after!));
    assert.equal(mstatus & 0x1888n, 0x1880n, "MPP = M, MPIE = 1, MIE = 0");
  });

  test(`${engine}: delegated interrupts (mideleg): never taken in M; in S by SIE, right after MRET; SSIP from sip`, () => {
    const STIP = 1 << 5;
    const SSIP = 1 << 1;
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      la(t0, "shandler"),
      csrw(CSR.stvec, t0),
      li(a1, S_LOG),
      ...PMP_ALLOW_ALL,
      li(t0, STIP | SSIP),
      csrw(CSR.mideleg, t0),
      csrw(CSR.mie, t0),
      ["csrrsi", { rd: 0, rs1: 8, csr: CSR.mstatus }], // MIE: no effect on delegated interrupts
      li(t0, STIP),
      csrs(CSR.mip, t0), // STIP pending and enabled, delegated: not taken in M
      ["addi", { rd: s0, rs1: 0, imm: 1 }],
      li(t0, MSTATUS.MPP_S | MSTATUS.SIE),
      csrs(CSR.mstatus, t0),
      la(t0, "supervisor"),
      csrw(CSR.mepc, t0),
      ["mret"], // STIP is taken in S before its first instruction
      "supervisor:",
      ["addi", { rd: s1, rs1: 0, imm: 1 }],
      li(t0, SSIP),
      csrs(CSR.sip, t0), // SSIP: taken right after
      "after_ssip:",
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"],
      { align: 4 },
      "shandler:",
      csrr(t0, CSR.scause),
      sd(t0, 0, a1),
      csrr(t0, CSR.sepc),
      sd(t0, 8, a1),
      ["addi", { rd: a1, rs1: a1, imm: 16 }],
      csrr(t0, CSR.scause),
      ["andi", { rd: t0, rs1: t0, imm: 0xff }],
      ["addi", { rd: t1, rs1: 0, imm: 1 }],
      ["beq", { rs1: t0, rs2: t1 }, "clear_ssip"],
      ["addi", { rd: a7, rs1: 0, imm: 1 }],
      ["ecall"], // M clears STIP (S cannot)
      ["sret"],
      "clear_ssip:",
      li(t0, SSIP),
      csrc(CSR.sip, t0),
      ["sret"],
      { align: 4 },
      "mhandler:",
      csrr(t0, CSR.mcause),
      sd(t0, 0, a0),
      ["addi", { rd: a0, rs1: a0, imm: 8 }],
      ["addi", { rd: t1, rs1: 0, imm: 93 }],
      ["beq", { rs1: a7, rs2: t1 }, "done"],
      li(t0, STIP),
      csrc(CSR.mip, t0),
      csrr(t0, CSR.mepc),
      ["addi", { rd: t0, rs1: t0, imm: 4 }],
      csrw(CSR.mepc, t0),
      ["mret"],
      "done:",
      ...pass(),
    ];
    const b = board(program, jit);
    runSystem(b, { slice: 5 });
    assert.equal(b.state.getX(s0), 1);
    assert.equal(b.state.getX(s1), 1, "S ran after the timer interrupt");
    assert.deepEqual(log(b, S_LOG, a1), [
      [interrupt(5), BigInt(b.at.supervisor!)],
      [interrupt(1), BigInt(b.at.after_ssip!)],
    ]);
    assert.deepEqual(log(b, DATA, a0).flat(), [9n, 9n], "two ECALLs from S reached M");
    assert.deepEqual(
      b.traps.map((t) => [t.cause, t.from]),
      [
        [Cause.INTERRUPT + Irq.STI, 1],
        [Cause.ECALL_S, 1],
        [Cause.INTERRUPT + Irq.SSI, 1],
        [Cause.ECALL_S, 1],
      ],
    );
  });

  test(`${engine}: WFI ends the run until an interrupt is pending; MIE = 0 wakes it without a trap`, () => {
    const program: Line[] = [
      la(t0, "handler"),
      csrw(CSR.mtvec, t0),
      li(t0, 1 << 7),
      csrw(CSR.mie, t0),
      ["wfi"],
      "woken:",
      csrr(s0, CSR.mip),
      ["wfi"], // MTIP is pending and enabled: no waiting
      ["addi", { rd: s1, rs1: 0, imm: 1 }],
      ["csrrsi", { rd: 0, rs1: 8, csr: CSR.mstatus }],
      ["addi", { rd: s1, rs1: 0, imm: 2 }],
      { align: 4 },
      "handler:",
      csrr(t0, CSR.mepc),
      sd(t0, 0, a0),
      ...pass(),
    ];
    const b = board(program, jit);
    const stops: [number, number][] = [];
    runSystem(b, {
      onWfi: (x) => {
        stops.push([x.state.pc, x.hart.retired]);
        assert.ok(x.hart.waiting(), "nothing pending");
        x.hart.setInterruptPin(Irq.MTI, true);
        assert.ok(!x.hart.waiting(), "woken");
      },
    });
    assert.equal(stops.length, 1);
    assert.equal(stops[0]![0], b.at.woken, "pc after the WFI");
    assert.equal(u64(b, s0) & 0x80n, 0x80n);
    assert.equal(b.state.getX(s1), 1);
    const mepc = new DataView(b.mem.read(DATA, 8).buffer).getBigUint64(0, true);
    assert.equal(mepc, BigInt(b.at.woken! + 16));
  });
}
