import assert from "node:assert/strict";
import { test } from "node:test";
import { type Decoded, decode, newDecoded } from "../../src/isa/decode.js";
import { encode } from "../../src/isa/encode.js";
import { Op } from "../../src/isa/ops.js";
import { corpus } from "./corpus.js";

function dec(raw: number): Decoded {
  const d = newDecoded();
  decode(raw, d);
  return d;
}

/** The fields of `d` named in `want`. */
function pickFields(d: Decoded, want: Partial<Decoded>): Partial<Decoded> {
  return Object.fromEntries(Object.keys(want).map((k) => [k, d[k as keyof Decoded]]));
}

// Encodings below are what GNU as produces for the assembly in the comment (checked in disasm.test.ts
// against objdump, which prints the expansion).
const EXPANSIONS: [number, string, Partial<Decoded>][] = [
  [0x1141, "c.addi sp,-16", { op: Op.ADDI, rd: 2, rs1: 2, imm: -16, len: 2 }],
  [0x7131, "c.addi16sp sp,-192", { op: Op.ADDI, rd: 2, rs1: 2, imm: -192, len: 2 }],
  [0x0808, "c.addi4spn a0,sp,16", { op: Op.ADDI, rd: 10, rs1: 2, imm: 16 }],
  [0xa001, "c.j .", { op: Op.JAL, rd: 0, imm: 0, len: 2 }],
  [0xbffd, "c.j .-2", { op: Op.JAL, rd: 0, imm: -2 }],
  [0x8082, "c.jr ra (ret)", { op: Op.JALR, rd: 0, rs1: 1, imm: 0 }],
  [0x9782, "c.jalr a5", { op: Op.JALR, rd: 1, rs1: 15, imm: 0 }],
  [0x852e, "c.mv a0,a1", { op: Op.ADD, rd: 10, rs1: 0, rs2: 11 }],
  [0x952e, "c.add a0,a1", { op: Op.ADD, rd: 10, rs1: 10, rs2: 11 }],
  [0x4505, "c.li a0,1", { op: Op.ADDI, rd: 10, rs1: 0, imm: 1 }],
  [0x9002, "c.ebreak", { op: Op.EBREAK, len: 2 }],
  [0x0001, "c.nop", { op: Op.ADDI, rd: 0, rs1: 0, imm: 0 }],
  [0x2422, "c.fldsp fs0,8(sp)", { op: Op.FLD, rd: 8, rs1: 2, imm: 8 }],
  [0x671c, "c.ld a5,8(a4)", { op: Op.LD, rd: 15, rs1: 14, imm: 8 }],
  [0xeb1c, "c.sd a5,16(a4)", { op: Op.SD, rs1: 14, rs2: 15, imm: 16 }],
  [0xfd06, "c.sdsp ra,184(sp)", { op: Op.SD, rs1: 2, rs2: 1, imm: 184 }],
  [0x6549, "c.lui a0,0x12", { op: Op.LUI, rd: 10, imm: 0x12000 }],
  [0x757d, "c.lui a0,0xfffff", { op: Op.LUI, rd: 10, imm: -4096 }],
  [0x2781, "c.addiw a5,0 (sext.w)", { op: Op.ADDIW, rd: 15, rs1: 15, imm: 0 }],
  [0xe781, "c.bnez a5,+8", { op: Op.BNE, rs1: 15, rs2: 0, imm: 8 }],
  [0x8d05, "c.sub a0,s1", { op: Op.SUB, rd: 10, rs1: 10, rs2: 9 }],
  [0x9d3d, "c.addw a0,a5", { op: Op.ADDW, rd: 10, rs1: 10, rs2: 15 }],
  [0x8905, "c.andi a0,1", { op: Op.ANDI, rd: 10, rs1: 10, imm: 1 }],
  [0x9101, "c.srli a0,32", { op: Op.SRLI, rd: 10, rs1: 10, imm: 32 }],
  [0x1502, "c.slli a0,32", { op: Op.SLLI, rd: 10, rs1: 10, imm: 32 }],
];

test("compressed instructions expand to their base op with x8..x15 already mapped", () => {
  for (const [raw, asm, want] of EXPANSIONS) {
    const d = dec(raw);
    assert.deepEqual(pickFields(d, want), want, asm);
    assert.equal(d.len, 2, asm);
    assert.equal(d.raw, raw, asm);
    assert.ok(d.spec.name.startsWith("c."), asm);
  }
});

