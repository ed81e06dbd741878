// HTIF: through the bus (requests taken on an 8-byte store or a store to tohost's upper half, pass,
// failing test cases, console output with fromhost's acknowledgement, syscall-proxy and other
// requests refused by name, the rest of the page as memory), RAM laid out around its page, and a
// riscv-tests-style program — assembled and linked with the cross binutils, tohost found by its ELF
// symbol — run on a hart, interpreted and compiled, passing or failing its second test case.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PT_LOAD, parseElf } from "../../../src/elf/elf.js";
import { Hart } from "../../../src/hart/hart.js";
import { HartState } from "../../../src/hart/state.js";
import { Stop } from "../../../src/hart/stop.js";
import { Bus } from "../../../src/machine/bus.js";
import { addRamExcept, Htif, type HtifFinish } from "../../../src/machine/devices/htif.js";
import { PhysicalMemory } from "../../../src/machine/physical-memory.js";
import { tempDir } from "../../temp-dir.js";
import { skipWithout, tool } from "../../tools.js";

const TOHOST = 0x8000_1000;

function rig(output = true) {
  const bus = new Bus({ hostBytes: 1 << 20 });
  const finishes: HtifFinish[] = [];
  const out: number[] = [];
  const htif = new Htif({
    tohost: TOHOST,
    finish: (f) => finishes.push(f),
    output: output ? (b) => out.push(...b) : undefined,
  });
  const ram = addRamExcept(bus, "ram", 0x8000_0000, 0x4000, htif.pages);
  htif.map(bus);
  return { bus, htif, finishes, out, ram, mem: new PhysicalMemory(bus) };
}

test("RAM around the HTIF's page; the page's other bytes behave as memory", () => {
  const { bus, htif, ram, mem } = rig();
  assert.deepEqual(ram, [
    { base: 0x8000_0000, size: 0x1000 },
    { base: 0x8000_2000, size: 0x2000 },
  ]);
  assert.deepEqual(
    bus.regions.map((r) => [r.name, r.kind, r.base]),
    [
      ["ram", "ram", 0x8000_0000],
      ["htif", "device", 0x8000_1000],
      ["ram.1", "ram", 0x8000_2000],
    ],
  );
  assert.equal(htif.fromhost, TOHOST + 64);
  assert.ok(htif.covers(TOHOST + 0xfff) && !htif.covers(TOHOST + 0x1000));
  bus.writeDevice(TOHOST + 0x100, 2, 0xbeefn);
  assert.equal(bus.readDevice(TOHOST + 0x100, 1), 0xefn);
  assert.equal(bus.readDevice(TOHOST + 0x100, 4), 0xbeefn);
  // a load across RAM and the page
  htif.load(mem, TOHOST - 4, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  assert.deepEqual(mem.read(TOHOST - 4, 4), Uint8Array.of(1, 2, 3, 4));
  assert.equal(bus.readDevice(TOHOST, 4), 0x0807_0605n);
  assert.throws(
    () => new Htif({ tohost: TOHOST + 4, finish: () => {} }),
    /tohost at 0x80001004 is not an 8-byte aligned address/,
  );
});

test("pass and failing test cases: the whole word, by an 8-byte store or lower half then upper", () => {
  const { bus, finishes } = rig();
  bus.writeDevice(TOHOST, 4, 7n); // lower half: nothing yet
  assert.deepEqual(finishes, []);
  assert.equal(bus.readDevice(TOHOST, 8), 7n);
  bus.writeDevice(TOHOST + 4, 4, 0n);
  assert.deepEqual(finishes, [
    { kind: "fail", exitCode: 1, testCase: 3, message: "HTIF: test case 3 failed (tohost = 0x7)" },
  ]);
  assert.equal(bus.readDevice(TOHOST, 8), 0n, "the host cleared tohost");
  bus.writeDevice(TOHOST, 8, 1n);
  assert.deepEqual(finishes[1], { kind: "pass", exitCode: 0, message: "HTIF: pass" });
  bus.writeDevice(TOHOST, 8, 0n);
  bus.writeDevice(TOHOST + 4, 4, 0n);
  assert.equal(finishes.length, 2, "zero is no request");
});

test("console output with fromhost acknowledged; syscall-proxy and unknown requests refused by name", () => {
  const { bus, finishes, out } = rig();
  for (const c of "hi") bus.writeDevice(TOHOST, 8, (1n << 56n) | (1n << 48n) | BigInt(c.charCodeAt(0)));
  assert.equal(Buffer.from(out).toString(), "hi");
  assert.equal(bus.readDevice(TOHOST + 64, 8), (1n << 56n) | (1n << 48n));
  assert.equal(finishes.length, 0);
  bus.writeDevice(TOHOST, 8, 0x8000_2000n);
  assert.equal(finishes.length, 1);
  assert.equal(finishes[0]!.kind, "unsupported");
  assert.match(finishes[0]!.message, /^HTIF: a syscall-proxy request \(tohost = 0x80002000\)/);
  bus.writeDevice(TOHOST, 8, (1n << 56n) | 65n); // console input
  assert.deepEqual(finishes[1], {
    kind: "unsupported",
    message: "HTIF: device 1 command 0 is not supported (tohost = 0x100000000000041)",
  });
  const quiet = rig(false);
  quiet.bus.writeDevice(TOHOST, 8, (1n << 56n) | (1n << 48n) | 65n);
  assert.equal(quiet.finishes[0]!.kind, "unsupported", "no console: refused");
});

// A riscv-tests-style program: test case 1 checks 2 + 3 == 5, test case 2 checks EXPECT == 7; it
// prints "ok\n" through the HTIF console first, then reports through tohost as riscv-tests'
// write_tohost does (lower half, then upper half), and spins.
const SOURCE = `
  .section .text.init, "ax"
  .globl _start
_start:
  la t0, tohost
  li t2, 0x0101000000000000
  li t3, 'o'
  or t1, t2, t3
  sd t1, 0(t0)
  sd zero, 64(t0)
  li t3, 'k'
  or t1, t2, t3
  sd t1, 0(t0)
  li t3, '\\n'
  or t1, t2, t3
  sd t1, 0(t0)
  li gp, 1
  li a0, 2
  li a1, 3
  add a2, a0, a1
  li a3, 5
  bne a2, a3, fail
  li gp, 2
  li a0, EXPECT
  li a1, 7
  bne a0, a1, fail
  li a0, 1
  j write_tohost
fail:
  slli a0, gp, 1
  ori a0, a0, 1
write_tohost:
  sw a0, 0(t0)
  sw zero, 4(t0)
1: j 1b

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
`;

const LINK = `
OUTPUT_ARCH("riscv")
ENTRY(_start)
SECTIONS {
  . = 0x80000000;
  .text.init : { *(.text.init) }
  . = ALIGN(0x1000);
  .tohost : { *(.tohost) }
  . = ALIGN(0x1000);
  .text : { *(.text) }
}
`;

function build(dir: string, expect: number): Uint8Array {
  writeFileSync(join(dir, "t.S"), SOURCE);
  writeFileSync(join(dir, "link.ld"), LINK);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  };
  run(tool("as"), ["-march=rv64imac", "--defsym", `EXPECT=${expect}`, "-o", "t.o", "t.S"]);
  run(tool("ld"), ["-T", "link.ld", "-nostdlib", "-o", "t.elf", "t.o"]);
  return readFileSync(join(dir, "t.elf"));
}

