// What every instruction does, once. Each row states an instruction's effect in the vocabulary of
// ir.ts (as the ISA manual states it); the interpreter (interpreter.ts) and the block compiler
// (wasm/region-module.ts) are both generated from these rows. To add
// an instruction: its encoding and syntax go in src/isa/table.ts, its meaning here — one row.
//
// Kinds of effect:
//   write   rd := value
//   branch  if cond: pc := pc + imm
//   jump    rd := pc + length; pc := target
//   load    rd := the `size` bytes at rs1 + imm (sign- or zero-extended; f registers NaN-box singles)
//   store   the low `size` bytes of rs2 go to rs1 + imm
//   amo     at address rs1 (naturally aligned): rd := old; memory := value (OLD is the loaded value,
//           sign-extended for .w; the low `size` bytes are stored)
//   lr, sc  load-reserved / store-conditional (rare.ts)
//   csr     Zicsr: read-modify-write of a CSR (csr.ts)
//   fpu     F and D: the fpu module's function named after the mnemonic ("fadd.d" -> fadd_d)
//   trap    raise `cause` (ECALL, EBREAK); ECALL's is ECALL_U plus the privilege mode (8, 9, 11)
//   fence   no effect on a machine that runs one instruction at a time: stores already drop the
//           decoded instructions they overwrite, so FENCE.I has nothing stale to flush
//   system  privileged instructions: `fn` in privileged/traps.ts (xRET, WFI, SFENCE.VMA), which
//           the rare path runs with the register numbers rs1, rs2 and the instruction's pc

import * as fpu from "./fpu/index.js";
import {
  add,
  add32,
  and,
  c,
  clz,
  clz32,
  cpop,
  cpop32,
  ctz,
  ctz32,
  div,
  div32,
  divu,
  divu32,
  type Expr,
  eq,
  ge,
  geu,
  IMM,
  lt,
  ltu,
  mul,
  mul32,
  mulh,
  mulhsu,
  mulhu,
  ne,
  not,
  OLD,
  or,
  orcb,
  PC,
  RS1,
  RS2,
  rem,
  rem32,
  remu,
  remu32,
  rev8,
  sar,
  sar32,
  select,
  sext8,
  sext16,
  sext32,
  shl,
  shl32,
  shr,
  shr32,
  sub,
  sub32,
  xor,
  zext16,
  zext32,
} from "./ir.js";
import type { SystemHart } from "./privileged/system-hart.js";
import { mret, sfenceVma, sret, wfi } from "./privileged/traps.js";
import { Cause } from "./stop.js";

/** A privileged instruction's effect: a Rare code (privileged/system-hart.ts). */
export type SystemFn = (h: SystemHart, rs1: number, rs2: number, pc: number) => number;

export type Semantics =
  | { readonly kind: "write"; readonly value: Expr }
  | { readonly kind: "branch"; readonly cond: Expr }
  | { readonly kind: "jump"; readonly target: Expr }
  | { readonly kind: "load"; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean; readonly fp: boolean }
  | { readonly kind: "store"; readonly size: 1 | 2 | 4 | 8; readonly fp: boolean }
  | { readonly kind: "amo"; readonly size: 4 | 8; readonly value: Expr }
  | { readonly kind: "lr" | "sc"; readonly size: 4 | 8 }
  | { readonly kind: "csr"; readonly how: "rw" | "rs" | "rc"; readonly immediate: boolean }
  | { readonly kind: "fpu"; readonly fn: fpu.FpuOp }
  | { readonly kind: "trap"; readonly cause: number; readonly plusPrivilege?: boolean }
  | { readonly kind: "fence" }
  | { readonly kind: "system"; readonly fn: SystemFn };

const write = (value: Expr): Semantics => ({ kind: "write", value });
const branch = (cond: Expr): Semantics => ({ kind: "branch", cond });
const load = (size: 1 | 2 | 4 | 8, signed: boolean, fp = false): Semantics => ({
  kind: "load",
  size,
  signed,
  fp,
});
const store = (size: 1 | 2 | 4 | 8, fp = false): Semantics => ({ kind: "store", size, fp });
const csr = (how: "rw" | "rs" | "rc", immediate: boolean): Semantics => ({ kind: "csr", how, immediate });

