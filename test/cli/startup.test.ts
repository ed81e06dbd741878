// Start-up: bin/hartscope.js runs the CLI from its bundle through V8's code cache, and whatever
// state the cache is in (missing, damaged, truncated, unwritable, off), a run gives the same output
// and exit status; the cache's entries are checked before V8 sees them.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CodeCache, cacheDirectory } from "../../src/cli/cache.js";
import { GUEST_BIN, hartscope } from "../linux-user/guest.js";
import { tempDir } from "../temp-dir.js";

const HELLO = join(GUEST_BIN, "hello");
const EXIT42 = join(GUEST_BIN, "exit42");
const DIST = new URL("../../", import.meta.url);

function tmp(): string {
  return tempDir("hartscope-startup-");
}

/** What bin/hartscope.js says about its start-up (HARTSCOPE_STARTUP_TIME). */
interface Startup {
  status: number;
  stdout: string;
  /** stderr without hartscope's start-up lines */
  stderr: string;
  bundled: boolean;
  hits: number;
  compiled: number;
  written: number;
  firstInstructionMs: number | undefined;
}

function run(args: string[], env: Record<string, string>): Startup {
  const r = hartscope(args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HARTSCOPE_STARTUP_TIME: "1", ...env },
  });
  const lines = r.stderr.split("\n");
  const summary = lines.find((l) => l.startsWith("hartscope: start-up: "));
  assert.ok(summary, `no start-up line in ${JSON.stringify(r.stderr)}`);
  const m = /: (bundle|tsc's modules), code cache .*: (\d+) hit, (\d+) compiled, (\d+) written$/.exec(
    summary,
  );
  assert.ok(m, summary);
  const first = lines.find((l) => l.startsWith("hartscope: first guest instruction at "));
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: lines.filter((l) => l !== summary && l !== first).join("\n"),
    bundled: m[1] === "bundle",
    hits: Number(m[2]),
    compiled: Number(m[3]),
    written: Number(m[4]),
    firstInstructionMs: first ? Number(/at ([\d.]+) ms/.exec(first)![1]) : undefined,
  };
}

/** Whether `npm run build` made the bundle after tsc's last output (else bin uses tsc's modules). */
function bundleIsFresh(): boolean {
  const m = (p: string) => {
    try {
      return statSync(new URL(p, DIST)).mtimeMs;
    } catch {
      return -1;
    }
  };
  const made = Math.min(m("hartscope.cjs"), m("code-cache.cjs"));
  return made >= 0 && made >= m("src/cli/main.js");
}

test("the code cache: the CLI and the interpreter compiled and written once, then used; the guest sees no difference", (t) => {
  if (!bundleIsFresh()) {
    t.skip("the bundle is older than tsc's output: npm run build makes it");
    return;
  }
  const dir = tmp();
  const first = run(["run", EXIT42], { HARTSCOPE_CACHE_DIR: dir });
  assert.equal(first.bundled, true);
  assert.deepEqual([first.hits, first.compiled, first.written], [0, 2, 2]);
  const second = run(["run", EXIT42], { HARTSCOPE_CACHE_DIR: dir });
  assert.deepEqual([second.hits, second.compiled, second.written], [2, 0, 0]);
  for (const r of [first, second]) {
    assert.equal(r.status, 42);
    assert.match(r.stdout, /atexit: registered first, runs last\n$/);
    assert.ok(r.firstInstructionMs !== undefined && r.firstInstructionMs > 0);
  }
  assert.deepEqual([second.stdout, second.stderr], [first.stdout, first.stderr]);
  // the same through tsc's modules
  const modules = run(["run", EXIT42], { HARTSCOPE_CACHE_DIR: dir, HARTSCOPE_BUNDLE: "off" });
  assert.equal(modules.bundled, false);
  assert.deepEqual([modules.status, modules.stdout, modules.stderr], [42, first.stdout, first.stderr]);
});

