// The ELF loader and the initial stack, checked in process against real riscv64 binaries: where
// segments land and with which protections, brk, AT_PHDR, PIE and interpreter bases, and the
// stack layout Linux builds (fs/binfmt_elf.c create_elf_tables).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type ElfFile, PF_R, PF_W, PF_X, PT_LOAD, parseElf } from "../../src/elf/elf.js";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/linux-user/address-space.js";
import { ELF_ET_DYN_BASE, PAGE, pageUp, STACK_SIZE, STACK_TOP } from "../../src/linux-user/layout.js";
import {
  AT_BASE,
  AT_ENTRY,
  AT_EXECFN,
  AT_HWCAP,
  AT_NULL,
  AT_PAGESZ,
  AT_PHDR,
  AT_PHNUM,
  AT_RANDOM,
  buildInitialStack,
  HWCAP_RV64IMAFDC,
  LoadError,
  loadProgram,
} from "../../src/linux-user/loader.js";
import { VmaList } from "../../src/linux-user/vma.js";
import { skipWithout, tool } from "../tools.js";
import { buildC, GUEST_BIN, needCC } from "./guest.js";

const ids = { uid: 1, euid: 1, gid: 2, egid: 2 };
const random = Uint8Array.from({ length: 16 }, (_, i) => i * 7);

function guest(name: string): ElfFile {
  const path = join(GUEST_BIN, name);
  return parseElf(readFileSync(path), path);
}

function load(elf: ElfFile, sysroot?: string) {
  const mem = new AddressSpace(1 << 28);
  const vmas = new VmaList();
  const prog = loadProgram(mem, vmas, {
    elf,
    argv: ["prog"],
    envp: [],
    execfn: "prog",
    random,
    sysroot,
    ids,
  });
  return { mem, vmas, prog };
}

function auxvOf(prog: ReturnType<typeof load>["prog"]): Map<number, number> {
  return new Map(prog.stack.auxv);
}

test("initial stack: argc, argv, envp, auxv, strings and alignment as Linux lays them out", () => {
  const mem = new AddressSpace(1 << 26);
  const bottom = STACK_TOP - STACK_SIZE;
  mem.map(bottom, STACK_SIZE, PROT_READ | PROT_WRITE);
  const s = buildInitialStack(mem, {
    argv: ["./prog", "one", "twö"],
    envp: ["A=1", "LONGER=value"],
    execfn: "./prog",
    random,
    auxv: [[AT_PAGESZ, 4096]],
    top: STACK_TOP,
    bottom,
  });
  assert.equal(s.sp % 16, 0, "sp is 16-byte aligned");
  assert.equal(mem.readU64(s.sp), 3, "argc");
  const argv = [0, 1, 2].map((i) => mem.readU64(s.sp + 8 + 8 * i));
  assert.deepEqual(
    argv.map((a) => mem.readCString(a)),
    ["./prog", "one", "twö"],
  );
  assert.equal(mem.readU64(s.sp + 8 * 4), 0, "argv[argc] is NULL");
  const envp = [0, 1].map((i) => mem.readU64(s.sp + 8 * 5 + 8 * i));
  assert.deepEqual(
    envp.map((a) => mem.readCString(a)),
    ["A=1", "LONGER=value"],
  );
  assert.equal(mem.readU64(s.sp + 8 * 7), 0, "envp ends with NULL");
  assert.equal(s.auxvAddr, s.sp + 8 * 8);
  const pairs: [number, number][] = [];
  for (let a = s.auxvAddr; ; a += 16) {
    pairs.push([mem.readU64(a), mem.readU64(a + 8)]);
    if (pairs[pairs.length - 1]![0] === AT_NULL) break;
  }
  assert.deepEqual(
    pairs.map(([k]) => k),
    [AT_PAGESZ, AT_RANDOM, AT_EXECFN, AT_NULL],
  );
  assert.deepEqual(pairs, s.auxv);
  // Strings are packed at the top: argv strings, env strings, execfn, then 8 zero bytes.
  assert.ok(argv[0]! < argv[1]! && argv[1]! < argv[2]! && argv[2]! < envp[0]! && envp[1]! < s.execfnAddr);
  assert.equal(s.execfnAddr + "./prog".length + 1, STACK_TOP - 8);
  assert.equal(mem.readU64(STACK_TOP - 8), 0);
  assert.equal(mem.readCString(s.execfnAddr), "./prog");
  assert.equal(argv[1]! - argv[0]!, "./prog".length + 1, "strings are contiguous");
  // AT_RANDOM: 16 bytes, 16-byte aligned, just below the strings.
  assert.equal(s.randomAddr % 16, 0);
  assert.deepEqual(mem.read(s.randomAddr, 16), random);
  assert.ok(s.randomAddr + 16 <= argv[0]! && argv[0]! - (s.randomAddr + 16) < 16);
  // The vector itself ends right below AT_RANDOM (up to the final 16-byte rounding of sp).
  assert.ok(s.auxvAddr + 16 * s.auxv.length <= s.randomAddr);
  assert.ok(s.randomAddr - (s.auxvAddr + 16 * s.auxv.length) < 16);
});