/** rd := f(rs1, rs2) and rd := f(rs1, imm): the register and immediate forms of an operation. */
const rr = (f: (a: Expr, b: Expr) => Expr): Semantics => write(f(RS1, RS2));
const ri = (f: (a: Expr, b: Expr) => Expr): Semantics => write(f(RS1, IMM));

/** AMOs on 32-bit words see rs2's low word sign-extended, as they see memory (OLD). */
const amoW = (f: (old: Expr, v: Expr) => Expr): Semantics => ({
  kind: "amo",
  size: 4,
  value: f(OLD, sext32(RS2)),
});
const amoD = (f: (old: Expr, v: Expr) => Expr): Semantics => ({ kind: "amo", size: 8, value: f(OLD, RS2) });
const min = (a: Expr, b: Expr) => select(lt(a, b), a, b);
const max = (a: Expr, b: Expr) => select(lt(a, b), b, a);
const minu = (a: Expr, b: Expr) => select(ltu(a, b), a, b);
const maxu = (a: Expr, b: Expr) => select(ltu(a, b), b, a);
const swap = (_old: Expr, v: Expr) => v;
/** rotations: amounts are taken modulo the width, so (-n) is width - n, and 0 rotates by nothing */
const rol = (a: Expr, n: Expr) => or(shl(a, n), shr(a, sub(c(0), n)));
const ror = (a: Expr, n: Expr) => or(shr(a, n), shl(a, sub(c(0), n)));
const rolw = (a: Expr, n: Expr) => or(shl32(a, n), shr32(a, sub(c(0), n)));
const rorw = (a: Expr, n: Expr) => or(shr32(a, n), shl32(a, sub(c(0), n)));
/** Zba: rs2 + (rs1 << n), and the .uw forms on rs1's zero-extended low word */
const shadd = (n: number, uw = false) => rr((a, b) => add(b, shl(uw ? zext32(a) : a, c(n))));

