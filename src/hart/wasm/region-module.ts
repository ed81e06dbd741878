// WebAssembly for one region (the blocks region.ts found), with the exit protocol of
// jit/region-code.ts (Exit, side-exit tables) that hart-jit.ts's run loop, tiering and
// probes drive.
//
// The module imports guest RAM's memory and exports run(area, label, left) -> (exit code, pc,
// budget left), which the runtime's `enter` calls (runtime.ts); `area` is the running hart's area
// (layout.ts), so every hart on the memory shares the code. Blocks are the arms of a br_table inside
// one loop: a jump back to a block of the region is `L := n; br loop`, a jump forward a branch to
// its arm, and a block whose successor comes next in the table falls into it; a branch back makes
// the blocks it spans a wasm loop of their own (loops.ts), inside the dispatch loop. The x
// registers the region uses live in i64 locals, the f registers in f64 locals (fp-inline.ts),
// loaded once at entry; every way out (side exits, jumps out, ecall) goes through one epilogue that
// stores the registers the region writes — so the hot path never stores a register, and the state
// is exact whenever JavaScript can see it (before a probe's call or an fpu call the locals they
// read are stored first).
//
// Loads and stores check the data TLB in the area (tlb.ts entries, WASM_TLB_SIZE of them) inline:
// page and the access in it, one i64 compare per entry; a miss is a side exit, and the interpreter
// runs the instruction with its fault if it has one. F/D arithmetic is inline (fp-inline.ts) where
// the fpu functions' double fast paths apply, else a call of the fpu function (an import), which
// works on the state where it lies; FP loads and stores are inline.

import { KIND_X, rs1Kind } from "../../isa/classes.js";
import { CSRS, fpCsrAccess } from "../csr.js";
import { CODE_VERSION, lenOf, opOf, rdOf, rs1Of, rs2Of, rs3Of } from "../decoded.js";
import type { FpuOp } from "../fpu/index.js";
import { c, type Expr, RS1 } from "../ir.js";

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
  key,
  locate,
} from "../jit/region.js";
import { type AccessGroup, Exit, planAccesses, type RegionCode } from "../jit/region-code.js";
import { R_BASE, R_TAG, W_BASE, W_TAG } from "../jit/tlb.js";
import { PAGE_SIZE } from "../page.js";
import type { ProbeSite } from "../probe-sink.js";
import { ACCESS_SIZE, SEMANTICS_BY_OP } from "../semantics-by-op.js";
import { FCSR, RES, RES_VALID, X_SINK } from "../state.js";
import { Cause } from "../stop.js";
import { F64, type FunctionBody, I32, I64, ModuleBuilder, Op } from "./encoder.js";
import { emitCondition, emitValue, type WasmBinding } from "./expr.js";
import { FpInline } from "./fp-inline.js";
import { ENTRY_BYTES, ENTRY_LEFT_AT, STATE_AT, TLB_AT, WASM_TLB_MASK } from "./layout.js";
import { type LoopScope, loopScopes } from "./loops.js";
import { OUT_OF_BUDGET, RUN_PARAMS, RUN_RESULTS, type WasmRuntime } from "./runtime.js";

export interface WasmCompileEnv {
  rt: WasmRuntime;
  /** the hooks of a probed pc, held by the code that fires them (undefined: look them up per firing) */
  site?: (pc: number) => ProbeSite | undefined;
}

/**
 * A scope of loops.ts being generated: the depth of its wasm loop; by label, the depth of the wasm
 * block whose end starts the item holding it, and whether that item is a loop (entered by L).
 */
interface OpenScope {
  lo: number;
  hi: number;
  loop: number;
  wrap: Int32Array;
  inLoop: Uint8Array;
}

const TWO32 = 4294967296;
const ENTRY_SHIFT = Math.log2(ENTRY_BYTES);
const sizeOf = (op: number): number => Math.abs(ACCESS_SIZE[op]!);

// the function's parameters
const ST = 0;
const LBL = 1;
const LEFT = 2;

/** Byte offset of state word w in the area. */
const word = (w: number): number => STATE_AT + 4 * w;
const xAt = (i: number): number => word(2 * i);

/**
 * Compile `blocks` (of `pages`) to a WebAssembly module and instantiate it into a slot of the
 * runtime's table (entered through its `enter`, region-code.ts's exit protocol). Throws when the
 * host refuses the module (a bug: the caller reports it).
 */
