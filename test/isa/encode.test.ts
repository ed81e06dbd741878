import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "../../src/isa/encode.js";
import { ALL_INSNS } from "../../src/isa/table.js";

test("encodes what the assembler produces", () => {
  // Words from GNU as for the same assembly (see disasm.test.ts for the objdump cross-check).
  assert.equal(encode("addi", { rd: 2, rs1: 2, imm: -16 }), 0xff010113);
  assert.equal(encode("c.addi", { rd: 2, imm: -16 }), 0x1141);
  assert.equal(encode("c.addi16sp", { rd: 2, imm: -192 }), 0x7131);
  assert.equal(encode("lr.w", { rd: 15, rs1: 8 }), 0x100427af);
  assert.equal(encode("sc.w", { rd: 13, rs1: 8, rs2: 14, aq: true }), 0x1ce426af);
  assert.equal(encode("lui", { rd: 10, imm: 0xfffff000 }), encode("lui", { rd: 10, imm: -4096 }));
  assert.equal(encode("csrrs", { rd: 10, rs1: 0, csr: 0xc00 }), 0xc0002573);
  assert.equal(encode("c.ebreak", {}), 0x9002);
  assert.equal(encode("ebreak", {}), 0x00100073);
});

test("every entry encodes with all operands zero or minimal", () => {
  for (const s of ALL_INSNS) {
    const ops: Record<string, number> = {};
    if (s.format.rd?.width === 3) ops.rd = 8;
    if (s.format.rs1?.width === 3) ops.rs1 = 8;
    if (s.format.rs2?.width === 3) ops.rs2 = 8;
    if (s.nz.includes("rd")) ops.rd ??= 8;
    if (s.nz.includes("rs1")) ops.rs1 ??= 8;
    if (s.nz.includes("rs2")) ops.rs2 ??= 8;
    if (s.nz.includes("imm")) ops.imm = s.name === "c.lui" ? 4096 : 16;
    if (s.name === "c.addi16sp") ops.rd = 2;
    if (s.name === "c.lui") ops.rd = 10;
    if (s.name === "c.addi") ops.rs1 = ops.rd;
    const w = encode(s.name, ops);
    assert.equal((w & s.mask) >>> 0, s.match, s.name);
  }
});

test("clear errors for bad operands", () => {
  const cases: [string, object, RegExp][] = [
    ["nosuch", {}, /unknown instruction "nosuch"/],
    ["addi", { rd: 32 }, /rd must be 0\.\.31, got 32/],
    ["addi", { rd: 1, rs1: 1, imm: 2048 }, /immediate 2048 out of range -2048\.\.2047/],
    ["beq", { rs1: 1, rs2: 2, imm: 3 }, /must be a multiple of 2/],
    ["lui", { rd: 1, imm: 0x1234 }, /multiple of 4096 \(already shifted\)/],
    ["c.lw", { rd: 1, rs1: 8 }, /rd must be one of x8\.\.x15/],
    ["c.addi4spn", { rd: 8, imm: 0 }, /reserved encoding/],
    ["c.lui", { rd: 2, imm: 4096 }, /give c\.addi16sp, not c\.lui/],
    ["c.jr", { rs1: 0 }, /reserved encoding/],
    ["c.addi", { rd: 1, rs1: 2, imm: 1 }, /rd and rs1 must be the same register/],
    ["c.lwsp", { rd: 1, rs1: 3, imm: 4 }, /rs1 is always x2, got 3/],
    ["add", { rd: 1, rs1: 1, rs2: 1, imm: 4 }, /has no immediate operand/],
    ["add", { rd: 1, rs1: 1, rs2: 1, rm: 1 }, /has no rounding-mode/],
    ["fadd.d", { rd: 1, rs1: 1, rs2: 1, rm: 8 }, /rm must be 0\.\.7, got 8/],
    ["fcvt.d.w", { rd: 1, rs1: 1, rm: 1 }, /./],
    ["slli", { rd: 1, rs1: 1, imm: 64 }, /out of range 0\.\.63/],
    ["addi", { rd: 1, aq: true }, /aq\/rl only apply to AMO/],
    ["c.addi16sp", { rd: 0, imm: 16 }, /rd = 0 cannot be encoded/],
  ];
  for (const [name, ops, re] of cases) {
    if (name === "fcvt.d.w") {
      // The ISA gives exact conversions an rm field; encoding it is allowed.
      assert.doesNotThrow(() => encode(name, ops));
      continue;
    }
    assert.throws(() => encode(name, ops), re, `${name} ${JSON.stringify(ops)}`);
  }
});
