// Throughput benchmark: each workload of guest/ under qemu-riscv64 and `hartscope run --stats`
// in the same run, REPS repetitions each (alternating), median wall time. Both retire the same
// program, so hartscope's throughput relative to qemu's is qemu_wall / hartscope_wall; the
// geometric mean of those ratios is compared with the target.
//
//   npm run bench                      (builds, then runs this)
//   node dist/bench/throughput.js [--reps N] [--only NAME,NAME] [--quick] [--jit-only]
//     --reps N    repetitions per workload and emulator (default 3)
//     --jit-only  skip the interpreter-only runs (`--jit off`), whose figure is printed beside
//     --only      run only these workloads
//     --quick     small sizes (a smoke test of the benchmark itself, not a measurement)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findQemu,
  GUEST_BIN,
  hartscopeBuilt,
  parseStats,
  type RunResult,
  runHartscope,
  runQemu,
} from "../test/differential/run-guest.js";

/** hartscope's throughput goal relative to qemu-riscv64 (TCG, user mode). */
const TARGET_RATIO = 0.15;
const TIMEOUT_MS = 600_000;

interface Workload {
  name: string;
  /** sized so qemu-riscv64 takes about 0.3-1 s on a current x86 host */
  args: string[];
  quick: string[];
  what: string;
}

const WORKLOADS: readonly Workload[] = [
  { name: "sha256", args: ["24576"], quick: ["256"], what: "SHA-256, 32-bit integer ops" },
  { name: "sort", args: ["400000"], quick: ["5000"], what: "qsort + merge sort, calls and branches" },
  { name: "interp", args: ["1000000"], quick: ["20000"], what: "bytecode interpreter, switch dispatch" },
  { name: "nbody", args: ["400000"], quick: ["4000", "20"], what: "n-body + matmul, double FP" },
  { name: "hashtab", args: ["400000"], quick: ["5000"], what: "strings, malloc, hash table" },
  { name: "lz", args: ["8192"], quick: ["128"], what: "LZ77 compress + decompress" },
];

interface Row {
  name: string;
  qemuMs: number;
  hsMs: number;
  mips: number;
  instructions: number;
  ratio: number;
  /** the same with the block compiler off (NaN when not measured) */
  interpMs: number;
  interpRatio: number;
  note: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function firstLine(r: RunResult): string {
  return r.stderr.toString("utf8").trim().split("\n")[0] ?? "";
}

function parseArgs(argv: string[]): { reps: number; only?: Set<string>; quick: boolean; jitOnly: boolean } {
  let reps = 3;
  let only: Set<string> | undefined;
  let quick = false;
  let jitOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--reps") {
      reps = Number(argv[++i]);
      if (!Number.isInteger(reps) || reps < 1) throw new Error("--reps needs a positive integer");
    } else if (a === "--only") {
      only = new Set((argv[++i] ?? "").split(",").filter(Boolean));
      for (const n of only) {
        if (!WORKLOADS.some((w) => w.name === n)) throw new Error(`--only: no workload named '${n}'`);
      }
    } else if (a === "--quick") quick = true;
    else if (a === "--jit-only") jitOnly = true;
    else throw new Error(`unknown argument '${a}' (use --reps N, --only NAME,..., --quick, --jit-only)`);
  }
  return { reps, only, quick, jitOnly };
}

