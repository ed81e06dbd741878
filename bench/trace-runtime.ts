// What an aggregation update costs, the part of a probe firing the trace runtime owns:
//
//   count() keyed by a string    @[probename] = count()   (8 probes' names in turn)
//   count() keyed by an integer  @[arg0] = count()        (1024 values, pseudo-random order)
//   quantize()                   @[probename] = quantize(arg0)   (values up to 2^40)
//
// each called through one closure per probe, as compiled clauses will be; then `@[probename] =
// count()` fired through the machine's probe seam (Probes.instruction, the call a hart makes at a
// probed instruction), which is the per-firing cost including the probe's dispatch; with --real,
// also from real firings of a probe in guest/bin/hashtab (noisy: whole runs are compared).
//
//   npm run build && node dist/bench/trace-runtime.js [--updates N] [--real [--words N]]

import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseElf } from "../src/elf/elf.js";
import type { Hart } from "../src/hart/hart.js";
import type { HartView } from "../src/hart/probe-sink.js";
import { LinuxProcess } from "../src/linux-user/process.js";
import { runProcess } from "../src/linux-user/scheduler.js";
import { EventQueue } from "../src/machine/events.js";
import { type InstructionHook, Probes } from "../src/machine/probes.js";
import { AggregationSet, INT64, STRING } from "../src/trace/runtime/index.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const UPDATES = arg("--updates", 20_000_000);
const WORDS = arg("--words", 200_000);
const PROBES = [
  "read:entry",
  "read:return",
  "write:entry",
  "write:return",
  "malloc:entry",
  "free:entry",
  "open:entry",
  "close:entry",
];

/** Best ns per call of `run(n)` over a few rounds (the first warms up the compiler). */
function nsPer(run: (n: number) => void, n: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    run(n);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (round > 0) best = Math.min(best, ns);
  }
  return best;
}

function micro(): void {
  const set = new AggregationSet();
  const byName = set.count("@byname", [STRING]);
  const byValue = set.count("@byvalue", [INT64]);
  const sizes = set.quantize("@sizes", [STRING]);

  // one closure per probe, as the compiler will make one function per clause; a key known at
  // compile time (probename in a clause made for one probe) is bound once
  const countName = PROBES.map((name) => () => byName.add1(name));
  const countBound = PROBES.map((name) => {
    const key = byName.bind([name]);
    return () => key.add();
  });
  const quantizeName = PROBES.map((name) => (v: number) => sizes.add1(name, v));
  const quantizeBound = PROBES.map((name) => {
    const key = sizes.bind([name]);
    return (v: number) => key.add(v);
  });
  const countValue = (v: number) => byValue.add1(v);
  const keys = new Float64Array(1024);
  let x = 0x2545f491;
  for (let i = 0; i < keys.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = (x >>> 0) % 100_000;
  }
  const values = new Float64Array(4096);
  for (let i = 0; i < values.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    values[i] = ((x >>> 0) % 2 ** 20) * ((x >>> 12) % 2 ** 20);
  }

  const empty = PROBES.map(() => () => {});
  const dispatchOnly = nsPer((n) => {
    for (let i = 0; i < n; i++) empty[i & 7]();
  }, UPDATES);
  const stringKey = nsPer((n) => {
    for (let i = 0; i < n; i++) countName[i & 7]();
  }, UPDATES);
  const oneKey = nsPer((n) => {
    const f = countName[0];
    for (let i = 0; i < n; i++) f();
  }, UPDATES);
  const boundKey = nsPer((n) => {
    for (let i = 0; i < n; i++) countBound[i & 7]();
  }, UPDATES);
  const intKey = nsPer((n) => {
    for (let i = 0; i < n; i++) countValue(keys[i & 1023]);
  }, UPDATES);
  const quantize = nsPer((n) => {
    for (let i = 0; i < n; i++) quantizeName[i & 7](values[i & 4095]);
  }, UPDATES);
  const quantizeBoundNs = nsPer((n) => {
    for (let i = 0; i < n; i++) quantizeBound[i & 7](values[i & 4095]);
  }, UPDATES);

  console.log(
    `aggregation updates, ns each (best of 4 rounds of ${UPDATES} calls through per-probe closures):`,
  );
  console.log(`  empty closure (the dispatch alone)        ${dispatchOnly.toFixed(1)}`);
  console.log(`  count(), string key, 8 probes in turn     ${stringKey.toFixed(1)}`);
  console.log(`  count(), string key, one probe            ${oneKey.toFixed(1)}`);
  console.log(`  count(), string key bound per probe       ${boundKey.toFixed(1)}`);
  console.log(`  count(), integer key, 1024 values         ${intKey.toFixed(1)}`);
  console.log(`  quantize(), string key, values < 2^40     ${quantize.toFixed(1)}`);
  console.log(`  quantize(), string key bound per probe    ${quantizeBoundNs.toFixed(1)}`);
  if (byName.entries.length !== 8 || byValue.entries.length > 1024 || sizes.entries.length !== 8) {
    throw new Error("unexpected aggregation contents");
  }
}

