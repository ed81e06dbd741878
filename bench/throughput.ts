// Throughput benchmark: each workload of guest/ under qemu-riscv64 and under `hartscope run` with
// each engine — the interpreter alone (--jit off) and the WebAssembly block compiler (--jit wasm)
// — in the same run, REPS repetitions each (alternating), medians.
// Both retire the same program, so hartscope's throughput relative to qemu's is
// qemu_time / hartscope_time; the geometric mean of those ratios per engine is compared with the
// target. Times are CPU time (user + system, from GNU time: bench/measure.ts) and wall time; on a
// shared machine wall time is noisy, so CPU time decides. Also printed: peak memory (max RSS) of
// hartscope and qemu and their ratio, the compile statistics --stats prints, and a FAIL line for
// each workload a compiling engine runs slower than the interpreter alone ("never loses").
//
//   npm run bench                      (builds, then runs this)
//   node dist/bench/throughput.js [--reps N] [--only NAME,NAME] [--engines off,wasm] [--quick]
//     --reps N      repetitions per workload and emulator (default 3)
//     --only        run only these workloads
//     --engines     hartscope's engines to measure (default off,wasm)
//     --quick       small sizes (a smoke test of the benchmark itself, not a measurement)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findQemu,
  GUEST_BIN,
  hartscopeBuilt,
  type JitStats,
  parseJitStats,
  parseStats,
} from "../test/differential/run-guest.js";
import { cpuMs, haveGnuTime, type Measurement, measure, measureHartscope, measureQemu } from "./measure.js";

/** hartscope's throughput goal relative to qemu-riscv64 (TCG, user mode): issue 8. */
const TARGET_RATIO = 0.5;
/** peak memory at most this many times qemu-riscv64's: issue 8 */
const TARGET_MEMORY = 2;
const TIMEOUT_MS = 600_000;

type Engine = "off" | "wasm";
const ENGINES: readonly Engine[] = ["off", "wasm"];
const ENGINE_NAME: Record<Engine, string> = { off: "interp", wasm: "wasm" };

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

/** Medians of one emulator's repetitions. */
interface Figures {
  cpuMs: number;
  wallMs: number;
  maxRssKiB: number;
}

interface EngineResult extends Figures {
  /** qemu's time / this engine's (CPU, wall) */
  cpuRatio: number;
  wallRatio: number;
  memRatio: number;
  jit?: JitStats;
  /** why this engine's figures are missing or suspect ("" when fine) */
  note: string;
}

interface Row {
  name: string;
  instructions: number;
  qemu: Figures;
  engines: Map<Engine, EngineResult>;
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const figures = (ms: Measurement[]): Figures => ({
  cpuMs: median(ms.map(cpuMs)),
  wallMs: median(ms.map((m) => m.wallMs)),
  maxRssKiB: median(ms.map((m) => m.maxRssKiB)),
});

function firstLine(m: Measurement): string {
  return m.stderr.toString("utf8").trim().split("\n")[0] ?? "";
}

interface Options {
  reps: number;
  only?: Set<string>;
  engines: Engine[];
  quick: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { reps: 3, engines: [...ENGINES], quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--reps") {
      o.reps = Number(argv[++i]);
      if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error("--reps needs a positive integer");
    } else if (a === "--only") {
      o.only = new Set((argv[++i] ?? "").split(",").filter(Boolean));
      for (const n of o.only) {
        if (!WORKLOADS.some((w) => w.name === n)) throw new Error(`--only: no workload named '${n}'`);
      }
    } else if (a === "--engines") {
      const list = (argv[++i] ?? "").split(",").filter(Boolean);
      for (const e of list) {
        if (!ENGINES.includes(e as Engine)) throw new Error(`--engines: no engine '${e}' (off, wasm)`);
      }
      if (list.length === 0) throw new Error("--engines needs a list, e.g. off,wasm");
      o.engines = ENGINES.filter((e) => list.includes(e));
    } else if (a === "--quick") o.quick = true;
    else
      throw new Error(`unknown argument '${a}' (use --reps N, --only NAME,..., --engines off,wasm, --quick)`);
  }
  return o;
}

