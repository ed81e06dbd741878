// The virt devices driven by RV64 machine code on a hart over PhysicalMemory, on a Machine (so the
// CLINT's timer is an event on its queue), interpreted and compiled: a string written to the UART,
// the PLIC's claim/complete protocol for UART input, MTIP rising at exactly the virtual time mtimecmp
// names, and a virtio-blk driver's initialization, read and write requests against rings the test
// laid out in guest RAM.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { TIMEBASE_NS } from "../../../src/hart/csr.js";
import type { JitOptions } from "../../../src/hart/jit/hart-jit.js";
import { HartState } from "../../../src/hart/state.js";
import { Stop } from "../../../src/hart/stop.js";
import { Bus } from "../../../src/machine/bus.js";
import { CLINT_MTIME, CLINT_MTIMECMP } from "../../../src/machine/devices/clint.js";
import { IER_RDI, LSR_DR, LSR_THRE, UART_IER, UART_LSR } from "../../../src/machine/devices/ns16550a.js";
import { PLIC_CONTEXT, PLIC_ENABLE, PLIC_PENDING } from "../../../src/machine/devices/plic.js";
import { FINISHER_PASS, type Finish } from "../../../src/machine/devices/sifive-test.js";
import { attachVirtDevices, type VirtDevices } from "../../../src/machine/devices/virt.js";
import { VIRT, VIRT_IRQ, virtioSlot } from "../../../src/machine/devices/virt-map.js";
import {
  SECTOR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VirtioBlk,
} from "../../../src/machine/devices/virtio-blk.js";
import { INT_USED_BUFFER, REG } from "../../../src/machine/devices/virtio-mmio.js";
import { Irq } from "../../../src/machine/interrupts.js";
import { Machine } from "../../../src/machine/machine.js";
import { PhysicalMemory } from "../../../src/machine/physical-memory.js";
import { a0, a1, a2, s0, s1, s2, s3, t0, t1, t2 } from "../../hart/abi-registers.js";
import { type Line, program } from "../../hart/jit/machine.js";
import { tempDir } from "../../temp-dir.js";
import { RecordingPins } from "./recording-pins.js";
import { Driver, initSteps, queueAt } from "./virtio-driver.js";

const RAM = VIRT.dram.base;
const RAM_SIZE = 0x10_0000;

const ENGINES: [string, Partial<JitOptions> | false][] = [
  ["interpreted", false],
  ["compiled", { interpretFirst: 0, hot: 2, warm: 1 }],
];

interface Board {
  bus: Bus;
  machine: Machine;
  mem: PhysicalMemory;
  devices: VirtDevices;
  pins: RecordingPins;
  out: number[];
  finishes: Finish[];
  run(limit?: number): void;
}

/** rd := the 32-bit value, sign-extended (lui/addi); for stores of 32 bits and device addresses below 2^31. */
function li(rd: number, value: number): Line[] {
  const v = value | 0;
  const low = (v << 20) >> 20;
  const high = (v - low) | 0;
  if (high === 0) return [["addi", { rd, rs1: 0, imm: low }]];
  return [
    ["lui", { rd, imm: high }],
    ["addi", { rd, rs1: rd, imm: low }],
  ];
}

/** The sifive_test finisher's pass, then ebreak. */
const PASS: Line[] = [
  ...li(t0, VIRT.test.base),
  ...li(t1, FINISHER_PASS),
  ["sw", { rs1: t0, rs2: t1, imm: 0 }],
  ["ebreak"],
];

function makeBoard(code: Uint8Array, jit: Partial<JitOptions> | false, disk?: VirtioBlk): Board {
  const bus = new Bus({ hostBytes: 4 << 20 });
  bus.addRam("ram", RAM, RAM_SIZE);
  const mem = new PhysicalMemory(bus);
  mem.write(RAM, code);
  const out: number[] = [];
  const finishes: Finish[] = [];
  const holder: { clint?: VirtDevices["clint"] } = {};
  const machine = new Machine(mem, { jit, time: () => holder.clint!.time() });
  const pins = new RecordingPins(() => machine.now());
  const devices = attachVirtDevices({
    bus,
    dma: mem,
    harts: 1,
    pins,
    events: machine.events,
    now: () => machine.now(),
    output: (b) => out.push(...b),
    finish: (f) => finishes.push(f),
    virtio: disk ? [disk] : [],
  });
  holder.clint = devices.clint;
  const state = new HartState();
  state.pc = RAM;
  const hart = machine.addHart(state, 0);
  const run = (limit = 200_000) => {
    while (hart.retired < limit) {
      const stop = machine.runHart(hart, 997);
      if (stop === Stop.EBREAK) return;
      assert.equal(stop, Stop.BUDGET, `stopped at cause ${hart.cause}, tval 0x${hart.tval.toString(16)}`);
    }
    throw new Error(`no ebreak after ${limit} instructions`);
  };
  return { bus, machine, mem, devices, pins, out, finishes, run };
}

