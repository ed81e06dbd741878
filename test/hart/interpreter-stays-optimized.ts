// Run by interpreter-warm-up.test.ts as `node --allow-natives-syntax --trace-deopt` (V8's own
// functions, named with % below, need the flag): warm the interpreter up as a run's first
// interpreted step does, have V8 optimize it from that feedback alone (plus a program that only
// exits, for the real hart's class), then run real programs with the block compiler, which leave
// cold code, side exits and page crossings to the interpreter (the programs named on the command
// line, else three of hartscope's guests). Prints the optimization status and the warm-ups done after
// each; the parent reads V8's deopt trace for the interpreter.

import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseElf } from "../../src/elf/elf.js";
import { newScratchHart, warmUpsDone } from "../../src/hart/hart.js";
import { interpreter } from "../../src/hart/interpreter.js";
import { WarmUp, warmUpInterpreter } from "../../src/hart/interpreter-warm-up.js";
import { executeRare } from "../../src/hart/rare.js";
import { LinuxProcess } from "../../src/linux-user/process.js";
import { runProcess } from "../../src/linux-user/scheduler.js";
import { GUEST_BIN } from "../linux-user/guest.js";

const natives = (name: string) => new Function("f", `return %${name}(f);`) as (f: unknown) => number;

function run(prog: string, args: string[]): number | undefined {
  const nul = openSync("/dev/null", "r+");
  try {
    const p = new LinuxProcess({
      root: "/",
      sysroot: "/usr/riscv64-linux-gnu",
      quantum: 10_000,
      wallClock: false,
      seed: 0,
      strict: false,
      warn: () => {},
      memoryBytes: 1 << 28,
      stdio: [nul, nul, nul],
      jit: {},
    });
    p.exec(parseElf(readFileSync(join(GUEST_BIN, prog)), prog), prog, [prog, ...args], []);
    return runProcess(p).code;
  } finally {
    closeSync(nul);
  }
}

const fn = interpreter(executeRare, false);
natives("PrepareFunctionForOptimization")(fn);
run("exit42", []);
warmUpInterpreter(fn, false, newScratchHart, WarmUp.ALL);
natives("OptimizeFunctionOnNextCall")(fn);
warmUpInterpreter(fn, false, newScratchHart, WarmUp.BASE);
console.log(`warmed up: status ${natives("GetOptimizationStatus")(fn)}`);
const named = process.argv.slice(2).map((p) => [p]);
for (const [prog, ...args] of named.length > 0
  ? named
  : [
      ["sort", "20000"],
      ["lz", "1024"],
      ["hashtab", "2000"],
    ]) {
  const code = run(prog!, args);
  const status = natives("GetOptimizationStatus")(fn);
  console.log(`${prog}: exit ${code}, status ${status}, warm-ups ${warmUpsDone(false)}`);
}