async function measureWorkload(w: Workload, o: Options, dir: string): Promise<Row> {
  const spec = {
    prog: GUEST_BIN + w.name,
    args: o.quick ? w.quick : w.args,
    cwd: dir,
    timeoutMs: TIMEOUT_MS,
  };
  const qemuRuns: Measurement[] = [];
  const runs = new Map<Engine, Measurement[]>(o.engines.map((e) => [e, []]));
  const notes = new Map<Engine, string>();
  const jit = new Map<Engine, JitStats>();
  let instructions = 0;
  for (let i = 0; i < o.reps; i++) {
    const q = await measureQemu(spec);
    if (q.status !== 0)
      throw new Error(`${w.name}: qemu-riscv64 failed (status ${q.status}): ${firstLine(q)}`);
    qemuRuns.push(q);
    for (const e of o.engines) {
      if (notes.get(e)?.startsWith("failed")) continue;
      const h = await measureHartscope(spec, ["--jit", e, "--stats"]);
      const stderr = h.stderr.toString("utf8");
      if (h.timedOut || h.status !== 0) {
        notes.set(e, `failed (status ${h.status}${h.timedOut ? ", timed out" : ""}): ${firstLine(h)}`);
        continue;
      }
      if (!h.stdout.equals(q.stdout)) notes.set(e, "OUTPUT DIFFERS from qemu");
      const stats = parseStats(stderr);
      if (stats) instructions = stats.instructions;
      else if (!notes.has(e)) notes.set(e, "no --stats line");
      const j = parseJitStats(stderr);
      if (j) jit.set(e, j);
      runs.get(e)!.push(h);
    }
  }
  const qemu = figures(qemuRuns);
  const engines = new Map<Engine, EngineResult>();
  for (const e of o.engines) {
    const f = figures(runs.get(e)!);
    engines.set(e, {
      ...f,
      cpuRatio: qemu.cpuMs / f.cpuMs,
      wallRatio: qemu.wallMs / f.wallMs,
      memRatio: f.maxRssKiB / qemu.maxRssKiB,
      jit: jit.get(e),
      note: notes.get(e) ?? "",
    });
  }
  return { name: w.name, instructions, qemu, engines };
}

/** Columns right-aligned but the first and the last. */
function table(head: string[], body: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (c === 0 || c === cells.length - 1 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [line(head), ...body.map(line)].join("\n");
}

const fmtS = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(3) : "-");
const fmtR = (r: number) => (Number.isFinite(r) ? r.toFixed(3) : "-");
const fmtMiB = (kib: number) => (Number.isFinite(kib) ? (kib / 1024).toFixed(1) : "-");

function speedTable(rows: Row[], engines: Engine[]): string {
  const head = ["workload", "instructions", "qemu cpu s", "wall s"];
  for (const e of engines) head.push(`${ENGINE_NAME[e]} cpu s`, "ratio", "wall s", "ratio");
  head.push("");
  const body = rows.map((r) => {
    const cells = [
      r.name,
      r.instructions ? `${(r.instructions / 1e6).toFixed(1)} M` : "-",
      fmtS(r.qemu.cpuMs),
      fmtS(r.qemu.wallMs),
    ];
    const notes: string[] = [];
    for (const e of engines) {
      const x = r.engines.get(e)!;
      cells.push(fmtS(x.cpuMs), fmtR(x.cpuRatio), fmtS(x.wallMs), fmtR(x.wallRatio));
      if (x.note) notes.push(`${ENGINE_NAME[e]}: ${x.note}`);
    }
    cells.push(notes.join("; "));
    return cells;
  });
  return table(head, body);
}

function memoryTable(rows: Row[], engines: Engine[]): string {
  const head = ["workload", "qemu MiB"];
  for (const e of engines) head.push(`${ENGINE_NAME[e]} MiB`, "x qemu");
  for (const e of engines.filter((x) => x !== "off")) {
    head.push(`${e} regions`, "insns", "% compiled", "compile ms", "code KiB");
  }
  head.push("");
  const body = rows.map((r) => {
    const cells = [r.name, fmtMiB(r.qemu.maxRssKiB)];
    for (const e of engines) {
      const x = r.engines.get(e)!;
      cells.push(fmtMiB(x.maxRssKiB), Number.isFinite(x.memRatio) ? x.memRatio.toFixed(2) : "-");
    }
    for (const e of engines.filter((x) => x !== "off")) {
      const j = r.engines.get(e)!.jit;
      cells.push(
        j ? String(j.regions) : "-",
        j ? String(j.compiledInsns) : "-",
        j && j.retired > 0 ? ((100 * j.inCompiled) / j.retired).toFixed(1) : "-",
        j?.compileMs !== undefined ? j.compileMs.toFixed(1) : "-",
        j?.compiledBytes !== undefined ? (j.compiledBytes / 1024).toFixed(1) : "-",
      );
    }
    cells.push("");
    return cells;
  });
  return table(head, body);
}

