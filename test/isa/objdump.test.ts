// The listing of every guest binary (and of fixtures that exercise the listing's corner cases) must be
// exactly what riscv64-linux-gnu-objdump -d prints, line for line.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { disassembleElf } from "../../src/cli/disasm.js";
import { parseElf } from "../../src/elf/elf.js";
import { build, guestBinaries } from "../elf/toolchain.js";
import { skippedWithout, tool } from "../tools.js";

const FIXTURES = new URL("../../../test/isa/fixtures/", import.meta.url).pathname;
const run = promisify(execFile);

interface Binary {
  name: string;
  path: string;
}

/** Fixture binaries built now: listing corner cases the guest programs may not have. */
function fixtureBinaries(): Binary[] {
  const out: Binary[] = [];
  for (const name of readdirSync(FIXTURES).filter((n) => n.endsWith(".S"))) {
    const source = readFileSync(join(FIXTURES, name), "utf8");
    out.push({ name: `fixture ${name}`, path: build(source, ["-nostdlib", "-static"], "S") });
    if (name === "section-start.S") {
      // Stripped: no symbols at all, so targets print as 0x... and sections label themselves.
      out.push({
        name: `fixture ${name}, stripped`,
        path: build(source, ["-nostdlib", "-static", "-s"], "S"),
      });
    }
  }
  return out;
}

/** Line-by-line differences, at most `max`, with 1-based line numbers. */
function firstDifferences(ours: string[], theirs: string[], max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(ours.length, theirs.length) && out.length < max; i++) {
    if (ours[i] !== theirs[i]) {
      out.push(
        `line ${i + 1}:\n  objdump: ${JSON.stringify(theirs[i])}\n  ours:    ${JSON.stringify(ours[i])}`,
      );
    }
  }
  return out;
}

test("listing equals riscv64-linux-gnu-objdump -d", async (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  const files: Binary[] = [
    ...guestBinaries().map((p) => ({ name: basename(p), path: p })),
    ...fixtureBinaries(),
  ];
  assert.ok(guestBinaries().length > 20, "the committed guest binaries are there");
  const objdump = tool("objdump");
  // objdump runs in the background, a few at a time, while we list the files ourselves.
  const pending = new Map<string, Promise<string>>();
  let next = 0;
  const startMore = () => {
    while (next < files.length && pending.size < 4) {
      const f = files[next++]!;
      pending.set(
        f.path,
        run(objdump, ["-d", f.path], { encoding: "utf8", maxBuffer: 1 << 30 }).then((r) => r.stdout),
      );
    }
  };
  startMore();
  for (const f of files) {
    await t.test(f.name, async () => {
      const ours = disassembleElf(parseElf(new Uint8Array(readFileSync(f.path)), f.path)).split("\n");
      const theirs = (await pending.get(f.path)!).split("\n");
      pending.delete(f.path);
      startMore();
      const diffs = firstDifferences(ours, theirs, 10);
      assert.ok(theirs.length > 5, "objdump printed a listing");
      assert.equal(diffs.length, 0, `${f.path}: ${diffs.length} or more lines differ\n${diffs.join("\n")}`);
    });
  }
});

test("one function, as objdump --disassemble=NAME", (t) => {
  if (skippedWithout(t, "objdump")) return;
  const path = guestBinaries().find((p) => basename(p) === "hello");
  assert.ok(path, "guest/bin/hello is committed");
  const elf = parseElf(new Uint8Array(readFileSync(path)), path);
  for (const func of ["main", "_start", "abort"]) {
    const theirs: string = execFileSync(tool("objdump"), ["-d", `--disassemble=${func}`, path], {
      encoding: "utf8",
    });
    assert.equal(disassembleElf(elf, { func }), theirs, func);
  }
  assert.throws(() => disassembleElf(elf, { func: "mian" }), /no function named "mian"; similar: main/);
});
