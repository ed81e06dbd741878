// The `hartscope` command as a user meets it: help, version, options, and every kind of bad input
// answered by one line on stderr and a shell-style exit status, never a stack trace.

import assert from "node:assert/strict";
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { buildC, GUEST_BIN, hartscope, needCC } from "../linux-user/guest.js";
import { tempDir } from "../temp-dir.js";
import { skipWithout, tool } from "../tools.js";

const HELLO = join(GUEST_BIN, "hello");
const version = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")).version;

function tmp(): string {
  return tempDir("hartscope-cli-");
}

/** A copy of hello with some bytes changed. */
function patched(edit: (b: Buffer) => void): string {
  const b = readFileSync(HELLO);
  edit(b);
  const path = join(tmp(), "patched");
  writeFileSync(path, b);
  return path;
}

function fails(args: string[], status: number, stderr: string, cwd?: string): void {
  const r = hartscope(args, { cwd });
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, stderr);
  assert.equal(r.status, status);
}

test("--help and --version", () => {
  const h = hartscope(["--help"]);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^usage: hartscope COMMAND \[OPTIONS\]\n/);
  for (const opt of [
    "--stats",
    "--strict",
    "--root DIR",
    "--sysroot DIR",
    "--quantum N",
    "--wall-clock",
    "--seed N",
  ]) {
    assert.ok(h.stdout.includes(opt), opt);
  }
  assert.ok(h.stdout.includes("disasm PROG [--func NAME]"));
  const v = hartscope(["--version"]);
  assert.deepEqual([v.status, v.stdout, v.stderr], [0, `hartscope ${version}\n`, ""]);
  for (const args of [
    ["run", "--help"],
    ["disasm", "-h"],
  ]) {
    assert.deepEqual(hartscope(args), { ...h }, args.join(" "));
  }
  // after the program, --help is the guest's
  const g = hartscope(["run", HELLO, "--help"]);
  assert.equal(g.status, 0);
  assert.match(g.stdout, /argv\[1\] = --help/);
});

test("no command: usage on stderr, status 1", () => {
  const r = hartscope([]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^usage: hartscope COMMAND/);
});

test("bad command lines: one line, status 1", () => {
  fails(["frobnicate"], 1, "hartscope: unknown command 'frobnicate' (try hartscope --help)\n");
  fails(["run"], 1, "hartscope: run: missing program (usage: hartscope run [OPTIONS] PROG [ARGS...])\n");
  fails(["run", "--bogus", HELLO], 1, "hartscope: unknown option '--bogus' for run (try hartscope --help)\n");
  fails(
    ["run", "--quantum", "5", HELLO],
    1,
    "hartscope: --quantum must be an integer from 64 to 2147483647 (got '5')\n",
  );
  fails(
    ["run", "--quantum=lots", HELLO],
    1,
    "hartscope: --quantum must be an integer from 64 to 2147483647 (got 'lots')\n",
  );
  fails(
    ["run", "--seed", "-1", HELLO],
    1,
    "hartscope: --seed must be an integer from 0 to 9007199254740991 (got '-1')\n",
  );
  fails(["run", "--root"], 1, "hartscope: --root needs a value\n");
  fails(["run", "--stats=yes", HELLO], 1, "hartscope: --stats takes no value\n");
  fails(
    ["run", "--root", "/nonexistent-dir", HELLO],
    1,
    "hartscope: --root /nonexistent-dir: not a directory\n",
  );
  fails(["run", "--sysroot", HELLO, HELLO], 1, `hartscope: --sysroot ${HELLO}: not a directory\n`);
  fails(["disasm"], 1, "hartscope: disasm: missing program (usage: hartscope disasm PROG [--func NAME])\n");
  fails(["disasm", HELLO, "--func"], 1, "hartscope: --func needs a function name\n");
  fails(
    ["disasm", HELLO, "--func", "mian"],
    1,
    `hartscope: ${HELLO}: no function named "mian"; similar: main, mmap\n`,
  );
  fails(
    ["disasm", HELLO, "--frob"],
    1,
    "hartscope: unknown option '--frob' for disasm (try hartscope --help)\n",
  );
});

test("program files that cannot be run: 127 when missing, 126 otherwise", () => {
  const dir = tmp();
  fails(["run", "./no-such-program"], 127, "hartscope: ./no-such-program: no such file\n", dir);
  fails(["run", dir], 126, `hartscope: ${dir}: is a directory\n`);
  fails(["disasm", "./no-such-program"], 127, "hartscope: ./no-such-program: no such file\n", dir);
  writeFileSync(join(dir, "script"), "#!/bin/sh\necho hi\n");
  fails(["run", "script"], 126, "hartscope: script: not an ELF file (bad magic at offset 0)\n", dir);
  writeFileSync(join(dir, "empty"), "");
  fails(["run", "empty"], 126, "hartscope: empty: not an ELF file (bad magic at offset 0)\n", dir);
  if (process.getuid?.() !== 0) {
    copyFileSync(HELLO, join(dir, "secret"));
    chmodSync(join(dir, "secret"), 0);
    fails(["run", "secret"], 126, "hartscope: secret: permission denied\n", dir);
  }
});

