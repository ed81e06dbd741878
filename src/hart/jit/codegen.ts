// JavaScript source for one region of a page (the blocks region.ts found), and the function built
// from it with `new Function`.
//
// The function runs blocks until it leaves the region: `switch (L)` over dense block labels inside
// a loop, so a branch to a block of the same region is `L = n; continue`. Guest x registers live in
// int32 locals (xlN, xhN: low and high word) from entry to exit; register numbers, immediates and
// pcs are literals. Every block first checks that it fits in the budget `left`, then retires all its
// instructions at once; an exit before the end (a fault) gives back the ones it did not run, so
// `retired` stays exact. f registers stay in the state buffer: F/D operations are calls into the
// fpu module, like the interpreter's. Exits write the registers back, set pc, add to `retired` and
// return an Exit code.

import { KIND_X, rs1Kind } from "../../isa/classes.js";
import { Op } from "../../isa/ops.js";
import type { Hart } from "../hart.js";
import { divrem, divremw, mulh, mulhu32 } from "../int64.js";
import { CODE_ENTRIES, PAGE_SIZE } from "../memory.js";
import { F, FCSR, PC, X_SINK } from "../state.js";
import { type Block, End, FPU_FN, INT_RD, type Insn, KIND, Kind, LEN4 } from "./region.js";

/** Compiled code for a region: runs from block `label` with `left` instructions of budget. */
export type RegionFn = (hart: Hart, label: number, left: number) => number;

/** Why compiled code returned; pc is always written back first. */
export const Exit = {
  /** left the region; pc is where to continue */
  JUMP: 0,
  /** at an ECALL (retired) or EBREAK (not retired): the Stop codes of the same name */
  ECALL: 1,
  EBREAK: 2,
  /**
   * pc is at an instruction the interpreter must run: A, Zicsr, a reserved dynamic rm, or a load
   * or store that missed the TLB (the interpreter refills it, or raises the fault)
   */
  RARE: 5,
} as const;

export interface RegionCode {
  fn: RegionFn;
  /** label of the block starting at each entry, -1 for none */
  labels: Int16Array;
  /** instructions in each label's block */
  lens: Int32Array;
  source: string;
}

export interface CompileEnv {
  view: DataView;
  /** data TLB size - 1 (hart.ts) */
  tlbMask: number;
}

const TWO32 = 4294967296;
const SIZE: Partial<Record<number, number>> = {
  [Op.LB]: 1,
  [Op.LBU]: 1,
  [Op.LH]: 2,
  [Op.LHU]: 2,
  [Op.LW]: 4,
  [Op.LWU]: 4,
  [Op.FLW]: 4,
  [Op.LD]: 8,
  [Op.FLD]: 8,
  [Op.SB]: 1,
  [Op.SH]: 2,
  [Op.SW]: 4,
  [Op.FSW]: 4,
  [Op.SD]: 8,
  [Op.FSD]: 8,
};

/** Build the function for `blocks` of the page at `pageVA`. */
export function compileRegion(env: CompileEnv, pageVA: number, blocks: Block[]): RegionCode {
  const sorted = blocks.slice().sort((a, b) => a.start - b.start);
  const labels = new Int16Array(CODE_ENTRIES).fill(-1);
  const lens = new Int32Array(sorted.length);
  sorted.forEach((b, i) => {
    labels[b.start] = i;
    lens[i] = b.insns.length;
  });
  const g = new Gen(env, pageVA, labels);
  const cases = sorted.map((b, i) => g.block(b, i)).join("");
  const source = g.wrap(cases);
  const fpus = [...g.fpuOps].map((op) => FPU_FN[op]);
  const factory = new Function("ENV", source) as (e: unknown) => RegionFn;
  const fn = factory({
    view: env.view,
    labels,
    scratch: new Int32Array(2),
    mulhu32,
    mulh,
    divrem,
    divremw,
    fpu: fpus,
  });
  return { fn, labels, lens, source };
}

const lo = (i: number): string => (i === 0 ? "0" : `xl${i}`);
const hi = (i: number): string => (i === 0 ? "0" : `xh${i}`);

class Gen {
  readonly fpuOps = new Set<number>();
  usesMemory = false;
  usesFd = false;
  // the block being generated: its length, start, and the x registers it uses and writes
  private len = 0;
  private start = 0;
  private selfLoop = false;
  private used = new Set<number>();
  private written = new Set<number>();

  constructor(
    readonly env: CompileEnv,
    readonly pageVA: number,
    readonly labels: Int16Array,
  ) {}