export function compileWasmRegion(
  env: WasmCompileEnv,
  pages: readonly CodePage[],
  blocks: Block[],
  grouping = true,
): RegionCode {
  const sorted = blocks.slice().sort((a, b) => a.page - b.page || a.start - b.start);
  const labels = new Map<number, number>();
  const lens = new Int32Array(sorted.length);
  sorted.forEach((b, i) => {
    labels.set(key(b.page, b.start), i);
    lens[i] = b.insns.length;
  });
  const rt = env.rt;
  const slot = rt.reserve();
  const g = new WasmGen(env, pages, labels, grouping);
  let bytes: Uint8Array;
  try {
    bytes = g.module(sorted);
  } catch (e) {
    rt.release(slot);
    throw e;
  }
  const fpus = g.fpuOps.map((op) => FPU_FN[op]!);
  const versions = pages.map((pg) => pg.page[CODE_VERSION]!);
  const current = (): boolean => {
    for (let i = 0; i < pages.length; i++) if (pages[i]!.page[CODE_VERSION] !== versions[i]) return false;
    return true;
  };
  const sites = g.sites;
  const imports: Record<string, WebAssembly.ImportValue> = { m: rt.memory };
  // a probe's call: false (0) when a hook threw, or when the region went stale meanwhile (a hook
  // placed or removed probes): it leaves before the instruction, counted as fired
  imports.probe = (pc: number, retired: number, site: number): number =>
    rt.cx!.probe(pc, retired, sites[site]!) && current() ? 1 : 0;
  fpus.forEach((fn: FpuOp, i) => {
    imports[`f${i}`] = (rd: number, a: number, b: number, c3: number, rm: number): number =>
      fn(rt.cx!.r, rt.cx!.fd, rd, a, b, c3, rm);
  });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
    e: imports,
  });
  rt.set(slot, instance.exports.run);
  return {
    labels,
    lens,
    exitPc: Float64Array.from(g.exitPc),
    exitRetired: Int32Array.from(g.exitRetired),
    exitFired: Uint8Array.from(g.exitFired),
    bytes: bytes.length,
    release: () => rt.release(slot),
    slot,
  };
}

class WasmGen {
  readonly fpuOps: number[] = [];
  readonly exitPc: number[] = [];
  readonly exitRetired: number[] = [];
  readonly exitFired: number[] = [];
  readonly sites: (ProbeSite | null)[] = [];
  private f!: FunctionBody;
  /** absolute block depths of the dispatch loop and of the block the epilogue follows */
  private loopDepth = 0;
  private outDepth = 0;
  // locals
  private code = 0;
  private npc = 0;
  private bl = 0;
  private addr = 0;
  private ai = 0;
  private ent = 0;
  private tmp = 0;
  private fl = 0;
  private rm = 0;
  private old = 0;
  /** x register -> its i64 local */
  private readonly xl = new Map<number, number>();
  /** x registers some instruction of the region writes (the epilogue stores them) */
  private readonly written = new Set<number>();
  private probeFn = -1;
  /** the block's access groups (planAccesses), and the i32 locals holding their host offsets */
  private plan: (AccessGroup | undefined)[] = [];
  private readonly groupLocals: number[] = [];
  /** some block ends in a JALR: the loop head looks its target up */
  private hasJalr = false;
  private readonly fpuFn = new Map<number, number>();
  /** F/D arithmetic inline (fp-inline.ts), with the fpu import as its exact path */
  private fp!: FpInline;
  // the block being generated
  private page = 0;
  private start = 0;
  /** its label, the depth of its own loop (-1: none) */
  private label = 0;
  private selfDepth = 0;
  /** the loops (loops.ts) being generated, the dispatch loop first */
  private readonly open: OpenScope[] = [];
  /** by label, the label its last instruction's branch or jump targets in the region (-1: none) */
  private target = new Int32Array(0);
  private retire = 0;
  private fired = false;

  constructor(
    readonly env: WasmCompileEnv,
    readonly pages: readonly CodePage[],
    readonly labels: ReadonlyMap<number, number>,
    readonly grouping: boolean,
  ) {}

  private pc(idx: number): number {
    return this.pages[this.page]!.pageVA + idx * 2;
  }