for (const jit of [false, { interpretFirst: 0, hot: 2, warm: 1 }] as const) {
  const engine = jit === false ? "interpreted" : "compiled";
  test(`a riscv-tests-style ELF on a hart (${engine}): tohost from its symbol, pass and a failing case`, {
    skip: skipWithout("as", "ld"),
  }, () => {
    const dir = tempDir("hs-htif-");
    for (const [expect, outcome] of [
      [7, { kind: "pass", exitCode: 0, message: "HTIF: pass" }],
      [8, { kind: "fail", exitCode: 1, testCase: 2, message: "HTIF: test case 2 failed (tohost = 0x5)" }],
    ] as const) {
      const elf = parseElf(build(dir, expect), "t.elf");
      const symbol = (name: string) => elf.symbols.find((s) => s.name === name)!.value;
      const bus = new Bus({ hostBytes: 1 << 20 });
      const finishes: HtifFinish[] = [];
      const out: number[] = [];
      const htif = new Htif({
        tohost: symbol("tohost"),
        fromhost: symbol("fromhost"),
        finish: (f) => finishes.push(f),
        output: (b) => out.push(...b),
      });
      assert.equal(htif.tohost, 0x8000_1000);
      addRamExcept(bus, "ram", 0x8000_0000, 0x10000, htif.pages);
      htif.map(bus);
      const mem = new PhysicalMemory(bus);
      for (const p of elf.phdrs.filter((ph) => ph.type === PT_LOAD)) {
        htif.load(mem, p.paddr, elf.bytes.subarray(p.offset, p.offset + p.filesz));
      }
      const state = new HartState();
      state.pc = elf.entry;
      const hart = new Hart(state, mem, { jit });
      for (let i = 0; i < 50 && finishes.length === 0; i++) assert.equal(hart.run(7), Stop.BUDGET);
      assert.deepEqual(finishes, [outcome]);
      assert.equal(Buffer.from(out).toString(), "ok\n");
    }
  });
}
