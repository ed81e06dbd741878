// Run by interpreter-warm-up.test.ts as `node --allow-natives-syntax --trace-deopt` (V8's own
// functions, named with % below, need the flag): warm the interpreter up as a run's first
// interpreted step does, have V8 optimize it from that feedback alone (plus a program that only
// exits, for the real hart's class), then run real programs with the block compiler, which leave
// cold code, side exits and page crossings to the interpreter (the programs named on the command
// line, else three of hartscope's guests). Prints the optimization status and the warm-ups done after
// each; the parent reads V8's deopt trace for the interpreter.

import { newScratchHart, warmUpsDone } from "../../src/hart/hart.js";
import { interpreter } from "../../src/hart/interpreter.js";
import { WarmUp, warmUpInterpreter } from "../../src/hart/interpreter-warm-up.js";
import { executeRare } from "../../src/hart/rare.js";
import { runGuest } from "../machine/guest-run.js";

const natives = (name: string) => new Function("f", `return %${name}(f);`) as (f: unknown) => number;

/** guest/bin/`prog` with the block compiler at its defaults: the exit code */
const run = (prog: string, args: string[]) => runGuest(prog, args, { jit: {} }).status.code;

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