  module(sorted: Block[]): Uint8Array {
    const m = new ModuleBuilder();
    const runType = m.type(RUN_PARAMS, RUN_RESULTS);
    // registers and imports are found first, so that locals and function indices are known
    const regs = new Set<number>();
    let probes = false;
    for (const b of sorted)
      for (const ins of b.insns) {
        probes ||= ins.probe;
        this.hasJalr ||= KIND[opOf(ins.w0)] === Kind.JALR;
        this.scanRegs(ins, regs);
        const op = opOf(ins.w0);
        if (KIND[op] === Kind.FPU && !this.fpuFn.has(op)) this.fpuFn.set(op, -1);
      }
    m.importMemory("e", "m", 1);
    if (probes) this.probeFn = m.importFunction("e", "probe", m.type([F64, I32, I32], [I32]));
    const fpuType = m.type([I32, I32, I32, I32, I32], [I32]);
    for (const op of this.fpuFn.keys()) {
      this.fpuFn.set(op, m.importFunction("e", `f${this.fpuOps.length}`, fpuType));
      this.fpuOps.push(op);
    }
    const f = m.body(runType);
    this.f = f;
    this.code = f.addLocal(I32);
    this.npc = f.addLocal(I64);
    this.bl = f.addLocal(I32);
    this.addr = f.addLocal(I64);
    this.ai = f.addLocal(I32);
    this.ent = f.addLocal(I32);
    this.tmp = f.addLocal(I64);
    this.fl = f.addLocal(I32);
    this.rm = f.addLocal(I32);
    this.old = f.addLocal(I64);
    for (const i of [...regs].sort((x, y) => x - y)) this.xl.set(i, f.addLocal(I64));
    this.fp = new FpInline(f, { st: ST, getX: (i) => this.getX(i), dstX: (rd) => this.dst(rd) }, sorted);
    // prologue: the registers into locals
    for (const [i, l] of this.xl) f.localGet(ST).i64Load(xAt(i)).localSet(l);
    this.fp.prologue();
    f.block();
    this.outDepth = f.depth;
    f.loop();
    this.loopDepth = f.depth;
    if (this.hasJalr) this.lookup(sorted);
    this.scope(this.loops(sorted), sorted, true);
    // the last block always leaves or jumps: nothing falls out of the loop
    f.unreachable();
    f.end(); // loop
    f.end(); // out
    // epilogue: the registers written; then the exit code, pc and the budget left for the
    // runtime's `enter` (which chains a jump to the next region, or stores them for the run loop)
    for (const i of [...this.written].sort((x, y) => x - y))
      f.localGet(ST).localGet(this.xl.get(i)!).i64Store(xAt(i));
    this.fp.storeWritten();
    f.localGet(this.code).localGet(this.npc);
    // a side exit (code < 0) or a leave for want of budget (OUT_OF_BUDGET, above every Exit code:
    // one unsigned compare takes both) leaves the budget as at its block's start; a side exit's pc
    // is the run loop's (exitPc), so npc is not set for it
    f.localGet(this.bl).localGet(LEFT).localGet(this.code).i32Const(OUT_OF_BUDGET).op(Op.i32_ge_u).select();
    const run = m.addFunction(runType, f);
    m.exportFunction("run", run);
    return m.bytes();
  }

  /**
   * The region's loops (loops.ts), from its blocks' jumps and branches back to earlier blocks; sets
   * `target`.
   */
  private loops(sorted: Block[]): LoopScope {
    const edges: [number, number][] = [];
    const indirect: boolean[] = [];
    this.target = new Int32Array(sorted.length).fill(-1);
    sorted.forEach((b, from) => {
      const last = b.insns[b.insns.length - 1]!;
      const kind = KIND[opOf(last.w0)];
      indirect.push(kind === Kind.JALR);
      if (kind !== Kind.BRANCH && kind !== Kind.JAL) return;
      const k = locate(this.pages, this.pages[b.page]!.pageVA + 2 * last.idx + (last.imm | 0));
      const to = k < 0 ? -1 : (this.labels.get(k) ?? -1);
      this.target[from] = to;
      if (to >= 0 && to < from) edges.push([to, from]);
    });
    return loopScopes(sorted.length, edges, indirect);
  }

  /**
   * The items of scope s (its blocks, and the loops right inside it), each after the end of a wasm
   * block that the scope's dispatch, or a jump forward, leaves to reach it. The dispatch of the
   * root (the region's dispatch loop) leads to every item by L; a loop's own falls into its head
   * when L is the head, else leads to the item holding block L.
   */
  private scope(s: LoopScope, sorted: Block[], root: boolean): void {
    const f = this.f;
    const firsts: number[] = [];
    const inner = new Map<number, LoopScope>();
    for (let l = s.lo, c = 0; l <= s.hi; ) {
      firsts.push(l);
      const child = s.children[c];
      if (child?.lo === l) {
        inner.set(l, child);
        c++;
        l = child.hi + 1;
      } else l++;
    }
    const size = s.hi - s.lo + 1;
    const open: OpenScope = {
      lo: s.lo,
      hi: s.hi,
      loop: f.depth,
      wrap: new Int32Array(size),
      inLoop: new Uint8Array(size),
    };
    const from = root ? 0 : 1;
    const m = firsts.length;
    for (let k = m - 1; k >= from; k--) {
      f.block();
      const end = k + 1 < m ? firsts[k + 1]! : s.hi + 1;
      for (let l = firsts[k]!; l < end; l++) {
        open.wrap[l - s.lo] = f.depth;
        open.inLoop[l - s.lo] = inner.has(firsts[k]!) ? 1 : 0;
      }
    }
    const depths = (lo: number) =>
      Array.from({ length: s.hi - lo + 1 }, (_, i) => f.depth - open.wrap[lo - s.lo + i]!);
    if (root) f.localGet(LBL).brTable(depths(s.lo), 0);
    else if (m > 1) {
      f.localGet(LBL).i32Const(s.lo).op(Op.i32_ne).if_();
      f.localGet(LBL)
        .i32Const(s.lo + 1)
        .i32Sub();
      const d = depths(s.lo + 1);
      f.brTable(d, d[d.length - 1]!);
      f.end();
    }
    this.open.push(open);
    for (let k = 0; k < m; k++) {
      if (k >= from) f.end();
      const l = firsts[k]!;
      const child = inner.get(l);
      if (child === undefined) this.block(sorted[l]!, l);
      else {
        f.loop();
        this.scope(child, sorted, false);
        f.end();
      }
    }
    this.open.pop();
  }

