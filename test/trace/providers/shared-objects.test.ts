// Probes in shared objects: a dynamic program run with the Debian cross sysroot gets fbt and kinst
// probes in libc.so.6 and ld.so, placed when the loader maps them; counts are checked against the
// program's own counts and against a single-stepped run; %a names libc's functions.

import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseElf } from "../../../src/elf/elf.js";
import { LinuxProcess } from "../../../src/linux-user/process.js";
import { runProcess } from "../../../src/linux-user/scheduler.js";
import { dynamicObjects, functionSymbols, neededLibraries } from "../../../src/trace/providers/index.js";
import { GUEST_BIN, hartscope } from "../../linux-user/guest.js";
import { tempDir } from "../../temp-dir.js";

const SYSROOT = "/usr/riscv64-linux-gnu";
const skip = existsSync(join(SYSROOT, "lib", "libc.so.6")) ? false : `no riscv64 sysroot at ${SYSROOT}`;
const PROG = join(GUEST_BIN, "dyn-alloc");

/** dyn-alloc's own counts. */
function groundTruth(stdout: string): { mallocs: number; strlens: number } {
  const m = /make_items: (\d+) mallocs, (\d+) strlens/.exec(stdout);
  assert.ok(m, stdout);
  return { mallocs: Number(m[1]), strlens: Number(m[2]) };
}

