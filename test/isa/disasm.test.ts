// Differential tests: our disassembler against the real riscv64-linux-gnu-objdump, over every 16-bit
// encoding, every table entry with random and alias-selecting operands, and random 32-bit words;
// Zba and Zbb assembled with -march=rv64gc_zba_zbb (objdump reads the extensions from the attributes).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AddressNotes } from "../../src/isa/address-notes.js";
import type { PrivSpec } from "../../src/isa/csr.js";
import { decode, newDecoded } from "../../src/isa/decode.js";
import { disassemble, hexAddr } from "../../src/isa/disasm.js";
import { encode } from "../../src/isa/encode.js";
import { type IsaSet, parseIsaString, RV64GC, RV64GC_ZBA_ZBB } from "../../src/isa/isa-string.js";
import type { InsnSpec } from "../../src/isa/table.js";
import { skippedWithout } from "../tools.js";
import { corpus, rng } from "./corpus.js";
import { objdumpWords, startRelative } from "./objdump-run.js";

/** Extensions beyond RV64GC: the -march the words are assembled with, and the set we disassemble with. */
interface Arch {
  march: string;
  isa: IsaSet;
}
const ZBA_ZBB: Arch = { march: "rv64gc_zba_zbb", isa: RV64GC_ZBA_ZBB };

/** Disassembles `words` like objdump lists them from address 0 and returns the differing lines. */
function compare(words: number[], priv?: PrivSpec, arch?: Arch): string[] {
  const privAttr = priv ? (priv.split(".").map(Number) as [number, number]) : undefined;
  const ref = objdumpWords(words, privAttr, arch?.march);
  const notes = new AddressNotes();
  const d = newDecoded();
  const bad: string[] = [];
  for (const r of ref) {
    decode(r.raw, d);
    let mine = disassemble(r.raw, r.pc, startRelative, { privSpec: priv, isa: arch?.isa });
    const note = notes.step(d, r.pc);
    if (note !== undefined) mine += ` # ${hexAddr(note)} <${startRelative(note)}>`;
    if (mine !== r.text)
      bad.push(`${r.pc.toString(16)}: ${r.raw.toString(16)} objdump "${r.text}" ours "${mine}"`);
  }
  return bad;
}

test("every 16-bit encoding disassembles as objdump prints it", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  const words: number[] = [];
  for (let h = 0; h < 0x10000; h++) if ((h & 3) !== 3) words.push(h);
  assert.deepEqual(compare(words).slice(0, 20), []);
});

test("every table entry, random and alias-selecting operands, matches objdump", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  const words = [...corpus(50, 1), ...corpus(50, 2, true)].map((c) => c.raw);
  assert.deepEqual(compare(words).slice(0, 20), []);
});

test("with Zba and Zbb: every table entry, random and alias-selecting operands, matches objdump", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  const zb = (c: { spec: InsnSpec }) => c.spec.ext === "Zba" || c.spec.ext === "Zbb";
  const all = [...corpus(50, 11), ...corpus(50, 12, true)];
  assert.equal(new Set(all.filter(zb).map((c) => c.spec.name)).size, 32, "every Zba/Zbb entry is there");
  // Zb entries many times over; the rest once more, to show -march=..._zba_zbb changes nothing else.
  const words = [...corpus(400, 13).filter(zb), ...all].map((c) => c.raw);
  assert.deepEqual(compare(words, undefined, ZBA_ZBB).slice(0, 20), []);
});

test("with Zba and Zbb: encodings one fixed bit away from a Zb instruction match objdump", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  // Unary forms fix their rs2/immediate fields (clz is 0x600, rev8 0x6b8, ...): any other value there
  // must list as .4byte, or as whatever base instruction it happens to be, exactly as objdump has it.
  const rand = rng(17);
  const words: number[] = [];
  for (const c of corpus(200, 19).filter((c) => c.spec.ext === "Zba" || c.spec.ext === "Zbb")) {
    const fixed = c.spec.mask & ~0x7f; // keep the major opcode
    const bits = [...Array(32).keys()].filter((b) => (fixed >>> b) & 1);
    words.push((c.raw ^ (1 << bits[Math.floor(rand() * bits.length)]!)) >>> 0);
  }
  assert.deepEqual(compare(words, undefined, ZBA_ZBB).slice(0, 20), []);
  // Without Zba/Zbb in the attributes, objdump lists none of them (.4byte): neither do we.
  const zb = corpus(20, 23).filter((c) => c.spec.ext === "Zba" || c.spec.ext === "Zbb");
  assert.deepEqual(compare(zb.map((c) => c.raw)).slice(0, 20), []);
});

test("random 32-bit words of every major opcode match objdump (unknown ones as .4byte)", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  const rand = rng(3);
  const words: number[] = [];
  for (let opcode = 0; opcode < 32; opcode++) {
    if ((opcode & 7) === 7) continue; // 48/64-bit and longer formats: not 32-bit instructions
    for (let i = 0; i < 2500; i++)
      words.push(((((rand() * 2 ** 32) >>> 0) & ~0x7f) | (opcode << 2) | 3) >>> 0);
  }
  assert.deepEqual(compare(words).slice(0, 20), []);
});

test("CSR names follow the binary's privileged-spec version", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  for (const priv of ["1.10", "1.11", "1.12"] as const) {
    const words: number[] = [];
    for (let csr = 0; csr < 4096; csr++) {
      words.push(encode("csrrs", { rd: 10, rs1: 0, csr }), encode("csrrw", { rd: 0, rs1: 11, csr }));
    }
    assert.deepEqual(compare(words, priv).slice(0, 20), [], priv);
  }
});

