// JavaScript source for one region (the blocks region.ts found), and the function built from it
// with `new Function`.
//
// The function runs blocks until it leaves the region: `switch (L)` over dense block labels inside
// a loop, so a jump to a block of the same region is `L = n; continue`. A block loads the x
// registers it uses into int32 locals (xlN, xhN: low and high word) and stores each one it writes
// back to the state before anything that may leave the block, so leaving never needs a write-back;
// a block that branches back to its own start loops in place. Register numbers, immediates and pcs
// are literals. Each block checks that it fits in the budget `left` and retires all its instructions
// at once. f registers stay in the state buffer: F/D operations are calls into the fpu module.
//
// Loads and stores look up the compiled code's data TLB (tlb.ts); accesses through one base
// register in a block share one check. A miss (or a reserved dynamic rounding mode) is a side exit:
// the interpreter runs the instruction, with its fault if it has one.
//
// Shaped for V8: all locals are declared once per function (its deoptimization points carry every
// local), and a side exit is `return <constant>` with its pc and count in a table, because V8
// deoptimizes code that reaches an operation it has never run before.

import { KIND_X, rs1Kind } from "../../isa/classes.js";
import { CSRS, fpCsrAccess } from "../csr.js";
import { CODE_ENTRIES, CODE_VERSION, lenOf, opOf, rdOf, rs1Of, rs2Of, rs3Of } from "../decoded.js";
import { c, type Expr, RS1 } from "../ir.js";
import {
  type Binding,
  JS_RUNTIME,
  JS_RUNTIME_PRELUDE,
  JsLowering,
  type Pair,
  src as word,
} from "../js-lowering.js";
import { loadWords, storeText } from "../memory-words.js";
import { PAGE_SIZE } from "../page.js";
import type { ProbeSite } from "../probe-sink.js";
import { ACCESS_SIZE, SEMANTICS_BY_OP } from "../semantics-by-op.js";
import { F, FCSR, PC, X_SINK } from "../state.js";
import { Cause } from "../stop.js";
import {
  type Block,
  type CodePage,
  End,
  FPU_FN,
  INT_RD,
  type Insn,
  isBreakpoint,
  KIND,
  Kind,
  locate,
} from "./region.js";
import { ENTRY_WORDS, JIT_TLB_MASK, R_BASE, R_HI, R_TAG, W_BASE, W_HI, W_TAG } from "./tlb.js";

/** What compiled code works on: one hart's registers, and the data TLB of its compiled code. */
export interface JitContext {
  readonly r: Int32Array;
  readonly fd: Float64Array;
  /** the data TLB's entries (tlb.ts) */
  readonly tlb: Int32Array;
  /** mark[0]: the budget left when compiled code returned (RegionFn) */
  readonly mark: Int32Array;
  /** host offset of the hart's area in guest RAM's memory (wasm engine: wasm/layout.ts), else -1 */
  readonly area: number;
  /**
   * Fire the probe of the instruction at pc, `retired` instructions into this call of the region
   * (registers are stored), through `site` (its hooks, found when the region was compiled; null:
   * the sink has none, ask it); false when a hook threw (the code leaves before the instruction).
   */
  readonly probe: (pc: number, retired: number, site: ProbeSite | null) => boolean;
}

/**
 * Compiled code for a region: runs from block `label` with `left` instructions of budget. Returns
 * an Exit code after writing pc, with the budget left in mark[0]; or, from a side exit, -1 - n
 * where n indexes the region's side-exit table, with the budget left at the start of the block
 * in mark[0] (the caller sets pc from the table). It touches nothing of the Hart object itself,
 * whose layout V8 may change while code depending on it is optimized.
 */
export type RegionFn = (cx: JitContext, label: number, left: number) => number;

/** Why compiled code returned; pc is always written back first. */
export const Exit = {
  /** left the region; pc is where to continue */
  JUMP: 0,
  /** at an ECALL (retired) or EBREAK (not retired): the Stop codes of the same name */
  ECALL: 1,
  EBREAK: 2,
  /** pc is at an instruction only the interpreter runs: A, counter CSRs, privileged, probes */
  RARE: 5,
} as const;

