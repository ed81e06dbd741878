#!/usr/bin/env node
// The hartscope command. For a short guest, start-up is most of the run, so this file is plain
// CommonJS (bin/package.json: node starts no ES module loader for it) and loads the CLI as one
// bundle, dist/hartscope.cjs (made by `npm run build`), through V8's code cache (src/cli/cache.ts).
// When the bundle is missing or older than tsc's output (a bare `tsc -p .` since the last build),
// it imports tsc's modules instead: slower, never stale. HARTSCOPE_BUNDLE=off forces that path.
"use strict";
const { readFileSync, statSync } = require("node:fs");
const { join } = require("node:path");

// V8 inlines less into the functions it optimizes (TurboFan's default budget is 920 bytes of
// bytecode per function): the engine's JavaScript (the run loop, the region compiler, the
// interpreter's callers) is optimized and deoptimized again as new paths first run, on background
// threads whose CPU counts against a run. Measured in pairs (farm-bench, n=9) against the default:
// CPU lz4 -6%, Lua -2..-5%, busybox ash -1..-4%, zstd and sort unchanged; wall time within noise.
// Set before anything is compiled, so the code cache below is made and checked under the same flags.
require("node:v8").setFlagsFromString("--max-inlined-bytecode-size-cumulative=150");

const dist = join(__dirname, "..", "dist");
const bundle = join(dist, "hartscope.cjs");
const cacheBundle = join(dist, "code-cache.cjs");

const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;

function bundleIsFresh() {
  if (process.env.HARTSCOPE_BUNDLE === "off") return false;
  const made = Math.min(mtime(bundle), mtime(cacheBundle));
  return made >= 0 && made >= mtime(join(dist, "src", "cli", "main.js"));
}

/** The CLI's main() and the code cache, from the bundle or from tsc's modules. */
async function load() {
  if (bundleIsFresh()) {
    const { CodeCache, cacheDirectory } = require(cacheBundle);
    const codeCache = new CodeCache(cacheDirectory());
    const source = readFileSync(bundle, "utf8");
    // the wrapper node gives a CommonJS module; the bundle requires node's built-in modules only
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
    const mod = { exports: {} };
    codeCache.run(wrapped, bundle, "cli").call(mod.exports, mod.exports, require, mod, bundle, dist);
    return { main: mod.exports.main, codeCache, bundled: true };
  }
  const { CodeCache, cacheDirectory } = await import("../dist/src/cli/cache.js");
  const { main } = await import("../dist/src/cli/main.js");
  return { main, codeCache: new CodeCache(cacheDirectory()), bundled: false };
}

async function start() {
  let loaded;
  try {
    loaded = await load();
  } catch (e) {
    process.stderr.write(
      `hartscope: internal error: cannot load the CLI: ${e instanceof Error ? e.message : e}\n`,
    );
    process.exitCode = 70;
    return;
  }
  const { main, codeCache, bundled } = loaded;
  process.exitCode = await main(process.argv.slice(2), { codeCache });
  codeCache.save();
  if (process.env.HARTSCOPE_STARTUP_TIME) {
    const s = codeCache.stats;
    process.stderr.write(
      `hartscope: start-up: ${bundled ? "bundle" : "tsc's modules"}, code cache ${codeCache.dir ?? "off"}: ${s.hits} hit, ${s.misses} compiled, ${s.written} written\n`,
    );
  }
}

// The process exits here rather than by running out of work: Node 20's shutdown can deadlock when
// a background compile waits for a garbage collection that only the main thread may do while the
// main thread waits for that compile (nodejs/node#54918). Measured on `run --quantum N proc-fork 3`:
// 13 of 1650 runs never exited; with this exit, none of 1500. Every output is written
// synchronously (cli/output.ts), and the code cache was saved above.
start().then(() => process.exit());