const dir = tempDir("hs-on-a-hart-");

for (const [engine, jit] of ENGINES) {
  test(`${engine}: code writes a string to the UART, waiting for THR empty before each byte`, () => {
    const text = "hello from hartscope\n";
    const { code, at } = program([
      ["auipc", { rd: s0, imm: 0 }],
      ...li(t0, 0x800),
      ["add", { rd: s0, rs1: s0, rs2: t0 }], // s0: the string
      ...li(s1, VIRT.uart0.base),
      "next:",
      ["lbu", { rd: a0, rs1: s0, imm: 0 }],
      ["beq", { rs1: a0, rs2: 0 }, "done"],
      "wait:",
      ["lbu", { rd: t1, rs1: s1, imm: UART_LSR }],
      ["andi", { rd: t1, rs1: t1, imm: LSR_THRE }],
      ["beq", { rs1: t1, rs2: 0 }, "wait"],
      ["sb", { rs1: s1, rs2: a0, imm: 0 }],
      ["addi", { rd: s0, rs1: s0, imm: 1 }],
      ["jal", { rd: 0 }, "next"],
      "done:",
      ...PASS,
    ]);
    assert.ok(at.done! < 0x800);
    const image = new Uint8Array(0x900);
    image.set(code);
    image.set(new TextEncoder().encode(text), 0x800);
    const b = makeBoard(image, jit);
    b.run();
    assert.equal(Buffer.from(b.out).toString(), text);
    assert.deepEqual(b.finishes, [{ kind: "pass" }]);
  });

  test(`${engine}: the PLIC's claim/complete protocol for UART input, polled by code`, () => {
    // s1 = PLIC, s2 = context 0's claim register, s3 = UART, s0 = results in RAM
    const ctx0 = VIRT.plic.base + PLIC_CONTEXT;
    const round: (k: number) => Line[] = (k) => [
      `poll${k}:`,
      ["lw", { rd: t0, rs1: s1, imm: 0 }], // s1 + 0 is rewritten below to the pending word
      ["srli", { rd: t0, rs1: t0, imm: VIRT_IRQ.uart0 }],
      ["andi", { rd: t0, rs1: t0, imm: 1 }],
      ["beq", { rs1: t0, rs2: 0 }, `poll${k}`],
      ["lw", { rd: a0, rs1: s2, imm: 4 }], // claim
      ["sw", { rs1: s0, rs2: a0, imm: 8 * k }],
      ["lbu", { rd: a1, rs1: s3, imm: 0 }], // RBR
      ["sw", { rs1: s0, rs2: a1, imm: 8 * k + 4 }],
      ["sw", { rs1: s2, rs2: a0, imm: 4 }], // complete
    ];
    const lines: Line[] = [
      ["auipc", { rd: s0, imm: 0 }],
      ...li(t0, 0x800),
      ["add", { rd: s0, rs1: s0, rs2: t0 }],
      ...li(s1, VIRT.plic.base),
      ...li(s2, ctx0),
      ...li(s3, VIRT.uart0.base),
      ...li(t0, 1),
      ["sw", { rs1: s1, rs2: t0, imm: 4 * VIRT_IRQ.uart0 }], // priority 1
      ...li(t0, 1 << VIRT_IRQ.uart0),
      ...li(t1, VIRT.plic.base + PLIC_ENABLE),
      ["sw", { rs1: t1, rs2: t0, imm: 0 }], // context 0 enables source 10
      ["sw", { rs1: s2, rs2: 0, imm: 0 }], // threshold 0
      ...li(t0, IER_RDI),
      ["sb", { rs1: s3, rs2: t0, imm: UART_IER }],
      ...li(s1, VIRT.plic.base + PLIC_PENDING),
      ...round(0),
      ...round(1),
      ["lw", { rd: a2, rs1: s2, imm: 4 }], // nothing left to claim
      ["sw", { rs1: s0, rs2: a2, imm: 16 }],
      ["lbu", { rd: a2, rs1: s3, imm: UART_LSR }],
      ["andi", { rd: a2, rs1: a2, imm: LSR_DR }],
      ["sw", { rs1: s0, rs2: a2, imm: 20 }],
      ...PASS,
    ];
    const { code } = program(lines);
    const b = makeBoard(code, jit);
    b.devices.uart.receive("xy");
    b.run();
    const results = new DataView(b.mem.read(RAM + 0x800, 24).buffer);
    const words = [0, 1, 2, 3, 4, 5].map((k) => results.getUint32(4 * k, true));
    assert.deepEqual(
      words,
      [VIRT_IRQ.uart0, 0x78, VIRT_IRQ.uart0, 0x79, 0, 0],
      "claims, bytes, last claim, LSR.DR",
    );
    // MEIP: raised by the enable, dropped by each claim, raised again by the first completion (the
    // line still high: "y" waits), not by the second (all read)
    assert.deepEqual(
      b.pins.log.map((c) => [c.bit, c.level]),
      [
        [Irq.MEIP, true],
        [Irq.MEIP, false],
        [Irq.MEIP, true],
        [Irq.MEIP, false],
      ],
    );
    assert.deepEqual(b.finishes, [{ kind: "pass" }]);
  });

  test(`${engine}: MTIP rises at exactly the virtual time mtimecmp names, in the middle of a run`, () => {
    // mtimecmp := mtime + 37 ticks, written as two 32-bit halves (high first); then count in a0
    // until mtime (read by the code) passes mtimecmp + 2
    const { code } = program([
      ...li(s1, VIRT.clint.base),
      ...li(t0, CLINT_MTIME),
      ["add", { rd: s2, rs1: s1, rs2: t0 }], // s2: mtime
      ...li(t0, CLINT_MTIMECMP),
      ["add", { rd: s3, rs1: s1, rs2: t0 }], // s3: mtimecmp[0]
      ["ld", { rd: t1, rs1: s2, imm: 0 }],
      ["addi", { rd: t1, rs1: t1, imm: 37 }],
      ["addi", { rd: t2, rs1: 0, imm: -1 }],
      ["sw", { rs1: s3, rs2: t2, imm: 4 }],
      ["sw", { rs1: s3, rs2: t1, imm: 0 }],
      ["srli", { rd: t2, rs1: t1, imm: 32 }],
      ["sw", { rs1: s3, rs2: t2, imm: 4 }],
      ["addi", { rd: t1, rs1: t1, imm: 2 }],
      "spin:",
      ["addi", { rd: a0, rs1: a0, imm: 1 }],
      ["ld", { rd: t2, rs1: s2, imm: 0 }],
      ["bltu", { rs1: t2, rs2: t1 }, "spin"],
      ["ebreak"],
    ]);
    const b = makeBoard(code, jit);
    b.run();
    const cmp = b.devices.clint.compare(0);
    assert.ok(cmp >= 37n && cmp < 100n, `mtimecmp ${cmp}`);
    assert.deepEqual(b.pins.log, [{ hart: 0, bit: Irq.MTIP, level: true, at: Number(cmp) * TIMEBASE_NS }]);
    assert.ok(b.machine.now() >= (Number(cmp) + 2) * TIMEBASE_NS, "the code saw mtime pass mtimecmp");
  });

  // Devices read the machine's time: the engines bring the hart's retired count up to date before a
  // device access (the interpreter keeps it in a local while running).
  test(`${engine}: mtime read by code is the virtual time of the reading instruction`, () => {
    const { code, at } = program([
      ...li(s1, VIRT.clint.base),
      ...li(t0, CLINT_MTIME),
      ["add", { rd: s1, rs1: s1, rs2: t0 }],
      ...li(t1, 1500),
      "loop:",
      ["addi", { rd: t1, rs1: t1, imm: -1 }],
      ["bne", { rs1: t1, rs2: 0 }, "loop"],
      "read:",
      ["ld", { rd: a0, rs1: s1, imm: 0 }],
      ["ebreak"],
    ]);
    const b = makeBoard(code, jit);
    b.run();
    const before = at.read! / 4 - 2 + 2 * 1500; // instructions retired before the ld
    assert.equal(b.machine.harts()[0]!.retired, before + 1);
    assert.equal(b.machine.harts()[0]!.state.getX(a0), Math.floor(before / TIMEBASE_NS));
  });

  test(`${engine}: a virtio-blk driver in machine code: initialization, a read and a write, the interrupt`, () => {
    const path = join(dir, `disk-${engine}.img`);
    const image = new Uint8Array(16 * SECTOR);
    for (let i = 0; i < image.length; i++) image[i] = (i * 31 + (i >> 9)) & 0xff;
    writeFileSync(path, image);
    const disk = new VirtioBlk({ path });
    const slot = virtioSlot(0);
    const q = queueAt(RAM + 0x4000, 8);
    const HDR = RAM + 0x5000;
    const STAT = RAM + 0x5100;
    const DATA = RAM + 0x6000;
    // the code: every initialization write, then the notification, then wait for the interrupt
    // status, store it, acknowledge it
    const lines: Line[] = [...li(s1, slot.base)];
    for (const [offset, value] of initSteps(q, 0n)) {
      lines.push(...li(t0, value), ["sw", { rs1: s1, rs2: t0, imm: offset }]);
    }
    lines.push(
      ["sw", { rs1: s1, rs2: 0, imm: REG.QueueNotify }],
      "wait:",
      ["lw", { rd: a0, rs1: s1, imm: REG.InterruptStatus }],
      ["beq", { rs1: a0, rs2: 0 }, "wait"],
      ["sw", { rs1: s1, rs2: a0, imm: REG.InterruptACK }],
      ["lw", { rd: a1, rs1: s1, imm: REG.InterruptStatus }],
      ["lw", { rd: a2, rs1: s1, imm: REG.Status }],
      ["ebreak"],
    );
    const b = makeBoard(program(lines).code, jit, disk);
    // the requests, laid out in RAM before the run: read sectors 2..3, write sector 5
    const d = new Driver(b.bus, b.mem, slot.base, q);
    const header = (type: number, sector: number) => {
      const h = new Uint8Array(16);
      new DataView(h.buffer).setUint32(0, type, true);
      new DataView(h.buffer).setBigUint64(8, BigInt(sector), true);
      return h;
    };
    b.mem.write(HDR, header(VIRTIO_BLK_T_IN, 2));
    b.mem.write(HDR + 16, header(VIRTIO_BLK_T_OUT, 5));
    const fresh = new Uint8Array(SECTOR).fill(0xa5);
    b.mem.write(DATA + 0x1000, fresh);
    b.mem.write(STAT, Uint8Array.of(0xff, 0xff));
    d.offer([
      { addr: HDR, len: 16 },
      { addr: DATA, len: 2 * SECTOR, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    d.offer([
      { addr: HDR + 16, len: 16 },
      { addr: DATA + 0x1000, len: SECTOR },
      { addr: STAT + 1, len: 1, write: true },
    ]);
    assert.deepEqual(b.pins.log, []);
    b.run();
    const hart = b.machine.harts()[0]!;
    assert.equal(hart.state.getX(a0), INT_USED_BUFFER, "the code saw the used-buffer interrupt");
    assert.equal(hart.state.getX(a1), 0, "and acknowledged it");
    assert.equal(hart.state.getX(a2), 0xf, "ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK");
    assert.deepEqual(b.mem.read(STAT, 2), Uint8Array.of(VIRTIO_BLK_S_OK, VIRTIO_BLK_S_OK));
    assert.deepEqual(b.mem.read(DATA, 2 * SECTOR), image.subarray(2 * SECTOR, 4 * SECTOR));
    assert.equal(d.usedIdx(), 2);
    assert.deepEqual(
      [d.used(0), d.used(1)],
      [
        { id: 0, len: 2 * SECTOR + 1 },
        { id: 3, len: 1 },
      ],
    );
    // the PLIC saw the line: pending source 1, not enabled for anyone
    assert.equal(b.devices.plic.isPending(VIRT_IRQ.virtio), false, "acknowledged: the line dropped");
    // copy-on-write: the guest reads its write back, the file is unchanged
    const back = new Uint8Array(SECTOR);
    b.mem.write(HDR + 32, header(VIRTIO_BLK_T_IN, 5));
    d.offer([
      { addr: HDR + 32, len: 16 },
      { addr: DATA + 0x2000, len: SECTOR, write: true },
      { addr: STAT + 2, len: 1, write: true },
    ]);
    d.notify();
    back.set(b.mem.read(DATA + 0x2000, SECTOR));
    assert.deepEqual(back, fresh);
    assert.deepEqual(new Uint8Array(readFileSync(path)), image);
    disk.close();
  });
}
