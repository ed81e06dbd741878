// The real-program bench (issue 8): static riscv64 builds of real software from Debian's source
// packages (guest/debian/build.sh busybox jq zstd lz4 lua) under qemu-riscv64 and hartscope in the
// same run. Per workload and engine: ratio = qemu's time / hartscope's, in wall time and in CPU
// time (user + system: the steadier figure on a shared machine), peak memory (max RSS) against
// qemu's; then the geometric mean of the ratios, and whether any workload runs slower with the
// compiler on than with the interpreter alone (`--jit off`). hartscope's stdout must equal qemu's.
//
//   npm run bench:programs     (builds, then runs this)
//   node dist/bench/real-programs.js [--reps N] [--only NAME,...] [--engines on,off,wasm] [--jq-stride N]
//     --reps N       repetitions per workload and emulator, alternating; the median is kept (default 1)
//     --only         run only these workloads (names in the table)
//     --engines      hartscope's --jit values to measure (default on,off)
//     --jq-stride N  jq runs every N-th case of its test suite (default 34: 10 cases; 1: all 340)
//
// The text input is 4 MB of real C source (test/differential/debian-programs.ts realText).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DebianProgram,
  debianSource,
  everyNth,
  jqTestFile,
  parseJqSummary,
  parseJqTests,
  realText,
  requireBin,
} from "../test/differential/debian-programs.js";
import { hartscopeBuilt, parseJitStats, parseStats, type RunSpec } from "../test/differential/run-guest.js";
import { cpuMs, haveGnuTime, type Measurement, measureHartscope, measureQemu } from "./measure.js";

/** Issue 8's goal for this bench's geometric mean. */
const TARGET_RATIO = 0.3;
/** Issue 8: peak memory at most this many times qemu-riscv64's. */
const MEMORY_LIMIT = 2;
const TIMEOUT_MS = 1_800_000;
const TEXT_BYTES = 4 << 20;

/** A word-frequency program over the first arg[2] bytes: Lua's string library, tables, sorting with a closure. */
const LUA_WORDFREQ = `
local f = assert(io.open(arg[1], "rb"))
local text = f:read(tonumber(arg[2]))
f:close()
local counts, lines = {}, 0
for line in text:gmatch("[^\\n]*\\n") do
  lines = lines + 1
  for w in line:gmatch("[%a_][%w_]*") do counts[w] = (counts[w] or 0) + 1 end
end
local words = {}
for w in pairs(counts) do words[#words + 1] = w end
table.sort(words, function(a, b)
  if counts[a] ~= counts[b] then return counts[a] > counts[b] end
  return a < b
end)
print(lines .. " lines, " .. #words .. " distinct words")
for i = 1, 10 do print(string.format("%-12s %d", words[i], counts[words[i]])) end
`;

interface Workload {
  name: string;
  what: string;
  prog: DebianProgram;
  args: (dir: string) => string[];
  /** checks qemu's output is the right one (hartscope's is then compared with it) */
  check?: (stdout: string) => string | undefined;
}

