// The event queue on virtual time: deadline order, ties in scheduling order, cancel, events
// scheduled by events, and a randomized comparison with a sort of the same events.

import assert from "node:assert/strict";
import { test } from "node:test";
import { EventQueue } from "../../src/machine/events.js";
import { Prng } from "../../src/machine/prng.js";

test("an empty queue has no deadline and runs nothing", () => {
  const q = new EventQueue();
  assert.equal(q.next(), Number.POSITIVE_INFINITY);
  assert.equal(q.runDue(1e18), 0);
  assert.equal(q.size, 0);
});

test("events run in deadline order, only when due, with the deadline they were scheduled for", () => {
  const q = new EventQueue();
  const log: string[] = [];
  q.schedule(30, (at) => log.push(`c${at}`));
  q.schedule(10, (at) => log.push(`a${at}`));
  q.schedule(20, (at) => log.push(`b${at}`));
  assert.equal(q.next(), 10);
  assert.equal(q.runDue(9), 0);
  assert.equal(q.runDue(25), 2);
  assert.deepEqual(log, ["a10", "b20"]);
  assert.equal(q.next(), 30);
  assert.equal(q.runDue(100), 1);
  assert.deepEqual(log, ["a10", "b20", "c30"]);
  assert.equal(q.size, 0);
});

test("events due at the same time run in the order they were scheduled", () => {
  const q = new EventQueue();
  const log: number[] = [];
  for (let i = 0; i < 50; i++) q.schedule(i % 3 === 0 ? 5 : 7, () => log.push(i));
  q.runDue(7);
  const fives = [...Array(50).keys()].filter((i) => i % 3 === 0);
  const sevens = [...Array(50).keys()].filter((i) => i % 3 !== 0);
  assert.deepEqual(log, [...fives, ...sevens]);
});

test("a cancelled event never runs; cancelling twice or after running reports false", () => {
  const q = new EventQueue();
  const log: string[] = [];
  const a = q.schedule(1, () => log.push("a"));
  const b = q.schedule(2, () => log.push("b"));
  assert.equal(q.cancel(a), true);
  assert.equal(q.cancel(a), false);
  assert.equal(a.done, true);
  assert.equal(q.size, 1);
  assert.equal(q.next(), 2, "the cancelled top is skipped");
  q.runDue(10);
  assert.deepEqual(log, ["b"]);
  assert.equal(b.done, true);
  assert.equal(q.cancel(b), false);
});

test("an event can schedule another: due ones run in the same call, later ones wait", () => {
  const q = new EventQueue();
  const log: number[] = [];
  const periodic = (at: number) => {
    log.push(at);
    q.schedule(at + 10, periodic);
  };
  q.schedule(10, periodic);
  assert.equal(q.runDue(35), 3);
  assert.deepEqual(log, [10, 20, 30]);
  assert.equal(q.next(), 40);
});

test("runNext runs one due event at a time", () => {
  const q = new EventQueue();
  const log: number[] = [];
  q.schedule(3, () => log.push(3));
  q.schedule(1, () => log.push(1));
  assert.equal(q.runNext(0), false);
  assert.equal(q.runNext(5), true);
  assert.deepEqual(log, [1]);
  assert.equal(q.runNext(5), true);
  assert.equal(q.runNext(5), false);
  assert.deepEqual(log, [1, 3]);
});

test("clear cancels everything", () => {
  const q = new EventQueue();
  const h = q.schedule(1, () => assert.fail("ran after clear"));
  q.clear();
  assert.equal(h.done, true);
  assert.equal(q.size, 0);
  assert.equal(q.runDue(10), 0);
});

test("a NaN deadline is refused", () => {
  assert.throws(() => new EventQueue().schedule(Number.NaN, () => {}), /NaN/);
});

test("random schedules and cancels run like a stable sort of the surviving events", () => {
  const rng = new Prng(7);
  for (let round = 0; round < 20; round++) {
    const q = new EventQueue();
    const expected: { at: number; id: number }[] = [];
    const ran: number[] = [];
    const handles = [];
    for (let id = 0; id < 500; id++) {
      const at = rng.nextU32() % 64;
      handles.push(q.schedule(at, () => ran.push(id)));
      expected.push({ at, id });
    }
    const cancelled = new Set<number>();
    for (let k = 0; k < 100; k++) {
      const id = rng.nextU32() % 500;
      if (q.cancel(handles[id]!)) cancelled.add(id);
    }
    assert.equal(q.size, 500 - cancelled.size);
    // run in steps, as a machine does between slices
    for (let now = 0; now < 64; now += 1 + (rng.nextU32() % 5)) q.runDue(now);
    q.runDue(64);
    const want = expected
      .filter((e) => !cancelled.has(e.id))
      .sort((a, b) => a.at - b.at || a.id - b.id)
      .map((e) => e.id);
    assert.deepEqual(ran, want);
  }
});