export interface RegionCode {
  fn: RegionFn;
  /** per page of the region: the label of the block starting at each entry, -1 for none */
  labels: Int16Array[];
  /** budget each label's block needs */
  lens: Int32Array;
  /** side exits: pc of the instruction to interpret, instructions of its block retired before it */
  exitPc: Float64Array;
  exitRetired: Int32Array;
  /** 1 where the exit's instruction is probed and its probe already fired in compiled code */
  exitFired: Uint8Array;
  source: string;
  /** the engine's resources of the code are no longer needed (it will not run again) */
  release?: () => void;
  /** wasm: its slot in the runtime's table */
  slot?: number;
}

export interface CompileEnv {
  view: DataView;
  /** entries - 1 of the data TLB the code looks up (tlb.ts; JIT_TLB_MASK unless given) */
  tlbMask?: number;
  /** the hooks of a probed pc, held by the code that fires them (undefined: look them up per firing) */
  site?: (pc: number) => ProbeSite | undefined;
}

const TWO32 = 4294967296;
/** Access size of a load (positive) or store (negative) op; 0 for others. */
const sizeOf = (op: number): number => Math.abs(ACCESS_SIZE[op]!);
const isStore = (op: number): boolean => ACCESS_SIZE[op]! < 0;

/**
 * Build the function running `blocks` (of `pages`); with `grouping`, accesses through one base
 * register share a TLB check (planAccesses).
 */
export function compileRegion(
  env: CompileEnv,
  pages: readonly CodePage[],
  blocks: Block[],
  grouping = true,
): RegionCode {
  const sorted = blocks.slice().sort((a, b) => a.page - b.page || a.start - b.start);
  const labels = pages.map(() => new Int16Array(CODE_ENTRIES).fill(-1));
  const lens = new Int32Array(sorted.length);
  sorted.forEach((b, i) => {
    labels[b.page]![b.start] = i;
    lens[i] = b.insns.length;
  });
  const g = new Gen(env, pages, labels, grouping);
  const cases = sorted.map((b, i) => g.block(b, i)).join("");
  const source = g.wrap(cases);
  const fpus = [...g.fpuOps].map((op) => FPU_FN[op]);
  const factory = new Function("ENV", "RT", source) as (e: unknown, rt: unknown) => RegionFn;
  const fn = factory(
    { view: env.view, labels, fpu: fpus, sites: g.sites, pages: pages.map((pg) => pg.page) },
    JS_RUNTIME,
  );
  return {
    fn,
    labels,
    lens,
    exitPc: Float64Array.from(g.exitPc),
    exitRetired: Int32Array.from(g.exitRetired),
    exitFired: Uint8Array.from(g.exitFired),
    source,
  };
}

const lo = (i: number): string => (i === 0 ? "0" : `xl${i}`);
const hi = (i: number): string => (i === 0 ? "0" : `xh${i}`);

class Gen {
  readonly fpuOps = new Set<number>();
  usesMemory = false;
  usesProbes = false;
  usesFd = false;
  totalInsns = 0;
  /** x registers some block uses: function-level locals */
  readonly allRegs = new Set<number>();
  readonly exitPc: number[] = [];
  readonly exitRetired: number[] = [];
  readonly exitFired: number[] = [];
  /** the probe sites its probes fire through (ENV.sites) */
  readonly sites: (ProbeSite | null)[] = [];
  /** the instruction being generated is probed, and its probe's call is behind us */
  private fired = false;
  // the block being generated: its page, start and length; the x registers it uses, and those
  // written but not stored back yet
  private len = 0;
  /** instructions the block takes from the budget at its start */
  private retire = 0;
  private page = 0;
  private start = 0;
  private selfLoop = false;
  private used = new Set<number>();
  private dirty = new Set<number>();

  // the block's planned access groups: per instruction, its group (or undefined)
  private plan: (AccessGroup | undefined)[] = [];
  private groupTemps = 0;

  constructor(
    readonly env: CompileEnv,
    readonly pages: readonly CodePage[],
    readonly labels: Int16Array[],
    readonly grouping: boolean,
  ) {}

  /** pc of entry idx of the current block's page */
  private pc(idx: number): number {
    return this.pages[this.page]!.pageVA + idx * 2;
  }

  /** x register i as a source: its locals (x0 reads as the literal 0). */
  private src(i: number): void {
    if (i !== 0) this.used.add(i);
  }