  private pc(idx: number): number {
    return this.pageVA + idx * 2;
  }

  /** x register i as a source: its locals (x0 reads as the literal 0). */
  private src(i: number): void {
    if (i !== 0) this.used.add(i);
  }

  /** x register i as a destination; false for the sink (the result is dropped). */
  private dst(i: number): boolean {
    if (i === 0 || i === X_SINK) return false;
    this.used.add(i);
    this.written.add(i);
    return true;
  }

  /**
   * Leave the region before instruction k of the block (k instructions retired). Only constants
   * are assigned: V8 deoptimizes optimized code that reaches an operation it has no type feedback
   * for, and these exits are rarely taken.
   */
  private exitAt(k: number, idx: number, kind: number): string {
    return `{ k = ${k}; L = -1; npc = ${this.pc(idx)}; kind = ${kind}; break ex; }`;
  }

  /** Continue at entry idx: this block again, another block of the region, or out of the region. */
  private goto(idx: number): string {
    if (idx === this.start && this.selfLoop) return `left -= ${this.len}; continue ex;`;
    if (idx >= 0 && idx < CODE_ENTRIES) {
      const l = this.labels[idx]!;
      if (l >= 0) return `L = ${l}; break ex;`;
    }
    return `L = -1; npc = ${this.pc(idx)}; break ex;`;
  }

  // A block keeps the x registers it uses in locals, loaded at its start and written back at its
  // one exit (the end of the labelled statement `ex`), where `k` says how many of its instructions
  // retired; a block that branches back to its own start loops inside `ex`, so a tight loop keeps
  // its registers in locals throughout.
  block(b: Block, label: number): string {
    this.len = b.insns.length;
    this.start = b.start;
    this.used = new Set();
    this.written = new Set();
    const last = b.insns[b.insns.length - 1]!;
    const lastOp = last.w0 & 511;
    this.selfLoop =
      b.end === End.TERM &&
      (lastOp === Op.JAL || (lastOp >= Op.BEQ && lastOp <= Op.BGEU)) &&
      last.idx + (last.imm >> 1) === b.start;
    let body = b.insns.map((ins, k) => this.insn(ins, k)).join("\n");
    if (b.end === End.FALL) body += `\n${this.goto(b.next)}`;
    else if (b.end === End.RARE) body += `\nL = -1; npc = ${this.pc(b.next)}; kind = ${Exit.RARE}; break ex;`;
    const regs = [...this.used].sort((x, y) => x - y);
    const load = regs.map((i) => `let xl${i} = r[${2 * i}], xh${i} = r[${2 * i + 1}];`).join(" ");
    const store = [...this.written]
      .sort((x, y) => x - y)
      .map((i) => `r[${2 * i}] = xl${i}; r[${2 * i + 1}] = xh${i};`)
      .join(" ");
    return `case ${label}: {
${load}
let k = ${this.len};
ex: ${this.selfLoop ? "for (;;) " : ""}{
if (left < ${this.len}) { k = 0; L = -1; npc = ${this.pc(b.start)}; break ex; }
${body}
}
left -= k;
${store}
if (L < 0) break loop;
continue loop;
}
`;
  }

  wrap(cases: string): string {
    const fpus = [...this.fpuOps].map((op, i) => `const fpu${op} = ENV.fpu[${i}];`).join("\n");
    const mem = this.usesMemory
      ? "const rTL = hart.rTagLo, rTH = hart.rTagHi, rB = hart.rBase, wTL = hart.wTagLo, wTH = hart.wTagHi, wB = hart.wBase;"
      : "";
    return `"use strict";
const view = ENV.view, LAB = ENV.labels, T = ENV.scratch;
const mulhu32 = ENV.mulhu32, mulh = ENV.mulh, divrem = ENV.divrem, divremw = ENV.divremw;
${fpus}
return function region_${Math.floor(this.pageVA / PAGE_SIZE).toString(16)}(hart, L, left) {
const r = hart.state.r;
${this.usesFd ? "const fd = hart.state.fd;" : ""}
${mem}
const left0 = left;
let kind = 0, npc = 0;
loop: for (;;) {
switch (L) {
${cases}default: throw new Error("no block " + L);
}
}
r[${PC}] = npc | 0;
r[${PC + 1}] = Math.floor(npc / ${TWO32}) | 0;
hart.retired += left0 - left;
return kind;
};`;
  }