/**
 * The same update from the machine's probe seam: Probes.instruction(view), the call a hart makes
 * at a probed instruction, finds the hooks by pc and calls them; each of 8 probes' hooks does
 * `@[probename] = count()`. The host is a stand-in that accepts every probe (no guest runs).
 */
function throughSeam(): void {
  const host = {
    events: new EventQueue(),
    now: () => 0,
    current: () => undefined,
    harts: () => [{ setProbe: () => true } as unknown as Hart],
  };
  const views = PROBES.map((_, i) => ({ pc: 0x10000 + 4 * i }) as HartView);
  const measure = (hook: (name: string) => InstructionHook) => {
    const probes = new Probes(host);
    PROBES.forEach((name, i) => {
      probes.onInstruction(views[i].pc, hook(name));
    });
    return nsPer((n) => {
      for (let i = 0; i < n; i++) probes.instruction(views[i & 7]);
    }, UPDATES);
  };
  const set = new AggregationSet();
  const counts = set.count("@", [STRING]);
  // each variant in a fresh process would be fairer; in one process the seam's call site sees
  // every variant's hooks, so the later ones pay for a megamorphic call: bound first
  const bound = measure((name) => {
    const key = counts.bind([name]);
    return () => key.add();
  });
  const counting = measure((name) => () => counts.add1(name));
  const empty = measure(() => () => {});
  console.log("through the probe seam (Probes.instruction), ns per firing, 8 probes in turn:");
  console.log(`  @[probename] = count(), key bound         ${bound.toFixed(1)}`);
  console.log(`  @[probename] = count(), key looked up     ${counting.toFixed(1)}`);
  console.log(`  empty hook                                ${empty.toFixed(1)}`);
}

/**
 * Real firings (--real): a hook on the first instruction of guest/bin/hashtab's make_word, empty
 * and then updating @[probefunc] = count(). Whole runs differ by more than the updates cost on a
 * busy machine, so this is a sanity check of the order of magnitude, not the measurement.
 */
function realFirings(): void {
  const dir = fileURLToPath(new URL("../../guest/bin/", import.meta.url));
  const path = join(dir, "hashtab");
  if (!existsSync(path)) {
    console.log("(guest/bin/hashtab not built: no real-firing measurement)");
    return;
  }
  const run = (hook: (() => void) | undefined): { ms: number; firings: number } => {
    const elf = parseElf(readFileSync(path), path);
    const fn = elf.symbols.find((s) => s.name === "make_word");
    if (fn === undefined) throw new Error("hashtab: no make_word");
    const fds = [openSync("/dev/null", "r"), openSync("/dev/null", "w"), openSync("/dev/null", "w")];
    const p = new LinuxProcess({
      root: "/",
      quantum: 10_000,
      wallClock: false,
      seed: 1,
      strict: false,
      warn: () => {},
      stdio: fds as [number, number, number],
      jit: {},
    });
    p.exec(elf, path, ["hashtab", String(WORDS)], []);
    let firings = 0;
    if (hook !== undefined) {
      p.machine.probes.onInstruction(Number(fn.value), () => {
        firings++;
        hook();
      });
    }
    const t0 = performance.now();
    const status = runProcess(p);
    const ms = performance.now() - t0;
    for (const fd of fds) closeSync(fd);
    if (status.code !== 0) throw new Error(`hashtab failed: ${JSON.stringify(status)}`);
    return { ms, firings };
  };
  const set = new AggregationSet();
  const counts = set.count("@", [STRING]);
  const best = (hook: (() => void) | undefined) => {
    let r = run(hook);
    for (let i = 0; i < 3; i++) {
      const s = run(hook);
      if (s.ms < r.ms) r = s;
    }
    return r;
  };
  const none = best(undefined);
  const empty = best(() => {});
  const counting = best(() => counts.add1("make_word"));
  const perFiring = (s: { ms: number; firings: number }) => ((s.ms - none.ms) * 1e6) / s.firings;
  console.log(
    `real firings: hashtab ${WORDS} (${empty.firings} firings of make_word's entry; ` +
      `${none.ms.toFixed(0)} / ${empty.ms.toFixed(0)} / ${counting.ms.toFixed(0)} ms), ns per firing over no probe:`,
  );
  console.log(`  empty hook                                ${perFiring(empty).toFixed(1)}`);
  console.log(`  @[probefunc] = count()                    ${perFiring(counting).toFixed(1)}`);
}

micro();
throughSeam();
if (process.argv.includes("--real")) realFirings();
