// The one description of RV64GC and the Zba/Zbb bit-manipulation extensions: every instruction of
// RV64I, M, A, F, D, C, Zicsr, Zifencei, Zba, Zbb and the privileged instructions a kernel needs.
// Decoder, encoder, disassembler, Op ids and instruction classes are all derived from the rows below.
//
// Sources: The RISC-V Instruction Set Manual, Volume I (Unprivileged ISA, 20191213), chapter 24
// "RV32/64G Instruction Set Listings" and chapter 16 "C Standard Extension" (table 16.5-16.7 opcode
// maps); Volume II (Privileged Architecture, 20211203), section 9 "RISC-V Privileged Instruction Set
// Listings"; RISC-V Bit-Manipulation ISA-extensions 1.0.0 (2021), chapter 2 (the RV64 encodings).
//
// A pattern is written like the manual's listings, high bit first, one character per bit:
// '0'/'1' fixed, '.' operand. Spaces only separate fields for the reader.
// regs: kinds of rd, rs1, rs2, rs3: 'x' integer register, 'f' float register,
// 'u' 5-bit unsigned immediate held in the rs1 field (csr*i), '-' not an operand.

import { AMO, BRANCH, CONTROL, EBREAK, FENCE, FP, LOAD, LRSC, PC_REL, STORE, SYSTEM } from "./flags.js";
import { FORMATS, type Format, type FormatName } from "./formats.js";

export type Ext = "I" | "M" | "A" | "F" | "D" | "C" | "Zicsr" | "Zifencei" | "Priv" | "Zba" | "Zbb";
export type RegKind = "x" | "f" | "u" | "-";

export interface InsnSpec {
  /** objdump's mnemonic ("fadd.d", "amoadd.w", "c.addi"). */
  name: string;
  /** raw & mask === match. 16-bit values for compressed entries. */
  match: number;
  mask: number;
  format: Format;
  ext: Ext;
  /** Class bits (flags.ts). A compressed entry has its base instruction's classes. */
  cls: number;
  /** Kinds of rd, rs1, rs2, rs3. */
  regs: readonly [RegKind, RegKind, RegKind, RegKind];
  /** Op id: the instruction's own for 32-bit entries, its expansion's for compressed ones. */
  op: number;
  /** Compressed entries: the instruction they expand to. */
  base?: InsnSpec;
  /** Compressed entries: decoded fields that must be nonzero, else the encoding is reserved/another. */
  nz: readonly ("rd" | "rs1" | "rs2" | "imm")[];
  /**
   * Tighter match/mask for what objdump accepts as this instruction. The decoder follows the ISA
   * (e.g. FENCE.I "shall ignore" its imm/rs1/rd fields), but the canonical form is what disassembles.
   */
  strictMatch: number;
  strictMask: number;
  compressed: boolean;
}

type Row = [name: string, pattern: string, format: FormatName, regs: string, cls: number, strict?: string];
type CRow = [name: string, pattern: string, format: FormatName, base: string, nz?: string];

// Class shorthands.
const BR = CONTROL | PC_REL | BRANCH;
const LD = LOAD;
const ST = STORE;
const AM = AMO | LOAD | STORE;
const SYS = SYSTEM;