interface Options {
  reps: number;
  only: string[] | undefined;
  engines: string[];
  jqStride: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { reps: 1, only: undefined, engines: ["on", "off"], jqStride: 34 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const count = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${a}: not a positive integer: ${v}`);
      return n;
    };
    if (a === "--reps") o.reps = count(value());
    else if (a === "--only") o.only = value().split(",");
    else if (a === "--engines") o.engines = value().split(",");
    else if (a === "--jq-stride") o.jqStride = count(value());
    else throw new UsageError(`unknown option ${a}`);
  }
  return o;
}

class UsageError extends Error {}

function workloads(o: Options): Workload[] {
  const jqCases = everyNth(
    parseJqTests(readFileSync(join(debianSource("jq"), "tests", "jq.test"), "utf8")),
    o.jqStride,
  );
  return [
    { name: "zstd -3", what: "compress 4 MB", prog: "zstd", args: (d) => ["-3", "-c", join(d, "text")] },
    { name: "lz4 -1", what: "compress 4 MB", prog: "lz4", args: (d) => ["-1", "-c", join(d, "text")] },
    {
      name: "busybox awk",
      what: "word counts over 4 MB",
      prog: "busybox",
      args: (d) => [
        "awk",
        "{ for (i = 1; i <= NF; i++) w[$i]++ } END { n = 0; for (k in w) n++; print NR, n }",
        join(d, "text"),
      ],
    },
    {
      name: "busybox sed",
      what: "two substitutions over 4 MB",
      prog: "busybox",
      args: (d) => ["sed", "-e", "s/[aeiou]/X/g", "-e", "/^#/d", join(d, "text")],
    },
    {
      name: "busybox ash",
      what: "a 20000-iteration while loop",
      prog: "busybox",
      args: () => ["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; echo $i"],
      check: (out) => (out === "20000\n" ? undefined : `printed ${JSON.stringify(out)}`),
    },
    {
      name: "jq --run-tests",
      what: `${jqCases.length} cases of its own suite`,
      prog: "jq",
      args: (d) => ["-L", join(debianSource("jq"), "tests", "modules"), "--run-tests", join(d, "jq.test")],
      check: (out) => {
        const s = parseJqSummary(out);
        return s && s.passed === jqCases.length && s.total === jqCases.length
          ? undefined
          : `jq: ${out.trim().split("\n").at(-1)}`;
      },
    },
    {
      name: "lua",
      what: "word frequencies of 1 MB",
      prog: "lua",
      args: (d) => [join(d, "wordfreq.lua"), join(d, "text"), String(1 << 20)],
    },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

interface Figures {
  wallMs: number;
  cpuMs: number;
  rssKiB: number;
  instructions?: number;
  /** the engine --stats names (on: the default one), when the compiler ran */
  engine?: string;
}

/** Median wall and CPU, largest RSS, of `reps` measurements. */
function summarize(ms: Measurement[]): Figures {
  const stats = parseStats(ms[0]!.stderr.toString());
  return {
    wallMs: median(ms.map((m) => m.wallMs)),
    cpuMs: median(ms.map(cpuMs)),
    rssKiB: Math.max(...ms.map((m) => m.maxRssKiB)),
    instructions: stats?.instructions,
    engine: parseJitStats(ms[0]!.stderr.toString())?.engine,
  };
}

function failure(label: string, m: Measurement): Error {
  const why = m.timedOut ? "timed out" : `status ${m.status}`;
  return new Error(`${label}: ${why}: ${m.stderr.toString().trim().split("\n").slice(-3).join(" | ")}`);
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (kib: number) => (kib / 1024).toFixed(0);

/** `reps` alternating runs under qemu and each engine; throws when a run fails or differs from qemu's. */
async function measureWorkload(
  w: Workload,
  spec: RunSpec,
  o: Options,
): Promise<{ q: Measurement[]; h: Map<string, Measurement[]> }> {
  const q: Measurement[] = [];
  const h = new Map<string, Measurement[]>(o.engines.map((e) => [e, []]));
  for (let r = 0; r < o.reps; r++) {
    const qm = await measureQemu(spec);
    if (qm.status !== 0 || qm.timedOut) throw failure(`${w.name} under qemu`, qm);
    const bad = w.check?.(qm.stdout.toString());
    if (bad) throw new Error(`${w.name} under qemu: ${bad}`);
    q.push(qm);
    for (const e of o.engines) {
      const hm = await measureHartscope(spec, ["--root", "/", "--stats", "--jit", e]);
      if (hm.status !== 0 || hm.timedOut) throw failure(`${w.name} under hartscope --jit ${e}`, hm);
      if (!hm.stdout.equals(qm.stdout))
        throw new Error(`${w.name}: hartscope --jit ${e}'s stdout differs from qemu's`);
      h.get(e)!.push(hm);
    }
  }
  return { q, h };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!hartscopeBuilt()) throw new UsageError("hartscope is not built (npx tsc -p .)");
  if (!haveGnuTime()) throw new UsageError("/usr/bin/time is not installed (Debian: apt install time)");
  const all = workloads(o);
  const chosen = o.only
    ? all.filter((w) => o.only!.some((n) => w.name === n || w.name.startsWith(`${n} `)))
    : all;
  if (chosen.length === 0) throw new UsageError(`--only: no workload named ${o.only!.join(", ")}`);
  const dir = mkdtempSync(join(tmpdir(), "hs-bench-programs-"));
  try {
    writeFileSync(join(dir, "text"), realText(TEXT_BYTES));
    writeFileSync(join(dir, "wordfreq.lua"), LUA_WORDFREQ);
    const jqSrc = readFileSync(join(debianSource("jq"), "tests", "jq.test"), "utf8");
    writeFileSync(join(dir, "jq.test"), jqTestFile(everyNth(parseJqTests(jqSrc), o.jqStride)));
    const env = { PATH: "/usr/bin:/bin", LANG: "C", HOME: dir };
    console.log(
      `real programs from Debian's source packages, ${o.reps} rep(s), median; ratio = qemu / hartscope ` +
        "(wall, and CPU user+sys); RSS = peak memory",
    );
    const header = ["workload", "qemu wall (cpu) s, RSS MB"];
    for (const e of o.engines) header.push(`jit ${e}: wall (cpu) s, RSS MB, ratio wall/cpu, RSS×`);
    console.log(`| ${header.join(" | ")} |`);
    console.log(`|${header.map(() => "---").join("|")}|`);
    const ratios = new Map<string, { wall: number[]; cpu: number[]; rss: number[] }>(
      o.engines.map((e) => [e, { wall: [], cpu: [], rss: [] }]),
    );
    const slower: string[] = [];
    const failed: string[] = [];
    for (const w of chosen) {
      const spec: RunSpec = {
        prog: requireBin(w.prog),
        args: w.args(dir),
        cwd: dir,
        env,
        timeoutMs: TIMEOUT_MS,
      };
      let q: Measurement[];
      let h: Map<string, Measurement[]>;
      try {
        ({ q, h } = await measureWorkload(w, spec, o));
      } catch (e) {
        failed.push(w.name);
        console.log(`| ${w.name} (${w.what}) | FAILED: ${e instanceof Error ? e.message : String(e)} |`);
        continue;
      }
      const qf = summarize(q);
      const cells = [`${w.name} (${w.what})`, `${s(qf.wallMs)} (${s(qf.cpuMs)}), ${mb(qf.rssKiB)}`];
      const byEngine = new Map<string, Figures>();
      for (const e of o.engines) {
        const f = summarize(h.get(e)!);
        byEngine.set(e, f);
        const rw = qf.wallMs / f.wallMs;
        const rc = qf.cpuMs / f.cpuMs;
        const rm = f.rssKiB / qf.rssKiB;
        const acc = ratios.get(e)!;
        acc.wall.push(rw);
        acc.cpu.push(rc);
        acc.rss.push(rm);
        cells.push(
          `${s(f.wallMs)} (${s(f.cpuMs)}), ${mb(f.rssKiB)}, ${rw.toFixed(3)}/${rc.toFixed(3)}, ${rm.toFixed(1)}${rm > MEMORY_LIMIT ? "!" : ""}`,
        );
      }
      const off = byEngine.get("off");
      for (const [e, f] of byEngine) {
        // slower with compilation than without: by CPU time, beyond a 5% noise margin
        if (e !== "off" && off && f.cpuMs > off.cpuMs * 1.05) {
          slower.push(`${w.name} (jit ${e} ${s(f.cpuMs)} s CPU, off ${s(off.cpuMs)} s)`);
        }
      }
      const insns = byEngine.values().next().value?.instructions;
      if (insns !== undefined) cells[0] += `, ${(insns / 1e9).toFixed(2)} G insns`;
      const engines = [...byEngine].filter(([e, f]) => f.engine !== undefined && f.engine !== e);
      if (engines.length > 0) cells[0] += `; ${engines.map(([e, f]) => `jit ${e} = ${f.engine}`).join(", ")}`;
      console.log(`| ${cells.join(" | ")} |`);
    }
    if (failed.length > 0) {
      console.log(`FAILED: ${failed.join(", ")} (left out of the means)`);
      process.exitCode = 1;
    }
    for (const [e, r] of ratios) {
      if (r.wall.length === 0) continue;
      console.log(
        `jit ${e}: geometric mean ratio of ${r.wall.length} workloads ${geomean(r.wall).toFixed(3)} wall, ${geomean(r.cpu).toFixed(3)} CPU ` +
          `(goal ≥ ${TARGET_RATIO}); peak memory up to ${Math.max(...r.rss).toFixed(1)}× qemu's (goal ≤ ${MEMORY_LIMIT}×)`,
      );
    }
    if (o.engines.includes("off")) {
      console.log(
        slower.length === 0
          ? "no workload slower with compilation on than with the interpreter alone (CPU time, 5% margin)"
          : `slower with compilation on than off: ${slower.join("; ")}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench/real-programs: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
