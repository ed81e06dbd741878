import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ElfError, type ElfFile, ET_EXEC, PT_LOAD, parseElf, STT_FUNC } from "../../src/elf/elf.js";
import { skippedWithout, tool } from "../tools.js";
import { build, guestBinaries, HELLO_C, readBytes } from "./toolchain.js";

/** A real static binary: a committed guest program if there is one, else one built now. */
function realBinary(): string {
  return guestBinaries()[0] ?? build(HELLO_C);
}

/** Built now: needs the cross toolchain. */
function tinyBinary(): string {
  const asm = `
    .globl _start
    .type _start, @function
_start:
    li a0, 0
    li a7, 93
    ecall
    .size _start, .-_start
    .data
value: .dword 42
`;
  return build(asm, ["-nostdlib", "-static"], "S");
}

test("parses a real static RISC-V binary the way readelf sees it", (t) => {
  if (skippedWithout(t, "readelf", "nm")) return;
  const path = realBinary();
  const readelf = tool("readelf");
  const elf = parseElf(readFileSync(path), "prog");
  const hdr = execFileSync(readelf, ["-W", "-h", path], { encoding: "utf8" });
  assert.equal(elf.machine, 243);
  assert.equal(elf.entry, Number.parseInt(/Entry point address:\s+0x([0-9a-f]+)/.exec(hdr)![1]!, 16));
  assert.equal(elf.flags, Number.parseInt(/Flags:\s+0x([0-9a-f]+)/.exec(hdr)![1]!, 16));
  assert.equal(elf.type, /Type:\s+EXEC/.test(hdr) ? ET_EXEC : 3);

  // Section table: name, address, offset, size per line of `readelf -S -W`.
  const secText = execFileSync(readelf, ["-W", "-S", path], { encoding: "utf8" });
  const secs = [
    ...secText.matchAll(/^\s+\[\s*(\d+)\]\s+(\S*)\s+\S+\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+)/gm),
  ];
  assert.equal(elf.sections.length, secs.length);
  for (const m of secs) {
    const s = elf.sections[Number(m[1])]!;
    assert.equal(s.name, m[2] ?? "", `section ${m[1]}`);
    assert.equal(s.addr, Number.parseInt(m[3]!, 16), `addr of ${s.name}`);
    assert.equal(s.offset, Number.parseInt(m[4]!, 16), `offset of ${s.name}`);
    assert.equal(s.size, Number.parseInt(m[5]!, 16), `size of ${s.name}`);
  }

  // Program headers: the LOAD segments.
  const phText = execFileSync(readelf, ["-W", "-l", path], { encoding: "utf8" });
  const loads = [
    ...phText.matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+) 0x([0-9a-f]+)/gm),
  ];
  const mine = elf.phdrs.filter((p) => p.type === PT_LOAD);
  assert.equal(mine.length, loads.length);
  loads.forEach((m, i) => {
    assert.deepEqual(
      [mine[i]!.offset, mine[i]!.vaddr, mine[i]!.filesz, mine[i]!.memsz],
      m.slice(1, 5).map((h) => Number.parseInt(h!, 16)),
    );
  });

  // Every defined function symbol nm reports is there with the same address.
  const nm = execFileSync(tool("nm"), ["--defined-only", path], { encoding: "utf8" });
  const funcs = [...nm.matchAll(/^([0-9a-f]+) [Tt] (\S+)$/gm)];
  assert.ok(funcs.length > 0);
  const byName = new Map<string, Set<number>>();
  for (const s of elf.symbols) {
    if (!byName.has(s.name)) byName.set(s.name, new Set());
    byName.get(s.name)!.add(s.value);
  }
  for (const m of funcs) {
    assert.ok(byName.get(m[2]!)?.has(Number.parseInt(m[1]!, 16)), `symbol ${m[2]} at ${m[1]}`);
  }
  const main = elf.symbols.find((s) => s.name === "main");
  if (main) {
    assert.equal(main.type, STT_FUNC);
    assert.deepEqual(elf.symbolize(main.value + 6), { name: "main", offset: 6 });
  }
  assert.equal(elf.interpreter, undefined, "static binary has no PT_INTERP");
});

