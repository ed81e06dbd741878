// Timer and software interrupts at their exact instruction: Sstc's stimecmp (the hart cuts its runs
// at the deadline), and on a Machine with QEMU virt's devices, the CLINT's msip (taken right after
// the store that raises it) and mtimecmp (an event the machine cuts the run at). The machine's
// environment here is the full system's in miniature: it takes every trap with Hart.takeTrap.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Hart } from "../../../src/hart/hart.js";
import { HartState } from "../../../src/hart/state.js";
import { Cause, Irq, Stop } from "../../../src/hart/stop.js";
import { Bus } from "../../../src/machine/bus.js";
import { CLINT_BASE, CLINT_MTIME, CLINT_MTIMECMP } from "../../../src/machine/devices/clint.js";
import type { Finish } from "../../../src/machine/devices/sifive-test.js";
import { attachVirtDevices } from "../../../src/machine/devices/virt.js";
import { Machine } from "../../../src/machine/machine.js";
import { PhysicalMemory } from "../../../src/machine/physical-memory.js";
import {
  a0,
  a1,
  a7,
  assembleAt,
  board,
  CSR,
  csrr,
  csrs,
  csrw,
  DATA,
  ENGINES,
  j,
  type Line,
  la,
  li,
  MSTATUS,
  mHandler,
  PMP_ALLOW_ALL,
  pass,
  RAM,
  RAM_SIZE,
  runSystem,
  s0,
  s1,
  s2,
  sd,
  t0,
  t1,
  t2,
  words,
} from "./board.js";

const S_LOG = DATA + 0x800;
const STIP = 1 << 5;

