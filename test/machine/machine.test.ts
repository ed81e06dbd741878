// A machine without an operating system: harts on one memory running code assembled with the
// project's encoder, the run step cut at event deadlines, trap entry and return around a caller
// that plays the environment, time passing while idle, and misuse reported as values.

import assert from "node:assert/strict";
import { test } from "node:test";
import { HartState } from "../../src/hart/state.js";
import { Stop } from "../../src/hart/stop.js";
import { encode, type Operands } from "../../src/isa/encode.js";
import { AddressSpace, PROT_EXEC, PROT_READ } from "../../src/linux-user/address-space.js";
import { Machine } from "../../src/machine/machine.js";
import { ProbeError } from "../../src/machine/probes.js";
import { EAGER } from "./guest-run.js";

const CODE = 0x10000;

/** 4-byte instructions at CODE. */
function load(mem: AddressSpace, lines: [string, Operands?][]): void {
  const bytes = new Uint8Array(lines.length * 4);
  const view = new DataView(bytes.buffer);
  lines.forEach(([name, f], i) => {
    view.setUint32(i * 4, encode(name, f ?? {}) >>> 0, true);
  });
  mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
  mem.write(CODE, bytes);
}

/** a0 += 1; ecall; back to the start */
const COUNT_AND_CALL: [string, Operands?][] = [
  ["addi", { rd: 10, rs1: 10, imm: 1 }],
  ["ecall"],
  ["jal", { rd: 0, imm: -8 }],
];

/** an endless loop: a1 += 1 */
const SPIN: [string, Operands?][] = [
  ["addi", { rd: 11, rs1: 11, imm: 1 }],
  ["jal", { rd: 0, imm: -4 }],
];

function newMachine(lines: [string, Operands?][], jit: typeof EAGER | false = false) {
  const mem = new AddressSpace(1 << 22);
  load(mem, lines);
  const m = new Machine(mem, { jit });
  const hart = (id: number) => {
    const s = new HartState();
    s.pc = CODE;
    return m.addHart(s, id);
  };
  return { m, mem, hart };
}

test("without an environment, runHart returns the trap; trap return fires when the hart runs again", () => {
  const { m, hart } = newMachine(COUNT_AND_CALL);
  const h = hart(7);
  const log: string[] = [];
  m.probes.onTrapEntry((v, cause, tval) =>
    log.push(`entry ${v.id} pc ${v.pc - CODE} cause ${cause} tval ${tval}`),
  );
  m.probes.onTrapReturn((v) => log.push(`return ${v.id} pc ${v.pc - CODE} retired ${v.retired}`));
  assert.equal(m.runHart(h, 1000), Stop.ECALL);
  assert.equal(h.retired, 2, "addi and the ecall");
  assert.equal(m.inTrap(h), true);
  h.state.pc += 4; // the caller handles the ecall as an environment would
  assert.equal(m.runHart(h, 3), Stop.ECALL);
  assert.equal(m.inTrap(h), true);
  assert.deepEqual(log, [
    "entry 7 pc 4 cause 8 tval 0",
    "return 7 pc 8 retired 2",
    "entry 7 pc 4 cause 8 tval 0",
  ]);
  assert.equal(h.state.getX(10), 2);
});

test("the environment takes the trap inside the run step", () => {
  const { m, hart } = newMachine(COUNT_AND_CALL);
  const h = hart(1);
  let calls = 0;
  m.env = {
    trap(hh, stop) {
      assert.equal(hh, h);
      assert.equal(stop, Stop.ECALL);
      calls++;
      hh.state.pc += 4;
    },
  };
  let returns = 0;
  m.probes.onTrapReturn(() => returns++);
  for (let i = 0; i < 10; i++) m.runHart(h, 100);
  assert.equal(calls, 10);
  assert.equal(returns, 9, "the tenth returns when the hart next runs");
  assert.equal(h.state.getX(10), 10);
});

