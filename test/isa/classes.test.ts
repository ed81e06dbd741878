import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AMO,
  BRANCH,
  CONTROL,
  classOf,
  EBREAK,
  FP,
  KIND_F,
  KIND_UIMM,
  KIND_X,
  LOAD,
  LRSC,
  PC_REL,
  rdKind,
  rs1Kind,
  rs2Kind,
  STORE,
  SYSTEM,
  writesFpRd,
  writesIntRd,
} from "../../src/isa/classes.js";
import { decode, newDecoded } from "../../src/isa/decode.js";
import { encode } from "../../src/isa/encode.js";
import { Op } from "../../src/isa/ops.js";

function cls(name: string, ops: object = {}): number {
  const d = newDecoded();
  decode(encode(name, ops), d);
  return classOf(d);
}

test("classes the tracer relies on", () => {
  assert.equal(cls("jal", { rd: 1, imm: 8 }), CONTROL | PC_REL);
  assert.equal(cls("c.j", { imm: 8 }), CONTROL | PC_REL);
  assert.equal(cls("beq", { rs1: 1, rs2: 2, imm: 8 }), CONTROL | PC_REL | BRANCH);
  assert.equal(cls("c.bnez", { rs1: 8, imm: 8 }), CONTROL | PC_REL | BRANCH);
  assert.equal(cls("jalr", { rd: 1, rs1: 5 }), CONTROL);
  assert.equal(cls("c.jr", { rs1: 1 }), CONTROL);
  assert.equal(cls("auipc", { rd: 5 }), PC_REL);
  assert.equal(cls("lui", { rd: 5 }), 0);
  assert.equal(cls("lr.d", { rd: 5, rs1: 6 }), LRSC | LOAD);
  assert.equal(cls("sc.w", { rd: 5, rs1: 6, rs2: 7 }), LRSC | STORE);
  assert.equal(cls("amoswap.d", { rd: 5, rs1: 6, rs2: 7 }), AMO | LOAD | STORE);
  assert.equal(cls("ebreak"), SYSTEM | EBREAK);
  assert.equal(cls("c.ebreak"), SYSTEM | EBREAK);
  for (const n of ["ecall", "mret", "sret", "wfi"]) assert.equal(cls(n), SYSTEM, n);
  assert.ok(cls("sfence.vma", { rs1: 1 }) & SYSTEM);
  assert.ok(cls("csrrw", { rd: 1, rs1: 2, csr: 0x300 }) & SYSTEM);
  assert.equal(cls("ld", { rd: 1, rs1: 2 }), LOAD);
  assert.equal(cls("c.sdsp", { rs2: 1, imm: 8 }), STORE);
  assert.equal(cls("fld", { rd: 1, rs1: 2 }), FP | LOAD);
  assert.equal(cls("fadd.d", { rd: 1, rs1: 2, rs2: 3 }), FP);
  assert.equal(cls("add", { rd: 1, rs1: 2, rs2: 3 }), 0);
});

test("which register file each operand names", () => {
  assert.ok(writesIntRd(Op.FCVT_W_D) && !writesFpRd(Op.FCVT_W_D));
  assert.ok(writesFpRd(Op.FADD_D) && !writesIntRd(Op.FADD_D));
  assert.ok(writesIntRd(Op.FMV_X_D) && writesFpRd(Op.FMV_D_X));
  assert.ok(writesIntRd(Op.FEQ_S) && writesIntRd(Op.FCLASS_D));
  assert.ok(writesFpRd(Op.FLD) && writesFpRd(Op.FCVT_D_L));
  assert.ok(!writesIntRd(Op.SD) && !writesFpRd(Op.FSD) && !writesIntRd(Op.BEQ));
  assert.ok(writesIntRd(Op.ADDI) && writesIntRd(Op.SC_D) && writesIntRd(Op.CSRRW));
  assert.equal(rs1Kind(Op.FSD), KIND_X);
  assert.equal(rs2Kind(Op.FSD), KIND_F);
  assert.equal(rs1Kind(Op.FCVT_D_L), KIND_X);
  assert.equal(rs1Kind(Op.CSRRWI), KIND_UIMM);
  assert.equal(rdKind(Op.ILLEGAL), 0);
});
