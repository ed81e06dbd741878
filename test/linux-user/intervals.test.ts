// The sorted interval list under the address space and the VMA record: carving splits at the
// edges, insertion joins neighbours only when allowed, lookups agree with a page-by-page model.

import assert from "node:assert/strict";
import { test } from "node:test";
import { IntervalList } from "../../src/linux-user/intervals.js";
import { Prng } from "../../src/machine/prng.js";

interface Span {
  start: number;
  end: number;
  tag: number;
}

const spans = () =>
  new IntervalList<Span>(
    (v, at) => ({ start: at, end: v.end, tag: v.tag }),
    (a, b) => a.tag === b.tag,
  );
const shape = (l: IntervalList<Span>) => l.items.map((v) => [v.start, v.end, v.tag]);

test("carving the middle of an interval leaves its two ends", () => {
  const l = spans();
  l.insert({ start: 10, end: 100, tag: 1 });
  assert.deepEqual(
    l.carve(40, 50).map((v) => [v.start, v.end, v.tag]),
    [[40, 50, 1]],
  );
  assert.deepEqual(shape(l), [
    [10, 40, 1],
    [50, 100, 1],
  ]);
  assert.equal(l.find(45), undefined);
  assert.equal(l.find(50)?.start, 50);
  assert.equal(l.firstHole(10, 100), 40);
  assert.ok(!l.covers(10, 100));
  assert.ok(l.covers(50, 100));
});

test("carving across several intervals clips the ones at its edges and removes the rest", () => {
  const l = spans();
  for (const [s, e, t] of [
    [0, 10, 1],
    [10, 20, 2],
    [30, 40, 1],
    [40, 50, 2],
  ] as const) {
    l.insert({ start: s, end: e, tag: t });
  }
  assert.deepEqual(
    l.carve(5, 45).map((v) => [v.start, v.end]),
    [
      [5, 10],
      [10, 20],
      [30, 40],
      [40, 45],
    ],
  );
  assert.deepEqual(shape(l), [
    [0, 5, 1],
    [45, 50, 2],
  ]);
  assert.deepEqual(l.carve(5, 45), [], "nothing left there");
});

test("inserting joins touching neighbours of the same kind, on either side or both", () => {
  const l = spans();
  l.insert({ start: 0, end: 10, tag: 1 });
  l.insert({ start: 20, end: 30, tag: 1 });
  l.insert({ start: 30, end: 40, tag: 2 });
  assert.equal(l.length, 3);
  l.insert({ start: 10, end: 20, tag: 1 });
  assert.deepEqual(shape(l), [
    [0, 30, 1],
    [30, 40, 2],
  ]);
  assert.throws(() => l.insert({ start: 35, end: 45, tag: 2 }), /overlap/);
});

test("random carves and inserts agree with a point-by-point model", () => {
  const rng = new Prng(11);
  const l = spans();
  const model: number[] = new Array(200).fill(0);
  for (let step = 0; step < 2000; step++) {
    const [a, b] = rng.bytes(2);
    const s = Math.min(a!, b!) % 200;
    const e = Math.min(200, s + 1 + (Math.max(a!, b!) % 20));
    const tag = 1 + (rng.bytes(1)[0]! % 3);
    l.carve(s, e);
    if (tag !== 3) l.insert({ start: s, end: e, tag });
    model.fill(tag === 3 ? 0 : tag, s, e);
    for (let i = 1; i < l.items.length; i++) {
      const p = l.items[i - 1]!;
      const v = l.items[i]!;
      assert.ok(p.end <= v.start, "sorted and disjoint");
      assert.ok(p.end < v.start || p.tag !== v.tag, "touching intervals of one kind are joined");
    }
  }
  for (let x = 0; x < 200; x++) assert.equal(l.find(x)?.tag ?? 0, model[x], `point ${x}`);
});
