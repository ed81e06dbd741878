// Probes as marks on decoded instructions (ARCHITECTURE.md decision 4): the hook runs once per
// execution of the probed instruction, interpreted or compiled, the guest's text and output stay
// the same, and a probe can be turned off while the program runs.

import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseElf } from "../../src/elf/elf.js";
import { Hart } from "../../src/hart/hart.js";
import { type JitOptions, jitDefaults } from "../../src/hart/jit/hart-jit.js";
import { ACCESS_READ, PAGE_SIZE } from "../../src/hart/memory.js";
import { LinuxProcess } from "../../src/linux-user/process.js";
import { runProcess } from "../../src/linux-user/scheduler.js";

const HASHTAB = fileURLToPath(new URL("../../../guest/bin/hashtab", import.meta.url));
const WORDS = 1500;
// guest/src/hashtab.c calls make_word once per word to insert and once per word to look up
const MAKE_WORD_CALLS = 2 * WORDS;
const EAGER: Partial<JitOptions> = { hot: 10, warm: 3, growAt: 100, growPerInsn: 1 };

interface Outcome {
  stdout: string;
  exit: string;
  retired: number;
  hits: number[];
  textBefore: Buffer;
  textAfter: Buffer;
}

/**
 * Run hashtab with probes at the addresses `probe` returns (called before the run); after each
 * hit, `keep(hits)` false turns that probe off from inside the hook.
 */
function run(
  jit: Partial<JitOptions> | false,
  probe: (symbol: (name: string) => number, hart: Hart) => number[],
  keep: (hits: number) => boolean = () => true,
): Outcome {
  const dir = mkdtempSync(join(tmpdir(), "hs-probe-"));
  const saved = { ...jitDefaults };
  const savedOn = Hart.jitByDefault;
  try {
    Hart.jitByDefault = jit !== false;
    if (jit !== false) Object.assign(jitDefaults, jit);
    const elf = parseElf(readFileSync(HASHTAB), HASHTAB);
    const symbol = (name: string): number => {
      const s = elf.symbols.find((x) => x.name === name);
      assert.ok(s, name);
      return Number(s.value);
    };
    const fds = [openSync("/dev/null", "r"), openSync(join(dir, "out"), "w"), openSync("/dev/null", "w")];
    const p = new LinuxProcess({
      root: "/",
      quantum: 10_000,
      wallClock: false,
      seed: 1,
      strict: false,
      warn: () => {},
      stdio: fds as [number, number, number],
    });
    p.exec(elf, HASHTAB, ["hashtab", String(WORDS)], []);
    const hart = p.threads[0]!.hart;
    const at = probe(symbol, hart);
    const hits = at.map(() => 0);
    // the text page of the first probe, as the guest reads it
    const text = (): Buffer => {
      if (at.length === 0) return Buffer.alloc(0);
      const host = hart.mem.translate(at[0]! | 0, 0, ACCESS_READ);
      return Buffer.from(hart.mem.bytes.subarray(host, host + PAGE_SIZE));
    };
    const textBefore = text();
    for (const va of at) assert.equal(hart.setProbe(va, true), true);
    hart.probeHook = (h, pc) => {
      const i = at.indexOf(pc);
      assert.ok(i >= 0, `probe hook at unprobed pc 0x${pc.toString(16)}`);
      hits[i]!++;
      if (!keep(hits[i]!)) h.setProbe(pc, false);
    };
    const status = runProcess(p);
    for (const fd of fds) closeSync(fd);
    return {
      stdout: readFileSync(join(dir, "out"), "utf8"),
      exit: JSON.stringify(status),
      retired: p.clock.retired,
      hits,
      textBefore,
      textAfter: text(),
    };
  } finally {
    Object.assign(jitDefaults, saved);
    Hart.jitByDefault = savedOn;
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a probe at a function's entry fires once per call, interpreted and compiled", () => {
  const plain = run(false, () => []);
  for (const jit of [false, EAGER] as const) {
    const o = run(jit, (sym) => [sym("make_word")]);
    assert.deepEqual(o.hits, [MAKE_WORD_CALLS], `jit ${jit !== false}`);
    assert.equal(o.stdout, plain.stdout);
    assert.equal(o.exit, plain.exit);
    assert.equal(o.retired, plain.retired, "a probe is not an instruction");
    assert.deepEqual(o.textAfter, o.textBefore, "the guest's text is unchanged");
  }
});

test("probes inside a hot loop count the same interpreted and compiled", () => {
  // fnv1a's loop in find(): every instruction of a loop that runs compiled
  const probes = (sym: (name: string) => number) => {
    const find = sym("find.isra.0");
    return [find + 0x36, find + 0x3a, find + 0x42];
  };
  const interpreted = run(false, probes);
  const compiled = run(EAGER, probes);
  assert.ok(interpreted.hits[0]! > MAKE_WORD_CALLS, "the loop runs more than once per word");
  assert.deepEqual(compiled.hits, interpreted.hits);
  assert.equal(compiled.stdout, interpreted.stdout);
});

test("a probe turned off by its own hook stops firing, and code runs compiled again", () => {
  for (const jit of [false, EAGER] as const) {
    const o = run(
      jit,
      (sym) => [sym("make_word")],
      (n) => n < 25,
    );
    assert.deepEqual(o.hits, [25], `jit ${jit !== false}`);
  }
});

test("setProbe refuses odd and unmapped addresses", () => {
  const o = run(false, (sym, hart) => {
    assert.equal(hart.setProbe(sym("make_word") + 1, true), false, "odd");
    assert.equal(hart.setProbe(0x1000, true), false, "unmapped");
    assert.equal(hart.setProbe(2 ** 40, true), false, "unmapped, above 4 GiB");
    assert.equal(hart.mem.probes.size, 0);
    return [];
  });
  assert.match(o.stdout, /^words 1500 /);
});
