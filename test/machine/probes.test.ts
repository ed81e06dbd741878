// The machine's probe seam on real guests: instruction probes reach every hart of the machine
// (threads made by clone too), a hook sees the same retired count and virtual time whichever
// engine ran the code before it, a hook that throws is an error value and not a change to the
// run, and a hook cannot write to the guest.

import assert from "node:assert/strict";
import { test } from "node:test";
import { GUEST_PID } from "../../src/linux-user/process.js";
import type { Registration } from "../../src/machine/probes.js";
import { compiledRegions, ENGINES, runGuest } from "./guest-run.js";

test("a probe on worker of threads 4 100 fires once in each of the 4 threads, interpreted and compiled", () => {
  const plain = runGuest("threads", ["4", "100"]);
  for (const { name, jit } of ENGINES) {
    const ids: number[] = [];
    const o = runGuest("threads", ["4", "100"], {
      jit,
      setup: (p, sym) => {
        p.machine.probes.onInstruction(sym("worker"), (view) => {
          ids.push(view.id);
        });
      },
    });
    assert.equal(ids.length, 4, `${name}: hits ${ids.length}`);
    assert.equal(new Set(ids).size, 4, `${name}: four different threads (${ids})`);
    assert.ok(!ids.includes(GUEST_PID), `${name}: not the main thread`);
    assert.equal(o.stdout, plain.stdout);
    assert.equal(o.exit, plain.exit);
    assert.match(o.stdout, /amoadd counter: 400 \(ok\)/);
    if (jit !== false) assert.ok(compiledRegions(o.main) > 0, "the workers' loops ran compiled");
  }
});

test("a hook's retired count and virtual time are the same interpreted and compiled, at every firing", () => {
  const runs = ENGINES.map(({ jit }) => {
    const seen: string[] = [];
    const o = runGuest("hashtab", ["1500"], {
      jit,
      quantum: 3000,
      setup: (p, sym) => {
        p.machine.probes.onInstruction(sym("make_word"), (view) => {
          // the time CSR's clock and the machine's agree too
          seen.push(`${view.id} ${view.retired} ${p.machine.now()} ${p.clock.monotonicNs()}`);
        });
      },
    });
    return { seen, o };
  });
  const [interpreted, compiled] = runs as [(typeof runs)[0], (typeof runs)[0]];
  assert.equal(interpreted.seen.length, 3000);
  assert.deepEqual(compiled.seen, interpreted.seen);
  assert.ok(compiledRegions(compiled.o.main) > 0);
  // single thread: the machine's time is the hart's retired count at the probe
  for (const line of interpreted.seen) {
    const [, retired, now] = line.split(" ");
    assert.equal(retired, now);
  }
});

test("the same for probes in every thread of threads 4 100", () => {
  const seen = ENGINES.map(({ jit }) => {
    const lines: string[] = [];
    runGuest("threads", ["4", "100"], {
      jit,
      quantum: 997,
      setup: (p, sym) => {
        for (const f of ["worker", "ping_pong", "__pthread_mutex_lock"]) {
          p.machine.probes.onInstruction(sym(f), (view) => {
            lines.push(`${f} ${view.id} ${view.retired} ${p.machine.now()}`);
          });
        }
      },
    });
    return lines;
  });
  assert.ok(seen[0]!.length > 400, "the mutex is taken in every iteration");
  assert.deepEqual(seen[1], seen[0]);
});