  private insn(ins: Insn, k: number): string {
    const w0 = ins.w0;
    const op = w0 & 511;
    const rd = (w0 >>> 9) & 63;
    const a = (w0 >>> 15) & 31;
    const b = (w0 >>> 20) & 31;
    const imm = ins.imm | 0;
    const immHi = imm >> 31;
    const next = ins.idx + ((w0 & LEN4) !== 0 ? 2 : 1);
    const pc = this.pc(ins.idx);
    if (KIND[op] === Kind.FPU) return this.fpu(ins, k, op, rd, a);
    switch (op) {
      case Op.LUI:
        return this.dst(rd) ? `xl${rd} = ${imm}; xh${rd} = ${immHi};` : "";
      case Op.AUIPC: {
        const v = pc + imm;
        return this.dst(rd) ? `xl${rd} = ${v | 0}; xh${rd} = ${Math.floor(v / TWO32) | 0};` : "";
      }
      case Op.JAL: {
        const link = pc + ((w0 & LEN4) !== 0 ? 4 : 2);
        const set = this.dst(rd) ? `xl${rd} = ${link | 0}; xh${rd} = ${Math.floor(link / TWO32) | 0}; ` : "";
        return set + this.goto(ins.idx + (imm >> 1));
      }
      case Op.JALR: {
        this.src(a);
        const link = pc + ((w0 & LEN4) !== 0 ? 4 : 2);
        const set = this.dst(rd) ? `xl${rd} = ${link | 0}; xh${rd} = ${Math.floor(link / TWO32) | 0}; ` : "";
        // target = (rs1 + imm) & ~1, read before rd is written; as a number, like the interpreter
        return `{ const t = ${hi(a)} * ${TWO32} + (${lo(a)} >>> 0) + ${imm}; ${set}npc = t % 2 === 0 ? t : t - 1;
const o = npc - ${this.pageVA};
L = o >= 0 && o < ${PAGE_SIZE} ? LAB[o >> 1] : -1;
break ex; }`;
      }
      case Op.BEQ:
      case Op.BNE:
      case Op.BLT:
      case Op.BGE:
      case Op.BLTU:
      case Op.BGEU: {
        this.src(a);
        this.src(b);
        const cond = branchCondition(op, a, b);
        const target = ins.idx + (imm >> 1);
        return `if (${cond}) { ${this.goto(target)} }\n${this.goto(next)}`;
      }
      case Op.ECALL:
        return `L = -1; npc = ${pc}; kind = ${Exit.ECALL}; break ex;`;
      case Op.EBREAK:
        return `k = ${k}; L = -1; npc = ${pc}; kind = ${Exit.EBREAK}; break ex;`;
      case Op.FENCE:
      case Op.FENCE_I:
        // Stores to code run in the interpreter, which drops the decoded instructions (and so the
        // regions) they overwrite: nothing is stale at a fence.
        return "";
      case Op.LB:
      case Op.LH:
      case Op.LW:
      case Op.LD:
      case Op.LBU:
      case Op.LHU:
      case Op.LWU:
      case Op.FLW:
      case Op.FLD:
        return this.load(op, k, ins.idx, rd, a, imm);
      case Op.SB:
      case Op.SH:
      case Op.SW:
      case Op.SD:
      case Op.FSW:
      case Op.FSD:
        return this.store(op, k, ins.idx, a, b, imm);
      default:
        return this.alu(op, rd, a, b, imm, immHi);
    }
  }

