// A region's loops (wasm/loops.ts): one per head as far as its furthest back edge, nested, and an
// overlapping one left out.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type LoopScope, loopScopes } from "../../../src/hart/wasm/loops.js";

/** "[lo-hi children...]" */
const show = (s: LoopScope): string => `[${s.lo}-${s.hi}${s.children.map((c) => ` ${show(c)}`).join("")}]`;

test("no back edges: the root alone", () => {
  assert.equal(show(loopScopes(4, [])), "[0-3]");
  assert.equal(
    show(loopScopes(4, [[2, 2]])),
    "[0-3]",
    "a block's branch to itself is its own loop, not one here",
  );
});

test("back edges to one head make one loop, to its furthest source", () => {
  assert.equal(
    show(
      loopScopes(6, [
        [1, 3],
        [1, 4],
        [1, 2],
      ]),
    ),
    "[0-5 [1-4]]",
  );
});

test("loops nest, in order, and a loop may start at the root's first block", () => {
  assert.equal(
    show(
      loopScopes(10, [
        [0, 9],
        [2, 4],
        [5, 8],
        [6, 7],
      ]),
    ),
    "[0-9 [0-9 [2-4] [5-8 [6-7]]]]",
  );
});

test("a loop that overlaps one holding its head is left out", () => {
  // 2..6 starts inside 0..4 and ends outside it: wasm loops must nest
  assert.equal(
    show(
      loopScopes(8, [
        [0, 4],
        [2, 6],
      ]),
    ),
    "[0-7 [0-4]]",
  );
  assert.equal(
    show(
      loopScopes(8, [
        [0, 4],
        [2, 6],
        [5, 7],
      ]),
    ),
    "[0-7 [0-4] [5-7]]",
  );
});

test("a loop holding an indirect jump is left out, one beside it is not", () => {
  const indirect = [false, false, true, false, false, false];
  assert.equal(
    show(
      loopScopes(
        6,
        [
          [0, 3],
          [4, 5],
        ],
        indirect,
      ),
    ),
    "[0-5 [4-5]]",
  );
  assert.equal(
    show(
      loopScopes(6, [
        [0, 3],
        [4, 5],
      ]),
    ),
    "[0-5 [0-3] [4-5]]",
  );
});
