// Disassembler derived from table.ts. It prints what GNU objdump 2.40 (Debian's
// riscv64-linux-gnu-objdump -d) prints after the hex bytes, so the two can be compared line by line.
// objdump's conventions, found by experiment (test/isa/disasm.test.ts checks every one against it):
// - aliases (li, mv, ret, beqz, csrr, frflags, ...) replace the base mnemonic when their operands fit;
// - I-type arithmetic prints the register-form mnemonic with an immediate ("add a0,a0,1", "sll
//   a0,a0,0x3"): binutils 2.40 lists those forms before the "i" ones;
// - compressed instructions print as their expansion; HINT encodings print as "c.<name>";
// - immediates are decimal, except lui/auipc (hex imm20) and shift and rotate amounts (hex);
// - a rounding mode is printed unless it is dyn; reserved ones print as "unknown";
// - reserved or unknown encodings print as ".2byte 0x.." / ".4byte 0x..", the zero halfword as "unimp".

import { csrName, DEFAULT_PRIV_SPEC, type PrivSpec } from "./csr.js";
import { type Decoded, decode, newDecoded } from "./decode.js";
import { type IsaSet, RV64GC } from "./isa-string.js";
import type { InsnSpec } from "./table.js";

/** ABI register names (psABI "Integer Register Convention"). */
export const X_NAMES: readonly string[] =
  "zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6".split(
    " ",
  );

/** ABI float register names (psABI "Floating-point Register Convention"). */
export const F_NAMES: readonly string[] = (
  "ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 " +
  "fa6 fa7 fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11"
).split(" ");

const RM_NAMES = ["rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", ""];

export interface DisasmOptions {
  /** Privileged-spec version whose CSR names apply (from the ELF's attributes); default 1.12. */
  privSpec?: PrivSpec;
  /** Formats a branch/jump target completely (overrides `symbolize`), e.g. "0x10144" for a stripped file. */
  target?: (addr: number) => string;
  /** Extensions the code was built for (ELF attributes, $x<isa> mapping symbols); default RV64GC. */
  isa?: IsaSet;
}

/** Formats a target address as objdump does: lowercase hex without 0x, as a 64-bit unsigned value. */
export function hexAddr(addr: number): string {
  if (addr >= 0 && addr < 2 ** 64) return addr.toString(16);
  // Wrapped below zero (or above 2^64): the slow path is fine here.
  const big = BigInt(Math.trunc(addr)) & ((1n << 64n) - 1n);
  return big.toString(16);
}

const d: Decoded = newDecoded();

/**
 * Disassembles one instruction: `raw` as for decode() (a 16-bit halfword if (raw & 3) !== 3).
 * `symbolize` names branch/jump targets; its text goes between < and > after the address.
 */
export function disassemble(
  raw: number,
  pc: number,
  symbolize?: (addr: number) => string | undefined,
  opts?: DisasmOptions,
): string {
  decode(raw, d);
  const target = opts?.target ?? targetText(symbolize);
  return format(d, pc, target, opts?.privSpec ?? DEFAULT_PRIV_SPEC, opts?.isa);
}

function unknown(x: Decoded): string {
  if (x.len === 2) {
    if (x.raw === 0) return "unimp";
    // C.ADDI16SP with nzimm = 0 is reserved (§16.5), but objdump accepts it.
    if (x.raw === 0x6101) return "add\tsp,sp,0";
    return `.2byte\t0x${x.raw.toString(16)}`;
  }
  return `.4byte\t0x${x.raw.toString(16)}`;
}

/** "addr <name>" or just "addr" when `symbolize` has no name for it. */
export function targetText(symbolize?: (addr: number) => string | undefined): (addr: number) => string {
  return (t) => {
    const name = symbolize?.(t);
    return name === undefined ? hexAddr(t) : `${hexAddr(t)} <${name}>`;
  };
}

