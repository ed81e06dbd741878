// The WebAssembly engine's inline F/D arithmetic (src/hart/wasm/fp-inline.ts) against the
// interpreter and qemu-riscv64, on real RISC-V code: guest/bin/fp-inline runs every inline op in
// hot loops over special operands (signed zeros, subnormals, extremes, infinities, quiet and
// signalling NaNs, inf - inf, 0/0, x/0, sqrt of negatives) and pseudo-random ones (inexact, exact,
// overflowing and tiny results, cancellations, near-halfway fused multiply-adds), under every
// dynamic rounding mode and several static ones (those other than RNE take the exact path), and
// prints a hash of each op's result bits and fflags. The outputs must be equal, and so must the
// instructions retired; nbody's too.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  differentialSkip,
  GUEST_BIN,
  parseJitStats,
  parseStats,
  type RunResult,
  runHartscope,
  runQemu,
} from "../differential/run-guest.js";

const skip = differentialSkip();
const WASM = ["--stats", "--jit", "wasm", "--jit-hot", "2"];
const OFF = ["--stats", "--jit", "off"];

/** The first line where two outputs differ, for the failure message. */
function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if (x[i] !== y[i]) return `line ${i + 1}:\n  expected ${x[i]}\n  actual   ${y[i]}`;
  return "none";
}

function ok(what: string, r: RunResult): string {
  assert.equal(r.status, 0, `${what} exited with ${r.status}: ${r.stderr.toString().slice(-400)}`);
  return r.stdout.toString();
}

/** Retired instructions and the JIT's stats line of a --stats run. */
function counts(r: RunResult) {
  const err = r.stderr.toString();
  const stats = parseStats(err);
  assert.ok(stats, `no --stats line in: ${err.slice(-400)}`);
  return { retired: stats.instructions, jit: parseJitStats(err) };
}

test("fp-inline: inline F/D results and fflags equal the interpreter's and qemu's", { skip }, async () => {
  const prog = `${GUEST_BIN}fp-inline`;
  const [qemu, off, wasm] = await Promise.all([
    runQemu({ prog }),
    runHartscope({ prog }, OFF),
    runHartscope({ prog }, WASM),
  ]);
  const expected = ok("qemu", qemu);
  const interpreted = ok("hartscope --jit off", off);
  const compiled = ok("hartscope --jit wasm", wasm);
  assert.ok(expected.split("\n").length > 100, "fp-inline printed too little");
  assert.equal(interpreted, expected, `--jit off vs qemu: ${firstDifference(expected, interpreted)}`);
  if (compiled !== expected) {
    // the hashes differ: the verbose run names the operands and results
    const [q, w] = await Promise.all([
      runQemu({ prog, args: ["v"] }),
      runHartscope({ prog, args: ["v"] }, WASM),
    ]);
    assert.fail(`--jit wasm vs qemu: ${firstDifference(q.stdout.toString(), w.stdout.toString())}`);
  }
  const o = counts(off);
  const w = counts(wasm);
  assert.equal(w.retired, o.retired, "instructions retired");
  assert.equal(w.jit?.engine, "wasm");
  // the F/D loops run compiled, not in the interpreter
  assert.ok(w.jit!.inCompiled > 0.95 * w.retired, `only ${w.jit!.inCompiled} of ${w.retired} compiled`);
});

test("nbody: same output and instruction count with the wasm engine as interpreted", { skip }, async () => {
  const prog = `${GUEST_BIN}nbody`;
  const args = ["3000", "24"];
  const [qemu, off, wasm] = await Promise.all([
    runQemu({ prog, args }),
    runHartscope({ prog, args }, OFF),
    runHartscope({ prog, args }, WASM),
  ]);
  const expected = ok("qemu", qemu);
  assert.equal(ok("hartscope --jit off", off), expected);
  assert.equal(ok("hartscope --jit wasm", wasm), expected);
  const w = counts(wasm);
  assert.equal(w.retired, counts(off).retired, "instructions retired");
  assert.equal(w.jit?.engine, "wasm");
  assert.ok(w.jit!.inCompiled > 0.9 * w.retired, `only ${w.jit!.inCompiled} of ${w.retired} compiled`);
});
