// A hart on the bus through PhysicalMemory (bare translation: physical = virtual), running RV64 code
// assembled with the project's encoder at 0x8000_0000, interpreted and compiled: RAM stores and loads,
// device accesses of every size reaching the device exactly once each, the finisher ending the run,
// access faults with the architectural cause and tval (unmapped loads and stores inside a compiled
// loop, fetches from a device, atomics on a device), and self-modifying code (also across a page
// boundary) on physical memory.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Hart } from "../../src/hart/hart.js";
import type { JitOptions } from "../../src/hart/jit/hart-jit.js";
import {
  ACCESS_EXEC,
  ACCESS_READ,
  ACCESS_WRITE,
  XLATE_ACCESS_FAULT,
  XLATE_DEVICE,
} from "../../src/hart/memory.js";
import { PAGE_SIZE } from "../../src/hart/page.js";
import { HartState } from "../../src/hart/state.js";
import { Cause, Stop, type StopCode } from "../../src/hart/stop.js";
import { encode } from "../../src/isa/encode.js";
import { Bus } from "../../src/machine/bus.js";
import {
  FINISHER_PASS,
  type Finish,
  SIFIVE_TEST_BASE,
  SIFIVE_TEST_SIZE,
  SifiveTest,
} from "../../src/machine/devices/sifive-test.js";
import { PhysicalMemory } from "../../src/machine/physical-memory.js";
import { a0, a1, ra, s0, s1, s2, s3, s4, s5, s6, s7, t0, t1, t2, t3, t4 } from "../hart/abi-registers.js";
import { type Line, program } from "../hart/jit/machine.js";
import { type Access, RecordingDevice } from "./recording-device.js";

const RAM = 0x8000_0000;
const RAM_SIZE = 0x10000;
const DEV = 0x1000_0000;
const DEV_SIZE = 0x1000;
const UNMAPPED = 0x2000_0000;

const ENGINES: [string, Partial<JitOptions> | false][] = [
  ["interpreter", false],
  ["block compiler", { interpretFirst: 0, hot: 3, warm: 1 }],
];

interface Board {
  bus: Bus;
  mem: PhysicalMemory;
  hart: Hart;
  state: HartState;
  dev: RecordingDevice;
  finishes: Finish[];
}

/** 64 KiB of RAM at RAM holding `code`, a recording device at DEV, the finisher; a hart at RAM. */
function board(code: Uint8Array, jit: Partial<JitOptions> | false): Board {
  const bus = new Bus({ hostBytes: 1 << 20 });
  bus.addRam("ram", RAM, RAM_SIZE);
  const dev = new RecordingDevice("recorder", 16);
  bus.addDevice(DEV, DEV_SIZE, dev);
  const finishes: Finish[] = [];
  bus.addDevice(SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, new SifiveTest((f) => finishes.push(f)));
  const mem = new PhysicalMemory(bus);
  mem.write(RAM, code);
  const state = new HartState();
  state.pc = RAM;
  const hart = new Hart(state, mem, { jit });
  return { bus, mem, hart, state, dev, finishes };
}

/** rd := value (a positive number below 2^31): lui and addi, the addi's sign taken into account. */
function li(rd: number, value: number): Line[] {
  const low = (value << 20) >> 20;
  return [
    ["lui", { rd, imm: value - low }],
    ["addi", { rd, rs1: rd, imm: low }],
  ];
}

/** Run until a stop other than BUDGET, in slices (so compiled code is entered and left often). */
function runToStop(b: Board, slice = 1000, limit = 1_000_000): StopCode {
  while (b.hart.retired < limit) {
    const stop = b.hart.run(slice);
    if (stop !== Stop.BUDGET) return stop;
  }
  throw new Error(`no stop after ${limit} instructions`);
}

function assertCompiled(b: Board, jit: Partial<JitOptions> | false): void {
  if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
}

