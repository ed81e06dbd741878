// The hart's side of the probe seam, on hand-written code: a probe fires once per execution with the
// exact retired count whichever engine ran the code before it; a hook whose side effects drop the
// probed instruction's decoded entry (here: a store to the code page through the kernel's view,
// which a HartView cannot do) does not make the guest execute a dropped entry; a hook that throws
// stops the run with Stop.PROBE before the instruction, and the next run executes it without
// firing again, with the same final state as a run without probes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Stop } from "../../src/hart/hart.js";
import type { HartView } from "../../src/hart/probe-sink.js";
import { a0, a7, t0, t1 } from "./abi-registers.js";
import { CODE, EAGER, type Line, type Machine, machine, program, runToEnd, snapshot } from "./jit/machine.js";

const N = 2000;

// for (t0 = N; t0 != 0; t0--) t1 += t0; with the probe on the add
const LOOP: Line[] = [
  ["addi", { rd: t0, rs1: 0, imm: N }],
  "loop:",
  ["add", { rd: t1, rs1: t1, rs2: t0 }],
  ["addi", { rd: t0, rs1: t0, imm: -1 }],
  ["bne", { rs1: t0, rs2: 0 }, "loop"],
  ["add", { rd: a0, rs1: t1, rs2: 0 }],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
];

const { code, at } = program(LOOP);
const PROBED = CODE + at.loop!;

function probedRun(
  jit: typeof EAGER | false,
  hook: (v: HartView, n: number, m: Machine) => void,
  budgets = [1_000_000],
) {
  const m = machine(code, jit);
  let fired = 0;
  const retired: number[] = [];
  m.hart.probes = {
    instruction(v) {
      assert.equal(v.pc, PROBED);
      retired.push(v.retired);
      hook(v, ++fired, m);
      return true;
    },
  };
  assert.ok(m.hart.setProbe(PROBED, true));
  const steps = runToEnd(m, budgets);
  return { m, fired, retired, steps };
}

const plain = (() => {
  const m = machine(code, false);
  runToEnd(m, [1_000_000]);
  return snapshot(m, code.length);
})();

test("a probe fires once per execution, with the same retired counts interpreted and compiled", () => {
  const runs = [false as const, EAGER].map((jit) => probedRun(jit, () => {}));
  for (const r of runs) {
    assert.equal(r.fired, N);
    // the add is the 2nd instruction, then 3 per iteration
    assert.deepEqual(
      r.retired,
      Array.from({ length: N }, (_, i) => 1 + 3 * i),
    );
    assert.deepEqual(snapshot(r.m, code.length), plain);
  }
  assert.ok((runs[1]!.m.hart.jit?.cache.compiled ?? 0) > 0, "the loop ran compiled around the probe");
});

test("a hook whose side effect drops the probed entry does not break the guest", () => {
  for (const jit of [false as const, EAGER]) {
    const r = probedRun(jit, (_v, n, m) => {
      // rewrite the probed instruction with its own bytes: the decoded entry is dropped
      if (n % 7 === 0) m.mem.write(PROBED, m.mem.read(PROBED, 4));
    });
    assert.equal(r.fired, N);
    assert.deepEqual(snapshot(r.m, code.length), plain);
  }
});

test("a hook that throws stops before the instruction; the next run goes on without firing again", () => {
  for (const jit of [false as const, EAGER]) {
    const m = machine(code, jit);
    let fired = 0;
    m.hart.probes = {
      instruction() {
        fired++;
        if (fired % 100 === 0) throw new Error(`hook failure ${fired}`);
        return true;
      },
    };
    m.hart.setProbe(PROBED, true);
    let errors = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const before = m.hart.retired;
      const stop = m.hart.run(1_000_000);
      if (stop === Stop.PROBE) {
        errors++;
        assert.match(String(m.hart.hookError), /hook failure/);
        assert.equal(m.state.pc, PROBED, "stopped at the probed instruction");
        assert.equal((m.hart.retired - 1) % 3, 0, "exact count, the probed add not executed yet");
        assert.ok(m.hart.retired > before);
        continue;
      }
      assert.equal(stop, Stop.ECALL);
      break;
    }
    assert.equal(fired, N);
    assert.equal(errors, N / 100);
    assert.deepEqual(snapshot(m, code.length), plain);
  }
});

test("a probed load whose translation keeps missing in compiled code fires once per execution", () => {
  // s1 toggles between two pages 4096 pages apart: they share a slot of the compiled code's TLB, so
  // the load leaves compiled code for the interpreter on every iteration, after its probe fired
  const s1 = 9;
  const s2 = 18;
  const A = 0x100_0000;
  const B = A + 4096 * 4096;
  const lines: Line[] = [
    ["addi", { rd: t0, rs1: 0, imm: N }],
    "loop:",
    ["ld", { rd: t1, rs1: s1, imm: 8 }],
    ["xor", { rd: s1, rs1: s1, rs2: s2 }],
    ["addi", { rd: t0, rs1: t0, imm: -1 }],
    ["bne", { rs1: t0, rs2: 0 }, "loop"],
    ["addi", { rd: a7, rs1: 0, imm: 93 }],
    ["ecall"],
  ];
  const prog = program(lines);
  for (const jit of [false as const, EAGER]) {
    const m = machine(prog.code, jit);
    m.mem.map(A, 4096, 3);
    m.mem.map(B, 4096, 3);
    m.state.setX(s1, A);
    m.state.setX(s2, A ^ B);
    const seen: number[] = [];
    m.hart.probes = {
      instruction(v) {
        seen.push(v.retired);
        return true;
      },
    };
    m.hart.setProbe(CODE + prog.at.loop!, true);
    runToEnd(m, [1_000_000]);
    assert.equal(seen.length, N, jit === false ? "interpreted" : "compiled");
    assert.deepEqual(
      seen,
      Array.from({ length: N }, (_, i) => 1 + 4 * i),
    );
    if (jit !== false) assert.ok((m.hart.jit?.cache.compiled ?? 0) > 0);
  }
});

test("a probe a hook places fires from then on, interpreted and compiled alike", () => {
  // at the 1000th firing of the add's probe, its hook probes the next instruction (the addi): the
  // compiled loop holding both must notice at once, as the interpreter does
  const NEXT = PROBED + 4;
  const runs = [false as const, EAGER].map((jit) => {
    const m = machine(code, jit);
    const seen: string[] = [];
    m.hart.probes = {
      instruction(v) {
        seen.push(`${v.pc === PROBED ? "add" : "addi"} ${v.retired}`);
        if (v.pc === PROBED && v.retired === 1 + 3 * 999) m.hart.setProbe(NEXT, true);
        return true;
      },
    };
    m.hart.setProbe(PROBED, true);
    runToEnd(m, [1_000_000]);
    assert.deepEqual(snapshot(m, code.length), plain);
    if (jit !== false) assert.ok((m.hart.jit?.cache.compiled ?? 0) > 0);
    return seen;
  });
  assert.equal(runs[0]!.length, N + (N - 999));
  assert.equal(runs[0]![999 + 1], `addi ${1 + 3 * 999 + 1}`);
  assert.deepEqual(runs[1], runs[0]);
});
