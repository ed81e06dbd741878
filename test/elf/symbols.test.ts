import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { riscvAttributes } from "../../src/elf/attributes.js";
import { pltSymbols, relocations, symbolVersions } from "../../src/elf/dynamic.js";
import { parseElf } from "../../src/elf/elf.js";
import { SymbolIndex } from "../../src/elf/symbols.js";
import { skippedWithout, tool } from "../tools.js";
import { build, guestBinaries, readBytes } from "./toolchain.js";

const FIXTURE = new URL("../../../test/isa/fixtures/symbol-choice.S", import.meta.url).pathname;

test("objdump's choice among symbols sharing an address", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  const path = build(readFileSync(FIXTURE, "utf8"), ["-nostdlib", "-static"], "S");
  const elf = parseElf(readBytes(path), "fixture");
  const text = elf.section(".text")!;
  const labels = [...new SymbolIndex(elf).labels(text.index).values()].map((s) => s.name);
  // What objdump 2.40 chose for each group in the fixture (see the comments there).
  const expected = [
    "_start",
    "a_loc",
    "b_glob",
    "c_loc",
    "d_glob",
    "f_weak",
    "g_loc",
    "n_zz",
    "h_aa",
    "obj",
    "after",
  ];
  assert.deepEqual(labels, expected);
  const listing = execFileSync(tool("objdump"), ["-d", path], { encoding: "utf8" });
  assert.deepEqual(
    [...listing.matchAll(/^[0-9a-f]{16} <(.*)>:$/gm)].map((m) => m[1]),
    expected,
  );
  // ElfFile.symbolize names code by functions and untyped symbols only.
  const at = (name: string) => elf.symbols.find((s) => s.name === name)!.value;
  assert.deepEqual(elf.symbolize(at("a_loc") + 2), { name: "a_glob", offset: 2 });
  assert.deepEqual(elf.symbolize(at("b_glob")), { name: "b_glob", offset: 0 });
  assert.deepEqual(elf.symbolize(at("obj") + 4), { name: "h_aa", offset: at("obj") + 4 - at("h_aa") });
});

test("addresses below every symbol and wrapped 64-bit addresses", (t) => {
  if (skippedWithout(t, "cc")) return;
  const path = build(readFileSync(FIXTURE, "utf8"), ["-nostdlib", "-static"], "S");
  const index = new SymbolIndex(parseElf(readBytes(path), "fixture"));
  const lowest = index.sorted[0]!;
  assert.equal(index.describe(lowest.value - 8), `${lowest.name}-0x8`);
  const highest = index.sorted.at(-1)!;
  // 0xfffffffffffff8a0 (tp - 1888 as objdump computes it) lies above everything.
  const expectOff = (2n ** 64n - 1888n - BigInt(highest.value)).toString(16);
  assert.equal(index.describe(-1888), `${highest.name}+0x${expectOff}`);
});

test("RISC-V attributes match readelf -A", (t) => {
  if (skippedWithout(t, "readelf")) return;
  const path = guestBinaries()[0] ?? build("int main(void){return 0;}");
  const attrs = riscvAttributes(parseElf(readBytes(path), "prog"));
  const text = execFileSync(tool("readelf"), ["-A", path], { encoding: "utf8" });
  assert.equal(attrs.arch, /Tag_RISCV_arch: "([^"]+)"/.exec(text)?.[1]);
  const major = /Tag_RISCV_priv_spec: (\d+)/.exec(text)?.[1];
  if (major) {
    const minor = /Tag_RISCV_priv_spec_minor: (\d+)/.exec(text)?.[1] ?? "0";
    assert.deepEqual(attrs.privSpec?.slice(0, 2), [Number(major), Number(minor)]);
  }
  assert.equal(attrs.stackAlign, Number(/Tag_RISCV_stack_align: (\d+)/.exec(text)?.[1]));
});

test("dynamic relocations, versions and PLT entries match readelf", (t) => {
  if (skippedWithout(t, "readelf")) return;
  const path =
    guestBinaries().find((p) => p.endsWith("/hello-dynamic")) ??
    build('#include <stdio.h>\nint main(void){puts("hi");return 0;}', ["-O2"]);
  const elf = parseElf(readBytes(path), "dyn");
  const rela = elf.section(".rela.plt")!;
  const relocs = relocations(elf, rela.index);
  const text = execFileSync(tool("readelf"), ["-W", "-r", path], { encoding: "utf8" });
  const plt = text.slice(text.indexOf("'.rela.plt'"));
  const rows = [...plt.matchAll(/^([0-9a-f]{16})\s+[0-9a-f]+\s+R_RISCV_JUMP_SLOT\s+[0-9a-f]+\s+(\S+)/gm)];
  assert.equal(relocs.length, rows.length);
  const versions = symbolVersions(elf);
  relocs.forEach((r, i) => {
    assert.equal(r.offset, Number.parseInt(rows[i]![1]!, 16));
    const [name, version] = rows[i]![2]!.split("@");
    assert.equal(elf.dynsym[r.sym]!.name, name);
    assert.equal(versions[r.sym]?.name, version);
  });
  const plts = pltSymbols(elf);
  assert.equal(plts.length, relocs.length);
  assert.ok(plts.some((s) => s.name === "puts@plt"));
});
