// The tracer sees every process: pid, ppid and execname in a clause are those of the process
// whose thread fired the probe. guest/bin/proc-pids writes from itself, a forked child and a child
// that execs hello, and prints each one's pid and ppid as getpid()/getppid() give them.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { GUEST_PID } from "../../src/linux-user/process.js";
import { GUEST_BIN, hartscope } from "../linux-user/guest.js";

const SCRIPT =
  'syscall::write:entry { @[pid, ppid, execname] = count(); } END { printa("row %d %d %s %@d\\n", @); }';

test("syscall::write:entry keyed by pid, ppid, execname: one row per process, as the program says", () => {
  for (const jit of ["on", "off"]) {
    const r = hartscope(["trace", "-q", "--jit", jit, "-n", SCRIPT, join(GUEST_BIN, "proc-pids"), "."], {
      cwd: GUEST_BIN,
    });
    assert.equal(r.status, 0, r.stderr);
    const said = (what: string) => {
      const m = new RegExp(`^${what} pid (\\d+) ppid (\\d+)`, "m").exec(r.stdout);
      assert.ok(m, `${what} line in ${r.stdout}`);
      return [Number(m[1]), Number(m[2])];
    };
    const [parent, grand] = said("parent");
    const [child, childParent] = said("child");
    const [execed, execedParent] = said("exec child");
    // the trace prints on stderr, the program on stdout
    const rows = [...r.stderr.matchAll(/row (\d+) (\d+) (\S+) (\d+)$/gm)]
      .map((m) => `${m[1]} ${m[2]} ${m[3]} ${m[4]}`)
      .sort();
    // the parent writes its two lines, each child one (hello's stdout is flushed once at exit)
    assert.deepEqual(
      rows,
      [
        `${parent} ${grand} proc-pids 2`,
        `${child} ${childParent} proc-pids 1`,
        `${execed} ${execedParent} hello 1`,
      ].sort(),
      `jit ${jit}`,
    );
    assert.equal(new Set([parent, child, execed]).size, 3);
  }
});

test("fbt and kinst on a program fire in every process running it: forked children and later execs of it", () => {
  const script =
    "fbt:proc-exec:main:entry, kinst:proc-exec:main:0 { @[probeprov, pid, execname] = count(); } " +
    'proc:::exec-success { @[probeprov, pid, execname] = count(); } END { printa("row %s %d %s %@d\\n", @); }';
  for (const jit of ["on", "off"]) {
    const r = hartscope(["trace", "-q", "--jit", jit, "-n", script, join(GUEST_BIN, "proc-exec"), "."], {
      cwd: GUEST_BIN,
    });
    assert.equal(r.status, 0, r.stderr);
    const rows = [...r.stderr.matchAll(/row (\S+) (\d+) (\S+) (\d+)$/gm)].map((m) => ({
      prov: m[1]!,
      pid: Number(m[2]),
      name: m[3]!,
      count: Number(m[4]),
    }));
    const pids = (prov: string) =>
      rows
        .filter((x) => x.prov === prov)
        .map((x) => x.pid)
        .sort();
    // processes that became proc-exec by execve, as proc:::exec-success names them
    const execed = rows.filter((x) => x.prov === "proc" && x.name === "proc-exec").map((x) => x.pid);
    assert.ok(execed.length >= 3, `proc-exec execs itself several times (jit ${jit}): ${r.stderr}`);
    const first = GUEST_PID;
    const want = [first, ...execed].sort();
    assert.deepEqual(pids("fbt"), want, `fbt main:entry in each process running proc-exec (jit ${jit})`);
    assert.deepEqual(pids("kinst"), want, `kinst main:0 likewise (jit ${jit})`);
    for (const x of rows.filter((y) => y.prov !== "proc")) assert.equal(x.name, "proc-exec");
  }
});