  private alu(op: number, rd: number, a: number, b: number, imm: number, immHi: number): string {
    this.src(a);
    if (!isImmediateOp(op)) this.src(b);
    if (!this.dst(rd)) return "";
    const dl = `xl${rd}`;
    const dh = `xh${rd}`;
    const al = lo(a);
    const ah = hi(a);
    const bl = lo(b);
    const bh = hi(b);
    const w = (v: string) => `${dl} = ${v}; ${dh} = ${dl} >> 31;`;
    switch (op) {
      case Op.ADDI:
        if (a === 0) return `${dl} = ${imm}; ${dh} = ${immHi};`;
        if (imm === 0) return `${dl} = ${al}; ${dh} = ${ah};`;
        return `{ const s = ${al}, t = (s + ${imm}) | 0; ${dh} = (${ah}${immHi !== 0 ? " - 1" : ""} + ((t >>> 0) < (s >>> 0) ? 1 : 0)) | 0; ${dl} = t; }`;
      case Op.SLTI:
        return `${dl} = ${ah} < ${immHi} || (${ah} === ${immHi} && (${al} >>> 0) < ${imm >>> 0}) ? 1 : 0; ${dh} = 0;`;
      case Op.SLTIU:
        return `${dl} = (${ah} >>> 0) < ${immHi >>> 0} || (${ah} === ${immHi} && (${al} >>> 0) < ${imm >>> 0}) ? 1 : 0; ${dh} = 0;`;
      case Op.XORI:
        return `${dh} = ${ah} ^ ${immHi}; ${dl} = ${al} ^ ${imm};`;
      case Op.ORI:
        return `${dh} = ${ah} | ${immHi}; ${dl} = ${al} | ${imm};`;
      case Op.ANDI:
        return `${dh} = ${ah} & ${immHi}; ${dl} = ${al} & ${imm};`;
      case Op.SLLI:
        return shiftLeftConst(dl, dh, al, ah, imm & 63);
      case Op.SRLI:
        return shiftRightConst(dl, dh, al, ah, imm & 63, false);
      case Op.SRAI:
        return shiftRightConst(dl, dh, al, ah, imm & 63, true);
      case Op.ADD:
        return `{ const s = ${al}, t = (s + ${bl}) | 0; ${dh} = (${ah} + ${bh} + ((t >>> 0) < (s >>> 0) ? 1 : 0)) | 0; ${dl} = t; }`;
      case Op.SUB:
        return `{ const s = ${al}, u = ${bl}; ${dh} = (${ah} - ${bh} - ((s >>> 0) < (u >>> 0) ? 1 : 0)) | 0; ${dl} = (s - u) | 0; }`;
      case Op.SLL:
        return `{ const sh = ${bl} & 63, s = ${al}, u = ${ah};
if (sh === 0) { ${dl} = s; ${dh} = u; }
else if (sh < 32) { ${dh} = (u << sh) | (s >>> (32 - sh)); ${dl} = s << sh; }
else { ${dh} = s << (sh - 32); ${dl} = 0; } }`;
      case Op.SRL:
      case Op.SRA: {
        const ar = op === Op.SRA;
        return `{ const sh = ${bl} & 63, s = ${al}, u = ${ah};
if (sh === 0) { ${dl} = s; ${dh} = u; }
else if (sh < 32) { ${dl} = (s >>> sh) | (u << (32 - sh)); ${dh} = ${ar ? "u >> sh" : "(u >>> sh) | 0"}; }
else { ${dl} = ${ar ? "u >> (sh - 32)" : "(u >>> (sh - 32)) | 0"}; ${dh} = ${ar ? "u >> 31" : "0"}; } }`;
      }
      case Op.SLT:
        return `${dl} = ${ah} < ${bh} || (${ah} === ${bh} && (${al} >>> 0) < (${bl} >>> 0)) ? 1 : 0; ${dh} = 0;`;
      case Op.SLTU:
        return `${dl} = (${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && (${al} >>> 0) < (${bl} >>> 0)) ? 1 : 0; ${dh} = 0;`;
      case Op.XOR:
        return `${dh} = ${ah} ^ ${bh}; ${dl} = ${al} ^ ${bl};`;
      case Op.OR:
        return `${dh} = ${ah} | ${bh}; ${dl} = ${al} | ${bl};`;
      case Op.AND:
        return `${dh} = ${ah} & ${bh}; ${dl} = ${al} & ${bl};`;
      case Op.ADDIW:
        return w(`(${al} + ${imm}) | 0`);
      case Op.SLLIW:
        return w(`${al} << ${imm & 31}`);
      case Op.SRLIW:
        return w(`(${al} >>> ${imm & 31}) | 0`);
      case Op.SRAIW:
        return w(`${al} >> ${imm & 31}`);
      case Op.ADDW:
        return w(`(${al} + ${bl}) | 0`);
      case Op.SUBW:
        return w(`(${al} - ${bl}) | 0`);
      case Op.SLLW:
        return w(`${al} << (${bl} & 31)`);
      case Op.SRLW:
        return w(`(${al} >>> (${bl} & 31)) | 0`);
      case Op.SRAW:
        return w(`${al} >> (${bl} & 31)`);
      case Op.MUL:
        return `{ const s = ${al}, u = ${bl}; ${dh} = (Math.imul(s, ${bh}) + Math.imul(${ah}, u) + mulhu32(s, u)) | 0; ${dl} = Math.imul(s, u); }`;
      case Op.MULW:
        return w(`Math.imul(${al}, ${bl})`);
      case Op.MULH:
      case Op.MULHSU:
      case Op.MULHU: {
        const as = op !== Op.MULHU;
        const bs = op === Op.MULH;
        return `mulh(T, 0, ${al}, ${ah}, ${bl}, ${bh}, ${as}, ${bs}); ${dl} = T[0]; ${dh} = T[1];`;
      }
      case Op.DIV:
      case Op.DIVU:
      case Op.REM:
      case Op.REMU: {
        const signed = op === Op.DIV || op === Op.REM;
        const rem = op === Op.REM || op === Op.REMU;
        return `divrem(T, 0, ${al}, ${ah}, ${bl}, ${bh}, ${signed}, ${rem}); ${dl} = T[0]; ${dh} = T[1];`;
      }
      case Op.DIVW:
      case Op.DIVUW:
      case Op.REMW:
      case Op.REMUW: {
        const signed = op === Op.DIVW || op === Op.REMW;
        const rem = op === Op.REMW || op === Op.REMUW;
        return `divremw(T, 0, ${al}, ${bl}, ${signed}, ${rem}); ${dl} = T[0]; ${dh} = T[1];`;
      }
      default:
        throw new Error(`block compiler: no code for op ${op}`);
    }
  }