  /** x register i as a destination; false for the sink (the result is dropped). */
  private dst(i: number): boolean {
    if (i === 0 || i === X_SINK) return false;
    this.used.add(i);
    this.dirty.add(i);
    return true;
  }

  /** Store the registers written since the last flush. */
  private flush(): string {
    const out = [...this.dirty]
      .sort((x, y) => x - y)
      .map((i) => `r[${2 * i}] = xl${i}; r[${2 * i + 1}] = xh${i};`)
      .join(" ");
    this.dirty.clear();
    return out;
  }

  /**
   * Leave before instruction k of the block (k instructions retired) for the interpreter to run
   * it. Registers must be flushed. Only a constant is returned: this path is rarely taken.
   */
  private sideExit(k: number, idx: number): string {
    this.exitPc.push(this.pc(idx));
    this.exitRetired.push(k);
    this.exitFired.push(this.fired ? 1 : 0);
    return `return ${-this.exitPc.length};`;
  }

  /** Continue at entry idx of this page (or past it): this block again, another block of the region, or out. */
  private goto(idx: number): string {
    if (idx === this.start && this.selfLoop) return "continue blk;";
    const pc = this.pc(idx);
    const k = locate(this.pages, pc);
    if (k >= 0) {
      const p = Math.floor(k / CODE_ENTRIES);
      const l = this.labels[p]![k - p * CODE_ENTRIES]!;
      if (l >= 0) return `L = ${l}; continue loop;`;
    }
    return `npc = ${pc}; break loop;`;
  }

  block(b: Block, label: number): string {
    this.len = b.insns.length;
    this.totalInsns += this.len;
    this.page = b.page;
    this.start = b.start;
    this.used = new Set();
    this.dirty = new Set();
    const last = b.insns[b.insns.length - 1]!;
    const lastOp = opOf(last.w0);
    this.selfLoop =
      b.end === End.TERM &&
      (KIND[lastOp] === Kind.JAL || KIND[lastOp] === Kind.BRANCH) &&
      last.idx + (last.imm >> 1) === b.start;
    // an EBREAK ends its block without retiring, but the interpreter too needs budget to reach it
    const retire = isBreakpoint(lastOp) && b.end === End.TERM ? this.len - 1 : this.len;
    this.retire = retire;
    this.plan = this.grouping ? planAccesses(b.insns) : [];
    for (const g of this.plan) if (g !== undefined) this.groupTemps = Math.max(this.groupTemps, g.temp + 1);
    let body = b.insns
      .map((ins, k) => {
        this.fired = false;
        const call = ins.probe ? this.probe(ins, k) : "";
        this.fired = ins.probe;
        const code = call + this.insn(ins, k);
        this.fired = false;
        return code;
      })
      .join("\n");
    if (b.end === End.FALL) body += `\n${this.flush()}\n${this.goto(b.next)}`;
    else if (b.end === End.RARE)
      body += `\n${this.flush()}\nnpc = ${this.pc(b.next)}; kind = ${Exit.RARE}; break loop;`;
    for (const i of this.used) this.allRegs.add(i);
    const head = `if (left < ${this.len}) { npc = ${this.pc(b.start)}; break loop; }
mark[0] = left; left -= ${retire};`;
    return `case ${label}: {
${this.selfLoop ? `blk: for (;;) {\n${head}\n${body}\n}` : `${head}\n${body}`}
}
`;
  }