/** Formats a decoded instruction (exported for the listing, which decodes anyway). */
export function format(
  x: Decoded,
  pc: number,
  targetOf: (addr: number) => string,
  priv: PrivSpec,
  isa: IsaSet = RV64GC,
): string {
  const spec = x.spec;
  if (x.op === 0) return unknown(x);
  // Instructions of extensions the code was not built for are unknown to objdump.
  if (!isa.has(spec.ext) || (spec.base !== undefined && !isa.has(spec.base.ext))) return unknown(x);
  if (x.len === 4) {
    if (x.raw === 0x8330000f) return "fence.tso";
    if ((x.raw & spec.strictMask) >>> 0 !== spec.strictMatch) return unknown(x);
  }

  const xr = (r: number) => X_NAMES[r]!;
  const reg = (i: 0 | 1 | 2 | 3, r: number) => (spec.regs[i] === "f" ? F_NAMES[r]! : X_NAMES[r]!);
  const rd = reg(0, x.rd);
  const rs1 = reg(1, x.rs1);
  const rs2 = reg(2, x.rs2);
  const imm = x.imm;
  const off = `${imm}(${xr(x.rs1)})`;
  const hex = (n: number) => `0x${n.toString(16)}`;
  const target = () => targetOf(pc + imm);
  const op = (name: string, ...args: string[]) => (args.length ? `${name}\t${args.join(",")}` : name);

  // HINTs and forms objdump prints under their compressed name (C extension §16.7, table 16.3).
  if (x.len === 2) {
    switch (spec.name) {
      case "c.nop":
        return imm === 0 ? "nop" : op("c.nop", `${imm}`);
      case "c.li":
        if (x.rd === 0) return op("c.li", rd, `${imm}`);
        break;
      case "c.lui":
        if (x.rd === 0) return op("c.lui", rd, hex((imm >>> 12) & 0xfffff));
        break;
      case "c.slli":
        if (imm === 0) return op("c.slli64", rd);
        if (x.rd === 0) return op("c.slli", rd, hex(imm));
        break;
      case "c.srli":
        if (imm === 0) return op("c.srli64", rd);
        break;
      case "c.srai":
        if (imm === 0) return op("c.srai64", rd);
        break;
      case "c.mv":
        if (x.rd === 0) return op("c.mv", rd, rs2);
        break;
      case "c.add":
        if (x.rd === 0) return op("c.add", rd, rs2);
        break;
    }
  }

  const name = (spec.base ?? spec).name;
  const base: InsnSpec = spec.base ?? spec;
  switch (name) {
    case "addi":
      if (spec.name === "c.addi") return op("add", rd, rs1, `${imm}`); // also the imm=0 HINT
      if (x.rd === 0 && x.rs1 === 0 && imm === 0) return "nop";
      if (x.rs1 === 0) return op("li", rd, `${imm}`);
      if (imm === 0) return op("mv", rd, rs1);
      return op("add", rd, rs1, `${imm}`);
    case "addiw":
      if (imm === 0) return op("sext.w", rd, rs1);
      return op("addw", rd, rs1, `${imm}`);
    case "xori":
      if (imm === -1) return op("not", rd, rs1);
      return op("xor", rd, rs1, `${imm}`);
    case "andi":
      if (imm === 255) return op("zext.b", rd, rs1);
      return op("and", rd, rs1, `${imm}`);
    case "ori":
      return op("or", rd, rs1, `${imm}`);
    case "sltiu":
      if (imm === 1) return op("seqz", rd, rs1);
      break;
    case "slli":
    case "srli":
    case "srai":
    case "slliw":
    case "srliw":
    case "sraiw":
      return op(name.replace("i", ""), rd, rs1, hex(imm));
    // Zbb's rotates by an immediate print as the register forms too.
    case "rori":
      return op("ror", rd, rs1, hex(imm));
    case "roriw":
      return op("rorw", rd, rs1, hex(imm));
    case "add.uw":
      if (x.rs2 === 0) return op("zext.w", rd, rs1);
      break;
    case "add":
      if (spec.name === "c.mv") return op("mv", rd, rs2);
      break;
    case "sub":
      if (x.rs1 === 0) return op("neg", rd, rs2);
      break;
    case "subw":
      if (x.rs1 === 0) return op("negw", rd, rs2);
      break;
    case "sltu":
      if (x.rs1 === 0) return op("snez", rd, rs2);
      break;
    case "slt":
      if (x.rs2 === 0) return op("sltz", rd, rs1);
      if (x.rs1 === 0) return op("sgtz", rd, rs2);
      break;
    case "beq":
      if (x.rs2 === 0) return op("beqz", rs1, target());
      break;
    case "bne":
      if (x.rs2 === 0) return op("bnez", rs1, target());
      break;
    case "blt":
      if (x.rs2 === 0) return op("bltz", rs1, target());
      if (x.rs1 === 0) return op("bgtz", rs2, target());
      break;
    case "bge":
      if (x.rs1 === 0) return op("blez", rs2, target());
      if (x.rs2 === 0) return op("bgez", rs1, target());
      break;
    case "jal":
      if (x.rd === 0) return op("j", target());
      if (x.rd === 1) return op("jal", target());
      return op("jal", rd, target());
    case "jalr":
      if (x.rd === 0 && x.rs1 === 1 && imm === 0) return "ret";
      if (x.rd === 0) return op("jr", imm === 0 ? rs1 : off);
      if (x.rd === 1) return op("jalr", imm === 0 ? rs1 : off);
      return op("jalr", rd, imm === 0 ? rs1 : off);
    case "fsgnj.s":
    case "fsgnj.d":
    case "fsgnjn.s":
    case "fsgnjn.d":
    case "fsgnjx.s":
    case "fsgnjx.d":
      if (x.rs1 === x.rs2) {
        const alias = name.startsWith("fsgnjn") ? "fneg" : name.startsWith("fsgnjx") ? "fabs" : "fmv";
        return op(`${alias}${name.slice(-2)}`, rd, rs1);
      }
      break;
    case "csrrw":
    case "csrrs":
    case "csrrc":
    case "csrrwi":
    case "csrrsi":
    case "csrrci":
      return formatCsr(x, name, priv);
    case "fence.i":
      return "fence.i";
    case "sfence.vma":
      if (x.rs2 === 0) return x.rs1 === 0 ? "sfence.vma" : op("sfence.vma", rs1);
      return op("sfence.vma", rs1, rs2);
    case "fence":
      if ((imm & 0xff) === 0xff) return "fence";
      return op("fence", fenceSet((imm >> 4) & 15), fenceSet(imm & 15));
  }

  // Default operand syntax by format.
  // A rounding mode the canonical encoding fixes (exact conversions: rm = 000) is not printed.
  const rm = spec.format.rm && ((spec.strictMask >>> 12) & 7) === 0 ? x.rm : 7;
  const fmt = base.format.name;
  switch (fmt) {
    case "R":
      return op(name, ...[rd, rs1, rs2].filter((_, i) => base.regs[i] !== "-"));
    case "RM": {
      const args = [rd, rs1, rs2].filter((_, i) => base.regs[i] !== "-");
      if (rm !== 7) args.push(RM_NAMES[rm]!);
      return op(name, ...args);
    }
    case "R4": {
      const args = [rd, rs1, rs2, reg(3, x.rs3)];
      if (rm !== 7) args.push(RM_NAMES[rm]!);
      return op(name, ...args);
    }
    case "I":
      return op(name, rd, rs1, `${imm}`);
    case "SH6":
    case "SH5":
      return op(name, rd, rs1, hex(imm));
    case "IL":
      return op(name, rd, off);
    case "S":
      return op(name, rs2, off);
    case "B":
      return op(name, rs1, rs2, target());
    case "U":
      return op(name, rd, hex((imm >>> 12) & 0xfffff));
    case "J":
      return op(name, rd, target());
    case "AMO": {
      const suffix = ["", ".rl", ".aq", ".aqrl"][x.rm]!;
      if (base.regs[2] === "-") return op(name + suffix, rd, `(${rs1})`);
      return op(name + suffix, rd, rs2, `(${rs1})`);
    }
    default:
      return unknown(x);
  }
}

