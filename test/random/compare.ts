// Running a random program under qemu-riscv64 and hartscope, comparing their register and
// memory dumps, describing differences with a disassembly, and bisecting a failing program to
// the unit of instructions that makes the two diverge.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { disassemble, F_NAMES, X_NAMES } from "../../src/isa/disasm.js";
import { RV64GC_ZBA_ZBB } from "../../src/isa/isa-string.js";
import { specByName } from "../../src/isa/table.js";
import {
  type JitStats,
  parseJitStats,
  QEMU_ZBA_ZBB,
  type RunResult,
  runHartscope,
  runQemu,
} from "../differential/run-guest.js";
import { WITH_ZB } from "./generator.js";
import {
  buildProgram,
  DUMP_BYTES,
  DUMP_F,
  DUMP_FCSR,
  DUMP_X,
  type Placed,
  type Program,
  type ProgramOptions,
} from "./program.js";

export const PROCESS_TIMEOUT_MS = 60_000;

/** How hartscope runs the program: the interpreter alone, or a JIT engine. */
export type Engine = "off" | "wasm";
export const ENGINES: readonly Engine[] = ["off", "wasm"];
/** executions of a block start before hartscope compiles it (--jit-hot), by default */
export const DEFAULT_HOT = 2;

/**
 * hartscope's options for `engine`: a compiling engine gets `--jit-hot hot` (executions of a block
 * start before it is compiled; low, so that a few passes over the stream run compiled) and --stats,
 * whose jit line says how many instructions compiled code retired.
 */
export function engineOptions(engine: Engine, hot: number): string[] {
  return engine === "off" ? ["--jit", "off"] : ["--jit", engine, "--jit-hot", String(hot), "--stats"];
}

export interface Difference {
  /** "x5 (t0)", "f3 (ft3)", "fcsr", "mem[S+0x1a8]" */
  where: string;
  qemu: string;
  hartscope: string;
  /** register written by instructions (for highlighting), if a register */
  reg?: { kind: "x" | "f"; index: number };
}

export interface Verdict {
  seed: number;
  ok: boolean;
  /** why the runs could not be compared (crash, short dump), if so */
  failure?: string;
  differences: Difference[];
  qemu: RunResult;
  hartscope: RunResult;
  /** hartscope's options (the engine) */
  options: readonly string[];
  /** what --stats said about compiled code, when the JIT was on and --stats given */
  jit?: JitStats;
}

const hex64 = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;

/** Compares two dumps (layout: program.ts). */
export function compareDumps(q: Buffer, h: Buffer): Difference[] {
  const out: Difference[] = [];
  const qv = new DataView(q.buffer, q.byteOffset, q.length);
  const hv = new DataView(h.buffer, h.byteOffset, h.length);
  const word = (v: DataView, off: number) => v.getBigUint64(off, true);
  for (let i = 1; i < 32; i++) {
    const a = word(qv, DUMP_X + 8 * (i - 1));
    const b = word(hv, DUMP_X + 8 * (i - 1));
    if (a !== b)
      out.push({
        where: `x${i} (${X_NAMES[i]})`,
        qemu: hex64(a),
        hartscope: hex64(b),
        reg: { kind: "x", index: i },
      });
  }
  for (let i = 0; i < 32; i++) {
    const a = word(qv, DUMP_F + 8 * i);
    const b = word(hv, DUMP_F + 8 * i);
    if (a !== b)
      out.push({
        where: `f${i} (${F_NAMES[i]})`,
        qemu: hex64(a),
        hartscope: hex64(b),
        reg: { kind: "f", index: i },
      });
  }
  const fa = word(qv, DUMP_FCSR);
  const fb = word(hv, DUMP_FCSR);
  if (fa !== fb) {
    const show = (v: bigint) =>
      `${hex64(v)} (frm ${(v >> 5n) & 7n}, fflags ${(v & 31n).toString(2).padStart(5, "0")})`;
    out.push({ where: "fcsr", qemu: show(fa), hartscope: show(fb) });
  }
  for (let off = 0; off < DUMP_X; off += 8) {
    const a = word(qv, off);
    const b = word(hv, off);
    if (a !== b) out.push({ where: `mem[S+0x${off.toString(16)}]`, qemu: hex64(a), hartscope: hex64(b) });
  }
  return out;
}

/** Writes the program to `dir` and runs it under both; the verdict says whether dumps agree. */
export async function runBoth(
  program: Program,
  dir: string,
  hartscopeOptions: readonly string[] = [],
): Promise<Verdict> {
  return (await runEach(program, dir, [hartscopeOptions]))[0]!;
}

/** The program under qemu once and under hartscope with each set of options: a verdict each. */
export async function runEach(
  program: Program,
  dir: string,
  hartscopeOptions: readonly (readonly string[])[],
): Promise<Verdict[]> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `random-${program.seed}.elf`);
  writeFileSync(file, program.elf, { mode: 0o755 });
  const spec = {
    prog: file,
    cwd: dir,
    timeoutMs: PROCESS_TIMEOUT_MS,
    env: { PATH: "/usr/bin:/bin" },
    qemuArgs: WITH_ZB ? QEMU_ZBA_ZBB : [],
  };
  const [qemu, ...runs] = await Promise.all([
    runQemu(spec),
    ...hartscopeOptions.map((o) => runHartscope(spec, o)),
  ]);
  return runs.map((hartscope, k) => judge(program, qemu!, hartscope, hartscopeOptions[k]!));
}

