import assert from "node:assert/strict";
import { test } from "node:test";
import { decode, newDecoded } from "../../src/isa/decode.js";
import * as ops from "../../src/isa/ops.js";
import { OP_COUNT } from "../../src/isa/ops.js";

/** The enum object tsc keeps (preserveConstEnums), without its reverse (number → name) entries. */
const Op: Record<string, number> = Object.fromEntries(
  Object.entries((ops as unknown as { Op: Record<string, unknown> }).Op).filter(
    (e): e is [string, number] => typeof e[1] === "number",
  ),
);

import { BASE_INSNS, COMPRESSED_INSNS, type InsnSpec, SPEC_BY_OP } from "../../src/isa/table.js";

test("Op literal is exactly the table's base instructions, dense, below 512", () => {
  const fromTable: Record<string, number> = { ILLEGAL: 0 };
  for (const s of BASE_INSNS) fromTable[s.name.toUpperCase().replace(/\./g, "_")] = s.op;
  assert.deepEqual({ ...Op }, fromTable);
  const ids = Object.values(Op).sort((a, b) => a - b);
  assert.deepEqual(
    ids,
    ids.map((_, i) => i),
  );
  assert.equal(OP_COUNT, ids.length);
  assert.ok(OP_COUNT < 512);
  for (const [i, s] of SPEC_BY_OP.entries()) assert.equal(s.op, i);
  // The names the hart relies on exist.
  for (const n of ["ADDI", "FADD_D", "FCVT_L_D", "FMV_X_D", "FMV_D_X", "FMV_X_W", "FMV_W_X", "AMOADD_W"]) {
    assert.ok(n in Op, n);
  }
  for (const n of ["AMOMAXU_D", "LR_W", "SC_D", "CSRRWI", "FENCE", "FENCE_I", "ECALL", "EBREAK", "MRET"]) {
    assert.ok(n in Op, n);
  }
  for (const n of ["SRET", "WFI", "SFENCE_VMA", "ADD_UW", "SLLI_UW", "ORC_B", "REV8", "ZEXT_H"]) {
    assert.ok(n in Op, n);
  }
});

test("the table covers RV64GC, Zba and Zbb: instruction counts per extension", () => {
  const count = (ext: string) => BASE_INSNS.filter((s) => s.ext === ext).length;
  // Unprivileged ISA chapter 24 listings: RV32I has 40 (fence, ecall, ebreak included); RV64I adds 12
  // (lwu, ld, sd, addiw, slliw, srliw, sraiw, addw, subw, sllw, srlw, sraw) and widens slli/srli/srai.
  assert.equal(count("I"), 52);
  assert.equal(count("M"), 13);
  assert.equal(count("A"), 22);
  assert.equal(count("F"), 30); // RV32F 26 + RV64F 4
  assert.equal(count("D"), 32); // RV32D 26 + RV64D 6
  assert.equal(count("Zicsr"), 6);
  assert.equal(count("Zifencei"), 1);
  // Bit-Manipulation 1.0.0 §2.1 and §2.2, RV64: Zba 8 (add.uw, sh[123]add, sh[123]add.uw, slli.uw);
  // Zbb 24 (andn orn xnor, clz[w] ctz[w] cpop[w], max[u] min[u], sext.b sext.h zext.h,
  // rol[w] ror[w] rori[w], orc.b rev8).
  assert.equal(count("Zba"), 8);
  assert.equal(count("Zbb"), 24);
  assert.equal(COMPRESSED_INSNS.length, 37);
});

/** Encodings two entries can both match, ignoring nonzero-field constraints. */
function overlaps(a: InsnSpec, b: InsnSpec): boolean {
  return ((a.match ^ b.match) & a.mask & b.mask) === 0;
}

test("no two 32-bit encodings overlap", () => {
  const clashes: string[] = [];
  for (let i = 0; i < BASE_INSNS.length; i++) {
    for (let j = i + 1; j < BASE_INSNS.length; j++) {
      if (overlaps(BASE_INSNS[i]!, BASE_INSNS[j]!))
        clashes.push(`${BASE_INSNS[i]!.name}/${BASE_INSNS[j]!.name}`);
    }
  }
  assert.deepEqual(clashes, []);
});

// Where the C extension itself gives one encoding two meanings and says which wins:
// C.ADDI16SP "shares the opcode with C.LUI, but has a destination field of x2" (§16.5).
const C_PRIORITY = new Set(["c.addi16sp>c.lui"]);

test("every 16-bit halfword matches at most one compressed entry (documented priorities aside)", () => {
  const d = newDecoded();
  const nzOk = (s: InsnSpec, h: number) => {
    // Evaluate the entry's nonzero constraints on its own fields.
    decode(h, d);
    return s.nz.every((k) => (d.spec === s ? d[k] !== 0 : fieldOf(s, h, k) !== 0));
  };
  const clashes = new Map<string, number>();
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 3) === 3) continue;
    const hits = COMPRESSED_INSNS.filter((s) => (h & s.mask) === s.match && nzOk(s, h));
    for (let i = 1; i < hits.length; i++) {
      const key = `${hits[0]!.name}>${hits[i]!.name}`;
      if (!C_PRIORITY.has(key)) clashes.set(key, (clashes.get(key) ?? 0) + 1);
    }
    // Whatever matches first is what decode reports.
    decode(h, d);
    if (hits.length > 0) assert.equal(d.spec, hits[0], `halfword ${h.toString(16)}`);
    else assert.equal(d.op, Op.ILLEGAL, `halfword ${h.toString(16)}`);
  }
  assert.deepEqual([...clashes], []);
});

/** A field of halfword h read with entry s's layout, for checking constraints of entries decode skipped. */
function fieldOf(s: InsnSpec, h: number, k: "rd" | "rs1" | "rs2" | "imm"): number {
  const f = s.format;
  if (k === "imm") {
    let v = 0;
    for (const [from, width, to] of f.imm?.segs ?? []) v |= ((h >>> from) & ((1 << width) - 1)) << to;
    return v;
  }
  const pos = f[k];
  if (!pos) return f.implied?.[k] ?? 0;
  return pos.width === 5 ? (h >>> pos.at) & 31 : 8 + ((h >>> pos.at) & 7);
}

test("compressed entries expand to base instructions of a matching shape", () => {
  for (const c of COMPRESSED_INSNS) {
    assert.ok(c.base, c.name);
    assert.equal(c.op, c.base.op);
    assert.equal(c.cls, c.base.cls);
    assert.ok(c.match < 0x10000 && c.mask < 0x10000);
  }
});
