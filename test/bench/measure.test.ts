// bench/measure.ts: GNU time's figures for a run, with the program's own output untouched — the
// benchmarks compare hartscope's stdout and stderr with qemu's and report both one's peak memory.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { cpuMs, haveGnuTime, measure, measureHartscope, measureQemu } from "../../bench/measure.js";
import { GUEST_BIN, hartscopeBuilt } from "../differential/run-guest.js";
import { skipWithout, UNDER_CI } from "../tools.js";

// as tools.ts does: a CI machine without GNU time fails (measure names the package), never skips
const skip = haveGnuTime() || UNDER_CI ? false : "GNU time is not installed (Debian: apt install time)";

test("status, output and stderr are the program's; CPU time and peak memory are measured", {
  skip,
}, async () => {
  const node = process.execPath;
  const r = await measure(node, [
    "-e",
    "const b = Buffer.alloc(96 << 20, 1); let s = 0; for (let i = 0; i < 3e8; i++) s += i & 1; process.stdout.write(String(b[7] + (s & 1))); process.stderr.write('to stderr'); process.exitCode = 5",
  ]);
  assert.equal(r.status, 5);
  assert.equal(r.stdout.toString(), "1");
  assert.equal(r.stderr.toString(), "to stderr", "GNU time's figures do not go to the program's stderr");
  assert.ok(r.maxRssKiB > 96 * 1024, `a 96 MiB buffer: max RSS ${r.maxRssKiB} KiB`);
  assert.ok(r.maxRssKiB < 1024 * 1024, `max RSS ${r.maxRssKiB} KiB`);
  assert.ok(r.userMs > 50, `a busy loop uses CPU: ${r.userMs} ms`);
  assert.ok(cpuMs(r) <= r.wallMs * 2 + 20, `cpu ${cpuMs(r)} ms, wall ${r.wallMs} ms`);
  assert.equal(r.timedOut, false);
});

test("stdin reaches the program; a signal is 128 + its number; a timeout kills it", { skip }, async () => {
  const cat = await measure("sh", ["-c", "tr a-z A-Z"], { stdin: "abc" });
  assert.deepEqual([cat.status, cat.stdout.toString()], [0, "ABC"]);
  const killed = await measure("sh", ["-c", "kill -TERM $$"]);
  assert.equal(killed.status, 128 + 15);
  assert.ok(Number.isFinite(killed.maxRssKiB));
  const start = performance.now();
  const slow = await measure("sh", ["-c", "sleep 20; echo late"], { timeoutMs: 300 });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.stdout.toString(), "");
  assert.ok(performance.now() - start < 10_000, "the program was killed, not waited for");
  const missing = await measure("/nonexistent/program", []);
  assert.equal(missing.status, 127, "as a shell says");
  assert.match(missing.stderr.toString(), /cannot run \/nonexistent\/program/);
});

test("qemu-riscv64 and hartscope measured on the same guest", {
  skip: skip || skipWithout("qemu") || (!hartscopeBuilt() && "hartscope is not built"),
}, async () => {
  const spec = { prog: join(GUEST_BIN, "sha256"), args: ["256"] };
  const q = await measureQemu(spec);
  const h = await measureHartscope(spec, ["--jit", "off"]);
  assert.equal(q.status, 0);
  assert.equal(h.status, 0);
  assert.ok(h.stdout.equals(q.stdout));
  assert.equal(h.stderr.toString(), "");
  // qemu-riscv64 itself takes a few MiB; node more
  for (const m of [q, h]) assert.ok(m.maxRssKiB > 1024 && m.userMs >= 0 && m.wallMs > 0, JSON.stringify(m));
});