test("a damaged, truncated or unwritable cache never breaks a run", (t) => {
  if (!bundleIsFresh()) {
    t.skip("the bundle is older than tsc's output: npm run build makes it");
    return;
  }
  const dir = tmp();
  const clean = run(["run", HELLO], { HARTSCOPE_CACHE_DIR: dir });
  assert.deepEqual([clean.status, clean.stdout], [0, "Hello from RISC-V!\n"]);
  const [entry] = readdirSync(dir).filter((n) => n.startsWith("cli-"));
  assert.ok(entry, `no entry in ${readdirSync(dir)}`);
  const file = join(dir, entry);
  const good = readFileSync(file);

  // bytes flipped in the middle of V8's data: the checksum refuses the entry, a new one is written
  const damaged = Buffer.from(good);
  for (let i = 0; i < 64; i++) damaged[Math.floor(damaged.length / 2) + i * 97]! ^= 0x5a;
  writeFileSync(file, damaged);
  const r1 = run(["run", HELLO], { HARTSCOPE_CACHE_DIR: dir });
  assert.deepEqual([r1.status, r1.stdout, r1.stderr], [0, clean.stdout, clean.stderr]);
  assert.deepEqual([r1.hits, r1.compiled, r1.written], [1, 1, 1]);
  // the new entry is whole: the next run uses it
  assert.equal(run(["run", HELLO], { HARTSCOPE_CACHE_DIR: dir }).hits, 2);

  // cut short
  truncateSync(file, 1000);
  const r2 = run(["run", HELLO], { HARTSCOPE_CACHE_DIR: dir });
  assert.deepEqual([r2.status, r2.stdout, r2.hits, r2.written], [0, clean.stdout, 1, 1]);

  // the cache directory is a regular file: nothing can be written, the run goes on
  const notDir = join(tmp(), "file");
  writeFileSync(notDir, "not a directory");
  const r3 = run(["run", EXIT42], { HARTSCOPE_CACHE_DIR: join(notDir, "cache") });
  assert.deepEqual([r3.status, r3.hits, r3.compiled, r3.written], [42, 0, 2, 0]);

  // off
  const r4 = run(["run", HELLO], { HARTSCOPE_CACHE_DIR: dir, HARTSCOPE_CODE_CACHE: "off" });
  assert.deepEqual([r4.status, r4.stdout, r4.hits, r4.written], [0, clean.stdout, 0, 0]);
});

test("bin/hartscope.js uses the bundle only while it is newer than tsc's output", (t) => {
  if (!bundleIsFresh()) {
    t.skip("the bundle is older than tsc's output: npm run build makes it");
    return;
  }
  // a copy of bin/ and of the bundle beside the real dist/src
  const root = tmp();
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist"));
  for (const f of ["hartscope.js", "package.json"])
    copyFileSync(new URL(`../bin/${f}`, DIST), join(root, "bin", f));
  for (const f of ["hartscope.cjs", "code-cache.cjs"]) copyFileSync(new URL(f, DIST), join(root, "dist", f));
  symlinkSync(fileURLToPath(new URL("src", DIST)), join(root, "dist", "src"));
  const bin = join(root, "bin", "hartscope.js");
  const how = () => {
    const r = spawnSync(process.execPath, [bin, "run", EXIT42], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HARTSCOPE_STARTUP_TIME: "1" },
    });
    assert.equal(r.status, 42, r.stderr);
    return /start-up: (bundle|tsc's modules)/.exec(r.stderr)?.[1];
  };
  assert.equal(how(), "bundle");
  // tsc ran after the bundle was made
  const tscRan = statSync(new URL("src/cli/main.js", DIST)).mtimeMs / 1000;
  for (const f of ["hartscope.cjs", "code-cache.cjs"])
    utimesSync(join(root, "dist", f), tscRan - 10, tscRan - 10);
  assert.equal(how(), "tsc's modules");
});

test("cacheDirectory: HARTSCOPE_CACHE_DIR, XDG_CACHE_HOME, HOME; off", () => {
  assert.equal(cacheDirectory({ HARTSCOPE_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" }), "/c");
  assert.equal(cacheDirectory({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/hartscope");
  // a relative XDG_CACHE_HOME is invalid (XDG Base Directory spec): ignored
  assert.equal(cacheDirectory({ XDG_CACHE_HOME: "x", HOME: "/h" }), "/h/.cache/hartscope");
  assert.equal(cacheDirectory({}), undefined);
  assert.equal(cacheDirectory({ HARTSCOPE_CODE_CACHE: "off", HARTSCOPE_CACHE_DIR: "/c" }), undefined);
});

test("CodeCache: entries are checked, replaced and pruned", () => {
  const dir = tmp();
  // a source unique to this test run, so V8's in-process cache of compiled scripts does not hide ours
  const source = (n: number) => `(function () { return ${n} * 2 + ${process.pid}; })`;
  const a = new CodeCache(dir);
  assert.equal((a.run(source(1), "one.js", "t") as () => number)(), 2 + process.pid);
  assert.deepEqual(a.stats, { hits: 0, misses: 1, written: 0 });
  a.save();
  assert.equal(a.stats.written, 1);
  const [name] = readdirSync(dir);
  assert.match(name!, new RegExp(`^t-[0-9a-f]+-[0-9a-f]+-${process.version}-${process.arch}\\.v8$`));

  // a damaged entry is not given to V8
  const file = join(dir, name!);
  const bytes = readFileSync(file);
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(file, bytes);
  const b = new CodeCache(dir);
  b.run(`${source(1)} `, "one.js", "t"); // another source: another entry
  b.run(source(1), "one.js", "t");
  assert.deepEqual(b.stats, { hits: 0, misses: 2, written: 0 });

  // at most six entries of a tag stay, the newest
  const c = new CodeCache(dir);
  for (let n = 2; n < 10; n++) {
    c.run(source(n), "n.js", "t");
    c.save();
  }
  assert.ok(readdirSync(dir).length <= 6, String(readdirSync(dir)));
  // the directory gone: nothing to write, nothing thrown
  const d = new CodeCache(join(dir, "missing", "\0bad"));
  d.run(source(11), "x.js", "t");
  d.save();
  assert.equal(d.stats.written, 0);
});