test("translate: RAM pages to host offsets, device pages to XLATE_DEVICE (not for fetch), nothing to an access fault", () => {
  const bus = new Bus({ hostBytes: 1 << 20 });
  const ram = bus.addRam("ram", RAM, RAM_SIZE);
  bus.addDevice(DEV, DEV_SIZE, new RecordingDevice("recorder", 16));
  const mem = new PhysicalMemory(bus);
  for (const access of [ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC]) {
    assert.equal(mem.translate(RAM | 0, 0, access), ram.host);
    assert.equal(mem.translate((RAM + 0x1234) | 0, 0, access), ram.host + 0x1000);
    assert.equal(mem.translate((RAM + RAM_SIZE - 1) | 0, 0, access), ram.host + RAM_SIZE - PAGE_SIZE);
    assert.equal(mem.translate((RAM + RAM_SIZE) | 0, 0, access), XLATE_ACCESS_FAULT);
    assert.equal(mem.translate(UNMAPPED, 0, access), XLATE_ACCESS_FAULT);
    assert.equal(mem.translate(RAM | 0, 1, access), XLATE_ACCESS_FAULT, "4 GiB above RAM");
    assert.equal(mem.translate(RAM | 0, -1, access), XLATE_ACCESS_FAULT, "sign-extended address");
    assert.equal(mem.translate(0, 2 ** 21, access), XLATE_ACCESS_FAULT, "2^53");
  }
  assert.equal(mem.translate(DEV + 8, 0, ACCESS_READ), XLATE_DEVICE);
  assert.equal(mem.translate(DEV + 8, 0, ACCESS_WRITE), XLATE_DEVICE);
  assert.equal(mem.translate(DEV + 8, 0, ACCESS_READ, true), XLATE_DEVICE);
  assert.equal(mem.translate(DEV + 8, 0, ACCESS_EXEC), XLATE_ACCESS_FAULT);
  assert.ok(mem.bounce + 16 <= ram.host || mem.bounce >= ram.host + RAM_SIZE, "bounce outside RAM");
});

