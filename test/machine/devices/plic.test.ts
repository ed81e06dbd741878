// The PLIC through the bus, with device lines (IrqLine) into it and recording pins out of it:
// priorities (masked to 0..7), pending bits following the lines, per-context enables and thresholds,
// claim order (highest priority, then lowest id), completion (ignored when not enabled for the
// context; pending again if the line is still high), M contexts on MEIP and S contexts on SEIP,
// 4-byte accesses only. Also the interrupt wiring itself: IrqLine and PinLevels.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Bus } from "../../../src/machine/bus.js";
import {
  PLIC_BASE,
  PLIC_CONTEXT,
  PLIC_CONTEXT_STRIDE,
  PLIC_ENABLE,
  PLIC_ENABLE_STRIDE,
  PLIC_PENDING,
  PLIC_SIZE,
  Plic,
} from "../../../src/machine/devices/plic.js";
import { Irq, IrqLine, PinLevels } from "../../../src/machine/interrupts.js";
import { RecordingPins } from "./recording-pins.js";

function rig(harts = 2) {
  const pins = new RecordingPins();
  const plic = new Plic({ harts, pins });
  const bus = new Bus({ hostBytes: 1 << 20 });
  bus.addDevice(PLIC_BASE, PLIC_SIZE, plic);
  const rd = (offset: number) => bus.readDevice(PLIC_BASE + offset, 4);
  const wr = (offset: number, v: number) => assert.ok(bus.writeDevice(PLIC_BASE + offset, 4, BigInt(v)));
  const priority = (s: number, p: number) => wr(4 * s, p);
  const enable = (ctx: number, word: number, bits: number) =>
    wr(PLIC_ENABLE + PLIC_ENABLE_STRIDE * ctx + 4 * word, bits);
  const threshold = (ctx: number, t: number) => wr(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * ctx, t);
  const claim = (ctx: number) => Number(rd(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * ctx + 4));
  const complete = (ctx: number, s: number) => wr(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * ctx + 4, s);
  const line = (s: number) => new IrqLine(plic, s);
  return { pins, plic, bus, rd, wr, priority, enable, threshold, claim, complete, line };
}

test("priority registers: 3 bits, source 0 hardwired to 0, sources past 96 read 0", () => {
  const { rd, wr } = rig();
  wr(4 * 10, 0xff);
  assert.equal(rd(4 * 10), 7n);
  wr(4 * 1, 5);
  assert.equal(rd(4 * 1), 5n);
  wr(0, 7);
  assert.equal(rd(0), 0n);
  wr(4 * 96, 3);
  assert.equal(rd(4 * 96), 3n, "source 96 exists");
  wr(4 * 97, 3);
  assert.equal(rd(4 * 97), 0n);
});

test("pending bits follow the lines while not in service, word by word; writes to them are ignored", () => {
  const { rd, wr, line } = rig();
  const l10 = line(10);
  const l33 = line(33);
  const l96 = line(96);
  l10.set(true);
  l33.set(true);
  l96.set(true);
  assert.equal(rd(PLIC_PENDING), BigInt(1 << 10));
  assert.equal(rd(PLIC_PENDING + 4), 2n);
  assert.equal(rd(PLIC_PENDING + 8), 0n);
  assert.equal(rd(PLIC_PENDING + 12), 1n);
  wr(PLIC_PENDING, 0);
  assert.equal(rd(PLIC_PENDING), BigInt(1 << 10));
  l10.set(false);
  assert.equal(rd(PLIC_PENDING), 0n, "a line that drops before the claim leaves nothing pending");
  assert.throws(() => line(97).set(true), /plic: no source 97 \(1\.\.96\)/);
  assert.throws(() => line(0).set(true), /plic: no source 0/);
});

test("claim: highest priority first, lowest id among equals, only enabled and above the threshold", () => {
  const { pins, priority, enable, threshold, claim, complete, line } = rig();
  for (const [s, p] of [
    [3, 2],
    [5, 6],
    [7, 6],
    [40, 7],
  ]) {
    priority(s!, p!);
    line(s!).set(true);
  }
  assert.deepEqual(pins.take(), [], "nothing enabled yet");
  enable(0, 0, (1 << 3) | (1 << 5) | (1 << 7) | 1); // bit 0 (source 0) does not stick
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MEIP, level: true }]);
  threshold(0, 6);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MEIP, level: false }], "6 is not above 6");
  assert.equal(claim(0), 0);
  threshold(0, 1);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MEIP, level: true }]);
  enable(0, 1, 1 << (40 - 32));
  assert.equal(claim(0), 40);
  assert.equal(claim(0), 5, "5 and 7 tie: the lower id");
  assert.equal(claim(0), 7);
  assert.equal(claim(0), 3);
  assert.equal(claim(0), 0);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MEIP, level: false }]);
  // the lines are still high: each completion makes its source pending again
  complete(0, 7);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MEIP, level: true }]);
  assert.equal(claim(0), 7);
  pins.take();
  // priority 0 never interrupts
  priority(3, 0);
  complete(0, 3);
  assert.deepEqual(pins.take(), []);
  assert.equal(claim(0), 0);
});