function rows(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const r = /^\s+(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

test("the objects of a dynamic program: its interpreter, then DT_NEEDED from the sysroot", { skip }, () => {
  const elf = parseElf(readFileSync(PROG), PROG);
  assert.deepEqual(neededLibraries(elf), ["libc.so.6"]);
  const objects = dynamicObjects(elf, SYSROOT, 0x1000);
  assert.deepEqual(
    objects.map((o) => [o.name, o.bias]),
    [
      ["ld-linux-riscv64-lp64d.so.1", 0x1000],
      ["libc.so.6", undefined],
    ],
  );
});

const CALLS = `
fbt::make_items:entry { self->in = 1; }
fbt::make_items:return { self->in = 0; }
fbt:libc.so.6:malloc:entry /self->in/ { @["malloc"] = count(); }
fbt:libc.so.6:malloc:return /self->in/ { @["malloc-return"] = count(); }
fbt:libc.so.6:strlen:entry /self->in/ { @["strlen"] = count(); }
`;

test("fbt:libc.so.6:malloc:entry from make_items equals the program's own count of its calls", {
  skip,
}, () => {
  for (const n of [5, 40]) {
    const r = hartscope(["trace", "-q", "--sysroot", SYSROOT, "-n", CALLS, PROG, String(n)]);
    assert.equal(r.status, 0, r.stderr);
    const truth = groundTruth(r.stdout);
    assert.equal(truth.mallocs, n);
    const c = rows(r.stderr);
    assert.equal(c.get("malloc"), truth.mallocs, r.stderr);
    assert.equal(c.get("malloc-return"), truth.mallocs, r.stderr);
    assert.equal(c.get("strlen"), truth.strlens, r.stderr);
  }
});

test("%a names libc's functions by module (libc.so.6`malloc+0x..) and the program's bare", { skip }, () => {
  const r = hartscope([
    "trace",
    "-q",
    "--sysroot",
    SYSROOT,
    "-n",
    'fbt:libc.so.6:malloc:return { printf("%a|%a\\n", uregs[R_PC], uregs[R_RA]); }',
    "-n",
    'fbt::make_items:entry { printf("%a\\n", uregs[R_PC]); }',
    PROG,
    "3",
  ]);
  assert.equal(r.status, 0, r.stderr);
  // each return is inside malloc; the caller of the three in make_items is named too
  assert.match(r.stderr, /^libc\.so\.6`malloc\+0x[0-9a-f]+\|/m);
  assert.equal(
    r.stderr.split("\n").filter((l) => /^libc\.so\.6`malloc\+0x[0-9a-f]+\|make_items\+0x[0-9a-f]+$/.test(l))
      .length,
    3,
    r.stderr,
  );
  assert.match(r.stderr, /^make_items$/m);
});

test("kinst:libc.so.6:strlen: fires once per strlen instruction a single-stepped run retires", {
  skip,
}, () => {
  const n = 12;
  const r = hartscope([
    "trace",
    "-q",
    "--sysroot",
    SYSROOT,
    "-n",
    'kinst:libc.so.6:strlen: { @["kinst"] = count(); }',
    PROG,
    String(n),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const traced = rows(r.stderr).get("kinst");

  // ground truth: the interpreter, one instruction per slice, every retired pc looked at
  const dir = tempDir("hs-so-");
  const fd = openSync(join(dir, "out"), "w");
  try {
    const p = new LinuxProcess({
      root: dir,
      sysroot: SYSROOT,
      quantum: 1,
      wallClock: false,
      seed: 0,
      strict: false,
      warn: () => {},
      stdio: [fd, fd, fd],
      jit: false,
      maxInstructions: 20_000_000, // a run gone wrong fails instead of hanging
    });
    p.exec(parseElf(readFileSync(PROG), PROG), PROG, [PROG, String(n)], []);
    const pcs = new Map<number, number>();
    p.machine.probes.onTick(1, (view) => pcs.set(view.pc, (pcs.get(view.pc) ?? 0) + 1));
    const status = runProcess(p);
    assert.equal(status.code, 0, status.message);
    const libc = p.vmas.list.find((v) => v.name.endsWith("/libc.so.6") && v.offset === 0);
    assert.ok(libc, "libc.so.6 is mapped");
    const libcElf = parseElf(readFileSync(join(SYSROOT, "lib", "libc.so.6")), "libc.so.6");
    const strlen = functionSymbols(libcElf, libc.start).find((f) => f.name === "strlen");
    assert.ok(strlen);
    let retired = 0;
    for (const [pc, k] of pcs) if (pc >= strlen.address && pc < strlen.address + strlen.size) retired += k;
    assert.ok(retired > n * 5, `strlen ran ${retired} instructions`);
    assert.equal(traced, retired, r.stderr);
  } finally {
    closeSync(fd);
  }
});

test("-l lists libc's and ld.so's probes without running the program", { skip }, () => {
  const r = hartscope([
    "trace",
    "--sysroot",
    SYSROOT,
    "-l",
    "-n",
    "fbt:libc.so.6:malloc:",
    "-n",
    "kinst:libc.so.6:strlen:0",
    "-n",
    "fbt:ld-linux-riscv64-lp64d.so.1::entry",
    PROG,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\s*\d+\s+fbt\s+libc\.so\.6\s+malloc entry$/m);
  assert.match(r.stdout, /^\s*\d+\s+fbt\s+libc\.so\.6\s+malloc return$/m);
  assert.match(r.stdout, /^\s*\d+\s+kinst\s+libc\.so\.6\s+strlen 0 \S+/m);
  assert.ok(
    r.stdout.split("\n").filter((l) => /\sfbt\s+ld-linux-riscv64-lp64d\.so\.1\s/.test(l)).length > 10,
  );
  assert.equal(r.stdout.includes("make_items: "), false); // the program did not run
});

test("probes in libc.so.6 trace byte-identically with the block compiler on and off", { skip }, () => {
  const script =
    'kinst:libc.so.6:strlen: /arg0 != 0/ { @[probename] = count(); } fbt:libc.so.6:free:entry { printf("%d %a\\n", tid, uregs[R_RA]); }';
  const runs = ["on", "off"].map((jit) =>
    hartscope(["trace", "-q", "--jit", jit, "--sysroot", SYSROOT, "-n", script, PROG, "25"]),
  );
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  assert.equal(runs[0]!.stderr, runs[1]!.stderr);
  assert.match(runs[0]!.stderr, /^1000 make_items\+0x|^1000 main\+0x/m);
});