  wrap(cases: string): string {
    const fpus = [...this.fpuOps].map((op, i) => `const fpu${op} = ENV.fpu[${i}];`).join("\n");
    const mem = this.usesMemory ? "const TB = cx.tlb;" : "";
    return `"use strict";
const view = ENV.view;
${JS_RUNTIME_PRELUDE}
const LABS = ENV.labels, PAGES = [${this.pages.map((pg) => pg.pageVA).join(", ")}];
// the label of the block at npc, -1 for none (one loop, so its feedback is complete once it found one)
function labelOf(npc) {
  for (let i = 0; i < PAGES.length; i++) {
    const o = npc - PAGES[i];
    if (o >= 0 && o < ${PAGE_SIZE}) return LABS[i][o >> 1];
  }
  return -1;
}
${fpus}
${this.sites.map((_, i) => `const S${i} = ENV.sites[${i}];`).join(" ")}
${this.usesProbes ? this.pages.map((_, i) => `const PG${i} = ENV.pages[${i}];`).join(" ") : ""}
return function region_${Math.floor(this.pages[0]!.pageVA / PAGE_SIZE).toString(16)}_${this.totalInsns}(cx, L, left) {
const r = cx.r, mark = cx.mark;
${this.usesProbes ? "const probe = cx.probe, left0 = left;" : ""}
${this.usesFd ? "const fd = cx.fd;" : ""}
${mem}
let kind = 0, npc = 0;
// one set of locals for all blocks: V8 sizes every deoptimization point by the function's locals
let s = 0, t = 0, u = 0, sh = 0, al = 0, ah = 0, vp = 0, ti = 0, p = 0, o = 0, rm = 0, fl = 0, d = 0;
${Array.from({ length: this.groupTemps }, (_, i) => `let g${i} = 0;`).join(" ")}
// The x registers the blocks use, loaded once: blocks store what they write before anything can
// leave the function or read the state buffer, and reload what a helper writes there (fpu), so the
// locals stay current from block to block.
${[...this.allRegs]
  .sort((x, y) => x - y)
  .map((i) => `let xl${i} = r[${2 * i}], xh${i} = r[${2 * i + 1}];`)
  .join(" ")}
loop: for (;;) {
switch (L) {
${cases}default: throw new Error("no block " + L);
}
}
r[${PC}] = npc | 0;
r[${PC + 1}] = Math.floor(npc / ${TWO32}) | 0;
mark[0] = left;
return kind;
};`;
  }

  private insn(ins: Insn, k: number): string {
    const w0 = ins.w0;
    const op = opOf(w0);
    const rd = rdOf(w0);
    const a = rs1Of(w0);
    const b = rs2Of(w0);
    const imm = ins.imm | 0;
    const len = lenOf(w0);
    const next = ins.idx + len / 2;
    const pc = this.pc(ins.idx);
    const sem = SEMANTICS_BY_OP[op]!;
    switch (KIND[op]) {
      case Kind.FPU:
        return this.fpu(ins, k, op, rd, a);
      case Kind.JAL: {
        const link = this.dst(rd)
          ? `xl${rd} = ${(pc + len) | 0}; xh${rd} = ${Math.floor((pc + len) / TWO32) | 0}; `
          : "";
        return `${link}${this.flush()}\n${this.goto(ins.idx + (imm >> 1))}`;
      }
      case Kind.JALR: {
        if (sem.kind !== "jump") break;
        // the target is computed before rd is written (rd may be rs1); a target in one of the
        // region's pages continues at its label, found by one shared loop (labelOf) so that no
        // path is taken only by some targets: V8 deoptimizes code reaching an operation it never ran
        const low = this.lowering(sem.target, a, b, imm, pc, len);
        const t = low.valueBound(sem.target);
        const link = this.dst(rd)
          ? `xl${rd} = ${(pc + len) | 0}; xh${rd} = ${Math.floor((pc + len) / TWO32) | 0}; `
          : "";
        return `{ ${low.code()} d = ${word(t.hi)} * ${TWO32} + (${word(t.lo)} >>> 0); } ${link}${this.flush()}
npc = d;
L = labelOf(npc);
if (L >= 0) continue loop;
break loop;`;
      }
      case Kind.BRANCH: {
        if (sem.kind !== "branch") break;
        const low = this.lowering(sem.cond, a, b, imm, pc, len);
        const cond = low.cond(sem.cond);
        return `${this.flush()}\n{ ${low.code()} if (${word(cond)}) { ${this.goto(ins.idx + (imm >> 1))} } }\n${this.goto(next)}`;
      }
      case Kind.TRAP: {
        const exit = sem.kind === "trap" && sem.cause === Cause.BREAKPOINT ? Exit.EBREAK : Exit.ECALL;
        return `${this.flush()}\nnpc = ${pc}; kind = ${exit}; break loop;`;
      }
    }
    switch (sem.kind) {
      case "csr": {
        // only the fp CSRs get here (inlineCsr): their access from csr.ts's description
        const def = CSRS.get(imm & 0xfff);
        if (def?.kind !== "fp") break;
        const src = sem.immediate ? c(a) : RS1;
        const access = fpCsrAccess(def, sem.how, src);
        const low = this.lowering(access.fcsr, a, b, imm, pc, len);
        const old = low.valueBound(access.old);
        const fcsr = low.valueBound(access.fcsr);
        const set = this.dst(rd) ? ` xl${rd} = ${word(old.lo)}; xh${rd} = ${word(old.hi)};` : "";
        return `{ ${low.code()} r[${FCSR}] = ${word(fcsr.lo)};${set} }`;
      }
      case "fence":
        // Stores to code run in the interpreter, which drops the decoded instructions (and so the
        // regions) they overwrite: nothing is stale at a fence.
        return "";
      case "load":
        return this.load(op, k, ins.idx, rd, a, imm, sem.signed, sem.fp);
      case "store":
        return this.store(op, k, ins.idx, a, b, imm, sem.fp);
      case "write": {
        const low = this.lowering(sem.value, a, b, imm, pc, len);
        if (!this.dst(rd)) return "";
        const v = low.valueBound(sem.value);
        return `{ ${low.code()} xl${rd} = ${word(v.lo)}; xh${rd} = ${word(v.hi)}; }`;
      }
    }
    throw new Error(`block compiler: no code for op ${op}`);
  }