test("initial stack: too many arguments is E2BIG-like LoadError", () => {
  const mem = new AddressSpace(1 << 26);
  const bottom = STACK_TOP - 64 * PAGE;
  mem.map(bottom, 64 * PAGE, PROT_READ | PROT_WRITE);
  assert.throws(
    () =>
      buildInitialStack(mem, {
        argv: ["x".repeat(100_000)],
        envp: [],
        execfn: "x",
        random,
        auxv: [],
        top: STACK_TOP,
        bottom,
      }),
    (e: unknown) => e instanceof LoadError && /argument list too long/.test(e.message),
  );
});

const protOf = (flags: number) =>
  (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);

function checkSegments(elf: ElfFile, mem: AddressSpace, bias: number): void {
  for (const p of elf.phdrs) {
    if (p.type !== PT_LOAD || p.memsz === 0) continue;
    const at = bias + p.vaddr;
    assert.equal(mem.protOf(at), protOf(p.flags), `protection of segment at 0x${p.vaddr.toString(16)}`);
    assert.ok(
      Buffer.from(mem.read(at, p.filesz)).equals(elf.bytes.subarray(p.offset, p.offset + p.filesz)),
      "file bytes",
    );
    if (p.memsz > p.filesz) {
      const bss = mem.read(at + p.filesz, p.memsz - p.filesz);
      assert.ok(
        bss.every((b) => b === 0),
        "bss is zero",
      );
    }
  }
}

function phdrBytes(elf: ElfFile): Buffer {
  const v = new DataView(elf.bytes.buffer, elf.bytes.byteOffset);
  const phoff = v.getUint32(32, true);
  return Buffer.from(elf.bytes.subarray(phoff, phoff + 56 * elf.phdrs.length));
}

test("static ELF: segments at their addresses with their protections; brk after the end; auxv", () => {
  const elf = guest("hello");
  const { mem, prog } = load(elf);
  assert.equal(prog.main.bias, 0);
  checkSegments(elf, mem, 0);
  const end = Math.max(...elf.phdrs.filter((p) => p.type === PT_LOAD).map((p) => p.vaddr + p.memsz));
  assert.equal(prog.brk, pageUp(end));
  assert.equal(prog.entry, elf.entry);
  const aux = auxvOf(prog);
  assert.equal(aux.get(AT_ENTRY), elf.entry);
  assert.equal(aux.get(AT_PHNUM), elf.phdrs.length);
  assert.equal(aux.get(AT_BASE), 0);
  assert.equal(aux.get(AT_HWCAP), HWCAP_RV64IMAFDC);
  assert.equal(HWCAP_RV64IMAFDC, 0x112d);
  assert.deepEqual(Buffer.from(mem.read(aux.get(AT_PHDR)!, 56 * elf.phdrs.length)), phdrBytes(elf));
  assert.equal(prog.stack.sp % 16, 0);
});

