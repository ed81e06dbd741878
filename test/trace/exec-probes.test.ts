// Probes given by module apply to every process and every image running the module: trace-exec,
// a dynamic PIE, runs again by execve of itself (the kernel maps it, ld.so and libc.so.6 where
// they were), through ld.so run as the program (ld.so is then at the kernel's PIE address and
// maps trace-exec at an address of its own) and in a forked child. Each image prints how often it
// called tick() and getppid(); the trace counts the firings per process and per image (a D
// variable counts proc:::exec-success) and must agree, with the block compiler on and off.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GUEST_BIN, hartscope } from "../linux-user/guest.js";

const SYSROOT = "/usr/riscv64-linux-gnu";
const skip = existsSync(join(SYSROOT, "lib", "libc.so.6")) ? false : `no riscv64 sysroot at ${SYSROOT}`;
const LDSO = "ld-linux-riscv64-lp64d.so.1";
const IMAGES = 5; // trace-exec 4: images 4 (the first), 3 (through ld.so), 2, 1 (through ld.so), 0

const SCRIPT = `BEGIN { image = ${IMAGES - 1}; }
proc:::exec-success { image--; }
fbt:trace-exec:tick:entry, fbt:trace-exec:tick:return, kinst:trace-exec:tick:0,
fbt:libc.so.6:getppid:entry, fbt:${LDSO}:_dl_debug_state:entry
{ @[probeprov, probemod, probefunc, probename, pid, image] = count(); }
fbt:trace-exec:tick:entry { @pc[image] = max(uregs[R_PC]); }
END { printa("row %s %s %s %s %d %d %@d\\n", @); printa("pc %d %@x\\n", @pc); }`;

interface Row {
  probe: string;
  pid: number;
  image: number;
  count: number;
}

function trace(n: number, jit: string): { rows: Row[]; pcs: Map<number, string>; stdout: string } {
  const r = hartscope(
    [
      "trace",
      "-q",
      "--jit",
      jit,
      "--sysroot",
      SYSROOT,
      "-n",
      SCRIPT,
      "./trace-exec",
      String(n),
      "./trace-exec",
    ],
    { cwd: GUEST_BIN },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = [...r.stderr.matchAll(/^row (\S+) (\S+) (\S+) (\S+) (\d+) (\d+) (\d+)$/gm)].map((m) => ({
    probe: `${m[1]}:${m[2]}:${m[3]}:${m[4]}`,
    pid: Number(m[5]),
    image: Number(m[6]),
    count: Number(m[7]),
  }));
  const pcs = new Map([...r.stderr.matchAll(/^pc (\d+) (\S+)$/gm)].map((m) => [Number(m[1]), m[2]!]));
  return { rows, pcs, stdout: r.stdout };
}

test("fbt and kinst on a PIE, libc.so.6 and ld.so fire in every image: execve of it, ld.so PROG, fork", {
  skip,
}, () => {
  for (const jit of ["on", "off"]) {
    const { rows, pcs, stdout } = trace(IMAGES - 1, jit);
    const count = (probe: string, pid: number, image: number) =>
      rows.find((x) => x.probe === probe && x.pid === pid && x.image === image)?.count ?? 0;
    // the program's own counts: "image N pid P: K ticks, K getppid" (a forked child in image 1)
    const said = [...stdout.matchAll(/^image (\d+) pid (\d+): (\d+) ticks, (\d+) getppid$/gm)].map((m) => ({
      image: Number(m[1]),
      pid: Number(m[2]),
      ticks: Number(m[3]),
      getppid: Number(m[4]),
    }));
    assert.equal(said.length, IMAGES + 1, stdout);
    for (const s of said) {
      const where = `image ${s.image} pid ${s.pid} (jit ${jit})`;
      assert.equal(count("fbt:trace-exec:tick:entry", s.pid, s.image), s.ticks, `tick:entry in ${where}`);
      assert.equal(count("fbt:trace-exec:tick:return", s.pid, s.image), s.ticks, `tick:return in ${where}`);
      assert.equal(count("kinst:trace-exec:tick:0", s.pid, s.image), s.ticks, `kinst tick:0 in ${where}`);
      assert.equal(count("fbt:libc.so.6:getppid:entry", s.pid, s.image), s.getppid, `getppid in ${where}`);
    }
    // no firings outside the images the program reports
    const total = (prefix: string) =>
      rows.filter((x) => x.probe.startsWith(prefix)).reduce((n, x) => n + x.count, 0);
    const ticks = said.reduce((n, s) => n + s.ticks, 0);
    assert.equal(total("fbt:trace-exec:tick:entry"), ticks);
    assert.equal(total("fbt:libc.so.6:getppid"), ticks);
    // ld.so runs in every image of the first process: as the interpreter (images 4, 2, 0) the
    // same number of times as in a run of one image, and as the program (3, 1) alike
    const first = said.find((s) => s.image === IMAGES - 1)!.pid;
    const ld = (image: number) => count(`fbt:${LDSO}:_dl_debug_state:entry`, first, image);
    const one = trace(0, jit).rows.find((x) => x.probe === `fbt:${LDSO}:_dl_debug_state:entry`)?.count;
    assert.ok(one !== undefined && one > 0, `_dl_debug_state fires in a run of one image (jit ${jit})`);
    for (const image of [4, 2, 0]) assert.equal(ld(image), one, `ld.so as interpreter, image ${image}`);
    assert.ok(ld(3) > 0 && ld(3) === ld(1), `ld.so as the program: images 3 and 1 (${ld(3)}, ${ld(1)})`);
    // and trace-exec was where the kernel puts a PIE in some images, where ld.so put it in others
    assert.equal(pcs.get(4), pcs.get(2));
    assert.equal(pcs.get(3), pcs.get(1));
    assert.notEqual(pcs.get(4), pcs.get(3), `tick at two addresses: ${[...pcs.values()]}`);
  }
});