function judge(program: Program, qemu: RunResult, hartscope: RunResult, options: readonly string[]): Verdict {
  const verdict: Verdict = {
    seed: program.seed,
    ok: false,
    differences: [],
    qemu,
    hartscope,
    options,
    jit: parseJitStats(hartscope.stderr.toString("utf8")),
  };
  const broken = (r: RunResult, who: string): string | undefined => {
    if (r.timedOut) return `${who} timed out`;
    if (r.status !== 0)
      return `${who} exited with status ${r.status}: ${r.stderr.toString("utf8").trim().slice(0, 500)}`;
    if (r.stdout.length !== DUMP_BYTES)
      return `${who} wrote ${r.stdout.length} bytes, not the ${DUMP_BYTES}-byte dump`;
    return undefined;
  };
  const qBroken = broken(qemu, "qemu-riscv64");
  if (qBroken) {
    // The reference itself failed: the generator made an invalid program.
    verdict.failure = `generator bug? ${qBroken}`;
    return verdict;
  }
  verdict.failure = broken(hartscope, "hartscope");
  if (verdict.failure) return verdict;
  verdict.differences = compareDumps(qemu.stdout, hartscope.stdout);
  verdict.ok = verdict.differences.length === 0;
  return verdict;
}

function writes(p: Placed, reg: { kind: "x" | "f"; index: number }): boolean {
  const kind = specByName(p.name)?.regs[0];
  if (p.name === "c.jalr") return reg.kind === "x" && reg.index === 1; // links in ra
  return kind === reg.kind && (p.fields.rd ?? p.fields.rs1) === reg.index;
}

/** The program's disassembly; lines of instructions that write one of `regs` are marked ">". */
export function listing(
  program: Program,
  regs: readonly { kind: "x" | "f"; index: number }[] = [],
  onlyUnit?: number,
): string {
  const lines: string[] = [];
  let lastUnit = -3;
  for (const p of program.placed) {
    if (onlyUnit !== undefined && p.unit !== onlyUnit) continue;
    let note = "";
    if (p.unit !== lastUnit) {
      note =
        p.unit === -1
          ? "prologue"
          : p.unit === -2
            ? "epilogue"
            : p.unit === -3
              ? `loop tail (${program.options.runs ?? 1} passes)`
              : `unit ${p.unit} (${program.units[p.unit]!.kind})`;
      lastUnit = p.unit;
    }
    const mark = regs.some((r) => writes(p, r)) ? ">" : " ";
    const bytes =
      p.len === 2 ? p.raw.toString(16).padStart(4, "0") : (p.raw >>> 0).toString(16).padStart(8, "0");
    const text = `${mark} ${p.addr.toString(16)}:  ${bytes.padEnd(8)}  ${disassemble(p.raw, p.addr, undefined, { isa: RV64GC_ZBA_ZBB }).replace("\t", " ")}`;
    lines.push(note ? `${text.padEnd(52)} ; ${note}` : text);
  }
  return lines.join("\n");
}

/** A short report of a verdict: seed, differences and (optionally) the full listing. */
export function report(program: Program, v: Verdict, withListing: boolean): string {
  const out = [
    `seed ${v.seed}: ${program.bodyLength} instructions in ${program.units.length} units, scratch S = 0x${program.scratch.toString(16)}`,
  ];
  if (v.failure) out.push(`  ${v.failure}`);
  for (const d of v.differences.slice(0, 40))
    out.push(`  ${d.where.padEnd(14)} qemu ${d.qemu}  hartscope ${d.hartscope}`);
  if (v.differences.length > 40) out.push(`  ... ${v.differences.length - 40} more`);
  const units = program.options.units === undefined ? "" : ` --units ${program.options.units}`;
  const runs = ` --runs ${program.options.runs ?? 1}`;
  const engine = v.options.filter((o) => o !== "--stats").join(" ");
  out.push(
    `  rerun: node dist/test/random/rerun.js ${v.seed} --length ${program.options.length}${units}${runs}${engine ? ` ${engine}` : ""}`,
  );
  if (withListing) {
    const regs = v.differences.flatMap((d) => (d.reg ? [d.reg] : []));
    out.push(listing(program, regs));
  }
  return out.join("\n");
}

/**
 * Finds the shortest prefix of units whose program diverges, by bisection between a prefix that
 * agrees (none: only prologue and epilogue) and one that does not (the whole program). Returns the
 * number of units k such that k-1 units agree and k do not: unit k-1 is where they part.
 */
export async function bisect(
  seed: number,
  opts: ProgramOptions,
  dir: string,
  log: (s: string) => void = () => {},
  hartscopeOptions: readonly string[] = [],
): Promise<{ units: number; program: Program; verdict: Verdict } | undefined> {
  const full = buildProgram(seed, opts);
  const diverges = async (k: number) => {
    const p = buildProgram(seed, { ...opts, units: k });
    const v = await runBoth(p, dir, hartscopeOptions);
    if (v.failure?.startsWith("generator bug")) throw new Error(v.failure);
    return { p, v, bad: !v.ok };
  };
  let lo = 0;
  let hi = full.units.length;
  const empty = await diverges(0);
  if (empty.bad) return { units: 0, program: empty.p, verdict: empty.v };
  let last = await diverges(hi);
  if (!last.bad) return undefined;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const r = await diverges(mid);
    log(`  bisect: ${mid} units ${r.bad ? "diverge" : "agree"}`);
    if (r.bad) {
      hi = mid;
      last = r;
    } else lo = mid;
  }
  return { units: hi, program: last.p, verdict: last.v };
}
