// A corrupt file must give a clear ElfError from the listing too, never a host exception or a hang.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { disassembleElf } from "../../src/cli/disasm.js";
import { ElfError, parseElf } from "../../src/elf/elf.js";
import { build } from "../elf/toolchain.js";
import { skippedWithout } from "../tools.js";
import { rng } from "./corpus.js";

const FIXTURE = new URL("../../../test/isa/fixtures/symbol-choice.S", import.meta.url).pathname;

test("fuzz: listing corrupted files gives output or ElfError only", (t) => {
  if (skippedWithout(t, "cc")) return;
  const bytes = new Uint8Array(
    readFileSync(build(readFileSync(FIXTURE, "utf8"), ["-nostdlib", "-static"], "S")),
  );
  const rand = rng(99);
  let listed = 0;
  let rejected = 0;
  for (let i = 0; i < 1500; i++) {
    const m = bytes.slice();
    if (rand() < 0.15) {
      const cut = m.subarray(0, Math.floor(rand() * m.length));
      m.fill(0, cut.length);
    }
    const flips = 1 + Math.floor(rand() * 6);
    for (let f = 0; f < flips; f++) {
      // Mostly the headers and tables the listing reads (first 256 bytes and the tail: sections, symbols).
      const r = rand();
      const at =
        r < 0.4
          ? Math.floor(rand() * 256)
          : r < 0.8
            ? m.length - 1 - Math.floor(rand() * 2048)
            : Math.floor(rand() * m.length);
      if (at >= 0 && at < m.length) m[at] = Math.floor(rand() * 256);
    }
    try {
      disassembleElf(parseElf(m, "fuzz"));
      listed++;
    } catch (e) {
      if (!(e instanceof ElfError)) assert.fail(`iteration ${i}: ${(e as Error).stack}`);
      rejected++;
    }
  }
  assert.ok(listed > 50 && rejected > 50, `listed ${listed}, rejected ${rejected}`);
});