  /**
   * The call of a probe before instruction k: registers stored (the hook sees them exact), the count
   * exact — instructions of earlier blocks of this call (left0 - mark[0]) and of this block before k.
   */
  private probe(ins: Insn, k: number): string {
    this.usesProbes = true;
    const pc = this.pc(ins.idx);
    const site = this.sites.push(this.env.site?.(pc) ?? null) - 1;
    // One exit for both ways out, the probe counted as fired: after a hook threw (the hart keeps
    // the pc not to fire again), or when a hook placed or removed probes (or, in a test, dropped
    // decoded code): this code is stale then, and the interpreter runs on from the instruction.
    this.fired = true;
    const stale = this.pages
      .map((pg, i) => ` || PG${i}[${CODE_VERSION}] !== ${pg.page[CODE_VERSION]}`)
      .join("");
    // left was lowered by `retire` at the block's start: left0 - left - retire + k retired before k
    const exit = `${this.flush()}\nif (!probe(${pc}, left0 - left - ${this.retire - k}, S${site})${stale}) ${this.sideExit(k, ins.idx)}\n`;
    this.fired = false;
    return exit;
  }

  /** A lowering of one instruction's expression, its source registers marked used. */
  private lowering(e: Expr, a: number, b: number, imm: number, pc: number, len: number): JsLowering {
    const uses = new Set<string>();
    leaves(e, uses);
    if (uses.has("rs1")) this.src(a);
    if (uses.has("rs2")) this.src(b);
    const reg = (i: number): Pair => (i === 0 ? { lo: 0, hi: 0 } : { lo: `xl${i}`, hi: `xh${i}` });
    const binding: Binding = {
      rs1: reg(a),
      rs2: reg(b),
      imm: { lo: imm, hi: imm >> 31 },
      pc: { lo: pc | 0, hi: Math.floor(pc / TWO32) | 0 },
      next: { lo: (pc + len) | 0, hi: Math.floor((pc + len) / TWO32) | 0 },
      fcsr: { lo: `r[${FCSR}]`, hi: 0 },
    };
    return new JsLowering(binding);
  }

  /** rs1 + imm as (al, ah) int32 words, exactly as the interpreter's loadAddress/storeAddress. */
  private address(a: number, imm: number): string {
    this.src(a);
    if (a === 0) return `al = ${imm}; ah = ${imm >> 31};`;
    if (imm === 0) return `al = xl${a}; ah = xh${a};`;
    return `al = (xl${a} + ${imm}) | 0; ah = (xh${a}${imm < 0 ? " - 1" : ""} + ${carry(`xl${a}`, String(imm), "al")}) | 0;`;
  }

  private tlbCheck(tag: "r" | "w", size: number): string {
    const fits = size > 1 ? ` && (al & ${PAGE_SIZE - 1}) <= ${PAGE_SIZE - size}` : "";
    const [t, h] = tag === "r" ? [R_TAG, R_HI] : [W_TAG, W_HI];
    return `vp = al >>> 12; ti = (vp & ${this.env.tlbMask ?? JIT_TLB_MASK}) << ${Math.log2(ENTRY_WORDS)};
if (TB[ti + ${t}] === vp && TB[ti + ${h}] === ah${fits})`;
  }