/** The semantics of each instruction by its mnemonic (compressed forms take their expansion's). */
export const SEMANTICS: Readonly<Record<string, Semantics>> = {
  // ---- RV64I (Unprivileged ISA, chapters 2 and 5) ----
  lui: write(IMM),
  auipc: write(add(PC, IMM)),
  jal: { kind: "jump", target: add(PC, IMM) },
  jalr: { kind: "jump", target: and(add(RS1, IMM), c(-2)) },
  beq: branch(eq(RS1, RS2)),
  bne: branch(ne(RS1, RS2)),
  blt: branch(lt(RS1, RS2)),
  bge: branch(ge(RS1, RS2)),
  bltu: branch(ltu(RS1, RS2)),
  bgeu: branch(geu(RS1, RS2)),
  lb: load(1, true),
  lh: load(2, true),
  lw: load(4, true),
  ld: load(8, true),
  lbu: load(1, false),
  lhu: load(2, false),
  lwu: load(4, false),
  sb: store(1),
  sh: store(2),
  sw: store(4),
  sd: store(8),
  addi: ri(add),
  slti: ri(lt),
  sltiu: ri(ltu),
  xori: ri(xor),
  ori: ri(or),
  andi: ri(and),
  slli: ri(shl),
  srli: ri(shr),
  srai: ri(sar),
  add: rr(add),
  sub: rr(sub),
  sll: rr(shl),
  slt: rr(lt),
  sltu: rr(ltu),
  xor: rr(xor),
  srl: rr(shr),
  sra: rr(sar),
  or: rr(or),
  and: rr(and),
  fence: { kind: "fence" },
  "fence.i": { kind: "fence" },
  ecall: { kind: "trap", cause: Cause.ECALL_U, plusPrivilege: true },
  ebreak: { kind: "trap", cause: Cause.BREAKPOINT },
  addiw: ri(add32),
  slliw: ri(shl32),
  srliw: ri(shr32),
  sraiw: ri(sar32),
  addw: rr(add32),
  subw: rr(sub32),
  sllw: rr(shl32),
  srlw: rr(shr32),
  sraw: rr(sar32),

  // ---- Zicsr ----
  csrrw: csr("rw", false),
  csrrs: csr("rs", false),
  csrrc: csr("rc", false),
  csrrwi: csr("rw", true),
  csrrsi: csr("rs", true),
  csrrci: csr("rc", true),

  // ---- M ----
  mul: rr(mul),
  mulh: rr(mulh),
  mulhsu: rr(mulhsu),
  mulhu: rr(mulhu),
  div: rr(div),
  divu: rr(divu),
  rem: rr(rem),
  remu: rr(remu),
  mulw: rr(mul32),
  divw: rr(div32),
  divuw: rr(divu32),
  remw: rr(rem32),
  remuw: rr(remu32),

  // ---- A ----
  "lr.w": { kind: "lr", size: 4 },
  "sc.w": { kind: "sc", size: 4 },
  "amoswap.w": amoW(swap),
  "amoadd.w": amoW(add),
  "amoxor.w": amoW(xor),
  "amoand.w": amoW(and),
  "amoor.w": amoW(or),
  "amomin.w": amoW(min),
  "amomax.w": amoW(max),
  "amominu.w": amoW((a, b) => minu(zext32(a), zext32(b))),
  "amomaxu.w": amoW((a, b) => maxu(zext32(a), zext32(b))),
  "lr.d": { kind: "lr", size: 8 },
  "sc.d": { kind: "sc", size: 8 },
  "amoswap.d": amoD(swap),
  "amoadd.d": amoD(add),
  "amoxor.d": amoD(xor),
  "amoand.d": amoD(and),
  "amoor.d": amoD(or),
  "amomin.d": amoD(min),
  "amomax.d": amoD(max),
  "amominu.d": amoD(minu),
  "amomaxu.d": amoD(maxu),

  // ---- F and D loads and stores (the arithmetic: fpu rows below) ----
  flw: load(4, false, true),
  fsw: store(4, true),
  fld: load(8, false, true),
  fsd: store(8, true),

  // ---- privileged ----
  sret: { kind: "system", fn: sret },
  mret: { kind: "system", fn: mret },
  wfi: { kind: "system", fn: wfi },
  "sfence.vma": { kind: "system", fn: sfenceVma },

  // ---- Zba (bit manipulation: address generation) ----
  "add.uw": rr((a, b) => add(b, zext32(a))),
  sh1add: shadd(1),
  sh2add: shadd(2),
  sh3add: shadd(3),
  "sh1add.uw": shadd(1, true),
  "sh2add.uw": shadd(2, true),
  "sh3add.uw": shadd(3, true),
  "slli.uw": ri((a, n) => shl(zext32(a), n)),

  // ---- Zbb (bit manipulation: basic) ----
  andn: rr((a, b) => and(a, not(b))),
  orn: rr((a, b) => or(a, not(b))),
  xnor: rr((a, b) => not(xor(a, b))),
  clz: write(clz(RS1)),
  clzw: write(clz32(RS1)),
  ctz: write(ctz(RS1)),
  ctzw: write(ctz32(RS1)),
  cpop: write(cpop(RS1)),
  cpopw: write(cpop32(RS1)),
  max: rr(max),
  maxu: rr(maxu),
  min: rr(min),
  minu: rr(minu),
  "sext.b": write(sext8(RS1)),
  "sext.h": write(sext16(RS1)),
  "zext.h": write(zext16(RS1)),
  rol: rr(rol),
  rolw: rr(rolw),
  ror: rr(ror),
  rori: ri(ror),
  roriw: ri(rorw),
  rorw: rr(rorw),
  "orc.b": write(orcb(RS1)),
  rev8: write(rev8(RS1)),
};

/**
 * A jump whose target is pc + imm (jal): engines then jump by the immediate, known at decode time,
 * instead of computing the target.
 */
export function jumpsByImmediate(sem: Semantics): boolean {
  if (sem.kind !== "jump") return false;
  const t = sem.target;
  return (
    t.k === "bin" &&
    t.op === "add" &&
    t.a.k === "leaf" &&
    t.a.leaf === "pc" &&
    t.b.k === "leaf" &&
    t.b.leaf === "imm"
  );
}

/** The F/D arithmetic rows: every mnemonic with a function of its name in the fpu module. */
function fpuSemantics(name: string): Semantics | undefined {
  const fn = (fpu as unknown as Record<string, fpu.FpuOp | undefined>)[name.replace(/\./g, "_")];
  return typeof fn === "function" ? { kind: "fpu", fn } : undefined;
}

/** The semantics of the instruction named `name`, or undefined when it has none. */
export function semanticsOf(name: string): Semantics | undefined {
  return SEMANTICS[name] ?? fpuSemantics(name);
}