test("reads PT_INTERP of a dynamic binary", (t) => {
  if (skippedWithout(t, "cc")) return;
  const path = build(HELLO_C, ["-O2"]);
  const elf = parseElf(readFileSync(path), "dyn");
  assert.equal(elf.interpreter, "/lib/ld-linux-riscv64-lp64d.so.1");
  assert.ok(elf.symbols.some((s) => s.name === "main"));
});

test("clear errors for non-RISC-V and non-ELF input", () => {
  assert.throws(() => parseElf(new TextEncoder().encode("#!/bin/sh\necho hi\n"), "script"), {
    name: "ElfError",
    message: "script: not an ELF file (bad magic at offset 0)",
  });
  // The host's own node binary is an ELF for some other machine (or another format entirely).
  const host = readFileSync(process.execPath);
  assert.throws(() => parseElf(host, "node"), ElfError);
  if (host[0] === 0x7f && host[4] === 2 && host[18] === 62) {
    assert.throws(() => parseElf(host, "node"), {
      message: "node: ELF for machine x86-64 (62), not RISC-V (243)",
    });
  }
  const ident32 = new Uint8Array(52);
  ident32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  assert.throws(() => parseElf(ident32, "prog"), {
    message: "prog: 32-bit ELF (ELFCLASS32); hartscope runs RV64",
  });
});

test("names the truncated part and its offset", (t) => {
  if (skippedWithout(t, "cc")) return;
  const path = tinyBinary();
  const bytes = readFileSync(path);
  const phoff = Number(bytes.readBigUInt64LE(32));
  assert.throws(() => parseElf(bytes.subarray(0, phoff + 60), "prog"), {
    message: `prog: truncated: program header 1 at offset 0x${(phoff + 56).toString(16)} (56 bytes) extends past end of file (size ${phoff + 60})`,
  });
  assert.throws(() => parseElf(bytes.subarray(0, 40), "prog"), {
    message: "prog: truncated: ELF header at offset 0x0 (64 bytes) extends past end of file (size 40)",
  });
});

/** mulberry32: small deterministic PRNG so a failing fuzz case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Regions a parser actually reads: ELF header, program and section headers, symbol table. */
function hotRegions(elf: ElfFile): [number, number][] {
  const b = elf.bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const phoff = Number(v.getBigUint64(32, true));
  const shoff = Number(v.getBigUint64(40, true));
  const regions: [number, number][] = [
    [0, 64],
    [phoff, elf.phdrs.length * 56],
    [shoff, elf.sections.length * 64],
  ];
  for (const s of elf.sections)
    if (s.type === 2 || s.type === 3) regions.push([s.offset, Math.min(s.size, 4096)]);
  return regions;
}

function fuzz(bytes: Uint8Array, iterations: number, seed: number): { errors: number; ok: number } {
  const clean = parseElf(bytes, "fuzz");
  const regions = hotRegions(clean);
  const rand = rng(seed);
  let errors = 0;
  let ok = 0;
  for (let i = 0; i < iterations; i++) {
    let m: Uint8Array;
    const kind = rand();
    if (kind < 0.2) {
      m = bytes.slice(0, Math.floor(rand() * bytes.length));
    } else {
      m = bytes.slice();
      const flips = 1 + Math.floor(rand() * 8);
      for (let f = 0; f < flips; f++) {
        const [start, len] = rand() < 0.9 ? regions[Math.floor(rand() * regions.length)]! : [0, m.length];
        const at = start + Math.floor(rand() * len);
        if (at < m.length)
          m[at] = rand() < 0.5 ? m[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
      }
    }
    try {
      const elf = parseElf(m, "fuzz");
      elf.symbolize(elf.entry);
      ok++;
    } catch (e) {
      if (!(e instanceof ElfError)) {
        assert.fail(`iteration ${i} (seed ${seed}): ${(e as Error).stack}`);
      }
      assert.match(e.message, /^fuzz: /);
      errors++;
    }
  }
  return { errors, ok };
}

test("fuzz: truncated and corrupted ELF files give only ElfError", (t) => {
  if (skippedWithout(t, "cc")) return;
  const tiny = tinyBinary();
  const real = realBinary();
  const a = fuzz(readBytes(tiny), 6000, 1);
  const b = fuzz(readBytes(real), 1500, 2);
  // Both outcomes must occur, or the fuzzer is not exercising the parser.
  assert.ok(a.errors > 100 && a.ok > 100, JSON.stringify(a));
  assert.ok(b.errors > 100 && b.ok > 10, JSON.stringify(b));
});