  /** rs1 + imm as (al, ah) int32 words, exactly as the interpreter's loadAddress/storeAddress. */
  private address(a: number, imm: number): string {
    this.src(a);
    if (a === 0) return `const al = ${imm}, ah = ${imm >> 31};`;
    if (imm === 0) return `const al = xl${a}, ah = xh${a};`;
    return `const al = (xl${a} + ${imm}) | 0, ah = (xh${a}${imm < 0 ? " - 1" : ""} + ((al >>> 0) < (xl${a} >>> 0) ? 1 : 0)) | 0;`;
  }

  private tlbCheck(tag: "r" | "w", size: number): string {
    const mask = this.env.tlbMask;
    const fits = size > 1 ? ` && (al & ${PAGE_SIZE - 1}) <= ${PAGE_SIZE - size}` : "";
    return `const vp = al >>> 12, ti = vp & ${mask};
let p = 0;
if (${tag}TL[ti] === vp && ${tag}TH[ti] === ah${fits})`;
  }

  private load(op: number, k: number, idx: number, rd: number, a: number, imm: number): string {
    this.usesMemory = true;
    const size = SIZE[op]!;
    let read: string;
    if (op === Op.FLW) read = `r[${F + 2 * rd}] = view.getInt32(p, true); r[${F + 2 * rd + 1}] = -1;`;
    else if (op === Op.FLD)
      read = `r[${F + 2 * rd}] = view.getInt32(p, true); r[${F + 2 * rd + 1}] = view.getInt32(p + 4, true);`;
    else if (!this.dst(rd)) read = "";
    else {
      const d = `xl${rd}`;
      const h = `xh${rd}`;
      switch (op) {
        case Op.LB:
          read = `${d} = view.getInt8(p); ${h} = ${d} >> 31;`;
          break;
        case Op.LH:
          read = `${d} = view.getInt16(p, true); ${h} = ${d} >> 31;`;
          break;
        case Op.LW:
          read = `${d} = view.getInt32(p, true); ${h} = ${d} >> 31;`;
          break;
        case Op.LD:
          read = `${d} = view.getInt32(p, true); ${h} = view.getInt32(p + 4, true);`;
          break;
        case Op.LBU:
          read = `${d} = view.getUint8(p); ${h} = 0;`;
          break;
        case Op.LHU:
          read = `${d} = view.getUint16(p, true); ${h} = 0;`;
          break;
        default:
          read = `${d} = view.getInt32(p, true); ${h} = 0;`;
      }
    }
    return `{ ${this.address(a, imm)}
${this.tlbCheck("r", size)} p = rB[ti] + (al & ${PAGE_SIZE - 1});
else ${this.exitAt(k, idx, Exit.RARE)}
${read} }`;
  }