test("address notes follow lui/auipc through addi, loads, stores and jalr", (t) => {
  if (skippedWithout(t, "cc", "objdump")) return;
  // Sequences that exercise each rule in address-notes.ts.
  const rand = rng(5);
  const pieces = [
    () => encode("lui", { rd: 10, imm: 0x12000 }),
    () => encode("auipc", { rd: 10, imm: 0x1000 }),
    () => encode("c.lui", { rd: 10, imm: -4096 }),
    () => encode("addi", { rd: 11, rs1: 10, imm: 5 }),
    () => encode("addi", { rd: 10, rs1: 10, imm: 0 }),
    () => encode("addiw", { rd: 11, rs1: 10, imm: -5 }),
    () => encode("c.addi", { rd: 10, imm: 3 }),
    () => encode("c.addiw", { rd: 10, imm: 0 }),
    () => encode("ld", { rd: 12, rs1: 10, imm: 8 }),
    () => encode("c.ld", { rd: 12, rs1: 10, imm: 8 }),
    () => encode("sw", { rs2: 12, rs1: 10, imm: -8 }),
    () => encode("jalr", { rd: 1, rs1: 10, imm: 4 }),
    () => encode("jalr", { rd: 0, rs1: 1, imm: 0 }),
    () => encode("c.jalr", { rs1: 10 }),
    () => encode("lui", { rd: 4, imm: 0x5000 }),
    () => encode("jalr", { rd: 5, rs1: 4, imm: 12 }),
    () => encode("addi", { rd: 5, rs1: 4, imm: 12 }),
    () => encode("lw", { rd: 5, rs1: 0, imm: 100 }),
    () => encode("addiw", { rd: 5, rs1: 0, imm: 100 }),
    () => encode("lui", { rd: 3, imm: 0x7000 }),
    () => encode("addi", { rd: 5, rs1: 3, imm: 12 }),
    () => encode("fld", { rd: 5, rs1: 10, imm: 16 }),
    () => encode("c.li", { rd: 10, imm: 1 }),
  ];
  const words: number[] = [];
  for (let i = 0; i < 4000; i++) words.push(pieces[Math.floor(rand() * pieces.length)]!());
  assert.deepEqual(compare(words).slice(0, 20), []);
});

test("ISA strings: Zba and Zbb from Tag_RISCV_arch, as gcc -march=rv64gc_zba_zbb writes it", () => {
  // guest/bin/isa-bitmanip's attribute (readelf -A); zmmul is M's multiplications, already in M.
  const arch = "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0_zmmul1p0_zba1p0_zbb1p0";
  assert.deepEqual(parseIsaString(arch), RV64GC_ZBA_ZBB);
  assert.deepEqual(parseIsaString("rv64gc"), RV64GC);
  assert.deepEqual(
    [...parseIsaString("rv64gc_zbb")!].filter((e) => e.startsWith("Zb")),
    ["Zbb"],
  );
  assert.equal(parseIsaString("rv64gc_zbaa")?.has("Zba"), false);
});

test("known lines (independent of the toolchain)", () => {
  const sym = (a: number) => (a === 0x101c4 ? "main" : undefined);
  assert.equal(disassemble(0x1141, 0x10078), "add\tsp,sp,-16");
  assert.equal(disassemble(0x8082, 0), "ret");
  assert.equal(disassemble(0x0001, 0), "nop");
  assert.equal(disassemble(0x4505, 0), "li\ta0,1");
  assert.equal(disassemble(0x852e, 0), "mv\ta0,a1");
  assert.equal(disassemble(0x2501, 0), "sext.w\ta0,a0");
  assert.equal(disassemble(0x0000, 0), "unimp");
  assert.equal(disassemble(encode("jal", { rd: 1, imm: 0x1c4 }), 0x10000, sym), "jal\t101c4 <main>");
  assert.equal(disassemble(encode("fadd.d", { rd: 15, rs1: 15, rs2: 14, rm: 7 }), 0), "fadd.d\tfa5,fa5,fa4");
  assert.equal(disassemble(encode("fcvt.w.d", { rd: 10, rs1: 15, rm: 1 }), 0), "fcvt.w.d\ta0,fa5,rtz");
  assert.equal(disassemble(encode("csrrs", { rd: 10, rs1: 0, csr: 3 }), 0), "frcsr\ta0");
  assert.equal(
    disassemble(encode("amoadd.w", { rd: 10, rs1: 12, rs2: 11, aq: 1, rl: 1 }), 0),
    "amoadd.w.aqrl\ta0,a1,(a2)",
  );
  assert.equal(disassemble(encode("lr.d", { rd: 15, rs1: 10 }), 0), "lr.d\ta5,(a0)");
  assert.equal(disassemble(0x0330000f, 0), "fence\trw,rw");
  assert.equal(disassemble(0x0000100f, 0), "fence.i");
  assert.equal(disassemble(0x12345537, 0), "lui\ta0,0x12345");
  assert.equal(disassemble(0x0000007f, 0), ".4byte\t0x7f");
  assert.equal(disassemble(0x8000, 0), ".2byte\t0x8000");
  const zb = { isa: RV64GC_ZBA_ZBB };
  assert.equal(disassemble(0x0805853b, 0, undefined, zb), "zext.w\ta0,a1");
  assert.equal(disassemble(0x0805c53b, 0, undefined, zb), "zext.h\ta0,a1");
  assert.equal(disassemble(0x63f5d513, 0, undefined, zb), "ror\ta0,a1,0x3f");
  assert.equal(disassemble(0x0bf5951b, 0, undefined, zb), "slli.uw\ta0,a1,0x3f");
  assert.equal(disassemble(0x6b85d513, 0, undefined, zb), "rev8\ta0,a1");
  assert.equal(disassemble(0x6b85d513, 0), ".4byte\t0x6b85d513", "not in RV64GC");
});
