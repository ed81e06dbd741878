// Throughput of the fpu's common paths: million calls per second of fadd_d, fmul_d, fmadd_d,
// fdiv_d (and a few more) on normal random operands, as the hart's dispatch would call them.
// Run: npx tsc -p . && node dist/bench/fpu.js

import * as fpu from "../src/hart/fpu/index.js";
import { F_DOUBLE, HartState, RM_RDN, RM_RNE } from "../src/hart/state.js";

const state = new HartState();
const { r, fd } = state;

// f1..f16: normal doubles in [0.5, 2) * 2^[-20, 20), random signs; f17..f24: singles, NaN-boxed
let seed = 12345;
const rand = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) | 0;
  return (seed >>> 0) / 4294967296;
};
const magnitude = (): number => (0.5 + rand() * 1.5) * 2 ** Math.floor(rand() * 40 - 20);
for (let i = 1; i <= 16; i++) fd[F_DOUBLE + i] = (rand() < 0.5 ? -1 : 1) * magnitude();
for (let i = 17; i <= 24; i++) fpu.fcvt_s_d(r, fd, i, i - 16, 0, 0, RM_RNE);
// f25..f32 positive, for square roots (f25..f31 used)
for (let i = 25; i <= 31; i++) fd[F_DOUBLE + i] = magnitude();

/** One loop for every op, called through one call site, like the hart's dispatch table. */
function run(op: fpu.FpuOp, rm: number, base: number, n: number): number {
  let flags = 0;
  for (let i = 0; i < n; i++) {
    flags |= op(r, fd, 0, base + (i & 7), base + ((i >> 3) & 7), base + ((i + 3) & 7), rm);
  }
  return flags;
}

/** Million calls per second: the best of three timed runs of at least 300 ms each. */
function bench(name: string, op: fpu.FpuOp, rm: number, base: number): void {
  let best = 0;
  for (let rep = 0; rep < 3; rep++) {
    let n = 1 << 20;
    let dt = 0;
    for (;;) {
      const t0 = performance.now();
      run(op, rm, base, n);
      dt = performance.now() - t0;
      if (dt >= 300) break;
      n *= 2;
    }
    best = Math.max(best, n / dt / 1000);
  }
  const mode = ["rne", "rtz", "rdn", "rup", "rmm"][rm];
  console.log(`${name.padEnd(10)} ${mode}  ${best.toFixed(1).padStart(6)} M calls/s`);
}

/** The same loop around a bare `a + b` on the register file, as a ceiling. */
function baseline(): void {
  const n = 1 << 24;
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    fd[F_DOUBLE + 30] = fd[F_DOUBLE + 1 + (i & 7)]! + fd[F_DOUBLE + 1 + ((i >> 3) & 7)]!;
  const dt = performance.now() - t0;
  console.log(
    `${"a+b only".padEnd(10)}      ${(n / dt / 1000).toFixed(1).padStart(6)} M ops/s (loop ceiling)`,
  );
}

const cases: [string, fpu.FpuOp, number][] = [
  ["fadd_d", fpu.fadd_d, 1],
  ["fmul_d", fpu.fmul_d, 1],
  ["fmadd_d", fpu.fmadd_d, 1],
  ["fdiv_d", fpu.fdiv_d, 1],
  ["fsqrt_d", fpu.fsqrt_d, 25],
  ["fadd_s", fpu.fadd_s, 17],
  ["fmul_s", fpu.fmul_s, 17],
  ["fmadd_s", fpu.fmadd_s, 17],
];
// The hart calls through a table, so the call site sees many functions: make ours see them too
// before measuring (otherwise the first op measured gets inlined and looks faster than it is).
for (const [, op, base] of cases) for (let rm = 0; rm < 5; rm++) run(op, rm, base, 50_000);
baseline();
for (const rm of [RM_RNE, RM_RDN]) for (const [name, op, base] of cases) bench(name, op, rm, base);