function geomean(xs: number[]): number {
  const ok = xs.filter((x) => Number.isFinite(x) && x > 0);
  return ok.length === 0 ? Number.NaN : Math.exp(ok.reduce((a, x) => a + Math.log(x), 0) / ok.length);
}

/** Geometric means per engine, the never-loses check and the memory check; true when all pass. */
function summary(rows: Row[], engines: Engine[], out: (s: string) => void): boolean {
  let pass = true;
  for (const e of engines) {
    const xs = rows.map((r) => r.engines.get(e)!);
    const cpu = geomean(xs.map((x) => x.cpuRatio));
    const wall = geomean(xs.map((x) => x.wallRatio));
    const n = xs.filter((x) => Number.isFinite(x.cpuRatio)).length;
    const target = e === "off" ? "" : `; target ${TARGET_RATIO}: ${cpu >= TARGET_RATIO ? "met" : "NOT met"}`;
    out(
      `${ENGINE_NAME[e].padEnd(6)} geometric mean of ratios (qemu time / hartscope time): CPU ${fmtR(cpu)}, wall ${fmtR(wall)} over ${n} workloads${target}\n`,
    );
  }
  if (engines.includes("off")) {
    for (const e of engines.filter((x) => x !== "off")) {
      for (const r of rows) {
        const interp = r.engines.get("off")!;
        const x = r.engines.get(e)!;
        if (x.cpuMs > interp.cpuMs) {
          pass = false;
          out(
            `FAIL ${r.name}: --jit ${e} is slower than the interpreter alone (CPU ${fmtS(x.cpuMs)} s vs ${fmtS(interp.cpuMs)} s, +${((100 * (x.cpuMs - interp.cpuMs)) / interp.cpuMs).toFixed(1)}%)\n`,
          );
        }
      }
    }
  }
  // memory: one line (the table has each figure)
  let worst = { ratio: 0, where: "" };
  let over = 0;
  let measured = 0;
  for (const r of rows) {
    for (const e of engines) {
      const m = r.engines.get(e)!.memRatio;
      if (!Number.isFinite(m)) continue;
      measured++;
      if (m > TARGET_MEMORY) over++;
      if (m > worst.ratio) worst = { ratio: m, where: `${r.name}, ${ENGINE_NAME[e]}` };
    }
  }
  if (measured > 0) {
    if (over > 0) pass = false;
    out(
      `${over > 0 ? "FAIL " : ""}peak memory: ${over} of ${measured} runs above ${TARGET_MEMORY} x qemu-riscv64's; at most ${worst.ratio.toFixed(2)} x (${worst.where})\n`,
    );
  }
  return pass;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  if (!findQemu()) {
    process.stderr.write("bench: qemu-riscv64 is not installed (Debian: apt install qemu-user)\n");
    return 2;
  }
  if (!haveGnuTime()) {
    process.stderr.write("bench: GNU time is not installed (Debian: apt install time)\n");
    return 2;
  }
  if (!hartscopeBuilt()) {
    process.stderr.write("bench: hartscope is not built (npx tsc -p .)\n");
    return 2;
  }
  const out = (s: string) => process.stdout.write(s);
  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.has(w.name));
  const dir = mkdtempSync(join(tmpdir(), "hs-bench-"));
  const rows: Row[] = [];
  out(`$ node dist/bench/throughput.js ${argv.join(" ")}`.trimEnd());
  out(`\n${new Date().toISOString()}, node ${process.version}\n`);
  out(
    `hartscope (${opts.engines.map((e) => `--jit ${e}`).join(", ")}) vs qemu-riscv64: ${opts.reps} repetition${opts.reps === 1 ? "" : "s"} each, medians; CPU = user + system time${opts.quick ? " (--quick: not a measurement)" : ""}\n`,
  );
  try {
    for (const w of workloads) {
      out(`  ${w.name} (${w.what}) ${(opts.quick ? w.quick : w.args).join(" ")} ...\n`);
      rows.push(await measureWorkload(w, opts, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out(`\nspeed (ratio = qemu time / hartscope time, higher is faster):\n${speedTable(rows, opts.engines)}\n`);
  // what node alone holds: the floor under hartscope's peak memory
  const node = await measure(process.execPath, ["-e", "0"]);
  out(
    `\npeak memory (max RSS; node -e 0 alone: ${fmtMiB(node.maxRssKiB)} MiB) and compiled code (--stats):\n${memoryTable(rows, opts.engines)}\n\n`,
  );
  summary(rows, opts.engines, out);
  const broken = rows.some((r) => [...r.engines.values()].some((x) => x.note !== ""));
  return broken ? 1 : 0;
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
