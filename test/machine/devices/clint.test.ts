// The CLINT through the bus: msip driving MSIP, mtime as virtual time in 10 MHz ticks (and after a
// write to it), mtimecmp in 4- and 8-byte pieces, MTIP rising exactly when the event scheduled for
// mtime >= mtimecmp comes due (and falling, rescheduling, when mtimecmp moves), the access sizes QEMU
// allows, registers of harts that do not exist.

import assert from "node:assert/strict";
import { test } from "node:test";
import { TIMEBASE_NS } from "../../../src/hart/csr.js";
import { Bus } from "../../../src/machine/bus.js";
import {
  CLINT_BASE,
  CLINT_MTIME,
  CLINT_MTIMECMP,
  CLINT_SIZE,
  Clint,
} from "../../../src/machine/devices/clint.js";
import { EventQueue } from "../../../src/machine/events.js";
import { Irq } from "../../../src/machine/interrupts.js";
import { RecordingPins } from "./recording-pins.js";

interface Rig {
  bus: Bus;
  clint: Clint;
  pins: RecordingPins;
  events: EventQueue;
  clock: { t: number };
  /** advance the clock to t, running the events due on the way at their own times */
  advance(t: number): void;
}

function rig(harts = 2): Rig {
  const clock = { t: 0 };
  const events = new EventQueue();
  const pins = new RecordingPins(() => clock.t);
  const clint = new Clint({ harts, pins, events, now: () => clock.t });
  const bus = new Bus({ hostBytes: 1 << 20 });
  bus.addDevice(CLINT_BASE, CLINT_SIZE, clint);
  const advance = (t: number) => {
    for (let next = events.next(); next <= t; next = events.next()) {
      clock.t = next;
      events.runNext(next);
    }
    clock.t = t;
  };
  return { bus, clint, pins, events, clock, advance };
}

const mtimecmp = (hart: number) => CLINT_BASE + CLINT_MTIMECMP + 8 * hart;
const MTIME = CLINT_BASE + CLINT_MTIME;

test("msip: bit 0 of each hart's word drives its MSIP; 4-byte accesses only", () => {
  const { bus, pins } = rig(2);
  assert.equal(bus.writeDevice(CLINT_BASE + 4, 4, 1n), true);
  assert.deepEqual(pins.take(), [{ hart: 1, bit: Irq.MSIP, level: true }]);
  assert.equal(bus.readDevice(CLINT_BASE + 4, 4), 1n);
  assert.equal(bus.readDevice(CLINT_BASE, 4), 0n);
  bus.writeDevice(CLINT_BASE + 4, 4, 0xfffffffen); // bit 0 clear: the other bits are not stored
  assert.deepEqual(pins.take(), [{ hart: 1, bit: Irq.MSIP, level: false }]);
  assert.equal(bus.readDevice(CLINT_BASE + 4, 4), 0n);
  bus.writeDevice(CLINT_BASE, 4, 3n);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MSIP, level: true }]);
  assert.equal(bus.readDevice(CLINT_BASE, 4), 1n);
  for (const size of [1, 2, 8]) {
    assert.equal(bus.readDevice(CLINT_BASE, size), undefined, `${size}-byte read`);
    assert.equal(bus.writeDevice(CLINT_BASE, size, 0n), false, `${size}-byte write`);
  }
  assert.equal(bus.readDevice(CLINT_BASE, 4), 1n, "refused writes changed nothing");
  // hart 2 does not exist
  assert.equal(bus.writeDevice(CLINT_BASE + 8, 4, 1n), true);
  assert.equal(bus.readDevice(CLINT_BASE + 8, 4), 0n);
  assert.deepEqual(pins.take(), []);
});

test("mtime: virtual time in 10 MHz ticks, 4 or 8 bytes, and writable (an offset from then on)", () => {
  const { bus, clint, clock } = rig();
  assert.equal(TIMEBASE_NS, 100);
  clock.t = 12_345;
  assert.equal(bus.readDevice(MTIME, 8), 123n);
  assert.equal(bus.readDevice(MTIME, 4), 123n);
  assert.equal(bus.readDevice(MTIME + 4, 4), 0n);
  clock.t = 0x1_2345_6789 * TIMEBASE_NS + 99;
  assert.equal(bus.readDevice(MTIME, 8), 0x1_2345_6789n);
  assert.equal(bus.readDevice(MTIME, 4), 0x2345_6789n);
  assert.equal(bus.readDevice(MTIME + 4, 4), 1n);
  for (const size of [1, 2]) assert.equal(bus.readDevice(MTIME, size), undefined);

  clock.t = 1000;
  assert.equal(bus.writeDevice(MTIME, 8, 0xffff_fff0n), true);
  assert.equal(clint.mtime(), 0xffff_fff0n);
  clock.t += 50 * TIMEBASE_NS;
  assert.equal(bus.readDevice(MTIME, 8), 0x1_0000_0022n, "carries into the high word");
  assert.equal(clint.time(), 0x1_0000_0022);
  bus.writeDevice(MTIME + 4, 4, 7n); // the high half only
  assert.equal(bus.readDevice(MTIME, 8), 0x7_0000_0022n);
  bus.writeDevice(MTIME, 4, 5n);
  assert.equal(bus.readDevice(MTIME, 8), 0x7_0000_0005n);
});