  private load(
    op: number,
    k: number,
    idx: number,
    rd: number,
    a: number,
    imm: number,
    signed: boolean,
    fp: boolean,
  ): string {
    this.usesMemory = true;
    const size = sizeOf(op);
    // (before the destination is marked written: the flush stores what was written earlier)
    const where = this.groupAccess(k, idx, a, imm);
    const flush = where === undefined ? this.flush() : "";
    const { code, value } = loadWords(size, signed, fp, "p", "v");
    let read: string;
    if (fp) read = `r[${F + 2 * rd}] = ${word(value.lo)}; r[${F + 2 * rd + 1}] = ${word(value.hi)};`;
    else if (!this.dst(rd)) read = "";
    else read = `{ ${code} xl${rd} = ${word(value.lo)}; xh${rd} = ${word(value.hi)}; }`;
    if (fp) read = `{ ${code} ${read} }`;
    if (where !== undefined) return `${where}\n${read}`;
    return `${flush}
${this.address(a, imm)}
${this.tlbCheck("r", size)} p = (TB[ti + ${R_BASE}] + (al & ${PAGE_SIZE - 1})) >>> 0;
else ${this.sideExit(k, idx)}
${read}`;
  }

  /**
   * For an access of a group: the code that sets p (the group's check first, at its head);
   * undefined for an access checked on its own.
   */
  private groupAccess(k: number, idx: number, a: number, imm: number): string | undefined {
    const g = this.plan[k];
    if (g === undefined) return undefined;
    this.src(a);
    const at = `p = g${g.temp}${imm - g.minOff !== 0 ? ` + ${imm - g.minOff}` : ""};`;
    if (g.head !== k) return at;
    // One check for all: the span of the group's accesses lies in one page, with read and/or
    // write entries as its accesses need (a write entry is never made for a page holding code).
    const flush = this.flush();
    const tags: string[] = [];
    if (g.load) tags.push(`TB[ti + ${R_TAG}] === vp && TB[ti + ${R_HI}] === ah`);
    if (g.store) tags.push(`TB[ti + ${W_TAG}] === vp && TB[ti + ${W_HI}] === ah`);
    return `${flush}
${this.address(a, g.minOff)}
vp = al >>> 12; ti = (vp & ${this.env.tlbMask ?? JIT_TLB_MASK}) << ${Math.log2(ENTRY_WORDS)};
if (${tags.join(" && ")} && (al & ${PAGE_SIZE - 1}) <= ${PAGE_SIZE - g.span}) g${g.temp} = (TB[ti + ${g.store ? W_BASE : R_BASE}] + (al & ${PAGE_SIZE - 1})) >>> 0;
else ${this.sideExit(k, idx)}
${at}`;
  }

  private store(op: number, k: number, idx: number, a: number, b: number, imm: number, fp: boolean): string {
    this.usesMemory = true;
    const size = sizeOf(op);
    const where = this.groupAccess(k, idx, a, imm);
    let value: Pair;
    if (fp) value = { lo: `r[${F + 2 * b}]`, hi: `r[${F + 2 * b + 1}]` };
    else {
      this.src(b);
      value = { lo: lo(b), hi: hi(b) };
    }
    const write = storeText(size, "p", value);
    if (where !== undefined) return `${where}\n${write}`;
    // Stores to pages holding code never hit (they get no write TLB entry): the interpreter runs
    // them and drops the decoded instructions they overwrite, and with them this region.
    const flush = this.flush();
    return `${flush}
${this.address(a, imm)}
${this.tlbCheck("w", size)} p = (TB[ti + ${W_BASE}] + (al & ${PAGE_SIZE - 1})) >>> 0;
else ${this.sideExit(k, idx)}
${write}`;
  }