for (const jit of [false, EAGER] as const) {
  const engine = jit === false ? "interpreted" : "compiled";

  test(`events fire exactly at their time, the run cut there (${engine})`, () => {
    const { m, hart } = newMachine(SPIN, jit);
    const h = hart(1);
    const seen: string[] = [];
    for (const at of [25, 1000, 1001, 40_000]) {
      m.events.schedule(at, (due) => seen.push(`${due} ${m.now()} ${h.retired} ${h.state.getX(11)}`));
    }
    assert.equal(m.runHart(h, 50_000), Stop.BUDGET);
    assert.equal(h.retired, 50_000);
    // a1 counts the addi of each two-instruction iteration
    assert.deepEqual(seen, [
      "25 25 25 13",
      "1000 1000 1000 500",
      "1001 1001 1001 501",
      "40000 40000 40000 20000",
    ]);
    if (jit !== false) assert.ok((h.jit?.cache.compiled ?? 0) > 0);
  });

  test(`a machine timer across two harts fires on machine time, with the running hart's view (${engine})`, () => {
    const { m, hart } = newMachine(SPIN, jit);
    const a = hart(1);
    const b = hart(2);
    const fired: string[] = [];
    m.probes.onTimer(10, (v) => fired.push(`${m.now()} ${v?.id} ${v?.retired}`));
    // slices of 7: machine time 10 is b's 3rd instruction, 20 a's 13th, 30 a's 16th, 40 b's 19th
    for (let i = 0; i < 3; i++) {
      m.runHart(a, 7);
      m.runHart(b, 7);
    }
    assert.equal(m.now(), 42);
    assert.deepEqual(fired, ["10 2 3", "20 1 13", "30 1 16", "40 2 19"]);
  });
}

test("per-hart ticks count each hart's own instructions; a removed hart ticks no more", () => {
  const { m, hart } = newMachine(SPIN);
  const a = hart(1);
  const b = hart(2);
  const ticks: string[] = [];
  m.probes.onTick(5, (v) => ticks.push(`${v.id}@${v.retired}`));
  m.runHart(a, 12);
  m.runHart(b, 6);
  m.runHart(a, 3);
  m.removeHart(b);
  assert.deepEqual(m.harts(), [a]);
  assert.equal(m.probes.nextTick(b), Number.POSITIVE_INFINITY);
  const c = hart(3);
  m.runHart(c, 5);
  assert.deepEqual(ticks, ["1@5", "1@10", "2@5", "1@15", "3@5"]);
});

test("idle time fires timers at their own times with no hart to show", () => {
  const { m, hart } = newMachine(SPIN);
  const h = hart(1);
  const fired: string[] = [];
  m.probes.onTimer(100, (v) => fired.push(`${m.now()} ${v === undefined ? "idle" : v.id}`));
  m.runHart(h, 150);
  m.idleUntil(420);
  assert.equal(m.now(), 420);
  assert.equal(m.retired, 150, "idle time is not instructions");
  m.runHart(h, 80);
  assert.deepEqual(fired, ["100 1", "200 idle", "300 idle", "400 idle", "500 1"]);
});

test("misuse is reported: probes before any hart, runHart from inside a hook", () => {
  const { m, hart } = newMachine(SPIN);
  assert.throws(
    () => m.probes.onInstruction(CODE, () => {}),
    (e: unknown) => e instanceof ProbeError && /no hart yet/.test(e.message),
  );
  const h = hart(1);
  const reg = m.probes.onInstruction(CODE, () => {
    m.runHart(h, 1);
  });
  m.runHart(h, 10);
  assert.equal(h.retired, 10);
  assert.equal(m.probes.errors.length, 5, "each firing of the hook failed");
  assert.match(String(m.probes.errors[0]!.error), /runHart\(hart 1\) while hart 1 runs/);
  assert.equal(m.probes.errors[0]!.hook, reg);
});

test("a probe set through one hart fires on every hart of the memory, also ones added later", () => {
  const { m, hart } = newMachine(SPIN, EAGER);
  const a = hart(1);
  const hits = new Map<number, number>();
  m.probes.onInstruction(CODE + 4, (v) => hits.set(v.id, (hits.get(v.id) ?? 0) + 1));
  const b = hart(2);
  m.runHart(a, 1000);
  m.runHart(b, 1001);
  assert.deepEqual(
    [...hits],
    [
      [1, 500],
      [2, 500],
    ],
  );
});
