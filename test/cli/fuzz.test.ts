// Fuzzed ELF files: whatever the bytes, loading gives an ElfError or LoadError (a clean one-line
// message), and running what loads ends as a guest exit, a guest signal or a limit — never an
// exception from inside hartscope.

import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ElfError, parseElf } from "../../src/elf/elf.js";
import { LoadError } from "../../src/linux-user/loader.js";
import { LinuxProcess } from "../../src/linux-user/process.js";
import { runProcess } from "../../src/linux-user/scheduler.js";
import { Prng } from "../../src/machine/prng.js";
import { GUEST_BIN, hartscope } from "../linux-user/guest.js";
import { tempDir } from "../temp-dir.js";

/** `count` copies of `name` with 1..8 random bytes changed, in the first `region` bytes (0: anywhere). */
function* mutants(name: string, seed: number, count: number, region: number): Generator<Uint8Array> {
  const base = readFileSync(join(GUEST_BIN, name));
  const rng = new Prng(seed);
  for (let i = 0; i < count; i++) {
    const b = Uint8Array.from(base);
    const n = 1 + (rng.nextU32() % 8);
    for (let k = 0; k < n; k++)
      b[region ? rng.nextU32() % region : rng.nextU32() % b.length] = rng.nextU32() & 0xff;
    yield b;
  }
}

function loadAndRun(bytes: Uint8Array, root: string, nul: number): string {
  let elf: ReturnType<typeof parseElf>;
  try {
    elf = parseElf(bytes, "fuzzed");
    const p = new LinuxProcess({
      root,
      sysroot: "/usr/riscv64-linux-gnu",
      quantum: 1000,
      wallClock: false,
      seed: 0,
      strict: false,
      warn: () => {},
      memoryBytes: 1 << 27,
      stdio: [nul, nul, nul],
      maxInstructions: 1_000_000,
    });
    p.exec(elf, "fuzzed", ["fuzzed"], []);
    const s = runProcess(p);
    return s.signal !== undefined ? `signal ${s.signal}` : s.hostCode !== undefined ? "limit" : "exit";
  } catch (e) {
    if (e instanceof ElfError) return "ElfError";
    if (e instanceof LoadError) return "LoadError";
    throw e;
  }
}

for (const [name, seed, region] of [
  ["hello", 1, 0x400],
  ["hello-pie", 2, 0x400],
  ["hello-dynamic", 3, 0x400],
  ["hello", 4, 0],
  ["threads", 5, 0],
] as const) {
  test(`fuzzed ${name} (seed ${seed}, ${region ? "headers" : "anywhere"}): only clean outcomes`, () => {
    const root = tempDir("hartscope-fuzz-");
    const nul = openSync("/dev/null", "r+");
    const seen = new Map<string, number>();
    try {
      for (const b of mutants(name, seed, 120, region)) {
        const k = loadAndRun(b, root, nul);
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
    } finally {
      closeSync(nul);
    }
    assert.ok(seen.size >= 2, `varied outcomes: ${[...seen].join(" ")}`);
  });
}

test("fuzzed files through the command line: one line of error, never an internal error", () => {
  const dir = tempDir("hartscope-fuzz-cli-");
  mkdirSync(join(dir, "root"));
  let i = 0;
  for (const b of mutants("hello", 9, 25, 0x100)) {
    const path = join(dir, `m${i++}`);
    writeFileSync(path, b);
    const r = hartscope(["run", "--root", join(dir, "root"), path], { timeout: 30_000 });
    assert.ok(!/internal error|\n\s+at /.test(r.stderr), r.stderr);
    if (r.status === 126) assert.match(r.stderr, /^hartscope: [^\n]+\n$/);
  }
});