  /**
   * At the loop head, for L = -1 (after a JALR): the label of the block starting at npc, by a
   * binary search over the blocks' pcs (signed order, as pcs are numbers); none is a jump out.
   */
  private lookup(sorted: Block[]): void {
    const f = this.f;
    const starts = sorted
      .map((b, label) => ({ pc: this.pages[b.page]!.pageVA + 2 * b.start, label }))
      .sort((x, y) => x.pc - y.pc);
    const pcConst = (pc: number) => f.i64Const(pc | 0, Math.floor(pc / TWO32) | 0);
    const search = (lo: number, hi: number): void => {
      if (hi - lo <= 3) {
        for (let i = lo; i < hi; i++) {
          f.localGet(this.npc);
          pcConst(starts[i]!.pc);
          f.op(Op.i64_eq);
          f.i32Const(starts[i]!.label).localSet(LBL);
          this.branch(this.loopDepth, true);
        }
        return;
      }
      const mid = (lo + hi) >> 1;
      f.localGet(this.npc);
      pcConst(starts[mid]!.pc);
      f.op(Op.i64_lt_s).if_();
      search(lo, mid);
      f.else_();
      search(mid, hi);
      f.end();
    };
    f.localGet(LBL).i32Const(0).op(Op.i32_lt_s).if_();
    search(0, starts.length);
    f.i32Const(Exit.JUMP).localSet(this.code);
    f.br(f.depth - this.outDepth);
    f.end();
  }

  /** The x registers instruction `ins` reads or writes (a local each). */
  private scanRegs(ins: Insn, regs: Set<number>): void {
    const w0 = ins.w0;
    const op = opOf(w0);
    const add = (i: number) => {
      if (i !== 0 && i !== X_SINK) regs.add(i);
    };
    const kind = KIND[op];
    if (kind === Kind.FPU) {
      if (rs1Kind(op) === KIND_X) add(rs1Of(w0));
      if (INT_RD[op] === 1) add(rdOf(w0));
      return;
    }
    // (an immediate in the rs1 field or an f register in rs2 gets an unused local: harmless)
    add(rs1Of(w0));
    add(rs2Of(w0));
    if (INT_RD[op] === 1) add(rdOf(w0));
  }

  /** The local holding x register i as a destination; undefined for the sink (the value is dropped). */
  private dst(i: number): number | undefined {
    if (i === 0 || i === X_SINK) return undefined;
    this.written.add(i);
    return this.xl.get(i)!;
  }

  /** Push x register i (x0 reads as 0). */
  private getX(i: number): void {
    if (i === 0) this.f.i64Const(0);
    else this.f.localGet(this.xl.get(i)!);
  }

  /** Store the locals of registers written so far (JavaScript is about to read the state). */
  private storeWritten(): void {
    for (const i of this.written) this.f.localGet(ST).localGet(this.xl.get(i)!).i64Store(xAt(i));
    this.fp.storeWritten();
  }

  /**
   * Leave through the epilogue with exit code `code` and pc; `when`: only if the i32 on the stack
   * is nonzero (a br_if, with npc and the code set either way — see exitIf).
   */
  private leave(code: number, pc: number, when = false): void {
    const f = this.f;
    f.i64Const(pc | 0, Math.floor(pc / TWO32) | 0).localSet(this.npc);
    f.i32Const(code).localSet(this.code);
    this.branch(this.outDepth, when);
  }

  /** A br to absolute depth d, or (when) a br_if on the i32 on the stack. */
  private branch(d: number, when: boolean): void {
    const f = this.f;
    if (when) f.brIf(f.depth - d);
    else f.br(f.depth - d);
  }

