// The interpreter's warm-up (interpreter-warm-up.ts) runs every inline arm of both interpreters (FP
// unit on and off) as planned: each sequence retires all its entries and stops where it should. A
// fault would cut a sequence short and leave the ops after it without type feedback.

import assert from "node:assert/strict";
import { test } from "node:test";
import { newScratchHart } from "../../src/hart/hart.js";
import { interpreter } from "../../src/hart/interpreter.js";
import { warmUpInterpreter } from "../../src/hart/interpreter-warm-up.js";
import { executeRare } from "../../src/hart/rare.js";

for (const fpOff of [false, true]) {
  test(`the warm-up of the ${fpOff ? "FP-off " : ""}interpreter runs every sequence to its planned end`, () => {
    const missed = warmUpInterpreter(interpreter(executeRare, fpOff), fpOff, newScratchHart);
    assert.deepEqual(missed, []);
  });
}

test("a sequence cut short is reported", () => {
  // an interpreter that stops at once, retiring nothing
  const missed = warmUpInterpreter(() => 0, false, newScratchHart);
  assert.ok(missed.length > 0);
  assert.match(missed[0]!, /stop 0 after 0 instructions \(planned: stop 1 after \d+\)/);
});