test("MTIP rises exactly when mtime reaches mtimecmp: one event, due at that virtual time", () => {
  const { bus, pins, events, clock, advance } = rig();
  clock.t = 1_234;
  assert.equal(bus.readDevice(mtimecmp(0), 8), (1n << 64n) - 1n, "no timer at reset");
  bus.writeDevice(mtimecmp(0), 8, 12n + 50n);
  assert.deepEqual(pins.take(), [], "mtime < mtimecmp: MTIP stays low");
  assert.equal(events.size, 1);
  assert.equal(events.next(), 62 * TIMEBASE_NS);
  advance(62 * TIMEBASE_NS - 1);
  assert.deepEqual(pins.log, []);
  assert.equal(bus.readDevice(MTIME, 8), 61n);
  advance(62 * TIMEBASE_NS);
  assert.deepEqual(pins.log, [{ hart: 0, bit: Irq.MTIP, level: true, at: 6200 }]);
  pins.take();
  assert.equal(events.size, 0);

  // a later mtimecmp lowers it and schedules the next rise; moving it again replaces that event
  bus.writeDevice(mtimecmp(0), 8, 100n);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MTIP, level: false }]);
  bus.writeDevice(mtimecmp(0), 8, 80n);
  assert.equal(events.size, 1);
  assert.equal(events.next(), 8000);
  // one already passed raises it at once, with nothing scheduled
  bus.writeDevice(mtimecmp(0), 8, 62n);
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MTIP, level: true }]);
  assert.equal(events.size, 0);
  advance(20_000);
  assert.deepEqual(pins.take(), []);
});

test("mtimecmp in 4-byte halves (high first, as OpenSBI avoids a spurious interrupt); per hart", () => {
  const { bus, pins, events, clock, advance } = rig(2);
  clock.t = 500 * TIMEBASE_NS;
  bus.writeDevice(mtimecmp(1), 4, 0n); // low half 0, high half still all ones: far future
  assert.equal(bus.readDevice(mtimecmp(1), 8), 0xffff_ffff_0000_0000n);
  assert.deepEqual(pins.take(), []);
  bus.writeDevice(mtimecmp(1) + 4, 4, 0xffff_ffffn);
  bus.writeDevice(mtimecmp(1), 4, 600n);
  bus.writeDevice(mtimecmp(1) + 4, 4, 0n);
  assert.equal(bus.readDevice(mtimecmp(1), 8), 600n);
  assert.equal(bus.readDevice(mtimecmp(1), 4), 600n);
  assert.equal(bus.readDevice(mtimecmp(1) + 4, 4), 0n);
  assert.equal(events.next(), 600 * TIMEBASE_NS);
  bus.writeDevice(mtimecmp(0), 8, 550n);
  advance(700 * TIMEBASE_NS);
  assert.deepEqual(pins.log, [
    { hart: 0, bit: Irq.MTIP, level: true, at: 550 * TIMEBASE_NS },
    { hart: 1, bit: Irq.MTIP, level: true, at: 600 * TIMEBASE_NS },
  ]);
  for (const size of [1, 2]) {
    assert.equal(bus.writeDevice(mtimecmp(0), size, 0n), false);
    assert.equal(bus.readDevice(mtimecmp(0), size), undefined);
  }
  // hart 2 does not exist
  assert.equal(bus.writeDevice(mtimecmp(2), 8, 1n), true);
  assert.equal(bus.readDevice(mtimecmp(2), 8), 0n);
});

test("a write to mtime moves every hart's deadline (and can raise or lower MTIP at once)", () => {
  const { bus, pins, events, clock, advance } = rig(2);
  bus.writeDevice(mtimecmp(0), 8, 1000n);
  bus.writeDevice(mtimecmp(1), 8, 2000n);
  assert.equal(events.next(), 1000 * TIMEBASE_NS);
  clock.t = 100 * TIMEBASE_NS;
  bus.writeDevice(MTIME, 8, 1500n); // hart 0's compare has passed
  assert.deepEqual(pins.take(), [{ hart: 0, bit: Irq.MTIP, level: true }]);
  assert.equal(events.size, 1);
  // hart 1 fires when mtime reaches 2000: 500 ticks from now
  assert.equal(events.next(), 600 * TIMEBASE_NS);
  advance(600 * TIMEBASE_NS);
  assert.deepEqual(pins.log, [{ hart: 1, bit: Irq.MTIP, level: true, at: 600 * TIMEBASE_NS }]);
  pins.take();
  bus.writeDevice(MTIME, 8, 0n);
  assert.deepEqual(pins.take(), [
    { hart: 0, bit: Irq.MTIP, level: false },
    { hart: 1, bit: Irq.MTIP, level: false },
  ]);
  assert.equal(events.size, 2);
});

test("an mtimecmp too far for virtual time schedules nothing", () => {
  const { bus, events } = rig(1);
  bus.writeDevice(mtimecmp(0), 8, 1n << 62n);
  assert.equal(events.size, 0);
  bus.writeDevice(mtimecmp(0), 8, 1000n);
  assert.equal(events.size, 1);
  bus.writeDevice(mtimecmp(0), 8, (1n << 64n) - 1n);
  assert.equal(events.size, 0);
});