test("static-pie ELF: loaded at ELF_ET_DYN_BASE like Linux without randomization", () => {
  const elf = guest("hello-pie");
  assert.equal(elf.type, 3);
  const { mem, prog } = load(elf);
  assert.equal(ELF_ET_DYN_BASE, 0x2aaaaaa000);
  assert.equal(prog.main.bias, ELF_ET_DYN_BASE);
  checkSegments(elf, mem, prog.main.bias);
  assert.equal(prog.entry, ELF_ET_DYN_BASE + elf.entry);
  assert.deepEqual(Buffer.from(mem.read(auxvOf(prog).get(AT_PHDR)!, 56 * elf.phdrs.length)), phdrBytes(elf));
});

test("dynamic ELF without a sysroot: a clear error naming the interpreter", () => {
  const elf = guest("hello-dynamic");
  assert.throws(
    () => load(elf),
    (e: unknown) =>
      e instanceof LoadError &&
      e.message ===
        `${elf.name}: dynamically linked program (interpreter /lib/ld-linux-riscv64-lp64d.so.1); ` +
          "run it with --sysroot DIR (e.g. --sysroot /usr/riscv64-linux-gnu) or link it with -static",
  );
});

test("dynamic ELF with a sysroot: the interpreter is mapped in the mmap area and is where execution starts", {
  skip: skipWithout("sysroot"),
}, () => {
  const sysroot = tool("sysroot");
  const elf = guest("hello-dynamic");
  const { mem, prog } = load(elf, sysroot);
  const interp = prog.interp!;
  assert.ok(interp.bias > prog.main.end, "interpreter above the program");
  assert.equal(auxvOf(prog).get(AT_BASE), interp.bias);
  assert.equal(prog.entry, interp.entry);
  assert.equal(auxvOf(prog).get(AT_ENTRY), prog.main.entry);
  const ld = parseElf(readFileSync(join(sysroot, "lib/ld-linux-riscv64-lp64d.so.1")), "ld.so");
  checkSegments(ld, mem, interp.bias);
});

test("dynamic ELF with a sysroot that lacks the interpreter: exit 127 and its name", () => {
  const elf = guest("hello-dynamic");
  assert.throws(
    () => load(elf, "/tmp"),
    (e: unknown) =>
      e instanceof LoadError &&
      e.exitCode === 127 &&
      e.message === `${elf.name}: interpreter /lib/ld-linux-riscv64-lp64d.so.1 not found in sysroot /tmp`,
  );
});

test("a relocatable object is not an executable", { skip: needCC }, () => {
  const src = buildC("obj-src", "int f(void) { return 1; }\n", ["-c"]);
  const elf = parseElf(readFileSync(src), "f.o");
  assert.throws(
    () => load(elf),
    (e: unknown) =>
      e instanceof LoadError && e.message === "f.o: not an executable (ELF relocatable object file)",
  );
});

test("a segment whose address and file offset disagree modulo the page size is refused", () => {
  const elf = guest("hello");
  const bytes = elf.bytes.slice();
  const v = new DataView(bytes.buffer);
  const phoff = v.getUint32(32, true);
  const i = elf.phdrs.findIndex((p) => p.type === PT_LOAD);
  v.setUint32(phoff + 56 * i + 16, elf.phdrs[i]!.vaddr + 8, true);
  const bad = parseElf(bytes, "bad");
  assert.throws(
    () => load(bad),
    (e: unknown) =>
      e instanceof LoadError && /segment \d+: address 0x[0-9a-f]+ and file offset/.test(e.message),
  );
});

test("readelf agrees on where the program headers are", { skip: skipWithout("readelf") }, () => {
  const path = join(GUEST_BIN, "hello");
  const text = execFileSync(tool("readelf"), ["-lW", path], { encoding: "utf8" });
  const m = /PHDR\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)/.exec(text);
  const { prog } = load(guest("hello"));
  if (m) assert.equal(auxvOf(prog).get(AT_PHDR), Number(m[1]));
  else {
    // No PT_PHDR: it is in the first load segment, at e_phoff.
    const first = /LOAD\s+0x0+\s+(0x[0-9a-f]+)/.exec(text)!;
    assert.equal(auxvOf(prog).get(AT_PHDR), Number(first[1]) + 64);
  }
});