const RV64I: Row[] = [
  //       31      24    19    14  11    6
  ["lui", "....... ..... ..... ... ..... 0110111", "U", "x---", 0],
  ["auipc", "....... ..... ..... ... ..... 0010111", "U", "x---", PC_REL],
  ["jal", "....... ..... ..... ... ..... 1101111", "J", "x---", CONTROL | PC_REL],
  ["jalr", "....... ..... ..... 000 ..... 1100111", "IL", "xx--", CONTROL],
  ["beq", "....... ..... ..... 000 ..... 1100011", "B", "-xx-", BR],
  ["bne", "....... ..... ..... 001 ..... 1100011", "B", "-xx-", BR],
  ["blt", "....... ..... ..... 100 ..... 1100011", "B", "-xx-", BR],
  ["bge", "....... ..... ..... 101 ..... 1100011", "B", "-xx-", BR],
  ["bltu", "....... ..... ..... 110 ..... 1100011", "B", "-xx-", BR],
  ["bgeu", "....... ..... ..... 111 ..... 1100011", "B", "-xx-", BR],
  ["lb", "....... ..... ..... 000 ..... 0000011", "IL", "xx--", LD],
  ["lh", "....... ..... ..... 001 ..... 0000011", "IL", "xx--", LD],
  ["lw", "....... ..... ..... 010 ..... 0000011", "IL", "xx--", LD],
  ["ld", "....... ..... ..... 011 ..... 0000011", "IL", "xx--", LD],
  ["lbu", "....... ..... ..... 100 ..... 0000011", "IL", "xx--", LD],
  ["lhu", "....... ..... ..... 101 ..... 0000011", "IL", "xx--", LD],
  ["lwu", "....... ..... ..... 110 ..... 0000011", "IL", "xx--", LD],
  ["sb", "....... ..... ..... 000 ..... 0100011", "S", "-xx-", ST],
  ["sh", "....... ..... ..... 001 ..... 0100011", "S", "-xx-", ST],
  ["sw", "....... ..... ..... 010 ..... 0100011", "S", "-xx-", ST],
  ["sd", "....... ..... ..... 011 ..... 0100011", "S", "-xx-", ST],
  ["addi", "....... ..... ..... 000 ..... 0010011", "I", "xx--", 0],
  ["slti", "....... ..... ..... 010 ..... 0010011", "I", "xx--", 0],
  ["sltiu", "....... ..... ..... 011 ..... 0010011", "I", "xx--", 0],
  ["xori", "....... ..... ..... 100 ..... 0010011", "I", "xx--", 0],
  ["ori", "....... ..... ..... 110 ..... 0010011", "I", "xx--", 0],
  ["andi", "....... ..... ..... 111 ..... 0010011", "I", "xx--", 0],
  ["slli", "000000. ..... ..... 001 ..... 0010011", "SH6", "xx--", 0],
  ["srli", "000000. ..... ..... 101 ..... 0010011", "SH6", "xx--", 0],
  ["srai", "010000. ..... ..... 101 ..... 0010011", "SH6", "xx--", 0],
  ["add", "0000000 ..... ..... 000 ..... 0110011", "R", "xxx-", 0],
  ["sub", "0100000 ..... ..... 000 ..... 0110011", "R", "xxx-", 0],
  ["sll", "0000000 ..... ..... 001 ..... 0110011", "R", "xxx-", 0],
  ["slt", "0000000 ..... ..... 010 ..... 0110011", "R", "xxx-", 0],
  ["sltu", "0000000 ..... ..... 011 ..... 0110011", "R", "xxx-", 0],
  ["xor", "0000000 ..... ..... 100 ..... 0110011", "R", "xxx-", 0],
  ["srl", "0000000 ..... ..... 101 ..... 0110011", "R", "xxx-", 0],
  ["sra", "0100000 ..... ..... 101 ..... 0110011", "R", "xxx-", 0],
  ["or", "0000000 ..... ..... 110 ..... 0110011", "R", "xxx-", 0],
  ["and", "0000000 ..... ..... 111 ..... 0110011", "R", "xxx-", 0],
  // FENCE: fm|pred|succ in imm; rd, rs1 and unknown fm values are reserved and ignored (§2.7).
  [
    "fence",
    "....... ..... ..... 000 ..... 0001111",
    "FENCE",
    "----",
    FENCE,
    "0000... ..... 00000 000 00000 0001111",
  ],
  ["ecall", "0000000 00000 00000 000 00000 1110011", "R", "----", SYS],
  ["ebreak", "0000000 00001 00000 000 00000 1110011", "R", "----", SYS | EBREAK],
  ["addiw", "....... ..... ..... 000 ..... 0011011", "I", "xx--", 0],
  ["slliw", "0000000 ..... ..... 001 ..... 0011011", "SH5", "xx--", 0],
  ["srliw", "0000000 ..... ..... 101 ..... 0011011", "SH5", "xx--", 0],
  ["sraiw", "0100000 ..... ..... 101 ..... 0011011", "SH5", "xx--", 0],
  ["addw", "0000000 ..... ..... 000 ..... 0111011", "R", "xxx-", 0],
  ["subw", "0100000 ..... ..... 000 ..... 0111011", "R", "xxx-", 0],
  ["sllw", "0000000 ..... ..... 001 ..... 0111011", "R", "xxx-", 0],
  ["srlw", "0000000 ..... ..... 101 ..... 0111011", "R", "xxx-", 0],
  ["sraw", "0100000 ..... ..... 101 ..... 0111011", "R", "xxx-", 0],
];