for (const [engine, jit] of ENGINES) {
  test(`${engine}: Sstc: stimecmp raises STIP exactly when time reaches it; delegated, taken in S`, () => {
    const program: Line[] = [
      la(t0, "mhandler"),
      csrw(CSR.mtvec, t0),
      la(t0, "shandler"),
      csrw(CSR.stvec, t0),
      li(a1, S_LOG),
      ...PMP_ALLOW_ALL,
      li(t0, 1n << 63n),
      csrs(CSR.menvcfg, t0), // STCE
      li(t0, STIP),
      csrw(CSR.mideleg, t0),
      li(t0, 2),
      csrw(CSR.mcounteren, t0), // S reads time
      li(t0, MSTATUS.MPP_S),
      csrs(CSR.mstatus, t0),
      la(t0, "supervisor"),
      csrw(CSR.mepc, t0),
      ["mret"],
      "supervisor:",
      li(t0, STIP),
      csrs(CSR.sie, t0),
      ["csrrsi", { rd: 0, rs1: 2, csr: CSR.sstatus }], // SIE
      csrr(t0, CSR.time),
      ["addi", { rd: s2, rs1: t0, imm: 2 }], // within the current run: it must be cut
      csrw(CSR.stimecmp, s2),
      csrr(s1, CSR.sip), // not yet
      "loop:",
      ["addi", { rd: s0, rs1: s0, imm: 1 }],
      j("loop"),
      { align: 4 },
      "shandler:",
      csrr(t0, CSR.scause),
      sd(t0, 0, a1),
      csrr(t0, CSR.sip),
      sd(t0, 8, a1),
      ["addi", { rd: a1, rs1: a1, imm: 16 }],
      li(t0, -1),
      csrw(CSR.stimecmp, t0), // lowers STIP
      csrr(t1, CSR.sip),
      sd(t1, 0, a1),
      ["addi", { rd: a1, rs1: a1, imm: 8 }],
      ["addi", { rd: a7, rs1: 0, imm: 93 }],
      ["ecall"],
      ...mHandler(),
    ];
    const b = board(program, jit);
    runSystem(b, { slice: 1000 });
    const deadline = b.state.getX(s2);
    const timer = b.traps.find((t) => t.cause === Cause.INTERRUPT + Irq.STI)!;
    assert.ok(timer !== undefined, "the timer interrupt was taken");
    assert.equal(timer.retired, deadline * 100, "at the instruction where time reaches stimecmp");
    assert.equal(timer.from, 1);
    assert.equal(b.state.getX(s1) & STIP, 0, "not pending before");
    const [scause, sipIn, sipAfter] = words(b, S_LOG, 3);
    assert.equal(scause, (1n << 63n) | 5n);
    assert.equal(sipIn! & BigInt(STIP), BigInt(STIP), "pending in the handler");
    assert.equal(sipAfter! & BigInt(STIP), 0n, "lowered by a new stimecmp");
    if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });

  test(`${engine}: on a Machine with virt's devices: the CLINT's msip right after its store, mtimecmp at its time`, () => {
    const bus = new Bus({ hostBytes: RAM_SIZE + (1 << 20) });
    bus.addRam("ram", RAM, RAM_SIZE);
    const mem = new PhysicalMemory(bus);
    const trapsAt: { cause: number; epc: number; now: number }[] = [];
    const machine: Machine = new Machine(mem, {
      jit,
      env: {
        trap: (hart: Hart) => {
          trapsAt.push({ cause: hart.cause, epc: hart.state.pc, now: machine.now() });
          hart.takeTrap();
        },
      },
    });
    const finishes: Finish[] = [];
    attachVirtDevices({
      bus,
      dma: mem,
      harts: 1,
      pins: { set: (h, bit, level) => machine.harts()[h]!.setInterruptPin(bit, level) },
      events: machine.events,
      now: () => machine.now(),
      output: () => {},
      finish: (f) => finishes.push(f),
    });
    const program: Line[] = [
      la(t0, "handler"),
      csrw(CSR.mtvec, t0),
      li(t0, (1 << 3) | (1 << 7)),
      csrw(CSR.mie, t0),
      ["csrrsi", { rd: 0, rs1: 8, csr: CSR.mstatus }],
      li(t2, CLINT_BASE),
      li(t1, 1),
      ["sw", { rs1: t2, rs2: t1, imm: 0 }], // msip: MSI right after this store
      "after_msip:",
      li(t0, CLINT_BASE + CLINT_MTIME),
      ["ld", { rd: t1, rs1: t0, imm: 0 }],
      ["addi", { rd: s2, rs1: t1, imm: 25 }],
      li(t0, CLINT_BASE + CLINT_MTIMECMP),
      sd(s2, 0, t0),
      "loop:",
      ["addi", { rd: s0, rs1: s0, imm: 1 }],
      j("loop"),
      { align: 4 },
      "handler:",
      csrr(t0, CSR.mcause),
      sd(t0, 0, a0),
      csrr(t1, CSR.mepc),
      sd(t1, 8, a0),
      ["addi", { rd: a0, rs1: a0, imm: 16 }],
      ["andi", { rd: t0, rs1: t0, imm: 0xff }],
      ["addi", { rd: t1, rs1: 0, imm: 3 }],
      ["bne", { rs1: t0, rs2: t1 }, "timer"],
      ["sw", { rs1: t2, rs2: 0, imm: 0 }], // msip := 0
      ["mret"],
      "timer:",
      ...pass(),
    ];
    const { code, at } = assembleAt(RAM, program);
    mem.write(RAM, code);
    const hart = machine.addHart(new HartState(), 0);
    hart.reset(RAM);
    hart.state.setX(a0, DATA);
    for (let i = 0; i < 1000 && finishes.length === 0; i++) {
      const stop = machine.runHart(hart, 1000);
      assert.ok(stop === Stop.BUDGET || stop === Stop.FAULT, `stop ${stop}`);
    }
    assert.deepEqual(finishes, [{ kind: "pass" }]);
    const mtimecmp = hart.state.getX(s2);
    assert.deepEqual(
      trapsAt.map((t) => [t.cause, t.epc]),
      [
        [Cause.INTERRUPT + Irq.MSI, at.after_msip],
        [Cause.INTERRUPT + Irq.MTI, trapsAt[1]!.epc],
      ],
    );
    assert.equal(trapsAt[1]!.now, mtimecmp * 100, "MTI when mtime reaches mtimecmp");
    assert.ok(hart.state.getX(s0) > 0, "the loop ran until then");
    if (jit !== false) assert.ok(hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });
}
