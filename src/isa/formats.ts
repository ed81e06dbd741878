// Where each operand lives in an instruction word, per format. Decoder, encoder and disassembler all
// read these layouts, so a bit position is written down exactly once.
// Sources: Unprivileged ISA, chapter "RV32I Base Integer Instruction Set" (figures "Base instruction
// formats" and "Types of immediate produced by RISC-V instructions") and chapter "C Standard
// Extension" (tables "Compressed 16-bit RVC instruction formats" and the per-instruction figures).

/** One run of immediate bits: `width` bits at instruction bit `from` land at immediate bit `to`. */
export type Seg = readonly [from: number, width: number, to: number];

export interface ImmLayout {
  segs: readonly Seg[];
  signed: boolean;
}

/** A register field: 5 bits at `at`, or for compressed rd'/rs1'/rs2' 3 bits naming x8..x15 (f8..f15). */
export interface RegPos {
  at: number;
  width: 5 | 3;
}

export type FormatName =
  // 32-bit
  | "R" // rd, rs1, rs2 as the regs column says
  | "RM" // R plus rounding mode at 14:12
  | "R4" // rd, rs1, rs2, rs3, rm
  | "I" // rd, rs1, imm[11:0]
  | "IL" // I-type written offset(base): loads, jalr
  | "S"
  | "B"
  | "U"
  | "J"
  | "SH6" // RV64 shifts: shamt[5:0]
  | "SH5" // *w shifts: shamt[4:0]
  | "CSR" // rd, csr number in imm, rs1 register or uimm
  | "FENCE" // imm = fm|pred|succ
  | "AMO" // aq<<1|rl in rm
  // 16-bit (C extension)
  | "CIW"
  | "CLW"
  | "CLD"
  | "CSW"
  | "CSD"
  | "CI"
  | "CI_LI"
  | "CI_SP16"
  | "CI_LUI"
  | "CI_SH"
  | "CB_SH"
  | "CB_ANDI"
  | "CA"
  | "CJ"
  | "CB"
  | "CI_LWSP"
  | "CI_LDSP"
  | "CSS_SWSP"
  | "CSS_SDSP"
  | "CR_JR"
  | "CR_JALR"
  | "CR_MV"
  | "CR_ADD"
  | "CNONE";

export interface Format {
  name: FormatName;
  compressed: boolean;
  rd?: RegPos;
  rs1?: RegPos;
  rs2?: RegPos;
  rs3?: RegPos;
  imm?: ImmLayout;
  /** Rounding mode (FP) or aq|rl (AMO). */
  rm?: Seg;
  /** Register numbers a compressed instruction implies (C.LWSP reads sp, C.J writes x0, ...). */
  implied?: { rd?: number; rs1?: number; rs2?: number };
}

const RD: RegPos = { at: 7, width: 5 };
const RS1: RegPos = { at: 15, width: 5 };
const RS2: RegPos = { at: 20, width: 5 };
const RS3: RegPos = { at: 27, width: 5 };
const REGS = { rd: RD, rs1: RS1, rs2: RS2, rs3: RS3 };

const IMM_I: ImmLayout = { segs: [[20, 12, 0]], signed: true };
const IMM_S: ImmLayout = {
  segs: [
    [25, 7, 5],
    [7, 5, 0],
  ],
  signed: true,
};
const IMM_B: ImmLayout = {
  segs: [
    [31, 1, 12],
    [7, 1, 11],
    [25, 6, 5],
    [8, 4, 1],
  ],
  signed: true,
};
const IMM_U: ImmLayout = { segs: [[12, 20, 12]], signed: true };
const IMM_J: ImmLayout = {
  segs: [
    [31, 1, 20],
    [12, 8, 12],
    [20, 1, 11],
    [21, 10, 1],
  ],
  signed: true,
};
const RM: Seg = [12, 3, 0];

// Compressed register fields.
const C_RD: RegPos = { at: 7, width: 5 }; // rd / rs1 in CR, CI
const C_RS2: RegPos = { at: 2, width: 5 }; // rs2 in CR, CSS
const C_RDP_LO: RegPos = { at: 2, width: 3 }; // rd' / rs2' in CIW, CL, CS, CA
const C_RS1P: RegPos = { at: 7, width: 3 }; // rs1' / rd' in CL, CS, CA, CB

const C_IMM6: ImmLayout = {
  segs: [
    [12, 1, 5],
    [2, 5, 0],
  ],
  signed: true,
};
const C_UIMM6: ImmLayout = { segs: C_IMM6.segs, signed: false };
const C_W_OFF: ImmLayout = {
  segs: [
    [10, 3, 3],
    [6, 1, 2],
    [5, 1, 6],
  ],
  signed: false,
};
const C_D_OFF: ImmLayout = {
  segs: [
    [10, 3, 3],
    [5, 2, 6],
  ],
  signed: false,
};