const ZIFENCEI: Row[] = [
  // imm, rs1, rd are reserved for finer-grained fences and ignored by base implementations (§3.1).
  [
    "fence.i",
    "....... ..... ..... 001 ..... 0001111",
    "FENCE",
    "----",
    FENCE,
    "0000000 00000 00000 001 00000 0001111",
  ],
];

const ZICSR: Row[] = [
  ["csrrw", "....... ..... ..... 001 ..... 1110011", "CSR", "xx--", SYS],
  ["csrrs", "....... ..... ..... 010 ..... 1110011", "CSR", "xx--", SYS],
  ["csrrc", "....... ..... ..... 011 ..... 1110011", "CSR", "xx--", SYS],
  ["csrrwi", "....... ..... ..... 101 ..... 1110011", "CSR", "xu--", SYS],
  ["csrrsi", "....... ..... ..... 110 ..... 1110011", "CSR", "xu--", SYS],
  ["csrrci", "....... ..... ..... 111 ..... 1110011", "CSR", "xu--", SYS],
];

const RV64M: Row[] = [
  ["mul", "0000001 ..... ..... 000 ..... 0110011", "R", "xxx-", 0],
  ["mulh", "0000001 ..... ..... 001 ..... 0110011", "R", "xxx-", 0],
  ["mulhsu", "0000001 ..... ..... 010 ..... 0110011", "R", "xxx-", 0],
  ["mulhu", "0000001 ..... ..... 011 ..... 0110011", "R", "xxx-", 0],
  ["div", "0000001 ..... ..... 100 ..... 0110011", "R", "xxx-", 0],
  ["divu", "0000001 ..... ..... 101 ..... 0110011", "R", "xxx-", 0],
  ["rem", "0000001 ..... ..... 110 ..... 0110011", "R", "xxx-", 0],
  ["remu", "0000001 ..... ..... 111 ..... 0110011", "R", "xxx-", 0],
  ["mulw", "0000001 ..... ..... 000 ..... 0111011", "R", "xxx-", 0],
  ["divw", "0000001 ..... ..... 100 ..... 0111011", "R", "xxx-", 0],
  ["divuw", "0000001 ..... ..... 101 ..... 0111011", "R", "xxx-", 0],
  ["remw", "0000001 ..... ..... 110 ..... 0111011", "R", "xxx-", 0],
  ["remuw", "0000001 ..... ..... 111 ..... 0111011", "R", "xxx-", 0],
];