/** FENCE predecessor/successor set: i, o, r, w bits (§2.7), "unknown" for the empty set. */
function fenceSet(bits: number): string {
  if (bits === 0) return "unknown";
  return (bits & 8 ? "i" : "") + (bits & 4 ? "o" : "") + (bits & 2 ? "r" : "") + (bits & 1 ? "w" : "");
}

/** Zicsr instructions and their aliases (Unprivileged ISA chapter 25, table 25.3/25.4). */
function formatCsr(x: Decoded, name: string, priv: PrivSpec): string {
  const csr = x.imm;
  const c = csrName(csr, priv) ?? `0x${csr.toString(16)}`;
  const rd = X_NAMES[x.rd]!;
  const isImm = name.endsWith("i");
  const src = isImm ? `${x.rs1}` : X_NAMES[x.rs1]!;
  const kind = name.slice(4, 5); // w, s, c
  const fpName = csr === 1 ? "flags" : csr === 2 ? "rm" : csr === 3 ? "csr" : undefined;
  if (x.raw === 0xc0001073) return "unimp"; // csrrw x0, cycle, x0: the canonical 32-bit UNIMP
  if (kind === "s" && !isImm && x.rs1 === 0) {
    if (fpName) return `fr${fpName}\t${rd}`;
    if (csr >= 0xc00 && csr <= 0xc02) return `rd${["cycle", "time", "instret"][csr - 0xc00]}\t${rd}`;
    return `csrr\t${rd},${c}`;
  }
  if (kind === "w" && fpName && !(isImm && fpName === "csr")) {
    const mnem = `fs${fpName}${isImm ? "i" : ""}`;
    if (x.rd === 0 && !isImm) return `${mnem}\t${src}`;
    return `${mnem}\t${rd},${src}`;
  }
  if (x.rd === 0) return `csr${kind}\t${c},${src}`;
  return `csrr${kind}\t${rd},${c},${src}`;
}