const list: Format[] = [
  { name: "R", compressed: false, ...REGS },
  { name: "RM", compressed: false, ...REGS, rm: RM },
  { name: "R4", compressed: false, ...REGS, rm: RM },
  { name: "I", compressed: false, ...REGS, imm: IMM_I },
  { name: "IL", compressed: false, ...REGS, imm: IMM_I },
  { name: "S", compressed: false, ...REGS, imm: IMM_S },
  { name: "B", compressed: false, ...REGS, imm: IMM_B },
  { name: "U", compressed: false, ...REGS, imm: IMM_U },
  { name: "J", compressed: false, ...REGS, imm: IMM_J },
  { name: "SH6", compressed: false, ...REGS, imm: { segs: [[20, 6, 0]], signed: false } },
  { name: "SH5", compressed: false, ...REGS, imm: { segs: [[20, 5, 0]], signed: false } },
  { name: "CSR", compressed: false, ...REGS, imm: { segs: [[20, 12, 0]], signed: false } },
  { name: "FENCE", compressed: false, ...REGS, imm: { segs: [[20, 12, 0]], signed: false } },
  { name: "AMO", compressed: false, ...REGS, rm: [25, 2, 0] },

  // c.addi4spn: nzuimm[5:4|9:6|2|3] at 12:5, rd' at 4:2; adds to sp.
  {
    name: "CIW",
    compressed: true,
    rd: C_RDP_LO,
    imm: {
      segs: [
        [11, 2, 4],
        [7, 4, 6],
        [6, 1, 2],
        [5, 1, 3],
      ],
      signed: false,
    },
    implied: { rs1: 2 },
  },
  { name: "CLW", compressed: true, rd: C_RDP_LO, rs1: C_RS1P, imm: C_W_OFF },
  { name: "CLD", compressed: true, rd: C_RDP_LO, rs1: C_RS1P, imm: C_D_OFF },
  { name: "CSW", compressed: true, rs2: C_RDP_LO, rs1: C_RS1P, imm: C_W_OFF },
  { name: "CSD", compressed: true, rs2: C_RDP_LO, rs1: C_RS1P, imm: C_D_OFF },
  { name: "CI", compressed: true, rd: C_RD, rs1: C_RD, imm: C_IMM6 },
  { name: "CI_LI", compressed: true, rd: C_RD, imm: C_IMM6, implied: { rs1: 0 } },
  // c.addi16sp: nzimm[9|4|6|8:7|5]
  {
    name: "CI_SP16",
    compressed: true,
    rd: C_RD,
    rs1: C_RD,
    imm: {
      segs: [
        [12, 1, 9],
        [6, 1, 4],
        [5, 1, 6],
        [3, 2, 7],
        [2, 1, 5],
      ],
      signed: true,
    },
  },
  // c.lui: nzimm[17|16:12], kept shifted like a U-type immediate.
  {
    name: "CI_LUI",
    compressed: true,
    rd: C_RD,
    imm: {
      segs: [
        [12, 1, 17],
        [2, 5, 12],
      ],
      signed: true,
    },
  },
  { name: "CI_SH", compressed: true, rd: C_RD, rs1: C_RD, imm: C_UIMM6 },
  { name: "CB_SH", compressed: true, rd: C_RS1P, rs1: C_RS1P, imm: C_UIMM6 },
  { name: "CB_ANDI", compressed: true, rd: C_RS1P, rs1: C_RS1P, imm: C_IMM6 },
  { name: "CA", compressed: true, rd: C_RS1P, rs1: C_RS1P, rs2: C_RDP_LO },
  // c.j: offset[11|4|9:8|10|6|7|3:1|5]
  {
    name: "CJ",
    compressed: true,
    imm: {
      segs: [
        [12, 1, 11],
        [11, 1, 4],
        [9, 2, 8],
        [8, 1, 10],
        [7, 1, 6],
        [6, 1, 7],
        [3, 3, 1],
        [2, 1, 5],
      ],
      signed: true,
    },
    implied: { rd: 0 },
  },
  // c.beqz/c.bnez: offset[8|4:3] at 12:10, offset[7:6|2:1|5] at 6:2
  {
    name: "CB",
    compressed: true,
    rs1: C_RS1P,
    imm: {
      segs: [
        [12, 1, 8],
        [10, 2, 3],
        [5, 2, 6],
        [3, 2, 1],
        [2, 1, 5],
      ],
      signed: true,
    },
    implied: { rs2: 0 },
  },
  {
    name: "CI_LWSP",
    compressed: true,
    rd: C_RD,
    imm: {
      segs: [
        [12, 1, 5],
        [4, 3, 2],
        [2, 2, 6],
      ],
      signed: false,
    },
    implied: { rs1: 2 },
  },
  {
    name: "CI_LDSP",
    compressed: true,
    rd: C_RD,
    imm: {
      segs: [
        [12, 1, 5],
        [5, 2, 3],
        [2, 3, 6],
      ],
      signed: false,
    },
    implied: { rs1: 2 },
  },
  {
    name: "CSS_SWSP",
    compressed: true,
    rs2: C_RS2,
    imm: {
      segs: [
        [9, 4, 2],
        [7, 2, 6],
      ],
      signed: false,
    },
    implied: { rs1: 2 },
  },
  {
    name: "CSS_SDSP",
    compressed: true,
    rs2: C_RS2,
    imm: {
      segs: [
        [10, 3, 3],
        [7, 3, 6],
      ],
      signed: false,
    },
    implied: { rs1: 2 },
  },
  { name: "CR_JR", compressed: true, rs1: C_RD, implied: { rd: 0 } },
  { name: "CR_JALR", compressed: true, rs1: C_RD, implied: { rd: 1 } },
  { name: "CR_MV", compressed: true, rd: C_RD, rs2: C_RS2, implied: { rs1: 0 } },
  { name: "CR_ADD", compressed: true, rd: C_RD, rs1: C_RD, rs2: C_RS2 },
  { name: "CNONE", compressed: true },
];

export const FORMATS: Readonly<Record<FormatName, Format>> = Object.fromEntries(
  list.map((f) => [f.name, f]),
) as Record<FormatName, Format>;

/** Number of bits an immediate layout spans (its sign bit is the top one). */
export function immBits(l: ImmLayout): number {
  let top = 0;
  for (const [, w, to] of l.segs) top = Math.max(top, to + w);
  return top;
}

/** Mask of the immediate bits a layout can represent (the others must be zero or sign copies). */
export function immCovered(l: ImmLayout): number {
  let m = 0;
  for (const [, w, to] of l.segs) m |= ((1 << w) - 1) << to;
  return m >>> 0;
}