test("corrupt, foreign and unsuitable ELF files: the reason, status 126", () => {
  const machine = patched((b) => b.writeUInt16LE(62, 18));
  fails(["run", machine], 126, `hartscope: ${machine}: ELF for machine x86-64 (62), not RISC-V (243)\n`);
  const elf32 = patched((b) => {
    b[4] = 1;
  });
  fails(["run", elf32], 126, `hartscope: ${elf32}: 32-bit ELF (ELFCLASS32); hartscope runs RV64\n`);
  const big = patched((b) => {
    b[5] = 2;
  });
  fails(["run", big], 126, `hartscope: ${big}: big-endian ELF (ELFDATA2MSB); RISC-V is little-endian\n`);
  const truncated = join(tmp(), "truncated");
  writeFileSync(truncated, readFileSync(HELLO).subarray(0, 100));
  const r = hartscope(["run", truncated]);
  assert.equal(r.status, 126);
  assert.match(
    r.stderr,
    new RegExp(`^hartscope: ${truncated}: truncated: .* extends past end of file \\(size 100\\)\n$`),
  );
  const core = patched((b) => b.writeUInt16LE(4, 16));
  fails(["run", core], 126, `hartscope: ${core}: not an executable (ELF core file)\n`);
  const noLoad = patched((b) => {
    const phoff = Number(b.readBigUInt64LE(32));
    for (let i = 0; i < b.readUInt16LE(56); i++)
      if (b.readUInt32LE(phoff + 56 * i) === 1) b.writeUInt32LE(4, phoff + 56 * i);
  });
  fails(["run", noLoad], 126, `hartscope: ${noLoad}: program has no loadable segments\n`);
});

test("a dynamic program without --sysroot names its interpreter and the fix", () => {
  const dyn = join(GUEST_BIN, "hello-dynamic");
  fails(
    ["run", dyn],
    126,
    `hartscope: ${dyn}: dynamically linked program (interpreter /lib/ld-linux-riscv64-lp64d.so.1); ` +
      "run it with --sysroot DIR (e.g. --sysroot /usr/riscv64-linux-gnu) or link it with -static\n",
  );
});

test("a dynamic program runs with --sysroot", { skip: skipWithout("sysroot") }, () => {
  const r = hartscope(["run", "--sysroot", tool("sysroot"), join(GUEST_BIN, "hello-dynamic")]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.equal(r.stdout, hartscope(["run", HELLO]).stdout);
});

test("a relocatable object is refused", { skip: needCC }, () => {
  const obj = buildC("cli-obj", "int f(void) { return 1; }\n", ["-c"]);
  fails(["run", obj], 126, `hartscope: ${obj}: not an executable (ELF relocatable object file)\n`);
});

test("--stats: one line with instructions, seconds and MIPS; exit status passes through", {
  skip: needCC,
}, () => {
  const prog = buildC("exit-code", "#include <stdlib.h>\nint main(int c, char **v) { return atoi(v[1]); }\n");
  const r = hartscope(["run", "--stats", prog, "42"]);
  assert.equal(r.status, 42);
  assert.match(
    r.stderr,
    /^hartscope: retired [1-9]\d* instructions in \d+\.\d{3} s \(\d+\.\d MIPS\)\nhartscope: jit wasm: \d+ regions, .*\n$/,
  );
  assert.equal(hartscope(["run", prog, "263"]).status, 7, "exit status is 8 bits");
  // Options after PROG belong to the program.
  assert.equal(hartscope(["run", prog, "--stats"]).status, 0);
  assert.equal(hartscope(["run", "--", prog, "3"]).status, 3);
});

const UNIMPL_C = String.raw`
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  long a = syscall(0); /* io_setup */
  int e1 = errno;
  long b = syscall(0);
  long c = syscall(999);
  printf("%ld %s %ld %ld\n", a, strerror(e1), b, c);
  return 0;
}
`;

test("unimplemented syscalls: ENOSYS and one line each; --strict stops", { skip: needCC }, () => {
  const prog = buildC("unimpl", UNIMPL_C);
  const r = hartscope(["run", prog]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "-1 Function not implemented -1 -1\n");
  assert.equal(
    r.stderr,
    "hartscope: unimplemented syscall io_setup (0)\nhartscope: unimplemented syscall unknown (999)\n",
  );
  const s = hartscope(["run", "--strict", prog]);
  assert.equal(s.status, 1);
  assert.equal(s.stdout, "");
  assert.equal(s.stderr, "hartscope: unimplemented syscall io_setup (0) (--strict)\n");
});

test("--strict does not stop glibc's own probes (rseq, clone3 fallbacks)", () => {
  const r = hartscope(["run", "--strict", join(GUEST_BIN, "threads")]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
});

const FLOOD_C = String.raw`
#include <stdio.h>
#include <unistd.h>
int main(void) {
  static char line[100];
  for (int i = 0; i < 99; i++) line[i] = 'a' + i % 26;
  line[99] = '\n';
  for (int i = 0; i < 20000; i++) fwrite(line, 1, sizeof line, stdout);
  fflush(stdout);
  write(2, "done\n", 5);
  _exit(0);
}
`;

test("guest output is never lost, even 2 MB ending in _exit", { skip: needCC }, () => {
  const prog = buildC("flood", FLOOD_C);
  const r = hartscope(["run", prog]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.length, 2_000_000);
  assert.equal(r.stderr, "done\n");
});

test("disasm PROG --func NAME lists one function", () => {
  const r = hartscope(["disasm", HELLO, "--func", "main"]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /<main>:\n/);
});
