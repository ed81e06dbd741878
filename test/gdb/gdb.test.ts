// Debian's gdb-multiarch against `hartscope run -g`, and the same gdb commands against
// `qemu-riscv64 -g` (the reference): what gdb prints must be the same, but for thread names and
// stack addresses (stub.ts: normalized), and so must the program's output, which gdb's writes to
// registers and memory change. Threads, a static PIE and a dynamic program are checked on
// hartscope alone: qemu-riscv64 7.2's stub loses gdb in the threads case, and loads PIEs elsewhere.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { skipWithout } from "../tools.js";
import { killChildren, normalized, underGdb } from "./stub.js";

after(killChildren);

const needGdbAndQemu = { skip: skipWithout("gdb", "qemu") };
const needGdb = { skip: skipWithout("gdb") };

/** The commands under hartscope and under qemu: gdb's output and the program's, compared. */
async function sameAsQemu(prog: string, args: string[], commands: string[]) {
  const [h, q] = [
    await underGdb("hartscope", prog, args, commands),
    await underGdb("qemu", prog, args, commands),
  ];
  assert.equal(normalized(h.gdb), normalized(q.gdb));
  assert.equal(h.program.stdout, q.program.stdout, "the program's output");
  return h;
}

test(
  "gdb: breakpoints, backtraces, stepi, next and finish, registers and memory read as under qemu",
  needGdbAndQemu,
  async () => {
    const h = await sameAsQemu(
      "calls",
      ["0", "3"],
      [
        "break leaf",
        "continue",
        "bt",
        "info registers pc ra",
        "p thread",
        "x/3i $pc",
        "stepi",
        "stepi",
        "info registers pc",
        "delete",
        "break rec",
        "continue",
        "next",
        "next",
        "finish",
        "p/x $ra",
        "x/4xg $sp",
        "p $fcsr",
        "info registers fflags frm",
        "p $ft0",
      ],
    );
    // (not only the same: gdb got there)
    assert.match(h.gdb, /Breakpoint 1, leaf \(thread=0, seq=0\) at src\/calls\.c:28/);
    assert.match(h.gdb, /#6 +0x[0-9a-f]+ in main \(/);
    assert.match(
      h.gdb,
      /Breakpoint 2, rec \(n=3\) at src\/calls\.c:42/,
      "finish met the breakpoint one call down",
    );
  },
);

test(
  "gdb: writes to registers and memory change what the program does, as under qemu",
  needGdbAndQemu,
  async () => {
    const h = await sameAsQemu(
      "debuggee",
      [],
      [
        "break main",
        "continue",
        "set var limit = 2",
        "set var message[0] = 'C'",
        "break add",
        "continue",
        // add(a, b): a is a0 on entry
        "set var $a0 = 100",
        "finish",
        "delete",
        "continue", // SIGUSR1, which gdb passes on: the handler runs
        "continue",
      ],
    );
    assert.match(h.gdb, /Value returned is \$1 = 110/);
    assert.match(h.gdb, /Program received signal SIGUSR1/);
    assert.match(h.gdb, /exited with code 052/);
    assert.equal(
      h.program.stdout,
      "line 0: 110\nline 1: 11\nmessage: Cnchanged\nhandler ran for signal 10\ncounter: 3\n",
    );
    assert.equal(h.program.status, 42);
  },
);

test(
  "gdb: detach takes the breakpoints out and the program runs to its end, as under qemu",
  needGdbAndQemu,
  async () => {
    const h = await sameAsQemu("debuggee", [], ["break add", "continue", "bt 1", "detach"]);
    assert.match(h.gdb, /Breakpoint 1, add \(a=a@entry=0, b=b@entry=10\)/);
    assert.match(h.gdb, /\[Inferior 1 \(Remote target\) detached\]/);
    assert.equal(h.program.status, 42);
    assert.match(h.program.stdout, /^line 0: 10\nline 1: 11\nline 2: 12\n.*counter: 3\n$/s);
  },
);

test(
  "gdb: faults and signals stop the program before their delivery, as under qemu",
  needGdbAndQemu,
  async () => {
    const segv = await sameAsQemu("sigsegv", [], ["continue", "bt", "x/i $pc", "continue"]);
    assert.match(segv.gdb, /Program received signal SIGSEGV, Segmentation fault\.\n0x0+11032 in poke/);
    assert.match(segv.gdb, /Program terminated with signal SIGSEGV/);
    assert.equal(segv.program.status, 139);
    // handled SIGUSR1 and SIGUSR2, SIGSEGV left by siglongjmp, SIGILL and SIGTRAP (ebreak) whose
    // handlers move the pc: each stops; gdb passes all but SIGTRAP, which runs its ebreak again
    const signals = await sameAsQemu(
      "signals",
      [],
      ["handle SIGUSR2 nostop noprint pass", ...Array(12).fill("continue")],
    );
    assert.equal(signals.gdb.match(/Program received signal SIGSEGV/g)?.length, 3);
    assert.match(signals.gdb, /Program received signal SIGILL/);
    assert.doesNotMatch(signals.gdb, /SIGUSR2/);
  },
);

test(
  "gdb: threads — a breakpoint in each worker, info threads, stepping over a breakpoint while others wait; the same again",
  needGdb,
  async () => {
    const commands = [
      "handle SIGUSR1 nostop noprint pass",
      "break worker",
      "continue",
      "info threads",
      "continue",
      "thread 1",
      "bt 1",
      "info registers pc sp a0",
      "delete",
      "continue",
    ];
    const h = await underGdb("hartscope", "debuggee", [], commands);
    // virtual time and the deterministic scheduler: the same commands, the same session
    assert.equal((await underGdb("hartscope", "debuggee", [], commands)).gdb, h.gdb, "a second session");
    assert.equal(h.gdb.match(/Thread \d+ "debuggee" hit Breakpoint 1, worker \(arg=/g)?.length, 2, h.gdb);
    assert.match(h.gdb, /\[New Thread 1001\]/);
    assert.match(h.gdb, /\* 2 +Thread 1001 "debuggee" +worker \(arg=0x0\)/, "named as Linux names it");
    assert.match(h.gdb, /\[Inferior 1 \(Remote target\) exited with code 052\]/);
    assert.equal(
      h.program.stdout,
      "line 0: 10\nline 1: 11\nline 2: 12\nmessage: unchanged\nhandler ran for signal 10\ncounter: 3\n",
    );
  },
);

test(
  "gdb: a static PIE where hartscope loads it, and a dynamic program's shared libraries",
  needGdb,
  async () => {
    const pie = await underGdb("hartscope", "hello-pie", [], ["break main", "continue", "bt", "continue"]);
    assert.match(pie.gdb, /Breakpoint 1 at 0x2aaaaaa[0-9a-f]{3}: file src\/hello-pie\.c/);
    assert.match(pie.gdb, /Breakpoint 1, main \(argc=1, argv=0x[0-9a-f]+\) at src\/hello-pie\.c:13/);
    assert.match(pie.gdb, /exited normally/);
    const sysroot = "/usr/riscv64-linux-gnu";
    const dyn = await underGdb(
      "hartscope",
      "hello-dynamic",
      [],
      [`set sysroot ${sysroot}`, "break puts", "continue", "bt", "info sharedlibrary", "continue"],
      { runArgs: ["--sysroot", sysroot] },
    );
    assert.match(
      dyn.gdb,
      /Breakpoint 1, 0x[0-9a-f]+ in puts \(\) from \/usr\/riscv64-linux-gnu\/lib\/libc\.so\.6/,
    );
    assert.match(dyn.gdb, /#1 +0x0*2aaaaaa[0-9a-f]{3} in main \(/);
    assert.match(dyn.gdb, /Yes \(\*\) +\/usr\/riscv64-linux-gnu\/lib\/ld-linux-riscv64-lp64d\.so\.1/);
    assert.match(dyn.program.stdout, /^Hello/);
  },
);