// funct5 | aq | rl in bits 31:25; width in funct3 (010 word, 011 doubleword).
const RV64A: Row[] = [
  ["lr.w", "00010.. 00000 ..... 010 ..... 0101111", "AMO", "xx--", LRSC | LOAD],
  ["sc.w", "00011.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", LRSC | STORE],
  ["amoswap.w", "00001.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amoadd.w", "00000.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amoxor.w", "00100.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amoand.w", "01100.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amoor.w", "01000.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amomin.w", "10000.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amomax.w", "10100.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amominu.w", "11000.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["amomaxu.w", "11100.. ..... ..... 010 ..... 0101111", "AMO", "xxx-", AM],
  ["lr.d", "00010.. 00000 ..... 011 ..... 0101111", "AMO", "xx--", LRSC | LOAD],
  ["sc.d", "00011.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", LRSC | STORE],
  ["amoswap.d", "00001.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amoadd.d", "00000.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amoxor.d", "00100.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amoand.d", "01100.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amoor.d", "01000.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amomin.d", "10000.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amomax.d", "10100.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amominu.d", "11000.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
  ["amomaxu.d", "11100.. ..... ..... 011 ..... 0101111", "AMO", "xxx-", AM],
];

// OP-FP funct7 = funct5 | fmt (00 single, 01 double); rs2 selects the integer type of conversions
// (00000 W, 00001 WU, 00010 L, 00011 LU). Conversions that are always exact (to double from W/WU/S)
// still carry an rm field; objdump only accepts rm = 000 there (strict pattern).
const RV64F: Row[] = [
  ["flw", "....... ..... ..... 010 ..... 0000111", "IL", "fx--", FP | LD],
  ["fsw", "....... ..... ..... 010 ..... 0100111", "S", "-xf-", FP | ST],
  ["fmadd.s", ".....00 ..... ..... ... ..... 1000011", "R4", "ffff", FP],
  ["fmsub.s", ".....00 ..... ..... ... ..... 1000111", "R4", "ffff", FP],
  ["fnmsub.s", ".....00 ..... ..... ... ..... 1001011", "R4", "ffff", FP],
  ["fnmadd.s", ".....00 ..... ..... ... ..... 1001111", "R4", "ffff", FP],
  ["fadd.s", "0000000 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fsub.s", "0000100 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fmul.s", "0001000 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fdiv.s", "0001100 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fsqrt.s", "0101100 00000 ..... ... ..... 1010011", "RM", "ff--", FP],
  ["fsgnj.s", "0010000 ..... ..... 000 ..... 1010011", "R", "fff-", FP],
  ["fsgnjn.s", "0010000 ..... ..... 001 ..... 1010011", "R", "fff-", FP],
  ["fsgnjx.s", "0010000 ..... ..... 010 ..... 1010011", "R", "fff-", FP],
  ["fmin.s", "0010100 ..... ..... 000 ..... 1010011", "R", "fff-", FP],
  ["fmax.s", "0010100 ..... ..... 001 ..... 1010011", "R", "fff-", FP],
  ["fcvt.w.s", "1100000 00000 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fcvt.wu.s", "1100000 00001 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fcvt.l.s", "1100000 00010 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fcvt.lu.s", "1100000 00011 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fmv.x.w", "1110000 00000 ..... 000 ..... 1010011", "R", "xf--", FP],
  ["feq.s", "1010000 ..... ..... 010 ..... 1010011", "R", "xff-", FP],
  ["flt.s", "1010000 ..... ..... 001 ..... 1010011", "R", "xff-", FP],
  ["fle.s", "1010000 ..... ..... 000 ..... 1010011", "R", "xff-", FP],
  ["fclass.s", "1110000 00000 ..... 001 ..... 1010011", "R", "xf--", FP],
  ["fcvt.s.w", "1101000 00000 ..... ... ..... 1010011", "RM", "fx--", FP],
  ["fcvt.s.wu", "1101000 00001 ..... ... ..... 1010011", "RM", "fx--", FP],
  ["fcvt.s.l", "1101000 00010 ..... ... ..... 1010011", "RM", "fx--", FP],
  ["fcvt.s.lu", "1101000 00011 ..... ... ..... 1010011", "RM", "fx--", FP],
  ["fmv.w.x", "1111000 00000 ..... 000 ..... 1010011", "R", "fx--", FP],
];

const RV64D: Row[] = [
  ["fld", "....... ..... ..... 011 ..... 0000111", "IL", "fx--", FP | LD],
  ["fsd", "....... ..... ..... 011 ..... 0100111", "S", "-xf-", FP | ST],
  ["fmadd.d", ".....01 ..... ..... ... ..... 1000011", "R4", "ffff", FP],
  ["fmsub.d", ".....01 ..... ..... ... ..... 1000111", "R4", "ffff", FP],
  ["fnmsub.d", ".....01 ..... ..... ... ..... 1001011", "R4", "ffff", FP],
  ["fnmadd.d", ".....01 ..... ..... ... ..... 1001111", "R4", "ffff", FP],
  ["fadd.d", "0000001 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fsub.d", "0000101 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fmul.d", "0001001 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fdiv.d", "0001101 ..... ..... ... ..... 1010011", "RM", "fff-", FP],
  ["fsqrt.d", "0101101 00000 ..... ... ..... 1010011", "RM", "ff--", FP],
  ["fsgnj.d", "0010001 ..... ..... 000 ..... 1010011", "R", "fff-", FP],
  ["fsgnjn.d", "0010001 ..... ..... 001 ..... 1010011", "R", "fff-", FP],
  ["fsgnjx.d", "0010001 ..... ..... 010 ..... 1010011", "R", "fff-", FP],
  ["fmin.d", "0010101 ..... ..... 000 ..... 1010011", "R", "fff-", FP],
  ["fmax.d", "0010101 ..... ..... 001 ..... 1010011", "R", "fff-", FP],
  ["fcvt.s.d", "0100000 00001 ..... ... ..... 1010011", "RM", "ff--", FP],
  [
    "fcvt.d.s",
    "0100001 00000 ..... ... ..... 1010011",
    "RM",
    "ff--",
    FP,
    "0100001 00000 ..... 000 ..... 1010011",
  ],
  ["feq.d", "1010001 ..... ..... 010 ..... 1010011", "R", "xff-", FP],
  ["flt.d", "1010001 ..... ..... 001 ..... 1010011", "R", "xff-", FP],
  ["fle.d", "1010001 ..... ..... 000 ..... 1010011", "R", "xff-", FP],
  ["fclass.d", "1110001 00000 ..... 001 ..... 1010011", "R", "xf--", FP],
  ["fcvt.w.d", "1100001 00000 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fcvt.wu.d", "1100001 00001 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fcvt.l.d", "1100001 00010 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fcvt.lu.d", "1100001 00011 ..... ... ..... 1010011", "RM", "xf--", FP],
  ["fmv.x.d", "1110001 00000 ..... 000 ..... 1010011", "R", "xf--", FP],
  [
    "fcvt.d.w",
    "1101001 00000 ..... ... ..... 1010011",
    "RM",
    "fx--",
    FP,
    "1101001 00000 ..... 000 ..... 1010011",
  ],
  [
    "fcvt.d.wu",
    "1101001 00001 ..... ... ..... 1010011",
    "RM",
    "fx--",
    FP,
    "1101001 00001 ..... 000 ..... 1010011",
  ],
  ["fcvt.d.l", "1101001 00010 ..... ... ..... 1010011", "RM", "fx--", FP],
  ["fcvt.d.lu", "1101001 00011 ..... ... ..... 1010011", "RM", "fx--", FP],
  ["fmv.d.x", "1111001 00000 ..... 000 ..... 1010011", "R", "fx--", FP],
];

// Privileged Architecture §9 (trap-return, interrupt-management and memory-management instructions).
const PRIV: Row[] = [
  ["sret", "0001000 00010 00000 000 00000 1110011", "R", "----", SYS],
  ["mret", "0011000 00010 00000 000 00000 1110011", "R", "----", SYS],
  ["wfi", "0001000 00101 00000 000 00000 1110011", "R", "----", SYS],
  ["sfence.vma", "0001001 ..... ..... 000 00000 1110011", "R", "-xx-", SYS | FENCE],
];

// Zba, address generation (Bit-Manipulation §2.1): shifted adds; the .uw forms take rs1 zero-extended
// from 32 bits. zext.w is add.uw with rs2 = x0 (an alias, printed by the disassembler).
const ZBA: Row[] = [
  ["add.uw", "0000100 ..... ..... 000 ..... 0111011", "R", "xxx-", 0],
  ["sh1add", "0010000 ..... ..... 010 ..... 0110011", "R", "xxx-", 0],
  ["sh2add", "0010000 ..... ..... 100 ..... 0110011", "R", "xxx-", 0],
  ["sh3add", "0010000 ..... ..... 110 ..... 0110011", "R", "xxx-", 0],
  ["sh1add.uw", "0010000 ..... ..... 010 ..... 0111011", "R", "xxx-", 0],
  ["sh2add.uw", "0010000 ..... ..... 100 ..... 0111011", "R", "xxx-", 0],
  ["sh3add.uw", "0010000 ..... ..... 110 ..... 0111011", "R", "xxx-", 0],
  ["slli.uw", "000010. ..... ..... 001 ..... 0011011", "SH6", "xx--", 0],
];

// Zbb, basic bit manipulation (Bit-Manipulation §2.2). The unary ones (clz ... rev8) fix the rs2 /
// immediate field; zext.h is RV64's packw with rs2 = x0, and rev8's RV64 encoding is imm 0x6b8.
const ZBB: Row[] = [
  ["andn", "0100000 ..... ..... 111 ..... 0110011", "R", "xxx-", 0],
  ["orn", "0100000 ..... ..... 110 ..... 0110011", "R", "xxx-", 0],
  ["xnor", "0100000 ..... ..... 100 ..... 0110011", "R", "xxx-", 0],
  ["clz", "0110000 00000 ..... 001 ..... 0010011", "R", "xx--", 0],
  ["clzw", "0110000 00000 ..... 001 ..... 0011011", "R", "xx--", 0],
  ["ctz", "0110000 00001 ..... 001 ..... 0010011", "R", "xx--", 0],
  ["ctzw", "0110000 00001 ..... 001 ..... 0011011", "R", "xx--", 0],
  ["cpop", "0110000 00010 ..... 001 ..... 0010011", "R", "xx--", 0],
  ["cpopw", "0110000 00010 ..... 001 ..... 0011011", "R", "xx--", 0],
  ["max", "0000101 ..... ..... 110 ..... 0110011", "R", "xxx-", 0],
  ["maxu", "0000101 ..... ..... 111 ..... 0110011", "R", "xxx-", 0],
  ["min", "0000101 ..... ..... 100 ..... 0110011", "R", "xxx-", 0],
  ["minu", "0000101 ..... ..... 101 ..... 0110011", "R", "xxx-", 0],
  ["sext.b", "0110000 00100 ..... 001 ..... 0010011", "R", "xx--", 0],
  ["sext.h", "0110000 00101 ..... 001 ..... 0010011", "R", "xx--", 0],
  ["zext.h", "0000100 00000 ..... 100 ..... 0111011", "R", "xx--", 0],
  ["rol", "0110000 ..... ..... 001 ..... 0110011", "R", "xxx-", 0],
  ["rolw", "0110000 ..... ..... 001 ..... 0111011", "R", "xxx-", 0],
  ["ror", "0110000 ..... ..... 101 ..... 0110011", "R", "xxx-", 0],
  ["rori", "011000. ..... ..... 101 ..... 0010011", "SH6", "xx--", 0],
  ["roriw", "0110000 ..... ..... 101 ..... 0011011", "SH5", "xx--", 0],
  ["rorw", "0110000 ..... ..... 101 ..... 0111011", "R", "xxx-", 0],
  ["orc.b", "0010100 00111 ..... 101 ..... 0010011", "R", "xx--", 0],
  ["rev8", "0110101 11000 ..... 101 ..... 0010011", "R", "xx--", 0],
];

// C extension, RV64 (Unprivileged ISA §16.8 tables 16.5-16.7). Fields: funct3 | ... | op.
// Rows that share bits are tried in order; `nz` names fields whose zero value is reserved or belongs to
// another row (e.g. C.MV with rs2=0 is C.JR).
const RV64C: CRow[] = [
  // Quadrant 0
  //             15  12 11-7  6-2   1-0
  ["c.addi4spn", "000 . ..... ..... 00", "CIW", "addi", "imm"],
  ["c.fld", "001 . ..... ..... 00", "CLD", "fld"],
  ["c.lw", "010 . ..... ..... 00", "CLW", "lw"],
  ["c.ld", "011 . ..... ..... 00", "CLD", "ld"],
  ["c.fsd", "101 . ..... ..... 00", "CSD", "fsd"],
  ["c.sw", "110 . ..... ..... 00", "CSW", "sw"],
  ["c.sd", "111 . ..... ..... 00", "CSD", "sd"],
  // Quadrant 1
  ["c.nop", "000 . 00000 ..... 01", "CI", "addi"],
  ["c.addi", "000 . ..... ..... 01", "CI", "addi", "rd"],
  ["c.addiw", "001 . ..... ..... 01", "CI", "addiw", "rd"],
  ["c.li", "010 . ..... ..... 01", "CI_LI", "addi"],
  ["c.addi16sp", "011 . 00010 ..... 01", "CI_SP16", "addi", "imm"],
  // rd=2 is C.ADDI16SP (tried first); its reserved imm=0 form is reserved here too (same imm bits).
  ["c.lui", "011 . ..... ..... 01", "CI_LUI", "lui", "imm"],
  ["c.srli", "100 . 00 ... ..... 01", "CB_SH", "srli"],
  ["c.srai", "100 . 01 ... ..... 01", "CB_SH", "srai"],
  ["c.andi", "100 . 10 ... ..... 01", "CB_ANDI", "andi"],
  ["c.sub", "100 0 11 ... 00 ... 01", "CA", "sub"],
  ["c.xor", "100 0 11 ... 01 ... 01", "CA", "xor"],
  ["c.or", "100 0 11 ... 10 ... 01", "CA", "or"],
  ["c.and", "100 0 11 ... 11 ... 01", "CA", "and"],
  ["c.subw", "100 1 11 ... 00 ... 01", "CA", "subw"],
  ["c.addw", "100 1 11 ... 01 ... 01", "CA", "addw"],
  ["c.j", "101 . ..... ..... 01", "CJ", "jal"],
  ["c.beqz", "110 . ..... ..... 01", "CB", "beq"],
  ["c.bnez", "111 . ..... ..... 01", "CB", "bne"],
  // Quadrant 2
  ["c.slli", "000 . ..... ..... 10", "CI_SH", "slli"],
  ["c.fldsp", "001 . ..... ..... 10", "CI_LDSP", "fld"],
  ["c.lwsp", "010 . ..... ..... 10", "CI_LWSP", "lw", "rd"],
  ["c.ldsp", "011 . ..... ..... 10", "CI_LDSP", "ld", "rd"],
  ["c.jr", "100 0 ..... 00000 10", "CR_JR", "jalr", "rs1"],
  ["c.mv", "100 0 ..... ..... 10", "CR_MV", "add", "rs2"],
  ["c.ebreak", "100 1 00000 00000 10", "CNONE", "ebreak"],
  ["c.jalr", "100 1 ..... 00000 10", "CR_JALR", "jalr", "rs1"],
  ["c.add", "100 1 ..... ..... 10", "CR_ADD", "add", "rs2"],
  ["c.fsdsp", "101 . ..... ..... 10", "CSS_SDSP", "fsd"],
  ["c.swsp", "110 . ..... ..... 10", "CSS_SWSP", "sw"],
  ["c.sdsp", "111 . ..... ..... 10", "CSS_SDSP", "sd"],
];

/** Parses a pattern into match/mask; throws on a malformed pattern (a bug in this file). */
export function parsePattern(pattern: string, name: string): { match: number; mask: number; bits: number } {
  const bits = pattern.replace(/ /g, "");
  if ((bits.length !== 32 && bits.length !== 16) || /[^01.]/.test(bits)) {
    throw new Error(`isa table: bad pattern for ${name}: "${pattern}"`);
  }
  // parseInt rather than a loop over the bits: that loop, run for every row at start-up, made V8
  // compile this function with TurboFan on a background thread (+4 MB RSS for `hartscope --help`)
  const match = Number.parseInt(bits.replace(/\./g, "0"), 2);
  const mask = Number.parseInt(bits.replace(/[01]/g, "1").replace(/\./g, "0"), 2);
  return { match, mask, bits: bits.length };
}

const EXT_ROWS: [Ext, Row[]][] = [
  ["I", RV64I],
  ["Zifencei", ZIFENCEI],
  ["Zicsr", ZICSR],
  ["M", RV64M],
  ["A", RV64A],
  ["F", RV64F],
  ["D", RV64D],
  ["Priv", PRIV],
  ["Zba", ZBA],
  ["Zbb", ZBB],
];

function build(): { base: InsnSpec[]; compressed: InsnSpec[] } {
  const base: InsnSpec[] = [];
  for (const [ext, rows] of EXT_ROWS) {
    for (const [name, pattern, format, regs, cls, strict] of rows) {
      const p = parsePattern(pattern, name);
      const s = strict ? parsePattern(strict, name) : p;
      if (p.bits !== 32 || (p.match & 3) !== 3)
        throw new Error(`isa table: ${name} must be a 32-bit pattern`);
      if ((s.match & p.mask) >>> 0 !== p.match)
        throw new Error(`isa table: strict pattern of ${name} does not refine it`);
      base.push({
        name,
        match: p.match,
        mask: p.mask,
        format: FORMATS[format],
        ext,
        cls: ext === "F" || ext === "D" ? cls | FP : cls,
        regs: regs.split("") as unknown as InsnSpec["regs"],
        op: base.length + 1, // 0 is Op.ILLEGAL
        nz: [],
        strictMatch: s.match,
        strictMask: s.mask,
        compressed: false,
      });
    }
  }
  const byName = new Map(base.map((s) => [s.name, s]));
  const compressed: InsnSpec[] = RV64C.map(([name, pattern, format, baseName, nz]) => {
    const p = parsePattern(pattern, name);
    const b = byName.get(baseName);
    if (p.bits !== 16 || (p.match & 3) === 3 || !b) throw new Error(`isa table: bad compressed row ${name}`);
    return {
      name,
      match: p.match,
      mask: p.mask,
      format: FORMATS[format],
      ext: "C",
      cls: b.cls,
      regs: b.regs,
      op: b.op,
      base: b,
      nz: nz ? (nz.split(",") as InsnSpec["nz"]) : [],
      strictMatch: p.match,
      strictMask: p.mask,
      compressed: true,
    };
  });
  return { base, compressed };
}

const built = build();

/** 32-bit instructions, in Op id order (BASE_INSNS[i].op === i + 1). */
export const BASE_INSNS: readonly InsnSpec[] = built.base;
/** 16-bit instructions, in decode priority order. */
export const COMPRESSED_INSNS: readonly InsnSpec[] = built.compressed;
export const ALL_INSNS: readonly InsnSpec[] = [...built.base, ...built.compressed];

/** The spec decode() reports for reserved and unknown encodings. */
export const ILLEGAL_SPEC: InsnSpec = {
  name: "illegal",
  match: 0,
  mask: 0,
  format: FORMATS.R,
  ext: "I",
  cls: 0,
  regs: ["-", "-", "-", "-"],
  op: 0,
  nz: [],
  strictMatch: 0,
  strictMask: 0xffffffff,
  compressed: false,
};

/** Spec by Op id (index 0: ILLEGAL_SPEC). */
export const SPEC_BY_OP: readonly InsnSpec[] = [ILLEGAL_SPEC, ...built.base];

const byName = new Map(ALL_INSNS.map((s) => [s.name, s]));
export function specByName(name: string): InsnSpec | undefined {
  return byName.get(name);
}