  private fpu(ins: Insn, k: number, op: number, rd: number, a: number): string {
    this.fpuOps.add(op);
    this.usesFd = true;
    // The fpu reads and writes x registers in the state buffer: store the locals before the call
    // and reload a destination after it.
    if (rs1Kind(op) === KIND_X) this.src(a);
    let s = this.flush();
    let rm = String(ins.rm & 7);
    if ((ins.rm & 7) === 7) {
      s += `\nrm = r[${FCSR}] >>> 5; if (rm > 4) ${this.sideExit(k, ins.idx)}`;
      rm = "rm";
    }
    const w0 = ins.w0;
    s += `\nfl = fpu${op}(r, fd, ${rd}, ${rs1Of(w0)}, ${rs2Of(w0)}, ${rs3Of(w0)}, ${rm}); if (fl !== 0) r[${FCSR}] |= fl;`;
    if (INT_RD[op] === 1 && rd !== 0 && rd !== X_SINK) {
      this.used.add(rd);
      s += ` xl${rd} = r[${2 * rd}]; xh${rd} = r[${2 * rd + 1}];`;
    }
    return s;
  }
}

/** Accesses of a block through one base register, checked once (at `head`) for all. */
export interface AccessGroup {
  head: number;
  /** smallest offset, bytes from it to the end of the farthest access */
  minOff: number;
  span: number;
  load: boolean;
  store: boolean;
  /** the local (gN) holding the host offset of base + minOff */
  temp: number;
}

/** Bytes a group may span: more would make its one check fail near page ends more often. */
const MAX_GROUP_SPAN = 512;
const MAX_GROUP_TEMPS = 8;

/**
 * Group the loads (and, apart, the stores) of a block that use the same base register, with no
 * write to it in between: their addresses differ by constants, so one TLB check covers them all if their span
 * lies in one page. (Translations cannot change within a block: nothing in it maps memory.)
 */
export function planAccesses(insns: readonly Insn[]): (AccessGroup | undefined)[] {
  const plan: (AccessGroup | undefined)[] = new Array(insns.length).fill(undefined);
  const members = new Map<AccessGroup, number[]>();
  const open = new Map<number, AccessGroup>();
  insns.forEach((ins, k) => {
    const op = opOf(ins.w0);
    const size = sizeOf(op);
    const base = rs1Of(ins.w0);
    if (size !== 0 && base !== 0) {
      const off = ins.imm | 0;
      const store = isStore(op);
      // loads and stores group apart: a miss at a group's head fills the one entry its own
      // access needs (tlb.ts fill), which must then serve the whole group
      const at = base * 2 + (store ? 1 : 0);
      let g = open.get(at);
      if (g !== undefined) {
        const min = Math.min(g.minOff, off);
        const end = Math.max(g.minOff + g.span, off + size);
        if (end - min > MAX_GROUP_SPAN) g = undefined;
        else {
          g.minOff = min;
          g.span = end - min;
        }
      }
      if (g === undefined) {
        g = { head: k, minOff: off, span: size, load: !store, store, temp: -1 };
        open.set(at, g);
        members.set(g, []);
      }
      members.get(g)!.push(k);
      plan[k] = g;
    }
    // a write to a register ends the group using it as a base
    const rd = rdOf(ins.w0);
    if (INT_RD[op] === 1) {
      open.delete(rd * 2);
      open.delete(rd * 2 + 1);
    }
  });
  // groups of one are checked on their own; the others get a local while they are in use
  const busy: number[] = [];
  for (const [g, ks] of members) {
    const last = ks[ks.length - 1]!;
    if (ks.length < 2) {
      plan[ks[0]!] = undefined;
      continue;
    }
    let temp = busy.findIndex((until) => until < g.head);
    if (temp < 0 && busy.length < MAX_GROUP_TEMPS) temp = busy.length;
    if (temp < 0) {
      for (const k of ks) plan[k] = undefined;
      continue;
    }
    busy[temp] = last;
    g.temp = temp;
  }
  return plan;
}

// Carry out of bit 31 of t = s + u, without a branch: a
// conditional would split the block in V8's graph, which costs compile time and mispredictions.
function carry(s: string, u: string, t: string): string {
  return `(((${s} & ${u}) | ((${s} | ${u}) & ~${t})) >>> 31)`;
}

/** The leaves an expression reads. */
function leaves(e: Expr, out: Set<string>): void {
  switch (e.k) {
    case "leaf":
      out.add(e.leaf);
      return;
    case "const":
      return;
    case "un":
      leaves(e.a, out);
      return;
    case "sel":
      leaves(e.c, out);
      leaves(e.a, out);
      leaves(e.b, out);
      return;
    default:
      leaves(e.a, out);
      leaves(e.b, out);
  }
}
