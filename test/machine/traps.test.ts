// Trap and syscall hooks in user-mode Linux fire exactly once per event: an ecall is a trap entry,
// its syscall's entry and return (a blocked one returns when it completes; exit and exit_group
// never return), and the trap return when the thread runs on. Faults are trap entries too; the
// thread goes back to the guest at its signal handler, or never when the signal kills it.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { Cause } from "../../src/hart/stop.js";
import type { LinuxProcess } from "../../src/linux-user/process.js";
import { syscallName } from "../../src/linux-user/syscall-names.js";
import { skipWithout, tool } from "../tools.js";
import { ENGINES, GUEST_BIN, type GuestOptions, runGuest, symbolOf } from "./guest-run.js";

interface Event {
  kind: "te" | "tr" | "se" | "sr";
  hart: number;
  pc: number;
  retired: number;
  /** te: cause; se, sr: syscall number */
  code?: number;
  tval?: number;
  result?: bigint;
  args?: readonly bigint[];
}

/** Record every trap and syscall hook, in order. */
function recorder(log: Event[]): GuestOptions["setup"] {
  return (p: LinuxProcess) => {
    const pr = p.machine.probes;
    pr.onTrapEntry((v, cause, tval) =>
      log.push({ kind: "te", hart: v.id, pc: v.pc, retired: v.retired, code: cause, tval }),
    );
    pr.onTrapReturn((v) => log.push({ kind: "tr", hart: v.id, pc: v.pc, retired: v.retired }));
    pr.onSyscallEntry((v, nr, args) =>
      log.push({ kind: "se", hart: v.id, pc: v.pc, retired: v.retired, code: nr, args }),
    );
    pr.onSyscallReturn((v, nr, result) =>
      log.push({ kind: "sr", hart: v.id, pc: v.pc, retired: v.retired, code: nr, result }),
    );
  };
}

const NR_EXIT = 93;
const NR_EXIT_GROUP = 94;
const NR_WRITE = 64;
const NR_CLONE = 220;

/**
 * Per hart, the events of each ecall come as trap entry, syscall entry, syscall return, trap
 * return, with the same pc (the ecall, then the instruction after it) and no instruction in
 * between; the last ecall of a thread that ends is an entry with no return. Returns the syscalls.
 */
function checkSyscallPattern(log: Event[], hart: number, last: number): Event[] {
  const ev = log.filter((e) => e.hart === hart);
  const calls: Event[] = [];
  let i = 0;
  while (i < ev.length) {
    const te = ev[i]!;
    const se = ev[i + 1];
    assert.equal(te.kind, "te", `hart ${hart} event ${i}: ${JSON.stringify(te, big)}`);
    assert.equal(te.code, Cause.ECALL_U);
    assert.ok(se && se.kind === "se" && se.pc === te.pc && se.retired === te.retired, `hart ${hart} at ${i}`);
    calls.push(se);
    if (i + 2 === ev.length) {
      assert.equal(se.code, last, `hart ${hart} ends with ${syscallName(last)}`);
      break;
    }
    const sr = ev[i + 2]!;
    const tr = ev[i + 3]!;
    assert.ok(sr.kind === "sr" && sr.code === se.code, `hart ${hart}: return of ${syscallName(se.code!)}`);
    assert.equal(sr.pc, te.pc + 4, "the syscall returns after its ecall");
    assert.equal(sr.retired, te.retired, "no instruction between entry and return");
    assert.ok(tr && tr.kind === "tr" && tr.pc === te.pc + 4 && tr.retired === te.retired);
    i += 4;
  }
  return calls;
}

