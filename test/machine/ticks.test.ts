// Ticks on virtual time: a per-hart tick (profile-N) fires each time its hart has retired another
// interval of instructions, exactly there, whichever engine runs; a machine timer (tick-N) fires
// at exact multiples of its interval of machine time, also while every thread sleeps.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Hart } from "../../src/hart/hart.js";
import { ENGINES, runGuest } from "./guest-run.js";

const NR_CLONE = 220;

test("a per-hart tick on a single thread fires at every multiple of its interval, interpreted and compiled", () => {
  const interval = 10_007;
  const runs = ENGINES.map(({ jit }) => {
    const at: number[] = [];
    const o = runGuest("hashtab", ["1500"], {
      jit,
      setup: (p) => {
        p.machine.probes.onTick(interval, (view) => {
          assert.equal(p.machine.now(), view.retired, "one thread, no sleep: machine time is its count");
          at.push(view.retired);
        });
      },
    });
    return { at, o };
  });
  for (const { at, o } of runs) {
    const final = o.p.machine.retired;
    const n = Math.floor(final / interval);
    assert.ok(n > 100);
    assert.deepEqual(
      at,
      Array.from({ length: n }, (_, k) => (k + 1) * interval),
    );
  }
  assert.deepEqual(runs[1]!.at, runs[0]!.at);
});

test("per-hart ticks in threads 4 100: each thread on its own count, from its creation, the same compiled", () => {
  const interval = 3001;
  const runs = ENGINES.map(({ jit }) => {
    const ticks = new Map<number, number[]>();
    const base = new Map<number, number>();
    const final = new Map<number, number>();
    runGuest("threads", ["4", "100"], {
      jit,
      quantum: 700,
      setup: (p) => {
        const pr = p.machine.probes;
        base.set(p.threads[0]!.tid, p.threads[0]!.hart.retired);
        pr.onTick(interval, (view) => {
          const list = ticks.get(view.id) ?? [];
          list.push(view.retired);
          ticks.set(view.id, list);
        });
        // a child's count when it was made: it has not run yet when clone returns in the parent
        pr.onSyscallReturn((_, nr, result) => {
          if (nr !== NR_CLONE) return;
          const child = p.machine.harts().find((h: Hart) => h.id === Number(result))!;
          base.set(child.id, child.retired);
        });
        // exit and exit_group: the last instruction of a thread
        pr.onSyscallEntry((view, nr) => {
          if (nr === 93 || nr === 94) final.set(view.id, view.retired);
        });
      },
    });
    return { ticks, base, final };
  });
  for (const { ticks, base, final } of runs) {
    assert.equal(base.size, 7);
    let total = 0;
    for (const [id, b] of base) {
      const n = Math.floor((final.get(id)! - b) / interval);
      assert.deepEqual(
        ticks.get(id) ?? [],
        Array.from({ length: n }, (_, k) => b + (k + 1) * interval),
        `thread ${id}`,
      );
      total += n;
    }
    assert.ok(total > 50);
  }
  assert.deepEqual([...runs[1]!.ticks], [...runs[0]!.ticks]);
});

test("a machine timer fires at exact multiples of machine time, while threads run and while they sleep", () => {
  const interval = 10_000;
  for (const { name, jit } of ENGINES) {
    const fired: { now: number; hart: number | undefined }[] = [];
    let start = 0;
    const o = runGuest("sys-env", [], {
      jit,
      setup: (p) => {
        start = p.machine.now();
        p.machine.probes.onTimer(interval, (view) => {
          fired.push({ now: p.machine.now(), hart: view?.id });
        });
      },
    });
    assert.match(o.stdout, /nanosleep 2 ms: 0, monotonic clock advanced at least 2 ms: yes/);
    const end = o.p.machine.now();
    const n = Math.floor((end - start) / interval);
    assert.deepEqual(
      fired.map((f) => f.now),
      Array.from({ length: n }, (_, k) => start + (k + 1) * interval),
      name,
    );
    // nanosleep's 2 ms pass with no thread running: 200 firings, no hart to show
    const idle = fired.filter((f) => f.hart === undefined).length;
    assert.equal(idle, 200, `${name}: firings while asleep`);
    assert.ok(
      fired.some((f) => f.hart === o.main.id),
      "and some while the thread ran",
    );
    // the guest's clock is the machine's
    assert.equal(o.p.clock.monotonicNs() - end, 1000e9);
  }
});

test("the machine timer's view is the thread that was running", () => {
  const ids = new Set<number>();
  let checked = 0;
  runGuest("threads", ["4", "100"], {
    quantum: 1000,
    setup: (p) => {
      p.machine.probes.onTimer(5000, (view) => {
        assert.ok(view, "threads never all sleep here");
        const hart = p.machine.current()!;
        assert.equal(view.id, hart.id);
        assert.equal(view.retired, hart.retired);
        ids.add(view.id);
        checked++;
      });
    },
  });
  assert.ok(checked > 20);
  assert.ok(ids.size >= 5, `timers landed in ${ids.size} threads`);
});

test("a removed tick or timer fires no more; intervals must be whole ns", () => {
  let ticks = 0;
  let timers = 0;
  runGuest("hashtab", ["500"], {
    setup: (p) => {
      const pr = p.machine.probes;
      const t = pr.onTick(1000, () => {
        if (++ticks === 7) t.remove();
      });
      const m = pr.onTimer(1000, () => {
        if (++timers === 9) m.remove();
      });
      assert.throws(() => pr.onTick(0, () => {}), /whole number of ns/);
      assert.throws(() => pr.onTimer(1.5, () => {}), /whole number of ns/);
    },
  });
  assert.equal(ticks, 7);
  assert.equal(timers, 9);
});