async function measure(
  w: Workload,
  reps: number,
  quick: boolean,
  jitOnly: boolean,
  dir: string,
): Promise<Row> {
  const spec = { prog: GUEST_BIN + w.name, args: quick ? w.quick : w.args, cwd: dir, timeoutMs: TIMEOUT_MS };
  const qemuMs: number[] = [];
  const hsMs: number[] = [];
  const interpMs: number[] = [];
  const mips: number[] = [];
  let instructions = 0;
  let note = "";
  for (let i = 0; i < reps; i++) {
    const q = await runQemu(spec);
    if (q.status !== 0)
      throw new Error(`${w.name}: qemu-riscv64 failed (status ${q.status}): ${firstLine(q)}`);
    qemuMs.push(q.wallMs);
    const h = await runHartscope(spec, ["--stats"]);
    if (h.timedOut || h.status !== 0) {
      return {
        name: w.name,
        qemuMs: median(qemuMs),
        hsMs: Number.NaN,
        mips: Number.NaN,
        instructions: 0,
        ratio: Number.NaN,
        interpMs: Number.NaN,
        interpRatio: Number.NaN,
        note: `hartscope failed (status ${h.status}): ${firstLine(h)}`,
      };
    }
    if (!jitOnly) {
      const off = await runHartscope(spec, ["--jit", "off"]);
      if (off.timedOut || off.status !== 0 || !off.stdout.equals(q.stdout))
        note = `hartscope --jit off failed or differs (status ${off.status})`;
      interpMs.push(off.wallMs);
    }
    if (!h.stdout.equals(q.stdout)) note = "OUTPUT DIFFERS from qemu";
    const stats = parseStats(h.stderr.toString("utf8"));
    if (stats) {
      mips.push(stats.mips);
      instructions = stats.instructions;
    } else note ||= "no --stats line";
    hsMs.push(h.wallMs);
  }
  const q = median(qemuMs);
  const h = median(hsMs);
  return {
    name: w.name,
    qemuMs: q,
    hsMs: h,
    mips: mips.length ? median(mips) : Number.NaN,
    instructions,
    ratio: q / h,
    interpMs: interpMs.length ? median(interpMs) : Number.NaN,
    interpRatio: interpMs.length ? q / median(interpMs) : Number.NaN,
    note,
  };
}

function table(rows: Row[]): string {
  const head = [
    "workload",
    "qemu wall",
    "hartscope wall",
    "instructions",
    "hartscope MIPS",
    "ratio",
    "--jit off wall",
    "ratio",
    "",
  ];
  const fmtS = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)} s` : "-");
  const body = rows.map((r) => [
    r.name,
    fmtS(r.qemuMs),
    fmtS(r.hsMs),
    r.instructions ? `${(r.instructions / 1e6).toFixed(1)} M` : "-",
    Number.isFinite(r.mips) ? r.mips.toFixed(1) : "-",
    Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : "-",
    fmtS(r.interpMs),
    Number.isFinite(r.interpRatio) ? r.interpRatio.toFixed(3) : "-",
    r.note,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (c === 0 || c === cells.length - 1 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [line(head), ...body.map(line)].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  if (!findQemu()) {
    process.stderr.write("bench: qemu-riscv64 is not installed (Debian: apt install qemu-user)\n");
    return 2;
  }
  if (!hartscopeBuilt()) {
    process.stderr.write("bench: hartscope is not built (npx tsc -p .)\n");
    return 2;
  }
  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.has(w.name));
  const dir = mkdtempSync(join(tmpdir(), "hs-bench-"));
  const rows: Row[] = [];
  try {
    process.stdout.write(
      `hartscope vs qemu-riscv64: ${opts.reps} repetitions each, median wall time${opts.quick ? " (--quick: not a measurement)" : ""}\n`,
    );
    for (const w of workloads) {
      process.stdout.write(`  ${w.name} (${w.what}) ${(opts.quick ? w.quick : w.args).join(" ")} ...\n`);
      rows.push(await measure(w, opts.reps, opts.quick, opts.jitOnly, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${table(rows)}\n\n`);
  const ok = rows.filter((r) => Number.isFinite(r.ratio) && r.ratio > 0);
  if (ok.length === 0) {
    process.stdout.write("no workload ran under hartscope: no geometric mean\n");
    return 1;
  }
  const geo = Math.exp(ok.reduce((a, r) => a + Math.log(r.ratio), 0) / ok.length);
  const missing = rows.length - ok.length;
  process.stdout.write(
    `geometric mean of ratios (hartscope throughput / qemu throughput): ${geo.toFixed(3)} over ${ok.length} workloads` +
      `${missing ? ` (${missing} failed)` : ""}; target ${TARGET_RATIO}: ${geo >= TARGET_RATIO ? "met" : "NOT met"}\n`,
  );
  const interp = ok.filter((r) => Number.isFinite(r.interpRatio));
  if (interp.length > 0) {
    const g = Math.exp(interp.reduce((a, r) => a + Math.log(r.interpRatio), 0) / interp.length);
    process.stdout.write(
      `interpreter only (--jit off): geometric mean ${g.toFixed(3)} over ${interp.length} workloads\n`,
    );
  }
  return rows.some((r) => r.note !== "") ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