const big = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** The syscall names qemu-riscv64 -strace reports for guest/bin/`program` `args`. */
function qemuSyscalls(program: string, args: string[]): string[] {
  const r = spawnSync(tool("qemu"), ["-strace", join(GUEST_BIN, program), ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr
    .split("\n")
    .map((line) => /^\d+ (\w+)\(/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined);
}

test("hello: one trap entry, syscall entry, return and trap return per syscall, the same syscalls as qemu -strace", {
  skip: skipWithout("qemu"),
}, () => {
  const want = qemuSyscalls("hello", ["a", "b"]);
  assert.ok(want.includes("write"));
  for (const { name, jit } of ENGINES) {
    const log: Event[] = [];
    const o = runGuest("hello", ["a", "b"], { jit, setup: recorder(log) });
    assert.equal(o.stdout, "Hello from RISC-V!\nargv[1] = a\nargv[2] = b\n");
    const calls = checkSyscallPattern(log, o.main.id, NR_EXIT_GROUP);
    assert.deepEqual(
      calls.map((c) => syscallName(c.code!)),
      want,
      name,
    );
    const writes = log.filter((e) => e.kind === "se" && e.code === NR_WRITE);
    assert.equal(writes.length, want.filter((n) => n === "write").length);
    const written = log.filter((e) => e.kind === "sr" && e.code === NR_WRITE);
    assert.deepEqual(
      written.map((e) => e.result),
      [BigInt(Buffer.byteLength(o.stdout))],
    );
    assert.equal(writes[0]!.args![0], 1n, "write(1, ...)");
    assert.equal(writes[0]!.args![2], BigInt(Buffer.byteLength(o.stdout)));
  }
});

test("a syscall that fails returns its -errno as a signed result", () => {
  const log: Event[] = [];
  runGuest("signals", [], { setup: recorder(log) });
  // pipes(): two writes of 1 byte to a pipe whose read end is closed, SIGPIPE ignored then handled
  const writes = log.filter((e) => e.kind === "sr" && e.code === NR_WRITE && e.result! < 0n);
  assert.deepEqual(
    writes.map((e) => e.result),
    [-32n, -32n],
    "EPIPE",
  );
});

test("threads 4 100: every thread's syscalls pair up, blocking futex waits return once", () => {
  for (const { name, jit } of ENGINES) {
    const log: Event[] = [];
    const o = runGuest("threads", ["4", "100"], { jit, quantum: 500, setup: recorder(log) });
    assert.match(o.stdout, /mutex counter: 800 \(ok\)/);
    const harts = [...new Set(log.map((e) => e.hart))];
    assert.equal(harts.length, 7, `${name}: main, 4 workers, 2 ping-pong threads`);
    let futexWaits = 0;
    for (const h of harts) {
      const calls = checkSyscallPattern(log, h, h === o.main.id ? NR_EXIT_GROUP : NR_EXIT);
      futexWaits += calls.filter((c) => syscallName(c.code!) === "futex").length;
    }
    assert.ok(futexWaits > 10, `${name}: threads blocked in futex (${futexWaits})`);
    // clone returns the child's id, and the child is one of the harts seen
    const clones = log.filter((e) => e.kind === "sr" && e.code === NR_CLONE);
    assert.equal(clones.length, 6);
    const children = clones.map((e) => Number(e.result)).sort();
    assert.deepEqual(children, harts.filter((h) => h !== o.main.id).sort());
  }
});

test("trap hooks on several threads see machine time only go forward", () => {
  const seen: string[] = [];
  runGuest("threads", ["2", "50"], {
    setup: (p) => {
      p.machine.probes.onTrapEntry((v) => {
        seen.push(`${v.id}:${p.machine.now()}`);
      });
      p.machine.probes.onTrapReturn((v) => {
        seen.push(`${v.id}:${p.machine.now()}`);
      });
    },
  });
  const times = seen.map((s) => Number(s.split(":")[1]));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, "time never goes back");
});

test("sigsegv: the fault is one trap entry with its cause, tval and pc, and the thread never returns", () => {
  for (const { name, jit } of ENGINES) {
    const log: Event[] = [];
    const o = runGuest("sigsegv", [], { jit, setup: recorder(log) });
    assert.equal(o.status.signal, 11, name);
    const faults = log.filter((e) => e.kind === "te" && e.code !== Cause.ECALL_U);
    assert.equal(faults.length, 1);
    const f = faults[0]!;
    assert.equal(f.code, Cause.STORE_PAGE_FAULT);
    assert.equal(f.tval, 0xdead0000);
    const poke = symbolOf("sigsegv", "poke.constprop.0");
    assert.ok(f.pc >= poke && f.pc < poke + 16, `the store in poke (0x${f.pc.toString(16)})`);
    assert.equal(log.at(-1), f, "nothing after the fatal fault");
  }
});

test("signals: each fault is one trap entry, and the thread goes back to the guest at its handler", () => {
  for (const { name, jit } of ENGINES) {
    const log: Event[] = [];
    const o = runGuest("signals", [], { jit, setup: recorder(log) });
    assert.match(o.stdout, /SIGTRAP from ebreak/);
    const faults = log.flatMap((e, i) => (e.kind === "te" && e.code !== Cause.ECALL_U ? [i] : []));
    assert.deepEqual(
      faults.map((i) => log[i]!.code),
      [
        Cause.STORE_PAGE_FAULT,
        Cause.STORE_PAGE_FAULT,
        Cause.STORE_PAGE_FAULT,
        Cause.ILLEGAL_INSTRUCTION,
        Cause.BREAKPOINT,
      ],
      name,
    );
    const [segv1, , segv3, ill, brk] = faults.map((i) => log[i]!);
    assert.equal(segv1!.tval, 0x10);
    assert.equal(segv3!.tval, 0x20);
    assert.equal(ill!.tval, 0xb, "the illegal instruction's bits");
    assert.equal(brk!.tval, brk!.pc, "ebreak: tval is the pc");
    const onSegv = symbolOf("signals", "on_segv");
    const skipInsn = symbolOf("signals", "skip_insn");
    faults.forEach((i, k) => {
      const next = log[i + 1]!;
      assert.equal(next.kind, "tr", `fault ${k} is followed by its trap return`);
      assert.equal(next.pc, k < 3 ? onSegv : skipInsn, `fault ${k} returns to its handler`);
      assert.equal(next.retired, log[i]!.retired);
    });
    // every ecall, too, is one entry and (but for exit_group) one return
    const entries = log.filter((e) => e.kind === "te").length;
    const returns = log.filter((e) => e.kind === "tr").length;
    assert.equal(returns, entries - 1);
  }
});
