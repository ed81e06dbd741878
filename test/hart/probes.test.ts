// Probes as marks on decoded instructions (ARCHITECTURE.md decision 4), registered through the
// machine's probe seam: the hook runs once per execution of the probed instruction, interpreted
// or compiled, the guest's text, output and instruction count stay the same, and a probe can be
// turned off while the program runs, also by its own hook.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ACCESS_READ, PAGE_SIZE } from "../../src/hart/memory.js";
import { ProbeError } from "../../src/machine/probes.js";
import { compiledRegions, EAGER, ENGINES, type GuestOutcome, runGuest } from "../machine/guest-run.js";

const WORDS = 1500;
// guest/src/hashtab.c calls make_word once per word to insert and once per word to look up
const MAKE_WORD_CALLS = 2 * WORDS;

interface Probed extends GuestOutcome {
  hits: number[];
  textBefore: Buffer;
  textAfter: Buffer;
}

/**
 * Run hashtab with probes at the addresses `probe` returns; after each hit, `keep(hits)` false
 * removes that probe from inside its hook.
 */
function runHashtab(
  jit: typeof EAGER | false,
  probe: (symbol: (name: string) => number) => number[],
  keep: (hits: number) => boolean = () => true,
): Probed {
  const hits: number[] = [];
  let text = (): Buffer => Buffer.alloc(0);
  let textBefore: Buffer = Buffer.alloc(0);
  const o = runGuest("hashtab", [String(WORDS)], {
    jit,
    setup: (p, symbol) => {
      const at = probe(symbol);
      // the text page of the first probe, as the guest reads it
      text = () => {
        if (at.length === 0) return Buffer.alloc(0);
        const host = p.mem.translate(at[0]! | 0, 0, ACCESS_READ);
        return Buffer.from(p.mem.bytes.subarray(host, host + PAGE_SIZE));
      };
      textBefore = text();
      at.forEach((va, i) => {
        hits.push(0);
        const reg = p.machine.probes.onInstruction(va, (view) => {
          assert.equal(view.pc, va, "the hook of the probe at its pc");
          hits[i]!++;
          if (!keep(hits[i]!)) reg.remove();
        });
      });
    },
  });
  return { ...o, hits, textBefore, textAfter: text() };
}

test("a probe at a function's entry fires once per call, interpreted and compiled", () => {
  const plain = runHashtab(false, () => []);
  for (const { name, jit } of ENGINES) {
    const o = runHashtab(jit, (sym) => [sym("make_word")]);
    assert.deepEqual(o.hits, [MAKE_WORD_CALLS], name);
    assert.equal(o.stdout, plain.stdout);
    assert.equal(o.exit, plain.exit);
    assert.equal(o.p.machine.retired, plain.p.machine.retired, "a probe is not an instruction");
    assert.deepEqual(o.textAfter, o.textBefore, "the guest's text is unchanged");
    assert.equal(o.p.machine.probes.errors.length, 0);
    if (jit !== false) assert.ok(compiledRegions(o.main) > 0, "the JIT compiled code");
    else assert.equal(compiledRegions(o.main), 0, "the interpreter alone");
  }
});

test("probes inside a hot loop count the same interpreted and compiled", () => {
  // fnv1a's loop in find(): every instruction of a loop that runs compiled
  const probes = (sym: (name: string) => number) => {
    const find = sym("find.isra.0");
    return [find + 0x36, find + 0x3a, find + 0x42];
  };
  const interpreted = runHashtab(false, probes);
  const compiled = runHashtab(EAGER, probes);
  assert.ok(interpreted.hits[0]! > MAKE_WORD_CALLS, "the loop runs more than once per word");
  assert.deepEqual(compiled.hits, interpreted.hits);
  assert.equal(compiled.stdout, interpreted.stdout);
  assert.ok(compiledRegions(compiled.main) > 0);
});

test("a probe removed by its own hook stops firing, interpreted and compiled", () => {
  for (const { name, jit } of ENGINES) {
    const o = runHashtab(
      jit,
      (sym) => [sym("make_word")],
      (n) => n < 25,
    );
    assert.deepEqual(o.hits, [25], name);
    assert.equal(o.p.mem.code.probes.size, 0, "the mark is gone from the memory");
    assert.deepEqual(o.p.machine.probes.probedAddresses(), []);
  }
});

test("two hooks at one address both fire; removing one leaves the other", () => {
  for (const { name, jit } of ENGINES) {
    let a = 0;
    let b = 0;
    runGuest("hashtab", [String(WORDS)], {
      jit,
      setup: (p, sym) => {
        const va = sym("make_word");
        const first = p.machine.probes.onInstruction(va, () => {
          if (++a === 100) first.remove();
        });
        p.machine.probes.onInstruction(va, () => {
          b++;
        });
      },
    });
    assert.equal(a, 100, name);
    assert.equal(b, MAKE_WORD_CALLS, name);
  }
});

test("onInstruction refuses odd and unmapped addresses with a message naming them", () => {
  const o = runGuest("hashtab", ["10"], {
    setup: (p, sym) => {
      const probes = p.machine.probes;
      const odd = sym("make_word") + 1;
      assert.throws(
        () => probes.onInstruction(odd, () => {}),
        (e: unknown) =>
          e instanceof ProbeError && e.message.includes(`0x${odd.toString(16)}`) && /aligned/.test(e.message),
      );
      assert.throws(() => probes.onInstruction(0x1000, () => {}), /0x1000: not mapped executable/);
      assert.throws(() => probes.onInstruction(2 ** 40, () => {}), /not mapped executable/);
      assert.equal(p.mem.code.probes.size, 0);
      assert.deepEqual(probes.probedAddresses(), []);
    },
  });
  assert.match(o.stdout, /^words 10 /);
});
