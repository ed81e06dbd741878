// A hart's registers as gdb numbers and lays them out: the target description hartscope sends
// (qXfer:features:read:target.xml, in gdb's RISC-V feature names), and each register's bytes,
// little-endian, read from and written to the hart's state. The `g` packet is every register in
// number order: x0..x31, pc, f0..f31 (8 bytes each), fflags, frm, fcsr (4 bytes each; gdb numbers
// a CSR 65 + its CSR number).

import { F, FCSR, type HartState, PC } from "../hart/state.js";
import { F_NAMES, X_NAMES } from "../isa/disasm.js";

/** gdb's number of CSR `num` */
export function csrRegnum(num: number): number {
  return 65 + num;
}

export const PC_REGNUM = 32;
const F0_REGNUM = 33;
const FFLAGS_REGNUM = csrRegnum(1);
const FRM_REGNUM = csrRegnum(2);
const FCSR_REGNUM = csrRegnum(3);

/** gdb's register numbers in `g` order, with their sizes in bytes. */
export const REGISTERS: readonly { regnum: number; size: number }[] = [
  ...Array.from({ length: 33 }, (_, i) => ({ regnum: i, size: 8 })),
  ...Array.from({ length: 32 }, (_, i) => ({ regnum: F0_REGNUM + i, size: 8 })),
  { regnum: FFLAGS_REGNUM, size: 4 },
  { regnum: FRM_REGNUM, size: 4 },
  { regnum: FCSR_REGNUM, size: 4 },
];

export const reg = (name: string, regnum: number, bits: number, type: string) =>
  `<reg name="${name}" bitsize="${bits}" type="${type}" regnum="${regnum}"/>`;

/** The target description: rv64 with the F and D extensions' registers, and `more` features. */
export const targetXml = (...more: string[]) =>
  [
    '<?xml version="1.0"?>',
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
    '<target version="1.0">',
    "<architecture>riscv:rv64</architecture>",
    ...BASE_FEATURES,
    ...more,
    "</target>",
  ].join("\n");

const BASE_FEATURES = [
  '<feature name="org.gnu.gdb.riscv.cpu">',
  ...X_NAMES.map((n, i) => reg(n, i, 64, i === 1 ? "code_ptr" : i === 2 || i === 8 ? "data_ptr" : "int")),
  reg("pc", PC_REGNUM, 64, "code_ptr"),
  "</feature>",
  '<feature name="org.gnu.gdb.riscv.fpu">',
  '<union id="riscv_double"><field name="float" type="ieee_single"/><field name="double" type="ieee_double"/></union>',
  ...F_NAMES.map((n, i) => reg(n, F0_REGNUM + i, 64, "riscv_double")),
  reg("fflags", FFLAGS_REGNUM, 32, "int"),
  reg("frm", FRM_REGNUM, 32, "int"),
  reg("fcsr", FCSR_REGNUM, 32, "int"),
  "</feature>",
];

/** The state words (low, high) behind a 64-bit register number, or undefined for the FP CSRs. */
function wordsOf(regnum: number): number | undefined {
  if (regnum < 32) return 2 * regnum;
  if (regnum === PC_REGNUM) return PC;
  if (regnum >= F0_REGNUM && regnum < F0_REGNUM + 32) return F + 2 * (regnum - F0_REGNUM);
  return undefined;
}

/** Register `regnum` as little-endian bytes, or undefined if there is no such register. */
export function readRegister(s: HartState, regnum: number): Uint8Array | undefined {
  const out = new Uint8Array(regnum >= FFLAGS_REGNUM ? 4 : 8);
  const v = new DataView(out.buffer);
  const w = wordsOf(regnum);
  if (w !== undefined) {
    v.setInt32(0, regnum === 0 ? 0 : s.r[w]!, true);
    v.setInt32(4, regnum === 0 ? 0 : s.r[w + 1]!, true);
    return out;
  }
  const fcsr = s.r[FCSR]! & 0xff;
  if (regnum === FFLAGS_REGNUM) v.setUint32(0, fcsr & 0x1f, true);
  else if (regnum === FRM_REGNUM) v.setUint32(0, fcsr >>> 5, true);
  else if (regnum === FCSR_REGNUM) v.setUint32(0, fcsr, true);
  else return undefined;
  return out;
}

/**
 * Set register `regnum` from little-endian bytes of its size; false if there is no such register or
 * the size is wrong. x0 stays zero; the FP CSRs keep only their defined bits.
 */
export function writeRegister(s: HartState, regnum: number, bytes: Uint8Array): boolean {
  const size = regnum >= FFLAGS_REGNUM ? 4 : 8;
  if (bytes.length !== size) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const w = wordsOf(regnum);
  if (w !== undefined) {
    if (regnum === 0) return true;
    s.r[w] = v.getInt32(0, true);
    s.r[w + 1] = v.getInt32(4, true);
    return true;
  }
  const value = v.getUint32(0, true);
  const fcsr = s.r[FCSR]! & 0xff;
  if (regnum === FFLAGS_REGNUM) s.r[FCSR] = (fcsr & ~0x1f) | (value & 0x1f);
  else if (regnum === FRM_REGNUM) s.r[FCSR] = (fcsr & 0x1f) | ((value & 7) << 5);
  else if (regnum === FCSR_REGNUM) s.r[FCSR] = value & 0xff;
  else return false;
  return true;
}

/** Every register in `g` order. */
export function readAll(s: HartState): Uint8Array {
  return Buffer.concat(REGISTERS.map((r) => readRegister(s, r.regnum)!));
}

/** Set every register from a `G` packet's bytes; false if their length is not the `g` layout's. */
export function writeAll(s: HartState, bytes: Uint8Array): boolean {
  const total = REGISTERS.reduce((n, r) => n + r.size, 0);
  if (bytes.length !== total) return false;
  let at = 0;
  for (const r of REGISTERS) {
    writeRegister(s, r.regnum, bytes.subarray(at, at + r.size));
    at += r.size;
  }
  return true;
}
