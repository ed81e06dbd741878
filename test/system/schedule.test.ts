// The full system's scheduler: a fixed quantum, or seeded random quanta (--schedule-seed). The same
// seed gives the same run to the instruction; other seeds interleave the harts otherwise, and the
// kernels pass under every schedule.

import assert from "node:assert/strict";
import { test } from "node:test";
import { hartscope } from "../linux-user/guest.js";
import { boot, kernel } from "./kernels.js";

const run = (scheduleSeed: number | undefined, quantum = 200) => {
  const r = boot("interleave4", { harts: 4, scheduleSeed, quantum });
  assert.deepEqual(r.outcome, { status: 0 });
  assert.match(r.text, /^log complete\norder hash 0x[0-9a-f]+\n$/);
  return { text: r.text, retired: r.sys.retired, now: r.sys.machine.now() };
};

test("the same schedule seed gives the same run; other seeds interleave otherwise", () => {
  const a = run(1);
  assert.deepEqual(run(1), a, "seed 1 twice");
  const others = [2, 3, 4].map((s) => run(s).text);
  assert.ok(
    others.some((t) => t !== a.text),
    "some seed other than 1 lets the harts take the lock in another order",
  );
  // a fixed quantum is deterministic too, and differs from the random ones
  const fixed = run(undefined);
  assert.deepEqual(run(undefined), fixed);
});

test("--schedule-seed and --quantum on the command line: the same seed, the same output", () => {
  const args = ["system", "--bios", "none", "--smp", "4", "--kernel", kernel("interleave4")];
  const a = hartscope([...args, "--schedule-seed", "7", "--quantum", "100"]);
  const b = hartscope([...args, "--schedule-seed", "7", "--quantum", "100"]);
  assert.equal(a.status, 0);
  assert.equal(a.stderr, "");
  assert.deepEqual(b, a);
  const bad = hartscope([...args, "--schedule-seed", "x"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^hartscope: --schedule-seed must be an integer from 0 to \d+ \(got 'x'\)\n$/);
});

test("LR/SC under random quanta: no increment lost under the spinlock, whatever the seed", () => {
  // a reservation must not survive another hart's turn (it may have taken the lock in between):
  // seeds 7 and 10 with a quantum of 100 once let two harts in at once
  for (let seed = 1; seed <= 12; seed++) {
    const r = boot("interleave4", { harts: 4, scheduleSeed: seed, quantum: 100 });
    assert.deepEqual(r.outcome, { status: 0 }, `seed ${seed}`);
    assert.match(r.text, /^log complete\n/, `seed ${seed}`);
  }
});

for (const seed of [1, 2, 3]) {
  test(`kernels pass with schedule seed ${seed}`, () => {
    for (const harts of [2, 4]) {
      const smp = boot(`smp${harts}`, { harts, scheduleSeed: seed, quantum: 300 });
      assert.deepEqual(smp.outcome, { status: 0 }, `smp${harts}`);
      assert.match(smp.text, new RegExp(`all ${harts} harts done\\n$`));
    }
    const sbi = boot("sbi-smp-nonret", { sbi: true, harts: 4, scheduleSeed: seed, quantum: 500 });
    assert.deepEqual(sbi.outcome, { status: 0 }, "sbi-smp-nonret");
    assert.match(sbi.text, /harts = 4\r\n[\s\S]*done\r\n$/);
    assert.equal(sbi.text.match(/it ran the patched code/g)?.length, 3);
  });
}