test("32-bit field conventions", () => {
  // lui a0,0x12345: imm already shifted
  assert.deepEqual(pickFields(dec(0x12345537), { op: 0, rd: 0, imm: 0 }), {
    op: Op.LUI,
    rd: 10,
    imm: 0x12345000,
  });
  // lui a0,0xfffff: sign-extended int32
  assert.equal(dec(0xfffff537).imm, -4096);
  // jal ra,-2048 / beq byte offsets
  assert.equal(dec(encode("jal", { rd: 1, imm: -2048 })).imm, -2048);
  assert.equal(dec(encode("bgeu", { rs1: 9, rs2: 0, imm: 4094 })).imm, 4094);
  // slli a0,a0,63: shamt
  assert.deepEqual(pickFields(dec(0x03f51513), { op: 0, imm: 0 }), { op: Op.SLLI, imm: 63 });
  // csrrs a0,fcsr,zero (frcsr a0): imm = CSR, rs1 = register
  assert.deepEqual(pickFields(dec(0x00302573), { op: 0, rd: 0, rs1: 0, imm: 0 }), {
    op: Op.CSRRS,
    rd: 10,
    rs1: 0,
    imm: 3,
  });
  // csrrwi zero,frm,3 (fsrmi 3): rs1 = 5-bit uimm
  assert.deepEqual(pickFields(dec(0x0021d073), { op: 0, rs1: 0, imm: 0 }), { op: Op.CSRRWI, rs1: 3, imm: 2 });
  // fence rw,rw / fence.tso: imm = fm|pred|succ
  assert.deepEqual(pickFields(dec(0x0330000f), { op: 0, imm: 0 }), { op: Op.FENCE, imm: 0x033 });
  assert.deepEqual(pickFields(dec(0x8330000f), { op: 0, imm: 0 }), { op: Op.FENCE, imm: 0x833 });
  // sc.w.aq a3,a4,(s0): rm = aq<<1|rl
  assert.deepEqual(pickFields(dec(0x1ce426af), { op: 0, rd: 0, rs1: 0, rs2: 0, rm: 0 }), {
    op: Op.SC_W,
    rd: 13,
    rs1: 8,
    rs2: 14,
    rm: 2,
  });
  // fmadd.d fa0,fa1,fa2,fa3,rtz: rs3 and rm
  const fma = dec(encode("fmadd.d", { rd: 10, rs1: 11, rs2: 12, rs3: 13, rm: 1 }));
  assert.deepEqual(pickFields(fma, { op: 0, rs3: 0, rm: 0 }), { op: Op.FMADD_D, rs3: 13, rm: 1 });
  // fcvt.w.d a0,fa5,rtz
  assert.deepEqual(pickFields(dec((0xc20797d3 & ~0xf80) | (10 << 7)), { op: 0, rd: 0, rs1: 0, rm: 0 }), {
    op: Op.FCVT_W_D,
    rd: 10,
    rs1: 15,
    rm: 1,
  });
  // Unused fields are zero, and raw is the unsigned word.
  const ecall = dec(0x00000073);
  assert.deepEqual(
    [ecall.op, ecall.rd, ecall.rs1, ecall.rs2, ecall.imm, ecall.len],
    [Op.ECALL, 0, 0, 0, 0, 4],
  );
  assert.equal(dec(0xfffff537 | 0).raw, 0xfffff537);
});

test("reserved and unknown encodings decode to ILLEGAL", () => {
  const reserved: [number, string][] = [
    [0x0000, "all-zero halfword"],
    [0x0004, "c.addi4spn with nzuimm 0"],
    [0x6501, "c.lui a0 with nzimm 0"],
    [0x6101, "c.addi16sp with nzimm 0"],
    [0x8002, "c.jr x0"],
    [0x4002, "c.lwsp x0"],
    [0x6002, "c.ldsp x0"],
    [0x2001, "c.addiw x0"],
    [0x8000, "quadrant 0 funct3 100"],
    [0x9c41, "c.subw-space funct2 10"],
    [0x9c61, "c.subw-space funct2 11"],
    [0x0200101b, "slliw with shamt[5] set (RV32-style shift)"],
    [0x0200501b, "srliw with shamt[5] set"],
    [0x00001013 | (1 << 26), "slli with funct6 000001"],
    [0x0000007f, "64-bit instruction prefix"],
    [0x0000001f, "48-bit instruction prefix"],
    [0x0000000b, "custom-0 opcode"],
    [0xffffffff, "all ones"],
    [0x00200073, "uret (N extension, not RV64GC)"],
    [0x42057553, "fcvt.d.s with rm field outside table? no: decodes"],
  ];
  for (const [raw, what] of reserved.slice(0, -1)) {
    const d = dec(raw);
    assert.equal(d.op, Op.ILLEGAL, what);
    assert.equal(d.len, (raw & 3) === 3 ? 4 : 2, what);
  }
  // FENCE.I's imm/rs1/rd and FENCE's fm/rd/rs1 are ignored, not reserved (§2.7, §3.1).
  assert.equal(dec(0x0010100f).op, Op.FENCE_I);
  assert.equal(dec(0x8ff0000f).op, Op.FENCE);
  // Exact conversions ignore rm; decode leaves rm validity to execution.
  assert.equal(dec(0x42057553).op, Op.FCVT_D_S);
});

test("round trip: encode then decode gives the same fields, for every entry", () => {
  const d = newDecoded();
  for (const { spec, raw, ops } of [...corpus(60, 11), ...corpus(30, 12, true)]) {
    decode(raw, d);
    assert.equal(d.spec, spec, `${spec.name} ${JSON.stringify(ops)}`);
    for (const k of ["rd", "rs1", "rs2", "rs3", "rm", "imm"] as const) {
      if (ops[k] !== undefined) assert.equal(d[k], ops[k], `${spec.name} ${k} ${JSON.stringify(ops)}`);
    }
    assert.equal(encode(spec.name, ops), raw);
    assert.equal(d.len, spec.compressed ? 2 : 4);
  }
});

test("decode accepts the 32-bit word as a signed or unsigned number", () => {
  const a = dec(0x80000537);
  const b = dec(0x80000537 | 0);
  assert.deepEqual(
    pickFields(a, { op: 0, rd: 0, imm: 0, raw: 0 }),
    pickFields(b, { op: 0, rd: 0, imm: 0, raw: 0 }),
  );
  assert.equal(a.imm, -0x80000000);
});
