// The interpreter's warm-up (interpreter-warm-up.ts) runs every inline arm of both interpreters (FP
// unit on and off) as planned, in its two parts (RV64IM's ops, the others) and whole: each sequence
// retires all its entries and stops where it should. A fault would cut a sequence short and leave
// the ops after it without type feedback. And V8 keeps the interpreter it optimized from the warm-up's
// feedback alone through real programs' interpreted code (interpreter-stays-optimized.ts).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { newScratchHart } from "../../src/hart/hart.js";
import { INTERPRETER_NAME, interpreter } from "../../src/hart/interpreter.js";
import { WarmUp, warmUpInterpreter, warmUpOps } from "../../src/hart/interpreter-warm-up.js";
import { executeRare } from "../../src/hart/rare.js";
import { SPEC_BY_OP } from "../../src/isa/table.js";

for (const fpOff of [false, true]) {
  test(`the warm-up of the ${fpOff ? "FP-off " : ""}interpreter runs every sequence to its planned end`, () => {
    for (const which of [WarmUp.BASE, WarmUp.REST, WarmUp.ALL]) {
      const missed = warmUpInterpreter(interpreter(executeRare, fpOff), fpOff, newScratchHart, which);
      assert.deepEqual(missed, [], `warm-up ${which}`);
    }
  });

  test(`the ${fpOff ? "FP-off " : ""}interpreter's base warm-up is RV64IM's inline ops and FP loads and stores, the rest the others`, () => {
    const name = (op: number) => SPEC_BY_OP[op]!.name;
    const base = warmUpOps(fpOff, WarmUp.BASE).map(name);
    const rest = warmUpOps(fpOff, WarmUp.REST).map(name);
    assert.deepEqual([...base, ...rest].sort(), warmUpOps(fpOff, WarmUp.ALL).map(name).sort());
    for (const n of ["addi", "addw", "ld", "sb", "beq", "jalr", "mul", "divuw", "lui"])
      assert.ok(base.includes(n), n);
    for (const n of ["sh1add", "rev8", "andn"]) assert.ok(rest.includes(n), n);
    // (the FP-off interpreter runs FP loads and stores on the rare path, which finds them illegal)
    if (!fpOff) for (const n of ["fld", "fsw"]) assert.ok(base.includes(n), n);
  });
}

test("a sequence cut short is reported", () => {
  // an interpreter that stops at once, retiring nothing
  const missed = warmUpInterpreter(() => 0, false, newScratchHart);
  assert.ok(missed.length > 0);
  assert.match(missed[0]!, /stop 0 after 0 instructions \(planned: stop 1 after \d+\)/);
});

/** V8's %GetOptimizationStatus: the function has optimized code */
const OPTIMIZED = 1 << 4;

/** interpreter-stays-optimized.ts, run on `progs` (its default three when none) */
function stayOptimized(progs: string[]) {
  const child = fileURLToPath(new URL("interpreter-stays-optimized.js", import.meta.url));
  const out = spawnSync(process.execPath, ["--allow-natives-syntax", "--trace-deopt", child, ...progs], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(out.status, 0, out.stderr);
  return out;
}

test("the interpreter V8 optimized from the warm-up's feedback is not thrown away by real programs", () => {
  // (the trace names functions: the interpreter by its own name, apart from the run loop's methods)
  assert.equal(interpreter(executeRare, false).name, INTERPRETER_NAME);
  const out = stayOptimized([]);
  const lines = out.stdout.split("\n");
  // (V8 names the reason, and the next lines where in the generated source: which arm had none)
  const deopts = lines.flatMap((l, i) =>
    l.includes(`deoptimizing `) && l.includes(`<JSFunction ${INTERPRETER_NAME} `)
      ? [lines.slice(i, i + 4).join("\n")]
      : [],
  );
  assert.deepEqual(deopts, []);
  const runs = lines.filter((l) => /^(warmed up|\w+: exit)/.test(l));
  assert.equal(runs.length, 4, out.stdout.slice(-2000));
  for (const l of runs) {
    const [, code, status] = /(?:exit (\d+), )?status (\d+)/.exec(l)!;
    if (code !== undefined) assert.equal(code, "0", l);
    assert.ok((Number(status) & OPTIMIZED) !== 0, l);
  }
  // rv64gc programs: the warm-up's rest (Zba, Zbb...) is never needed
  for (const l of runs.slice(1)) assert.match(l, /warm-ups 1$/);
});

test("the warm-up's rest comes once a program's decoded instructions need it", () => {
  const out = stayOptimized(["isa-bitmanip"]);
  assert.match(out.stdout, /^isa-bitmanip: exit 0, status \d+, warm-ups 2$/m);
});
