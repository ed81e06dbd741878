// The physical bus: lookups by address at every region's edges, overlapping and misaligned regions
// refused with errors naming them, RAM given distinct host ranges away from the bounce page, device
// accesses of each size (aligned, inside the device, values cut to their size), and the sifive_test
// finisher's pass, fail and reset.

import assert from "node:assert/strict";
import { test } from "node:test";
import { PAGE_SIZE } from "../../src/hart/page.js";
import { Bus } from "../../src/machine/bus.js";
import {
  type Finish,
  SIFIVE_TEST_BASE,
  SIFIVE_TEST_SIZE,
  SifiveTest,
} from "../../src/machine/devices/sifive-test.js";
import { RecordingDevice } from "./recording-device.js";

const MiB = 1 << 20;

function smallBus(): Bus {
  return new Bus({ hostBytes: 4 * MiB });
}

test("find: the region holding an address, at both edges of each, nothing between or around", () => {
  const bus = smallBus();
  assert.equal(bus.find(0), undefined);
  const uart = bus.addDevice(0x1000_0000, 0x100, new RecordingDevice("uart", 0x100));
  const ram = bus.addRam("ram", 0x8000_0000, MiB);
  const test_ = bus.addDevice(SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, new SifiveTest(() => {}));
  const high = bus.addRam("high", 0x1_0000_0000, 2 * PAGE_SIZE);
  assert.deepEqual(
    bus.regions.map((r) => r.name),
    ["sifive_test", "uart", "ram", "high"],
  );
  for (const r of [uart, ram, test_, high]) {
    assert.equal(bus.find(r.base), r, `${r.name} base`);
    assert.equal(bus.find(r.base + r.size - 1), r, `${r.name} last byte`);
    assert.equal(bus.find(r.base + Math.floor(r.size / 2)), r, `${r.name} middle`);
    assert.notEqual(bus.find(r.base - 1), r, `${r.name} - 1`);
    assert.notEqual(bus.find(r.base + r.size), r, `${r.name} end`);
  }
  assert.equal(bus.find(0x1000_0100), undefined);
  assert.equal(bus.find(0x8010_0000), undefined);
  assert.equal(bus.find(0x1_0000_2000), undefined);
  assert.equal(bus.find(2 ** 52), undefined);
});

test("RAM regions get distinct page-aligned host ranges, none over the bounce page", () => {
  const bus = smallBus();
  const a = bus.addRam("a", 0x8000_0000, MiB);
  const b = bus.addRam("b", 0x2000_0000, 64 * 1024);
  for (const r of [a, b]) {
    assert.equal(r.host % PAGE_SIZE, 0);
    assert.ok(r.host + r.size <= bus.bytes.length);
    assert.ok(
      r.host >= bus.bounce + PAGE_SIZE || r.host + r.size <= bus.bounce,
      `${r.name} over the bounce page`,
    );
  }
  assert.ok(a.host + a.size <= b.host || b.host + b.size <= a.host, "host ranges overlap");
  assert.throws(
    () => bus.addRam("c", 0x9000_0000, 4 * MiB),
    /no room for RAM "c" \(4 MiB\): 3 MiB of the host reservation left/,
  );
});

test("overlapping regions are refused with both names, and the map is unchanged", () => {
  const bus = smallBus();
  bus.addRam("ram", 0x8000_0000, MiB);
  bus.addDevice(0x1000_0000, 0x100, new RecordingDevice("uart", 0x100));
  const before = bus.regions.slice();
  const gen = bus.generation;
  assert.throws(() => bus.addDevice(0x800f_f000, 0x2000, new RecordingDevice("late", 8)), {
    name: "RangeError",
    message: 'bus: "late" at [0x800ff000, 0x80101000) overlaps "ram" at [0x80000000, 0x80100000)',
  });
  assert.throws(() => bus.addRam("low", 0x7fff_f000, 2 * PAGE_SIZE), /"low" at .* overlaps "ram"/);
  assert.throws(() => bus.addRam("inner", 0x8001_0000, PAGE_SIZE), /"inner" at .* overlaps "ram"/);
  assert.throws(() => bus.addRam("outer", 0x7000_0000, 0x2000_0000), /"outer" at .* overlaps "ram"/);
  assert.throws(
    () => bus.addDevice(0x1000_00ff, 1, new RecordingDevice("edge", 1)),
    /"edge" at \[0x100000ff, 0x10000100\) overlaps "uart" at \[0x10000000, 0x10000100\)/,
  );
  assert.deepEqual(bus.regions, before);
  assert.equal(bus.generation, gen);
  // touching is not overlapping
  bus.addDevice(0x1000_0100, 0x100, new RecordingDevice("next", 0x100));
  bus.addRam("below", 0x7fff_f000, PAGE_SIZE);
  assert.ok(bus.generation > gen);
});