  private store(op: number, k: number, idx: number, a: number, b: number, imm: number): string {
    this.usesMemory = true;
    const size = SIZE[op]!;
    let write: string;
    if (op === Op.FSW) write = `view.setInt32(p, r[${F + 2 * b}], true);`;
    else if (op === Op.FSD)
      write = `view.setInt32(p, r[${F + 2 * b}], true); view.setInt32(p + 4, r[${F + 2 * b + 1}], true);`;
    else {
      this.src(b);
      const v = lo(b);
      switch (op) {
        case Op.SB:
          write = `view.setInt8(p, ${v});`;
          break;
        case Op.SH:
          write = `view.setInt16(p, ${v}, true);`;
          break;
        case Op.SW:
          write = `view.setInt32(p, ${v}, true);`;
          break;
        default:
          write = `view.setInt32(p, ${v}, true); view.setInt32(p + 4, ${hi(b)}, true);`;
      }
    }
    // Stores to pages holding code never hit (they get no write TLB entry): the interpreter runs
    // them and drops the decoded instructions they overwrite, and with them this region.
    return `{ ${this.address(a, imm)}
${this.tlbCheck("w", size)} p = wB[ti] + (al & ${PAGE_SIZE - 1});
else ${this.exitAt(k, idx, Exit.RARE)}
${write} }`;
  }

  private fpu(ins: Insn, k: number, op: number, rd: number, a: number): string {
    this.fpuOps.add(op);
    this.usesFd = true;
    let s = "{ ";
    // The fpu reads and writes x registers in the state buffer: sync the locals around the call.
    if (rs1Kind(op) === KIND_X && a !== 0) {
      this.src(a);
      s += `r[${2 * a}] = xl${a}; r[${2 * a + 1}] = xh${a}; `;
    }
    let rm = String(ins.rm & 7);
    if ((ins.rm & 7) === 7) {
      s += `const rm = r[${FCSR}] >>> 5; if (rm > 4) ${this.exitAt(k, ins.idx, Exit.RARE)} `;
      rm = "rm";
    }
    const w0 = ins.w0;
    s += `const fl = fpu${op}(r, fd, ${rd}, ${(w0 >>> 15) & 31}, ${(w0 >>> 20) & 31}, ${(w0 >>> 25) & 31}, ${rm}); if (fl !== 0) r[${FCSR}] |= fl;`;
    if (INT_RD[op] === 1 && this.dst(rd)) s += ` xl${rd} = r[${2 * rd}]; xh${rd} = r[${2 * rd + 1}];`;
    return `${s} }`;
  }
}

function isImmediateOp(op: number): boolean {
  return (op >= Op.ADDI && op <= Op.SRAI) || (op >= Op.ADDIW && op <= Op.SRAIW) || op === Op.LUI;
}

function branchCondition(op: number, a: number, b: number): string {
  const al = lo(a);
  const ah = hi(a);
  const bl = lo(b);
  const bh = hi(b);
  const lessU = `(${al} >>> 0) < (${bl} >>> 0)`;
  switch (op) {
    case Op.BEQ:
      return b === 0 ? `(${al} | ${ah}) === 0` : `${al} === ${bl} && ${ah} === ${bh}`;
    case Op.BNE:
      return b === 0 ? `(${al} | ${ah}) !== 0` : `${al} !== ${bl} || ${ah} !== ${bh}`;
    case Op.BLT:
      return b === 0 ? `${ah} < 0` : `${ah} < ${bh} || (${ah} === ${bh} && ${lessU})`;
    case Op.BGE:
      return b === 0 ? `${ah} >= 0` : `!(${ah} < ${bh} || (${ah} === ${bh} && ${lessU}))`;
    case Op.BLTU:
      return `(${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && ${lessU})`;
    default:
      return `!((${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && ${lessU}))`;
  }
}

function shiftLeftConst(dl: string, dh: string, al: string, ah: string, sh: number): string {
  if (sh === 0) return `${dl} = ${al}; ${dh} = ${ah};`;
  if (sh < 32) return `${dh} = (${ah} << ${sh}) | (${al} >>> ${32 - sh}); ${dl} = ${al} << ${sh};`;
  return `${dh} = ${al} << ${sh - 32}; ${dl} = 0;`;
}

function shiftRightConst(dl: string, dh: string, al: string, ah: string, sh: number, arith: boolean): string {
  if (sh === 0) return `${dl} = ${al}; ${dh} = ${ah};`;
  if (sh < 32)
    return `${dl} = (${al} >>> ${sh}) | (${ah} << ${32 - sh}); ${dh} = ${arith ? `${ah} >> ${sh}` : `(${ah} >>> ${sh}) | 0`};`;
  if (arith) return `${dl} = ${ah} >> ${sh - 32}; ${dh} = ${ah} >> 31;`;
  return `${dl} = (${ah} >>> ${sh - 32}) | 0; ${dh} = 0;`;
}
