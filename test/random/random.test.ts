// Random-instruction differential test: PROGRAMS programs of LENGTH random valid RV64GC
// instructions each (I, M, A, F, D with static and dynamic rounding, C, Zicsr, Zifencei; Zba and
// Zbb while generator.ts's WITH_ZB is on, qemu then asked for them with -cpu), run under
// qemu-riscv64 and `hartscope run`; the dumps of all registers, fcsr and the scratch
// memory must be equal. Each program's body runs RUNS times over (program.ts's loop), and
// hartscope runs it with each engine: the interpreter alone (--jit off), and the WebAssembly
// compiler with a hot threshold of HOT executions, so that the later passes run compiled code — which --stats must confirm (most instructions retired by compiled code). Two
// programs run at a time. On a mismatch the first failing seed is bisected, with the engine that
// failed, to the unit of instructions where the runs part, and its disassembly is printed.
//
// Environment: HS_RANDOM_SEED (first seed, default 1), HS_RANDOM_PROGRAMS (default 100),
// HS_RANDOM_LENGTH (instructions per program, default 1200), HS_RANDOM_ZB=0 (no Zba/Zbb),
// HS_RANDOM_RUNS (passes over each body, default DEFAULT_RUNS), HS_RANDOM_HOT (--jit-hot,
// default DEFAULT_HOT), HS_RANDOM_ENGINES (default off,wasm).

import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { differentialSkip } from "../differential/run-guest.js";
import { tempDir } from "../temp-dir.js";
import {
  bisect,
  DEFAULT_HOT,
  ENGINES,
  type Engine,
  engineOptions,
  listing,
  report,
  runEach,
  type Verdict,
} from "./compare.js";
import { buildProgram, DEFAULT_RUNS, type Program } from "./program.js";

const FIRST_SEED = Number(process.env.HS_RANDOM_SEED ?? 1);
const PROGRAMS = Number(process.env.HS_RANDOM_PROGRAMS ?? 100);
const LENGTH = Number(process.env.HS_RANDOM_LENGTH ?? 1200);
const RUNS = Number(process.env.HS_RANDOM_RUNS ?? DEFAULT_RUNS);
const HOT = Number(process.env.HS_RANDOM_HOT ?? DEFAULT_HOT);
const ENGINES_RUN = (process.env.HS_RANDOM_ENGINES?.split(",") ?? ENGINES) as Engine[];
for (const e of ENGINES_RUN) if (!ENGINES.includes(e)) throw new Error(`HS_RANDOM_ENGINES: no engine '${e}'`);
const PARALLEL = 2;
/**
 * The share of a program's instructions that compiled code must have retired: the first pass
 * (HOT = 2: the second makes its blocks hot), the prologue and epilogue and the instructions after
 * a side exit are interpreted; with 8 passes about 3/4 of each stream runs compiled.
 */
const MIN_COMPILED = RUNS >= 8 && HOT <= 2 ? 0.6 : 0;

/** Outside CI only (tools.ts): under CI a missing qemu fails the test with its name. */
const skip = differentialSkip();

test(`random instructions: ${PROGRAMS} programs x ${LENGTH} instructions x ${RUNS} passes vs qemu-riscv64, engines ${ENGINES_RUN.join(" ")}`, {
  skip,
  timeout: 600_000,
}, async (t) => {
  const dir = tempDir("hs-random-");
  const failures: { program: Program; verdict: Verdict }[] = [];
  // per compiling engine: instructions retired, by compiled code, and the programs where too few ran compiled
  const compiled = new Map<string, { retired: number; inCompiled: number; low: string[] }>();
  let instructions = 0;
  let next = 0;
  const worker = async () => {
    while (next < PROGRAMS) {
      const seed = FIRST_SEED + next++;
      const program = buildProgram(seed, { length: LENGTH, runs: RUNS });
      instructions += program.bodyLength;
      const options = ENGINES_RUN.map((e) => engineOptions(e, HOT));
      const verdicts = await runEach(program, join(dir, String(seed)), options);
      for (const [k, verdict] of verdicts.entries()) {
        if (verdict.failure?.startsWith("generator bug")) {
          throw new Error(`seed ${seed}: ${verdict.failure}\n${listing(program)}`);
        }
        if (!verdict.ok) failures.push({ program, verdict });
        const engine = ENGINES_RUN[k]!;
        if (engine === "off" || verdict.failure) continue;
        const c = compiled.get(engine) ?? { retired: 0, inCompiled: 0, low: [] };
        compiled.set(engine, c);
        const jit = verdict.jit;
        if (jit === undefined) {
          c.low.push(`${seed} (no jit line in --stats)`);
          continue;
        }
        c.retired += jit.retired;
        c.inCompiled += jit.inCompiled;
        if (jit.inCompiled < MIN_COMPILED * jit.retired)
          c.low.push(`${seed} (${jit.inCompiled} of ${jit.retired})`);
      }
      rmSync(join(dir, String(seed)), { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  t.diagnostic(
    `${PROGRAMS} programs, ${instructions} random instructions, ${failures.length} mismatching runs`,
  );
  const tooFew: string[] = [];
  for (const [engine, c] of compiled) {
    const share = c.retired > 0 ? c.inCompiled / c.retired : 0;
    t.diagnostic(
      `--jit ${engine} --jit-hot ${HOT}: compiled code retired ${c.inCompiled} of ${c.retired} instructions (${(100 * share).toFixed(1)}%)`,
    );
    if (c.low.length > 0) {
      tooFew.push(
        `--jit ${engine}: compiled code retired less than ${100 * MIN_COMPILED}% of the instructions of seeds ${c.low.slice(0, 20).join(", ")}`,
      );
    }
  }
  if (failures.length === 0) {
    assert.deepEqual(tooFew, [], "the streams ran compiled");
    return;
  }

  failures.sort((a, b) => a.program.seed - b.program.seed);
  const parts = [
    `${failures.length} runs of ${PROGRAMS} programs differ (${failures.map((f) => `${f.program.seed} with ${f.verdict.options.join(" ")}`).join(", ")})`,
    ...tooFew,
  ];
  for (const f of failures.slice(0, 3)) parts.push(report(f.program, f.verdict, false));
  const first = failures[0]!;
  const found = await bisect(
    first.program.seed,
    first.program.options,
    join(dir, "bisect"),
    () => {},
    first.verdict.options,
  );
  if (found && found.units > 0) {
    // The shortest diverging prefix is the most useful disassembly: it ends where the runs part.
    const unit = found.units - 1;
    const regs = found.verdict.differences.flatMap((d) => (d.reg ? [d.reg] : []));
    parts.push(
      `seed ${first.program.seed} first diverges at unit ${unit} (${found.program.units[unit]!.kind}):`,
      listing(found.program, [], unit),
      report(found.program, found.verdict, false),
      `disassembly of that prefix (">" marks writes of a differing register):\n${listing(found.program, regs)}`,
    );
  } else if (!found) {
    parts.push(
      `seed ${first.program.seed} agreed when run again for bisection: a flaky run?`,
      report(first.program, first.verdict, true),
    );
  } else {
    parts.push(
      `seed ${first.program.seed}: even the empty body diverges (prologue/epilogue):`,
      report(found.program, found.verdict, true),
    );
  }
  assert.fail(parts.join("\n\n"));
});