test("bad regions: RAM not page-aligned, empty or negative ranges", () => {
  const bus = smallBus();
  assert.throws(
    () => bus.addRam("odd", 0x8000_0800, PAGE_SIZE),
    /RAM "odd" at \[0x80000800, 0x80001800\) is not page-aligned/,
  );
  assert.throws(() => bus.addRam("short", 0x8000_0000, 100), /RAM "short" .* not page-aligned/);
  assert.throws(() => bus.addDevice(0x1000, 0, new RecordingDevice("empty", 1)), /bad range for "empty"/);
  assert.throws(() => bus.addDevice(-4096, 16, new RecordingDevice("neg", 1)), /bad range for "neg"/);
  assert.throws(() => bus.addDevice(2 ** 53, 16, new RecordingDevice("huge", 1)), /bad range for "huge"/);
  assert.equal(bus.regions.length, 0);
});

test("device reads and writes of 1, 2, 4 and 8 bytes reach the device at its offsets", () => {
  const bus = smallBus();
  const dev = new RecordingDevice("regs", 32);
  const BASE = 0x1000_0000;
  bus.addDevice(BASE, 32, dev);
  assert.equal(bus.writeDevice(BASE + 8, 8, 0x8877_6655_4433_2211n), true);
  assert.equal(bus.readDevice(BASE + 8, 1), 0x11n);
  assert.equal(bus.readDevice(BASE + 9, 1), 0x22n);
  assert.equal(bus.readDevice(BASE + 10, 2), 0x4433n);
  assert.equal(bus.readDevice(BASE + 12, 4), 0x8877_6655n);
  assert.equal(bus.readDevice(BASE + 8, 8), 0x8877_6655_4433_2211n);
  // a value wider than the access reaches the device cut to its size
  assert.equal(bus.writeDevice(BASE + 0, 1, -1n), true);
  assert.equal(bus.writeDevice(BASE + 2, 2, 0x1_2345n), true);
  assert.equal(bus.writeDevice(BASE + 4, 4, -2n), true);
  assert.deepEqual(dev.log, [
    { op: "write", offset: 8, size: 8, value: 0x8877_6655_4433_2211n },
    { op: "read", offset: 8, size: 1, value: 0x11n },
    { op: "read", offset: 9, size: 1, value: 0x22n },
    { op: "read", offset: 10, size: 2, value: 0x4433n },
    { op: "read", offset: 12, size: 4, value: 0x8877_6655n },
    { op: "read", offset: 8, size: 8, value: 0x8877_6655_4433_2211n },
    { op: "write", offset: 0, size: 1, value: 0xffn },
    { op: "write", offset: 2, size: 2, value: 0x2345n },
    { op: "write", offset: 4, size: 4, value: 0xffff_fffen },
  ]);
  assert.equal(bus.readDevice(BASE, 8), 0xffff_fffe_2345_00ffn);
});

test("device accesses that are misaligned, run past the device, hit RAM or nothing, or are refused do not reach it", () => {
  const bus = smallBus();
  const dev = new RecordingDevice("regs", 16);
  bus.addDevice(0x1000_0000, 16, dev);
  bus.addRam("ram", 0x8000_0000, PAGE_SIZE);
  assert.equal(bus.readDevice(0x1000_0002, 4), undefined, "misaligned");
  assert.equal(bus.writeDevice(0x1000_0001, 2, 1n), false, "misaligned");
  assert.equal(bus.readDevice(0x1000_0010, 1), undefined, "past the end");
  assert.equal(bus.readDevice(0x0fff_fff8, 8), undefined, "before the start");
  assert.equal(bus.readDevice(0x8000_0000, 4), undefined, "RAM");
  assert.equal(bus.writeDevice(0x8000_0000, 4, 1n), false, "RAM");
  assert.equal(bus.readDevice(0x2000_0000, 4), undefined, "nothing");
  dev.refuseFrom = 8;
  assert.equal(bus.readDevice(0x1000_0008, 8), undefined, "refused");
  assert.equal(bus.writeDevice(0x1000_0008, 4, 1n), false, "refused");
  assert.deepEqual(dev.log, []);
  assert.equal(bus.readDevice(0x1000_0004, 4), 0n);
  assert.equal(dev.log.length, 1);
  assert.throws(() => bus.readDevice(0x1000_0000, 3), /device access of 3 bytes at 0x10000000/);
});

test("sifive_test: 0x5555 passes, (code << 16) | 0x3333 fails with code, 0x7777 resets; other writes and reads do nothing", () => {
  const bus = smallBus();
  const seen: Finish[] = [];
  bus.addDevice(SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, new SifiveTest((f) => seen.push(f)));
  const write = (offset: number, size: number, v: bigint) =>
    assert.equal(bus.writeDevice(SIFIVE_TEST_BASE + offset, size, v), true);
  write(0, 4, 0x5555n);
  write(0, 4, (42n << 16n) | 0x3333n);
  write(0, 4, 0x7777n);
  write(0, 8, 0xffff_ffff_0001_3333n); // an sd: the status is the low 32 bits
  assert.deepEqual(seen, [
    { kind: "pass" },
    { kind: "fail", code: 42 },
    { kind: "reset" },
    { kind: "fail", code: 1 },
  ]);
  seen.length = 0;
  write(0, 4, 0x1234n);
  write(0, 1, 0x55n);
  write(4, 4, 0x5555n);
  write(0xff8, 8, 0x5555n);
  assert.equal(bus.readDevice(SIFIVE_TEST_BASE, 4), 0n);
  assert.equal(bus.readDevice(SIFIVE_TEST_BASE + 8, 8), 0n);
  assert.deepEqual(seen, []);
});