  /**
   * Side exit before instruction k at entry idx, if the i32 on the stack is nonzero: the budget as
   * at the block's start. The shortest exit, as every load and store has one: the code is set above
   * the condition whether or not it is taken (no if/end), which is harmless as the code (like npc
   * and L) is read only after a branch out (or to the loop head), and every such branch sets it.
   */
  private exitIf(k: number, idx: number): void {
    this.exitPc.push(this.pc(idx));
    this.exitRetired.push(k);
    this.exitFired.push(this.fired ? 1 : 0);
    // (the epilogue restores the budget; the run loop sets pc)
    this.f.i32Const(-this.exitPc.length).localSet(this.code);
    this.branch(this.outDepth, true);
  }

  /**
   * Continue at entry idx of this page: a block of the region, or out. Within the region: this
   * block again through its own loop; a later block by a branch to the end of the wasm block before
   * its item (or by falling into it, at the end of the block before it); an earlier one through the
   * innermost loop holding both (scope). A loop's dispatch reads L: a way into one sets it.
   */
  private goto(idx: number, atEnd = false, when = false): void {
    const f = this.f;
    const pc = this.pc(idx);
    const k = locate(this.pages, pc);
    const l = k < 0 ? -1 : (this.labels.get(k) ?? -1);
    if (l < 0) {
      this.leave(Exit.JUMP, pc, when);
      return;
    }
    if (l === this.label && this.selfDepth >= 0) {
      this.branch(this.selfDepth, when);
      return;
    }
    let s = this.open[0]!;
    for (let i = this.open.length - 1; i > 0; i--)
      if (this.open[i]!.lo <= l && l <= this.open[i]!.hi) {
        s = this.open[i]!;
        break;
      }
    if (l > this.label) {
      if (s.inLoop[l - s.lo] === 1) f.i32Const(l).localSet(LBL);
      // (the next block's code, or the loop it heads, follows the end of this one's)
      if (!(l === this.label + 1 && atEnd)) this.branch(s.wrap[l - s.lo]!, when);
    } else {
      f.i32Const(l).localSet(LBL);
      this.branch(s.loop, when);
    }
  }

  private block(b: Block, label: number): void {
    const f = this.f;
    this.page = b.page;
    this.start = b.start;
    this.label = label;
    this.plan = this.grouping ? planAccesses(b.insns) : [];
    const len = b.insns.length;
    const last = b.insns[len - 1]!;
    const lastOp = opOf(last.w0);
    // a loop of its own only for a block that branches to itself: V8 gives every wasm loop a stack
    // check and phis, which cost every block's run and TurboFan's time
    const self = this.target[label] === label;
    if (self) f.loop();
    this.selfDepth = self ? f.depth : -1;
    // an EBREAK ends its block without retiring, but the interpreter too needs budget to reach it
    this.retire = isBreakpoint(lastOp) && b.end === End.TERM ? len - 1 : len;
    // the budget: the block runs whole or not at all. It is taken first (left < len as
    // left - retire < len - retire: the budget is far from the int32 limits), and a leave for want
    // of it stores bl, the budget before, as a side exit does
    f.localGet(LEFT).localTee(this.bl).i32Const(this.retire).i32Sub().localTee(LEFT);
    f.i32Const(len - this.retire).op(Op.i32_lt_s);
    this.leave(OUT_OF_BUDGET, this.pc(b.start), true);
    b.insns.forEach((ins, k) => {
      this.fired = false;
      if (ins.probe) this.probe(ins, k);
      this.fired = ins.probe;
      this.insn(ins, k);
      this.fired = false;
    });
    if (b.end === End.FALL) this.goto(b.next, true);
    else if (b.end === End.RARE) this.leave(Exit.RARE, this.pc(b.next));
    if (self) f.end();
  }

  private probe(ins: Insn, k: number): void {
    const f = this.f;
    const pc = this.pc(ins.idx);
    const site = this.sites.push(this.env.site?.(pc) ?? null) - 1;
    this.storeWritten();
    // instructions since the run loop entered compiled code (earlier regions of a chain, earlier
    // blocks of this call), and of this block before k
    f.f64Const(pc);
    f.localGet(ST)
      .i32Load(ENTRY_LEFT_AT)
      .localGet(LEFT)
      .i32Sub()
      .i32Const(this.retire - k)
      .i32Sub();
    f.i32Const(site).call(this.probeFn).i32Eqz();
    this.fired = true;
    this.exitIf(k, ins.idx);
    this.fired = false;
  }

  private binding(a: number, b: number, imm: number, pc: number, len: number): WasmBinding {
    const reg = (i: number) => (i === 0 ? -1 : this.xl.get(i)!);
    return {
      rs1: reg(a),
      rs2: reg(b),
      imm,
      pc,
      next: pc + len,
      fcsr: (f) => f.localGet(ST).i32Load(word(FCSR)).i64ExtendI32U(),
    };
  }