test("generation changes with the bus map and when a page becomes code; loaders' copies are RAM only", () => {
  const bus = new Bus({ hostBytes: 1 << 20 });
  const ram = bus.addRam("ram", RAM, RAM_SIZE);
  const mem = new PhysicalMemory(bus);
  let g = mem.generation;
  bus.addDevice(DEV, DEV_SIZE, new RecordingDevice("recorder", 16));
  assert.notEqual(mem.generation, g);
  g = mem.generation;
  mem.code.codePage(ram.host + PAGE_SIZE);
  assert.notEqual(mem.generation, g);
  g = mem.generation;
  mem.code.codePage(ram.host + PAGE_SIZE);
  assert.equal(mem.generation, g, "an existing code page changes nothing");
  mem.write(RAM + 0xffe, Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(mem.read(RAM + 0xffc, 8), Uint8Array.of(0, 0, 1, 2, 3, 4, 0, 0));
  assert.throws(
    () => mem.write(RAM + RAM_SIZE - 2, Uint8Array.of(1, 2, 3, 4)),
    /no RAM at physical \[0x8000fffe, 0x80010002\)/,
  );
  assert.throws(() => mem.read(DEV, 4), /no RAM at physical \[0x10000000, 0x10000004\)/);
});

/** Values the loop stores to the device: negative for the later iterations (sign extension shows). */
const N = 50;
const valueAt = (count: number) => count - 25;

// s0 = a RAM data page, s1 = the recording device, s2 = the finisher. For s3 = N down to 1, with
// t3 = s3 - 25: RAM: sd, ld (s4 += loaded); device: sb/sh/sw/sd t3 at offsets 0/2/4/8, then
// lb/lh/lw/ld back (s5 += each) and lbu/lhu/lwu (s6 += each). Then 0x5555 to the finisher; ebreak.
const DEVICE_LOOP: Line[] = [
  ["auipc", { rd: s0, imm: 0x1000 }],
  ["lui", { rd: s1, imm: DEV }],
  ["lui", { rd: s2, imm: SIFIVE_TEST_BASE }],
  ["addi", { rd: s3, rs1: 0, imm: N }],
  "loop:",
  ["addi", { rd: t3, rs1: s3, imm: -25 }],
  ["sd", { rs1: s0, rs2: t3, imm: 0 }],
  ["ld", { rd: t0, rs1: s0, imm: 0 }],
  ["add", { rd: s4, rs1: s4, rs2: t0 }],
  ["sb", { rs1: s1, rs2: t3, imm: 0 }],
  ["sh", { rs1: s1, rs2: t3, imm: 2 }],
  ["sw", { rs1: s1, rs2: t3, imm: 4 }],
  ["sd", { rs1: s1, rs2: t3, imm: 8 }],
  ["lb", { rd: t1, rs1: s1, imm: 0 }],
  ["add", { rd: s5, rs1: s5, rs2: t1 }],
  ["lh", { rd: t1, rs1: s1, imm: 2 }],
  ["add", { rd: s5, rs1: s5, rs2: t1 }],
  ["lw", { rd: t1, rs1: s1, imm: 4 }],
  ["add", { rd: s5, rs1: s5, rs2: t1 }],
  ["ld", { rd: t1, rs1: s1, imm: 8 }],
  ["add", { rd: s5, rs1: s5, rs2: t1 }],
  ["lbu", { rd: t1, rs1: s1, imm: 0 }],
  ["add", { rd: s6, rs1: s6, rs2: t1 }],
  ["lhu", { rd: t1, rs1: s1, imm: 2 }],
  ["add", { rd: s6, rs1: s6, rs2: t1 }],
  ["lwu", { rd: t1, rs1: s1, imm: 4 }],
  ["add", { rd: s6, rs1: s6, rs2: t1 }],
  ["addi", { rd: s3, rs1: s3, imm: -1 }],
  ["bne", { rs1: s3, rs2: 0 }, "loop"],
  ...li(t2, FINISHER_PASS),
  ["sw", { rs1: s2, rs2: t2, imm: 0 }],
  "end:",
  ["ebreak"],
];

for (const [engine, jit] of ENGINES) {
  test(`${engine}: RAM and device accesses of every size from code at 0x8000_0000, then the finisher passes`, () => {
    const { code, at } = program(DEVICE_LOOP);
    const b = board(code, jit);
    assert.equal(runToStop(b, 97), Stop.EBREAK);
    assert.equal(b.state.pc, RAM + at.end!);
    assert.deepEqual(b.finishes, [{ kind: "pass" }]);
    assertCompiled(b, jit);

    const expected: Access[] = [];
    let ramSum = 0;
    let signed = 0;
    let unsigned = 0;
    for (let count = N; count >= 1; count--) {
      const v = BigInt(valueAt(count));
      const u = (size: number) => BigInt.asUintN(size * 8, v);
      for (const [offset, size] of [
        [0, 1],
        [2, 2],
        [4, 4],
        [8, 8],
      ] as const) {
        expected.push({ op: "write", offset, size, value: u(size) });
      }
      for (const [offset, size] of [
        [0, 1],
        [2, 2],
        [4, 4],
        [8, 8],
        [0, 1],
        [2, 2],
        [4, 4],
      ] as const) {
        expected.push({ op: "read", offset, size, value: u(size) });
      }
      ramSum += valueAt(count);
      signed += 4 * valueAt(count);
      unsigned += Number(u(1) + u(2) + u(4));
    }
    assert.deepEqual(b.dev.log, expected);
    assert.equal(b.state.getX(s0), RAM + 0x1000);
    assert.equal(b.state.getX(s4), ramSum);
    assert.equal(b.state.getX(s5), signed);
    assert.equal(b.state.getX(s6), unsigned);
    assert.equal(b.state.getX(s3), 0);
    assert.deepEqual(
      b.mem.read(RAM + 0x1000, 8),
      Uint8Array.of(0xe8, ...new Array(7).fill(0xff)),
      "RAM holds -24",
    );
  });

  for (const kind of ["load", "store"] as const) {
    test(`${engine}: a ${kind} walking off the end of RAM inside a loop: access fault, tval the address`, () => {
      // t1 walks 8 bytes at a time from 40 doublewords below RAM's end
      const access: Line =
        kind === "load" ? ["ld", { rd: t0, rs1: t1, imm: 0 }] : ["sd", { rs1: t1, rs2: t1, imm: 0 }];
      const { code, at } = program([
        ["auipc", { rd: t2, imm: 0 }],
        ["lui", { rd: t1, imm: 0x10000 }],
        ["add", { rd: t1, rs1: t1, rs2: t2 }],
        ["addi", { rd: t1, rs1: t1, imm: -8 * 40 }],
        "loop:",
        access,
        ["addi", { rd: a0, rs1: a0, imm: 1 }],
        ["addi", { rd: t1, rs1: t1, imm: 8 }],
        ["jal", { rd: 0 }, "loop"],
      ]);
      const b = board(code, jit);
      assert.equal(runToStop(b, 13), Stop.FAULT);
      assert.equal(b.hart.cause, kind === "load" ? Cause.LOAD_ACCESS : Cause.STORE_ACCESS);
      assert.equal(b.hart.tval, RAM + RAM_SIZE);
      assert.equal(b.state.pc, RAM + at.loop!);
      assert.equal(b.state.getX(a0), 40);
      assert.equal(b.hart.retired, 4 + 40 * 4);
      assertCompiled(b, jit);
    });
  }

  test(`${engine}: loads and stores where nothing is mapped, and past a device's end`, () => {
    for (const [line, cause, addr] of [
      [["lw", { rd: t0, rs1: t1, imm: 0 }], Cause.LOAD_ACCESS, UNMAPPED],
      [["sb", { rs1: t1, rs2: t0, imm: 0 }], Cause.STORE_ACCESS, UNMAPPED],
      [["ld", { rd: t0, rs1: t1, imm: 0 }], Cause.LOAD_ACCESS, DEV + DEV_SIZE],
      [["ld", { rd: t0, rs1: s1, imm: 16 }], Cause.LOAD_ACCESS, DEV + 16],
      [["sw", { rs1: s1, rs2: t0, imm: 4 }], Cause.STORE_ACCESS, DEV + 4],
      [["lw", { rd: t0, rs1: s1, imm: 2 }], Cause.LOAD_ACCESS, DEV + 2],
    ] as [Line, number, number][]) {
      const { code } = program([["lui", { rd: s1, imm: DEV }], ...li(t1, addr), line, ["ebreak"]]);
      const b = board(code, jit);
      // the device's registers end at 16 (it refuses past them); 4..15 refuse too for the sw case
      b.dev.refuseFrom = addr === DEV + 4 ? 4 : 16;
      const what = JSON.stringify(line);
      assert.equal(runToStop(b), Stop.FAULT, what);
      assert.equal(b.hart.cause, cause, what);
      assert.equal(b.hart.tval, addr, what);
      assert.equal(b.state.pc, RAM + 12, what);
      assert.equal(b.hart.retired, 3, what);
      assert.deepEqual(b.dev.log, [], what);
    }
  });

  test(`${engine}: fetching from a device or from nothing is a fetch access fault`, () => {
    for (const target of [DEV, DEV + 0x800, UNMAPPED]) {
      const low = (target << 20) >> 20;
      const { code } = program([...li(t1, target - low), ["jalr", { rd: ra, rs1: t1, imm: low }]]);
      const b = board(code, jit);
      assert.equal(runToStop(b), Stop.FAULT);
      assert.equal(b.hart.cause, Cause.FETCH_ACCESS);
      assert.equal(b.hart.tval, target);
      assert.equal(b.state.pc, target);
      assert.equal(b.state.getX(ra), RAM + 12, "the jalr retired");
      assert.deepEqual(b.dev.log, []);
      assert.equal(b.hart.setProbe(target, true), false, "no probe on a device");
    }
  });

  for (const [name, cause] of [
    ["amoadd.w", Cause.STORE_ACCESS],
    ["amoswap.d", Cause.STORE_ACCESS],
    ["lr.w", Cause.LOAD_ACCESS],
    ["sc.d", Cause.STORE_ACCESS],
  ] as const) {
    test(`${engine}: ${name} on a device is an access fault and does not reach it`, () => {
      const ops = name.startsWith("lr") ? { rd: t0, rs1: s1 } : { rd: t0, rs1: s1, rs2: t2 };
      const { code } = program([["lui", { rd: s1, imm: DEV }], [name, ops], ["ebreak"]]);
      const b = board(code, jit);
      assert.equal(runToStop(b), Stop.FAULT);
      assert.equal(b.hart.cause, cause);
      assert.equal(b.hart.tval, DEV);
      assert.equal(b.state.pc, RAM + 4);
      assert.deepEqual(b.dev.log, []);
    });
  }

  test(`${engine}: self-modifying code on physical memory: a store over a called instruction, and over the second half of one across a page boundary`, () => {
    // for s3 = 60 down to 1: call `target` (a1 += 1) and `straddle` (a 4-byte a0 += 1 at 0xffe);
    // at s3 == 30, after the calls, store the encodings of a1 += 100 over target and the upper half
    // of a0 += 1000 over straddle's second half, then fence.i.
    const { code, at } = program([
      ["auipc", { rd: s0, imm: 0 }],
      ["lui", { rd: s7, imm: 0x1000 }],
      ["add", { rd: s7, rs1: s7, rs2: s0 }],
      ["addi", { rd: s3, rs1: 0, imm: 60 }],
      "loop:",
      ["jal", { rd: ra }, "target"],
      ["jal", { rd: ra }, "straddle"],
      ["addi", { rd: t0, rs1: 0, imm: 30 }],
      ["bne", { rs1: s3, rs2: t0 }, "skip"],
      ["sw", { rs1: s0, rs2: t4, imm: 0 }, "target"],
      ["sh", { rs1: s7, rs2: s5, imm: 0 }],
      ["fence.i"],
      "skip:",
      ["addi", { rd: s3, rs1: s3, imm: -1 }],
      ["bne", { rs1: s3, rs2: 0 }, "loop"],
      ["ebreak"],
      "target:",
      ["addi", { rd: a1, rs1: a1, imm: 1 }],
      ["jalr", { rd: 0, rs1: ra, imm: 0 }],
      ["org", { imm: 0xffe }],
      "straddle:",
      ["addi", { rd: a0, rs1: a0, imm: 1 }],
      ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ]);
    // the sw's imm is the label's offset from the sw; it must be from s0 (the code's start)
    const fixed = code.slice();
    const swAt = at.skip! - 8 - 4;
    new DataView(fixed.buffer).setUint32(
      swAt,
      encode("sw", { rs1: s0, rs2: t4, imm: at.target! }) >>> 0,
      true,
    );
    const b = board(fixed, jit);
    const bigger = encode("addi", { rd: a0, rs1: a0, imm: 1000 });
    assert.equal(
      bigger & 0xffff,
      encode("addi", { rd: a0, rs1: a0, imm: 1 }) & 0xffff,
      "only the upper half differs",
    );
    b.state.setX(t4, encode("addi", { rd: a1, rs1: a1, imm: 100 }));
    b.state.setX(s5, bigger >>> 16);
    assert.equal(runToStop(b, 31), Stop.EBREAK);
    // 31 calls before the stores (s3 = 60..30), 29 after
    assert.equal(b.state.getX(a1), 31 * 1 + 29 * 100);
    assert.equal(b.state.getX(a0), 31 * 1 + 29 * 1000);
    assertCompiled(b, jit);
  });

  test(`${engine}: a probe on code in RAM fires at every execution`, () => {
    const { code, at } = program(DEVICE_LOOP);
    const b = board(code, jit);
    let fired = 0;
    b.hart.probes = {
      instruction(v) {
        assert.equal(v.pc, RAM + at.loop!);
        fired++;
        return true;
      },
    };
    assert.ok(b.hart.setProbe(RAM + at.loop!, true));
    assert.equal(runToStop(b, 97), Stop.EBREAK);
    assert.equal(fired, N);
    assert.deepEqual(b.finishes, [{ kind: "pass" }]);
  });
}
