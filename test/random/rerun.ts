// Reruns one random-instruction program: node dist/test/random/rerun.js SEED [options]
//   --length N     instructions in the body (default 1200, as the test)
//   --units K      keep only the first K units
//   --runs N       passes over the body (default DEFAULT_RUNS, as the test)
//   --jit ENGINE   off or wasm (repeatable; default both, as the test)
//   --jit-hot N    executions of a block start before it is compiled (default DEFAULT_HOT, as the test)
//   --bisect       find the unit where qemu-riscv64 and hartscope part
//   --keep DIR     leave the ELF file in DIR (default: a temporary directory, removed)
//   --list         print the whole disassembly even when the runs agree
// Exit status: 0 when the dumps agree, 1 when they differ, 2 on bad usage.

import { join } from "node:path";
import { findQemu, hartscopeBuilt } from "../differential/run-guest.js";
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
} from "./compare.js";
import { buildProgram, DEFAULT_RUNS, type ProgramOptions } from "./program.js";

function usage(msg: string): never {
  process.stderr.write(
    `rerun: ${msg}\nusage: node dist/test/random/rerun.js SEED [--length N] [--units K] [--runs N] [--jit off|wasm]... [--jit-hot N] [--bisect] [--keep DIR] [--list]\n`,
  );
  process.exit(2);
}

function integer(name: string, v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v)) usage(`${name} needs a non-negative integer, got '${v ?? ""}'`);
  return Number(v);
}

async function main(argv: string[]): Promise<number> {
  let seed: number | undefined;
  const opts: ProgramOptions = { length: 1200, runs: DEFAULT_RUNS };
  const engines: Engine[] = [];
  let hot = DEFAULT_HOT;
  let doBisect = false;
  let keep: string | undefined;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--length") opts.length = integer(a, argv[++i]);
    else if (a === "--units") opts.units = integer(a, argv[++i]);
    else if (a === "--runs") opts.runs = Math.max(1, integer(a, argv[++i]));
    else if (a === "--jit-hot") hot = Math.max(1, integer(a, argv[++i]));
    else if (a === "--jit") {
      const e = argv[++i] as Engine;
      if (!ENGINES.includes(e)) usage(`--jit takes ${ENGINES.join(", ")} (got '${e ?? ""}')`);
      engines.push(e);
    } else if (a === "--bisect") doBisect = true;
    else if (a === "--keep") keep = argv[++i] ?? usage("--keep needs a directory");
    else if (a === "--list") list = true;
    else if (seed === undefined) seed = integer("SEED", a);
    else usage(`unexpected argument '${a}'`);
  }
  if (seed === undefined) usage("missing SEED");
  if (!findQemu()) usage("qemu-riscv64 is not installed");
  if (!hartscopeBuilt()) usage("hartscope is not built (npx tsc -p .)");
  const dir = keep ?? tempDir("hs-rerun-");
  const program = buildProgram(seed, opts);
  const options = (engines.length > 0 ? engines : ENGINES).map((e) => engineOptions(e, hot));
  const verdicts = await runEach(program, dir, options);
  const bad = verdicts.find((v) => !v.ok);
  for (const v of verdicts) {
    const jit = v.jit
      ? `, ${v.jit.inCompiled} of ${v.jit.retired} instructions retired in compiled code`
      : "";
    process.stdout.write(`hartscope ${v.options.join(" ")}: ${v.ok ? "agrees" : "DIFFERS"}${jit}\n`);
  }
  process.stdout.write(`${report(program, bad ?? verdicts[0]!, list || bad !== undefined)}\n`);
  if (keep) process.stdout.write(`ELF file: ${join(dir, `random-${seed}.elf`)}\n`);
  if (bad === undefined) return 0;
  if (doBisect) {
    const found = await bisect(
      seed,
      opts,
      join(dir, "bisect"),
      (s) => process.stdout.write(`${s}\n`),
      bad.options,
    );
    if (found && found.units > 0) {
      const unit = found.units - 1;
      process.stdout.write(
        `\nfirst divergence at unit ${unit} (${found.program.units[unit]!.kind}), ${found.units} units:\n`,
      );
      process.stdout.write(
        `${listing(found.program, [], unit)}\n${report(found.program, found.verdict, false)}\n`,
      );
    } else if (found) {
      process.stdout.write("even the empty body diverges: the prologue or epilogue\n");
    }
  }
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`rerun: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