  private insn(ins: Insn, k: number): void {
    const f = this.f;
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
        this.fpu(ins, k, op, rd, a);
        return;
      case Kind.JAL: {
        const d = this.dst(rd);
        if (d !== undefined) f.i64Const((pc + len) | 0, Math.floor((pc + len) / TWO32) | 0).localSet(d);
        this.goto(ins.idx + (imm >> 1), true);
        return;
      }
      case Kind.JALR: {
        if (sem.kind !== "jump") break;
        // the target before rd is written (rd may be rs1)
        emitValue(f, sem.target, this.binding(a, b, imm, pc, len));
        f.localSet(this.tmp);
        const d = this.dst(rd);
        if (d !== undefined) f.i64Const((pc + len) | 0, Math.floor((pc + len) / TWO32) | 0).localSet(d);
        // to the loop head, which finds the block of the region starting at npc (or leaves)
        f.localGet(this.tmp).localSet(this.npc);
        f.i32Const(-1).localSet(LBL);
        f.br(f.depth - this.loopDepth);
        return;
      }
      case Kind.BRANCH: {
        if (sem.kind !== "branch") break;
        emitCondition(f, sem.cond, this.binding(a, b, imm, pc, len));
        this.goto(ins.idx + (imm >> 1), false, true);
        this.goto(next, true);
        return;
      }
      case Kind.TRAP: {
        const exit = sem.kind === "trap" && sem.cause === Cause.BREAKPOINT ? Exit.EBREAK : Exit.ECALL;
        this.leave(exit, pc);
        return;
      }
    }
    switch (sem.kind) {
      case "csr": {
        // only the fp CSRs get here (inlineCsr): their access from csr.ts's description
        const def = CSRS.get(imm & 0xfff);
        if (def?.kind !== "fp") break;
        const access = fpCsrAccess(def, sem.how, sem.immediate ? c(a) : RS1);
        this.fp.flushFlags();
        const bind = this.binding(a, b, imm, pc, len);
        emitValue(f, access.old, bind);
        f.localSet(this.tmp);
        f.localGet(ST);
        emitValue(f, access.fcsr, bind);
        f.i32WrapI64().i32Store(word(FCSR));
        const d = this.dst(rd);
        if (d !== undefined) f.localGet(this.tmp).localSet(d);
        return;
      }
      case "fence":
        // stores to code run in the interpreter (no write TLB entry): nothing is stale at a fence
        return;
      case "load":
        this.load(op, k, ins.idx, rd, a, imm, sem.signed, sem.fp);
        return;
      case "store":
        this.store(op, k, ins.idx, a, b, imm, sem.fp);
        return;
      case "write": {
        const d = this.dst(rd);
        if (d === undefined) return;
        emitValue(f, sem.value, this.binding(a, b, imm, pc, len));
        f.localSet(d);
        return;
      }
      case "lr":
        this.loadReserved(k, ins.idx, rd, a, sem.size);
        return;
      case "sc":
        this.storeConditional(k, ins.idx, rd, a, b, sem.size);
        return;
      case "amo":
        this.amo(k, ins.idx, rd, a, sem.size, sem.value, this.binding(a, b, imm, pc, len));
        return;
    }
    throw new Error(`wasm engine: no code for op ${op}`);
  }

  /**
   * Push the host offset of the access of `size` bytes at x[a] + imm through the TLB's read or
   * write entries; a miss, or an access running past its page, is a side exit. An access of a
   * group (planAccesses: one base register, no write to it between) uses the host offset its
   * group's head checked, for the span of all the group's accesses.
   */
  private hostAddress(write: boolean, size: number, k: number, idx: number, a: number, imm: number): void {
    const f = this.f;
    const g = this.plan[k];
    if (g !== undefined) {
      const local = this.groupLocal(g.temp);
      if (g.head === k) {
        const tags: number[] = [];
        if (g.load) tags.push(R_TAG);
        if (g.store) tags.push(W_TAG);
        this.translate(a, g.minOff, tags, g.store ? W_BASE : R_BASE, g.span, k, idx);
        f.localSet(local);
      }
      f.localGet(local);
      if (imm !== g.minOff) f.i32Const(imm - g.minOff).i32Add();
      return;
    }
    this.translate(a, imm, [write ? W_TAG : R_TAG], write ? W_BASE : R_BASE, size, k, idx);
  }

  private groupLocal(temp: number): number {
    while (this.groupLocals.length <= temp) this.groupLocals.push(this.f.addLocal(I32));
    return this.groupLocals[temp]!;
  }

  /**
   * Push the host offset of x[a] + imm when each of `tags` (R_TAG, W_TAG) of its entry is the page
   * (tlb.ts: a tag is its page's address) that holds `span` bytes from it: the address less the tag
   * is below PAGE_SIZE - span + 1, unsigned (an address below the tag makes a huge difference; a
   * span running past the page's end, even past 2^64, one above the bound). `aligned` (LR/SC/AMO,
   * span = their size): the address must also be a multiple of the span; the address with its page
   * offset cleared, and its low bits kept, must then equal the tag (whose low bits are zero; an
   * empty entry's tag is another entry's page). Otherwise a side exit before instruction k.
   */
  private translate(
    a: number,
    imm: number,
    tags: readonly number[],
    base: number,
    span: number,
    k: number,
    idx: number,
    aligned = false,
  ): void {
    const f = this.f;
    this.getX(a);
    if (imm !== 0) f.i64Const(imm).i64Add();
    // under the entry's address: the address, or (aligned) the address as masked for the compare
    f.localTee(this.addr);
    if (aligned) {
      f.i64Const(-PAGE_SIZE | (span - 1)).i64And();
      if (tags.length > 1) f.localTee(this.tmp);
    }
    // entry address: area + (vpn & mask) * ENTRY_BYTES, as one shift and one mask
    f.localGet(this.addr)
      .i32WrapI64()
      .i32Const(12 - ENTRY_SHIFT)
      .op(Op.i32_shr_u)
      .i32Const(WASM_TLB_MASK << ENTRY_SHIFT)
      .i32And();
    f.localGet(ST).i32Add().localTee(this.ent);
    tags.forEach((tag, i) => {
      if (i > 0) {
        if (aligned) f.localGet(this.tmp);
        else f.localGet(this.addr);
        f.localGet(this.ent);
      }
      f.i64Load(TLB_AT + 4 * tag);
      if (aligned) f.op(Op.i64_ne);
      else {
        f.i64Sub()
          .i64Const(PAGE_SIZE - span + 1)
          .op(Op.i64_ge_u);
      }
      if (i > 0) f.i32Or();
    });
    this.exitIf(k, idx);
    // host = base + the address's low word (tlb.ts: the base has the page's low word taken off)
    f.localGet(this.ent).i32Load(TLB_AT + 4 * base);
    f.localGet(this.addr).i32WrapI64().i32Add();
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
  ): void {
    const f = this.f;
    const size = sizeOf(op);
    if (fp) {
      // into the f register's local (fp-inline.ts); a single is NaN-boxed (Unprivileged ISA, "NaN
      // Boxing of Narrower Values")
      this.hostAddress(false, size, k, idx, a, imm);
      if (size === 8) f.i64Load(0, 0);
      else f.i64Load32U(0, 0).i64Const(0, -1).i64Or();
      this.fp.setFromBits(rd);
      return;
    }
    const d = this.dst(rd);
    this.hostAddress(false, size, k, idx, a, imm);
    switch (size) {
      case 1:
        if (signed) f.i64Load8S(0, 0);
        else f.i64Load8U(0, 0);
        break;
      case 2:
        if (signed) f.i64Load16S(0, 0);
        else f.i64Load16U(0, 0);
        break;
      case 4:
        if (signed) f.i64Load32S(0, 0);
        else f.i64Load32U(0, 0);
        break;
      default:
        f.i64Load(0, 0);
    }
    if (d === undefined) f.drop();
    else f.localSet(d);
  }

  private store(op: number, k: number, idx: number, a: number, b: number, imm: number, fp: boolean): void {
    const f = this.f;
    const size = sizeOf(op);
    // stores to pages holding code never hit (they get no write TLB entry): the interpreter runs
    // them and drops the decoded instructions they overwrite, and with them this region
    this.hostAddress(true, size, k, idx, a, imm);
    if (fp) this.fp.pushBits(b);
    else this.getX(b);
    switch (size) {
      case 1:
        f.i64Store8(0, 0);
        break;
      case 2:
        f.i64Store16(0, 0);
        break;
      case 4:
        f.i64Store32(0, 0);
        break;
      default:
        f.i64Store(0, 0);
    }
  }

  /**
   * LR as rare.ts runs it: the word (sign-extended) or doubleword at x[a], and a reservation of
   * that address and size in the state. A misaligned address, a TLB miss or a page the TLB does not
   * map (devices, code) is a side exit: the interpreter runs it, with its fault.
   */
  private loadReserved(k: number, idx: number, rd: number, a: number, size: number): void {
    const f = this.f;
    this.translate(a, 0, [R_TAG], R_BASE, size, k, idx, true);
    if (size === 4) f.i64Load32S(0, 0);
    else f.i64Load(0, 0);
    // the reservation (under the loaded value, before rd is written: rd may be rs1)
    f.localGet(ST);
    this.getX(a);
    f.i64Store(word(RES));
    f.localGet(ST).i32Const(size).i32Store(word(RES_VALID));
    const d = this.dst(rd);
    if (d === undefined) f.drop();
    else f.localSet(d);
  }

  /**
   * SC as rare.ts runs it: the store happens, and rd is 0, only while the reservation holds this
   * address and size; the reservation goes either way. The access is checked first (a fault wins
   * over a failed SC), through the write TLB, which never maps a page holding code.
   */
  private storeConditional(k: number, idx: number, rd: number, a: number, b: number, size: number): void {
    const f = this.f;
    this.translate(a, 0, [W_TAG], W_BASE, size, k, idx, true);
    f.localSet(this.ent);
    // held: RES_VALID = size and RES = x[a]
    f.localGet(ST).i32Load(word(RES_VALID)).i32Const(size).op(Op.i32_eq);
    f.localGet(ST).i64Load(word(RES));
    this.getX(a);
    f.op(Op.i64_eq).i32And().localSet(this.ai);
    f.localGet(ST).i32Const(0).i32Store(word(RES_VALID));
    f.localGet(this.ai).if_();
    f.localGet(this.ent);
    this.getX(b);
    if (size === 4) f.i64Store32(0, 0);
    else f.i64Store(0, 0);
    f.end();
    const d = this.dst(rd);
    if (d !== undefined) f.localGet(this.ai).i32Eqz().i64ExtendI32U().localSet(d);
  }

  /**
   * An AMO as rare.ts runs it: the old word (sign-extended) or doubleword at x[a] goes to rd, and
   * the operation's value of it and x[b] back to memory — harts take turns on one host thread, so
   * the load and the store are one atomic step. The access needs both TLB entries (an AMO reads and
   * writes; the write entry never maps code); misaligned or a miss: a side exit to the interpreter,
   * which raises the fault (a store/AMO one) if there is one.
   */
  private amo(
    k: number,
    idx: number,
    rd: number,
    a: number,
    size: number,
    value: Expr,
    bind: WasmBinding,
  ): void {
    const f = this.f;
    this.translate(a, 0, [R_TAG, W_TAG], W_BASE, size, k, idx, true);
    f.localTee(this.ent);
    if (size === 4) f.i64Load32S(0, 0);
    else f.i64Load(0, 0);
    f.localSet(this.old);
    // the new value before rd is written (rd may be rs1 or rs2)
    f.localGet(this.ent);
    emitValue(f, value, { ...bind, old: this.old });
    if (size === 4) f.i64Store32(0, 0);
    else f.i64Store(0, 0);
    const d = this.dst(rd);
    if (d !== undefined) f.localGet(this.old).localSet(d);
  }

  /** An F/D op: inline (fp-inline.ts) with the fpu import as its exact path, or the import alone. */
  private fpu(ins: Insn, k: number, op: number, rd: number, a: number): void {
    const w0 = ins.w0;
    const i = { op, rd, rs1: rs1Of(w0), rs2: rs2Of(w0), rs3: rs3Of(w0), rm: ins.rm };
    this.fp.emit(FPU_FN[op], i, () => this.fpuCall(ins, k, op, rd, a));
  }

  private fpuCall(ins: Insn, k: number, op: number, rd: number, a: number): void {
    const f = this.f;
    // the fpu function reads an x source from the state and may write an x destination there
    if (rs1Kind(op) === KIND_X && a !== 0) f.localGet(ST).localGet(this.xl.get(a)!).i64Store(xAt(a));
    const w0 = ins.w0;
    const dynamic = (ins.rm & 7) === 7;
    if (dynamic) {
      // the dynamic rounding mode; a reserved one (5..7) is the interpreter's illegal instruction
      f.localGet(ST).i32Load(word(FCSR)).i32Const(5).op(Op.i32_shr_u).localTee(this.rm);
      f.i32Const(4).op(Op.i32_gt_u);
      this.exitIf(k, ins.idx);
    }
    f.i32Const(rd).i32Const(rs1Of(w0)).i32Const(rs2Of(w0)).i32Const(rs3Of(w0));
    if (dynamic) f.localGet(this.rm);
    else f.i32Const(ins.rm & 7);
    f.call(this.fpuFn.get(op)!).localTee(this.fl);
    f.if_();
    f.localGet(ST).localGet(ST).i32Load(word(FCSR)).localGet(this.fl).i32Or().i32Store(word(FCSR));
    f.end();
    if (INT_RD[op] === 1 && rd !== 0 && rd !== X_SINK) {
      const d = this.dst(rd)!;
      f.localGet(ST).i64Load(xAt(rd)).localSet(d);
      // stored again by the epilogue: harmless, it is the same value
    }
  }
}
