// gdb on the full system (`hartscope system -g`): each hart a thread, breakpoints by address while
// the harts translate nothing (bare metal in M-mode), a conditional breakpoint, memory written
// through gdb changing what the kernel prints, and Ctrl-C while every hart waits in WFI.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { skipWithout } from "../tools.js";
import { gdbBatch, killChildren, RspClient, startHartscope } from "./stub.js";

after(killChildren);

const needGdb = { skip: skipWithout("gdb") };

const KERNELS = fileURLToPath(new URL("../../../guest/kernels/bin/", import.meta.url));
const system = (kernel: string, ...more: string[]) =>
  startHartscope(["system", "--bios", "none", "--kernel", KERNELS + kernel, ...more, "-g", "0"]);

test(
  "gdb on the full system: four harts as threads, a breakpoint each of them hits, steps",
  needGdb,
  async () => {
    const stub = await system("smp4", "--smp", "4");
    const gdb = await gdbBatch(stub.port, `${KERNELS}smp4`, [
      "info threads",
      "x/2i $pc",
      "break kmain",
      "continue",
      "info registers pc",
      "p $a0 == $_thread - 1",
      // the CSRs and the privilege mode, as gdb's RISC-V support names them
      "info registers misa priv",
      "p $mhartid == $_thread - 1",
      "set $mscratch = 0x1234",
      "p/x $mscratch",
      "stepi",
      "continue",
      "continue",
      "continue",
      "p $a0 == $_thread - 1",
      "delete",
      "continue",
    ]);
    const end = await stub.ended;
    assert.match(gdb, /\* 1 +Thread 1 +0x0+80000000 in _start \(\)\n +2 +Thread 2 +0x0+80000000 in _start/);
    assert.match(gdb, /=> 0x80000000 <_start>:\tcsrr\tt0,mhartid/);
    // every hart reaches kmain once, with its hartid (thread - 1) in a0
    const hits = [...gdb.matchAll(/Thread (\d) hit Breakpoint 1, 0x0+8000007e in kmain/g)].map((m) => m[1]);
    assert.equal(new Set(hits).size, 4, gdb);
    assert.doesNotMatch(gdb, /\$\d+ = 0\n/, "a0 and mhartid hold each hart's id");
    assert.match(gdb, /0x0+80000080 in kmain \(\)/, "stepi");
    assert.match(gdb, /misa +0x800000000014112d\tRV64ACDFIMSU\npriv +0x3\tprv:3 \[Machine\]/);
    assert.match(gdb, /\$\d+ = 0x1234/);
    assert.match(gdb, /\[Inferior 1 \(Remote target\) exited normally\]/);
    assert.equal(end.status, 0, end.stderr);
    assert.match(end.stdout, /hart 3 round 2\nall 4 harts done\n$/);
  },
);

test(
  "gdb on the full system: a conditional breakpoint, and memory written through gdb",
  needGdb,
  async () => {
    const stub = await system("hello", "--smp", "2");
    const gdb = await gdbBatch(stub.port, `${KERNELS}hello`, [
      "break kmain if $a0 == 0",
      "continue",
      // (a string literal is a char array with its NUL: bytes find the text inside a longer one)
      "find /b 0x80000000, +0x2000, 'H', 'e', 'l', 'l', 'o'",
      // (the compiler made the first character an immediate: the second is read from memory)
      "set {char}($_ + 1) = 'a'",
      "x/s $_",
      "delete",
      "continue",
    ]);
    const end = await stub.ended;
    assert.match(gdb, /Thread 1 hit Breakpoint 1, 0x[0-9a-f]+ in kmain/);
    assert.match(gdb, /1 pattern found/);
    assert.match(gdb, /0x8000[0-9a-f]{4}:\t"Hallo from a RISC-V virt machine\\n"/);
    assert.equal(end.status, 0, end.stderr);
    assert.match(end.stdout, /^Hallo from a RISC-V virt machine\r?\n/);
  },
);

test(
  "gdb on the full system: breakpoints at virtual addresses before the page tables map them",
  needGdb,
  async () => {
    // paging.c (S-mode, the built-in SBI firmware): VA(4) = 0x40004000 becomes executable in its
    // page-fault handler, and 0x40005ffc is a function written on a page mapped after an SFENCE.VMA
    const stub = await startHartscope(["system", "--kernel", `${KERNELS}paging`, "-g", "0"]);
    const gdb = await gdbBatch(stub.port, `${KERNELS}paging`, [
      "break *0x40004000",
      "break *0x40005ffc",
      "continue",
      "info registers priv",
      "x/i $pc",
      "continue",
      "x/2i $pc",
      "delete",
      "continue",
    ]);
    const end = await stub.ended;
    assert.match(
      gdb,
      /Breakpoint 1, 0x0+40004000 in \?\? \(\)\npriv +0x1\tprv:1 \[Supervisor\]\n=> 0x40004000:\tret/,
    );
    assert.match(
      gdb,
      /Breakpoint 2, 0x0+40005ffc in \?\? \(\)\n=> 0x40005ffc:\tnop\n +0x40005ffe:\tadd\ta0,a0,291/,
    );
    assert.equal(end.status, 0, end.stderr);
    assert.match(
      end.stdout,
      /ran code on a page made executable after the fault\r?\nstraddling instruction: 0x100 \+ 0x123 = 547\r?\n/,
    );
    assert.match(end.stdout, /faults = 5\r?\ndone\r?\n$/);
  },
);

test("gdb on the full system: Ctrl-C while every hart waits in WFI; bad packets named", async () => {
  const stub = await system("idle");
  const c = await RspClient.connect(stub.port);
  assert.equal(await c.ask("qfThreadInfo"), "m1");
  assert.equal(await c.ask("m80000000,4").then((r) => r.length), 8, "RAM at 0x8000_0000");
  assert.equal(await c.ask("m0,4"), "E14", "nothing at 0");
  assert.equal(await c.ask("X80000000,0:"), "OK", "gdb's probe for X");
  assert.equal(await c.ask("m80000000,zz"), "E01");
  c.send("c");
  await new Promise((r) => setTimeout(r, 300));
  c.raw("\x03");
  assert.equal(await c.next(), "T02thread:1;");
  assert.equal(await c.ask("k"), "X09");
  c.close();
  const end = await stub.ended;
  assert.equal(end.status, 1);
  assert.match(end.stderr, /hartscope: gdb: bad packet 'm80000000,zz': length 'zz' is not a hex number/);
  assert.match(end.stderr, /hartscope: gdb killed the machine/);
});