test("a hook that throws leaves the guest's output and exit status unchanged; the error is a value", () => {
  const plain = runGuest("threads", ["4", "100"]);
  for (const { name, jit } of ENGINES) {
    let workerVa = 0;
    let reg: Registration | undefined;
    const o = runGuest("threads", ["4", "100"], {
      jit,
      setup: (p, sym) => {
        workerVa = sym("worker");
        reg = p.machine.probes.onInstruction(workerVa, (view) => {
          throw new Error(`boom in ${view.id}`);
        });
        p.machine.probes.onInstruction(sym("__pthread_mutex_lock"), () => {
          throw new RangeError("every mutex lock");
        });
      },
    });
    assert.equal(o.stdout, plain.stdout, name);
    assert.equal(o.exit, plain.exit, name);
    assert.equal(o.p.machine.retired, plain.p.machine.retired, name);
    const errors = o.p.machine.probes.errors;
    const boom = errors.filter((e) => e.probe === `instruction 0x${workerVa.toString(16)}`);
    assert.equal(boom.length, 4);
    for (const e of boom) {
      assert.equal(e.kind, "instruction");
      assert.equal(e.hook, reg, "the registration that threw");
      assert.equal(e.pc, workerVa);
      assert.ok(e.error instanceof Error && e.error.message === `boom in ${e.hart}`);
      assert.ok(e.retired !== undefined && e.retired > 0);
    }
    // every thread locks the mutex in each of its iterations (and glibc at start-up and exit)
    assert.ok(errors.length - boom.length >= 400, "pthread_mutex_lock: 4 threads x 100 iterations");
    assert.equal(o.p.machine.probes.errorCount, errors.length);
  }
});

test("hooks of every kind that throw: the run goes on, each error recorded with its kind", () => {
  const plain = runGuest("threads", ["2", "50"]);
  const o = runGuest("threads", ["2", "50"], {
    setup: (p) => {
      const pr = p.machine.probes;
      const fail = (what: string) => () => {
        throw new Error(what);
      };
      pr.onTrapEntry(fail("trap-entry"));
      pr.onTrapReturn(fail("trap-return"));
      pr.onSyscallEntry(fail("syscall-entry"));
      pr.onSyscallReturn(fail("syscall-return"));
      pr.onTick(5000, fail("tick"));
      pr.onTimer(7000, fail("timer"));
    },
  });
  assert.equal(o.stdout, plain.stdout);
  assert.equal(o.exit, plain.exit);
  const kinds = new Set(o.p.machine.probes.errors.map((e) => e.kind));
  assert.deepEqual([...kinds].sort(), [
    "syscall-entry",
    "syscall-return",
    "tick",
    "timer",
    "trap-entry",
    "trap-return",
  ]);
  for (const e of o.p.machine.probes.errors) assert.equal((e.error as Error).message, e.kind);
});

test("errors reach onError listeners as they happen", () => {
  const heard: string[] = [];
  const o = runGuest("hashtab", ["20"], {
    setup: (p, sym) => {
      p.machine.probes.onError((e) => heard.push(`${e.kind} ${e.pc}`));
      p.machine.probes.onInstruction(sym("make_word"), () => {
        throw new Error("x");
      });
    },
  });
  assert.equal(heard.length, 40);
  assert.equal(heard.length, o.p.machine.probes.errors.length);
});

test("a hook cannot change the guest: view.read gives a copy, and the view has nothing to write with", () => {
  const plain = runGuest("hashtab", ["1500"]);
  for (const { name, jit } of ENGINES) {
    let checked = 0;
    const o = runGuest("hashtab", ["1500"], {
      jit,
      setup: (p, sym) => {
        const va = sym("make_word");
        p.machine.probes.onInstruction(va, (view) => {
          // its own text, and the caller's stack frame
          const sp = view.xNumber(2);
          for (const [at, len] of [
            [va, 16],
            [sp, 32],
          ] as const) {
            const before = view.read(at, len);
            assert.ok(before, `readable 0x${at.toString(16)}`);
            const copy = Uint8Array.from(before);
            before.fill(0xff);
            assert.deepEqual(view.read(at, len), copy, "mutating what read returned changes nothing");
          }
          const pc = view.pc;
          const x2 = view.x(2);
          assert.throws(() => {
            (view as { pc: number }).pc = 0;
          });
          assert.equal(view.pc, pc);
          assert.equal(view.x(2), x2);
          assert.equal((view as unknown as Record<string, unknown>).write, undefined);
          assert.equal(view.read(0x1000, 4), undefined, "unreadable: undefined, no fault");
          checked++;
        });
      },
    });
    assert.equal(checked, 3000, name);
    assert.equal(o.p.machine.probes.errors.length, 0, String(o.p.machine.probes.errors[0]?.error));
    assert.equal(o.stdout, plain.stdout, name);
    assert.equal(o.exit, plain.exit, name);
    assert.equal(o.p.machine.retired, plain.p.machine.retired, name);
  }
});