test("a source in service is not pending while its line toggles; completion re-samples the line", () => {
  const { plic, priority, enable, claim, complete, line } = rig();
  const uart = line(10);
  priority(10, 1);
  enable(0, 0, 1 << 10);
  uart.set(true);
  assert.equal(claim(0), 10);
  assert.equal(plic.isPending(10), false);
  uart.set(false);
  uart.set(true);
  assert.equal(plic.isPending(10), false, "the gateway forwards nothing until completion");
  assert.equal(claim(0), 0);
  uart.set(false);
  complete(0, 10);
  assert.equal(plic.isPending(10), false, "line low at completion: nothing new");
  uart.set(true);
  assert.equal(plic.isPending(10), true);
});

test("a completion for a source not enabled for the context is ignored", () => {
  const { priority, enable, claim, complete, line } = rig();
  priority(4, 1);
  enable(0, 0, 1 << 4);
  line(4).set(true);
  assert.equal(claim(0), 4);
  complete(1, 4); // context 1 (hart 0's S-mode) does not enable source 4
  assert.equal(claim(0), 0, "still in service");
  complete(0, 99); // no such source
  complete(0, 4);
  assert.equal(claim(0), 4);
});

test("contexts: 2h is hart h's M-mode (MEIP), 2h+1 its S-mode (SEIP); each with its own enables", () => {
  const { pins, rd, priority, enable, threshold, claim, line } = rig(2);
  priority(1, 1);
  priority(2, 1);
  enable(1, 0, 1 << 1); // hart 0 S
  enable(2, 0, 1 << 2); // hart 1 M
  enable(3, 0, (1 << 1) | (1 << 2)); // hart 1 S
  assert.equal(rd(PLIC_ENABLE + PLIC_ENABLE_STRIDE * 3), 6n);
  line(1).set(true);
  assert.deepEqual(pins.take(), [
    { hart: 0, bit: Irq.SEIP, level: true },
    { hart: 1, bit: Irq.SEIP, level: true },
  ]);
  line(2).set(true);
  assert.deepEqual(pins.take(), [{ hart: 1, bit: Irq.MEIP, level: true }]);
  threshold(3, 1);
  assert.equal(rd(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * 3), 1n);
  assert.deepEqual(pins.take(), [{ hart: 1, bit: Irq.SEIP, level: false }]);
  assert.equal(claim(1), 1, "hart 0's S-mode claims source 1");
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.SEIP, level: false }]);
  assert.equal(claim(2), 2);
  assert.deepEqual(pins.take(), [{ hart: 1, bit: Irq.MEIP, level: false }]);
  // contexts past 2 * harts do not exist
  const ctx4 = PLIC_ENABLE + PLIC_ENABLE_STRIDE * 4;
  enable(4, 0, 6);
  assert.equal(rd(ctx4), 0n);
  assert.equal(rd(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * 4 + 4), 0n);
});

test("4-byte accesses only; the hart count is bounded by the register map", () => {
  const { bus } = rig();
  for (const size of [1, 2, 8]) {
    assert.equal(bus.readDevice(PLIC_BASE + 8, size), undefined);
    assert.equal(bus.writeDevice(PLIC_BASE + 8, size, 1n), false);
  }
  assert.throws(() => new Plic({ harts: 513, pins: new RecordingPins() }), /513 harts/);
  assert.doesNotThrow(() => new Plic({ harts: 512, pins: new RecordingPins() }));
});

test("IrqLine reports changes only; PinLevels keeps each hart's bits as in mip", () => {
  const seen: [number, boolean][] = [];
  const line = new IrqLine({ setSourceLevel: (s, l) => seen.push([s, l]) }, 5);
  line.set(false);
  line.set(true);
  line.set(true);
  line.set(false);
  assert.deepEqual(seen, [
    [5, true],
    [5, false],
  ]);
  const changes: string[] = [];
  const levels = new PinLevels(2, (h, b, l) => changes.push(`${h}:${b}:${l}`));
  levels.set(1, Irq.MTIP, true);
  levels.set(1, Irq.SEIP, true);
  levels.set(1, Irq.MTIP, true);
  levels.set(0, Irq.MEIP, false);
  assert.equal(levels.mask(1), (1 << 7) | (1 << 9));
  assert.equal(levels.mask(0), 0);
  levels.set(1, Irq.MTIP, false);
  assert.equal(levels.mask(1), 1 << 9);
  assert.deepEqual(changes, ["1:7:true", "1:9:true", "1:7:false"]);
});
