// The block compiler's run loop for one hart. It finds the compiled region that runs from pc and
// enters it; code that is not compiled yet runs in the interpreter (Hart.interpret) one stretch at a
// time, up to its next control transfer, so that every block start passes through here and is
// counted. A start reached `hot` times gets a region of its own (with the warm code around it); a
// region that keeps jumping into other regions absorbs their code, so that loops spanning them
// run in one generated function. Regions compile to WebAssembly (wasm/region-module.ts) run on the
// hart's state in its area of guest RAM's memory; a hart without an area has no HartJit (hart.ts).
//
// Regions are found through decoded pages (the Int32Array from GuestMemory.codePage), so every
// hart on the same memory shares them. A region runs only while each of its pages' version word
// equals the one it was compiled at (noteCodeWrite bumps it when a store drops decoded
// instructions; unmap/remap replace the page altogether) and is mapped where it was.
//
// Addresses are the hart's virtual ones, translated by its MMU (privileged paging included). The
// hart flushes the page lookup and the data TLB here whenever its translations change (satp,
// SFENCE.VMA, privilege, mstatus, PMP); privileged instructions and CSR accesses other than the FP
// ones run in the interpreter. A region holding FP instructions runs compiled only while mstatus.FS
// is on (they are illegal while it is Off, which only the interpreter checks).

import { CODE_STRIDE, CODE_VERSION, opOf } from "../decoded.js";
import type { Hart } from "../hart.js";
import { ACCESS_EXEC, type GuestMemory, type TlbHolder } from "../memory.js";
import { PAGE_SIZE } from "../page.js";
import { FS } from "../privileged/fields.js";
import { ENGINE_AREA, ramMemory } from "../ram.js";
import { SEMANTICS_BY_OP } from "../semantics-by-op.js";
import { CAUSE, INSTRET, MSTATUS, PC, PRIV, TVAL } from "../state.js";
import { Cause, Stop } from "../stop.js";
import {
  ENTRY_LEFT_AT,
  GEN_AT,
  JC_AT,
  JC_BYTES,
  JC_SIZE,
  JC_WAYS,
  jcSet,
  MARK_AT,
  SAMPLE_AT,
  SLOT_AT,
  TLB_AT,
  WASM_TLB_SIZE,
} from "../wasm/layout.js";
import { compileWasmRegion } from "../wasm/region-module.js";
import { WasmRuntime } from "../wasm/runtime.js";
import { PageCode, Region } from "./page-code.js";
import { type Block, buildRegion, inlineCsr, key } from "./region.js";
import { Exit, type JitContext, type RegionCode } from "./region-code.js";
import { DataTlb, ENTRY_WORDS } from "./tlb.js";

/** Tuning of the block compiler (tests lower the thresholds to compile sooner). */
export interface JitOptions {
  /**
   * instructions the harts of a memory run in the interpreter alone before blocks are counted (a
   * program shorter than that never pays for the run loop's steps, compiling, or V8 optimizing the
   * run loop)
   */
  interpretFirst: number;
  /** executions of a block start before it is compiled (counted after interpretFirst) */
  hot: number;
  /** executions that make a successor of a hot block join its region */
  warm: number;
  /** size bound of a new region, in instructions (V8 optimizes small functions sooner) */
  maxInsns: number;
  /** jumps from one region into others (through the run loop) before merging them is considered */
  growAt: number;
  /**
   * ... and per instruction of the merged region, the jumps between the regions it replaces that
   * make it worth compiling (V8's cost of an instruction against a jump's)
   */
  growPerInsn: number;
  /** times a region grows at most, its size bound then, and the pages it may span */
  maxGrows: number;
  maxGrownInsns: number;
  maxPages: number;
  /** a region jumps straight into the next one when the hart's jump cache has it */
  chain: boolean;
}

/** The thresholds a machine uses unless it says otherwise. */
// hot: until then a block runs through the run loop and the interpreter, a few instructions a
// step (a busybox ash loop: 800k steps, Lua 1.3M, each ~150 ns besides its instructions); a new
// region runs in V8's baseline tier (Liftoff) until optimized. 1000 was the best when a region's
// compile cost more (bench/throughput.ts +8% at lower ones); with regions merged by cost and the
// run loop's deopts gone, 400 runs the bench 3-9% and lz4 15%, ash 7% faster than 1000, jq's
// test suite (much code run a few hundred times) 3% slower; 200 made jq 7% slower.
// interpretFirst: until a block is hot, the run loop steps through the interpreter a block at a
// time (~150 ns a step besides the instructions), and the first regions, side exits and jumps have
// V8 compile the run loop (50-60 ms of CPU): more than a whole short program costs in the
// interpreter alone (hello: 20k instructions, 53 ms of run with the block compiler, 22 ms without).
// The first 2^18 instructions interpreted at most cost a few ms in a long program.
export const JIT_DEFAULTS: Readonly<JitOptions> = Object.freeze({
  interpretFirst: 1 << 18,
  hot: 400,
  warm: 100,
  maxInsns: 100,
  growAt: 2000,
  growPerInsn: 3000,
  maxGrows: 3,
  maxGrownInsns: 300,
  maxPages: 4,
  chain: true,
});

const TWO32 = 4294967296;
// words of the wasm hart area (layout.ts)
const SLOT_W = SLOT_AT >> 2;
const GEN_W = GEN_AT >> 2;
const ENTRY_LEFT_W = ENTRY_LEFT_AT >> 2;
const SAMPLE_W = SAMPLE_AT >> 2;
/**
 * Chained wasm jumps per one left to the run loop, where it counts as that many jumps between
 * regions (crossed): without the sample chained regions never merged, and a bytecode interpreter's
 * switch cases each stayed a region of their own (bench/throughput.ts interp: 133M region entries
 * for 1589M instructions; with it 40M). Each sample costs a trip through the run loop: 1024 against
 * 128 ran interp and hashtab 11% and 10% faster, sort and lz 2%; 4096 moved them either way.
 */
const CHAIN_SAMPLE = 1024;
const JC_W = JC_AT >> 2;
const JC_WORDS = JC_BYTES >> 2;
const STOP_BUDGET: number = Stop.BUDGET;
/** the run loop's step did not enter compiled code (no Exit code nor side exit is this) */
const NOT_ENTERED = 0x7fffffff;
/** HartJit.flow's words */
const FLOW_STOP = 0;
const FLOW_ENTER = 1;

/** Compiled code of one memory, by decoded page; statistics. */
export class CodeCache {
  readonly pages = new WeakMap<Int32Array, PageCode>();
  /** regions compiled so far, and their instructions */
  compiled = 0;
  compiledInsns = 0;
  /** instructions retired by compiled code (the rest were interpreted): --stats prints it */
  // (a double from the start, -0 not being a small integer: V8 would store it as one, and throw
  // the run loop's optimized code away when it passed 2^31)
  retired = -0;
  /** time spent compiling (ms) and the size of what was made (bytes of WebAssembly) */
  compileMs = -0;
  /** calls of compiled code from the run loop (retired / entries: instructions per call) */
  entries = 0;
  compiledBytes = 0;
  /** the wasm engine's runtime (the memory its modules import) */
  readonly wasm: WasmRuntime;
  /**
   * instructions the harts on this memory ran in the interpreter alone, up to JitOptions'
   * interpretFirst (counted for the memory, not per hart: threads each start at 0, and a program's
   * threads would each run that many interpreted)
   */
  readonly interpretedFirst = new Float64Array(1);

  constructor(
    readonly mem: GuestMemory,
    memory: WebAssembly.Memory,
  ) {
    this.wasm = new WasmRuntime(memory);
  }
}

const caches = new WeakMap<GuestMemory, CodeCache>();

/**
 * The compiled code of `mem`; undefined when its bytes are not a guest RAM memory made by
 * reserveRam (ram.ts), which compiled WebAssembly needs: its harts run the interpreter alone.
 */
export function cacheOf(mem: GuestMemory): CodeCache | undefined {
  let c = caches.get(mem);
  if (c === undefined) {
    const memory = ramMemory(mem.bytes);
    if (memory === undefined) return undefined;
    c = new CodeCache(mem, memory);
    caches.set(mem, c);
  }
  return c;
}

/** An FP instruction (illegal while mstatus.FS is Off): arithmetic, load, store, fflags/frm/fcsr. */
function usesFp(op: number, imm: number): boolean {
  const sem = SEMANTICS_BY_OP[op];
  if (sem === undefined) return false;
  if (sem.kind === "fpu") return true;
  if (sem.kind === "load" || sem.kind === "store") return sem.fp;
  return inlineCsr(op, imm);
}

const SLOTS = 64;
/**
 * Side exits at a shared TLB check whose first access the TLB holds, after which a region checks its
 * accesses one by one if they came at least one per SPAN_EXIT_INSNS instructions it ran: such a check
 * failed because the span of its accesses crosses a page. It fails whenever the base comes back
 * there, as a recursive function's saves and restores at sp do at the same depths on every call
 * (sort 400000: 160k side exits, each with the rest of its block interpreted; rebuilt, run-loop
 * entries 185k -> 58k, CPU -7%; busybox sed's stack frame across a page: 4096 a region when every
 * side exit counted, with 4096 the bound for regions that ran much). A side exit costs about as
 * much as a thousand compiled instructions; a walk through memory crosses a page now and then
 * (lz4's input: once per ~40k instructions), where one check for several accesses is worth more.
 */
const SPAN_EXITS = 256;
const SPAN_EXIT_INSNS = 8192;
/** the run loop's budget at most (a small integer to V8, which are under 2^30) */
const CHUNK = 1 << 29;

export class HartJit implements TlbHolder {
  readonly options: JitOptions;
  readonly cache: CodeCache;
  // pc's virtual page -> its PageCode (dropped with the page's mapping: TlbHolder)
  private readonly tags = new Float64Array(SLOTS).fill(-1);
  /** what compiled code works on */
  private readonly cx: JitContext;
  private readonly tlb: DataTlb;
  /** the hart's area as words (jump cache, exit slot), when regions chain */
  private readonly areaWords: Int32Array | undefined;
  private readonly codes: (PageCode | undefined)[] = new Array(SLOTS).fill(undefined);
  /** what the jump cache's current generation was started at (unchainIfStale) */
  private chainChanges = -1;
  private chainGeneration = -1;
  /** mstatus.FS then: a region holding F/D instructions is linked only while it is on */
  private chainFs = -1;
  /** table slots released then (another hart may have dropped or replaced a region this one links) */
  private chainReleased = -1;
  /** a probe stopped the hart in compiled code: its side exit is a PROBE stop */
  private hookStopped = false;
  /**
   * What the run loop's slow path tells it (runChunk): [FLOW_STOP] why the run ends (STOP_BUDGET:
   * it goes on), [FLOW_ENTER] 1: the region at pc passed the checks left to the slow path, enter
   * it. (Not fields: V8 takes a field that keeps its first value for a constant, and throws away
   * the code that relied on it when it changes.)
   */
  private readonly flow = new Int32Array(2);

  constructor(
    private readonly hart: Hart,
    options: Partial<JitOptions> = {},
  ) {
    this.options = { ...JIT_DEFAULTS, ...options };
    // compiled code runs a hart whose state is in guest RAM's memory (Hart placed it there)
    const area = hart.area;
    const cache = cacheOf(hart.mem);
    if (area < 0 || cache === undefined)
      throw new Error("HartJit: the hart has no area in guest RAM's memory");
    this.cache = cache;
    const buffer = hart.mem.bytes.buffer as ArrayBuffer;
    const tlb = new DataTlb(new Int32Array(buffer, area + TLB_AT, WASM_TLB_SIZE * ENTRY_WORDS));
    this.tlb = tlb;
    if (this.options.chain) {
      this.areaWords = new Int32Array(buffer, area, ENGINE_AREA >> 2);
      this.areaWords[GEN_W] = 1; // entries of a new area (generation 0) are empty
      this.areaWords[SAMPLE_W] = CHAIN_SAMPLE;
    }
    const r = hart.state.r;
    const view = hart.view();
    this.cx = {
      r,
      fd: hart.state.fd,
      tlb: tlb.t,
      mark: new Int32Array(buffer, area + MARK_AT, 1),
      area,
      // compiled code fires probes in place, through the site it holds (no lookup per firing);
      // hart.retired is brought up to the instruction for the hook and back (the run loop adds the
      // region's count when it returns)
      probe: (pc, retired, site) => {
        r[PC] = pc | 0;
        r[PC + 1] = Math.floor(pc / TWO32) | 0;
        hart.retired += retired;
        let ok: boolean;
        if (site !== null && site.sink === hart.probes) {
          ok = site.fire(view);
          if (!ok) hart.probeStopped(pc, undefined);
        } else ok = hart.fireProbe(pc);
        hart.retired -= retired;
        if (!ok) this.hookStopped = true;
        return ok;
      },
    };
    hart.mem.tlbHolders.add(this);
    hart.mem.tlbHolders.add(tlb);
  }

  /** Stop receiving invalidations (the hart is gone). */
  detach(): void {
    this.hart.mem.tlbHolders.delete(this);
    this.hart.mem.tlbHolders.delete(this.tlb);
  }

  dropPages(vpnFirst: number, vpnEnd: number): void {
    this.unchain();
    if (vpnEnd - vpnFirst >= SLOTS) this.tags.fill(-1);
    else for (let vpn = vpnFirst; vpn < vpnEnd; vpn++) this.tags[vpn & (SLOTS - 1)] = -1;
  }

  dropWritesTo(_hostPage: number): void {
    // the page-code lookup holds no write translations
  }

  /** The hart's translations changed: drop those of page vpn, or all of them (vpn undefined). */
  flush(vpn?: number): void {
    this.unchain();
    if (vpn === undefined) {
      this.tags.fill(-1);
      this.tlb.flush();
    } else {
      this.dropPages(vpn, vpn + 1);
      this.tlb.dropPages(vpn, vpn + 1);
    }
  }

  /** The compilation state of the page holding pc (tests, debugging). */
  pageCodeAt(pc: number): PageCode | undefined {
    return this.lookup(pc, Math.floor(pc / PAGE_SIZE));
  }

  /** Hart.run with compiled blocks: the same contract, stop codes and counts. */
  run(budget: number): number {
    // the run loop counts in int32 (and like the interpreter, runs 11 instructions for 10.5)
    budget = Math.ceil(budget);
    let stop = STOP_BUDGET;
    if (this.cache.compiled === 0) {
      const chunk = Math.min(budget, CHUNK);
      budget -= chunk - this.stepChunk(chunk);
      stop = this.flow[FLOW_STOP]!;
    }
    for (; budget > CHUNK && stop === STOP_BUDGET; budget -= CHUNK) stop = this.runChunk(CHUNK);
    if (stop === STOP_BUDGET) stop = this.runChunk(budget);
    // (here, not after runChunk's loop: code after a loop that V8 optimizes on the stack (OSR)
    // before the loop first ended has no type feedback, and threw that code away when it ran)
    const r = this.hart.state.r;
    const ret = this.hart.retired;
    r[INSTRET] = ret | 0;
    r[INSTRET + 1] = Math.floor(ret / TWO32) | 0;
    return stop;
  }

  /**
   * The run loop. Its body is the hot path alone: pc starts a block that a region runs with nothing
   * to check first, which is entered, and left by a jump. Everything else (interpreted code,
   * counting and compiling, checks before entering, side exits, ECALL...) is `slow`, reached through
   * its one call site, which the first interpreted instructions already take: V8 optimizes this
   * loop on the stack (OSR), and a branch or call that had not run before that (no type feedback)
   * threw its optimized code away when it first ran (lua: 26 TurboFan compiles of this loop).
   */
  private runChunk(budget: number): number {
    const hart = this.hart;
    const r = hart.state.r;
    const cx = this.cx;
    const mark = cx.mark;
    const area = cx.area;
    const cache = this.cache;
    const rt = cache.wasm;
    const enter = this.options.chain ? rt.enter : rt.enterOnce;
    const owners = rt.owners;
    const aw = this.areaWords;
    const maxGrows = this.options.maxGrows;
    let stop = STOP_BUDGET;
    // (fields are written before the loop: V8 treats a field never written since construction as
    // a constant, and code built on that is thrown away at the first write)
    const flow = this.flow;
    flow[FLOW_STOP] = stop;
    flow[FLOW_ENTER] = 0;
    // the environment ran since the last run (a syscall, a trap taken, other harts)
    this.unchainIfStale();
    // an int32 count (hart.retired is a double): it is passed to compiled code at every entry
    let left = budget;
    // the region that ran last and left by a jump, to notice jumps between regions
    let last: Region | undefined;
    // the jumps `last`'s exit stands for (a sample of chained ones: CHAIN_SAMPLE)
    let lastWeight = 1;
    while (left > 0) {
      const pc = r[PC + 1]! * TWO32 + (r[PC]! >>> 0);
      const vpn = Math.floor(pc / PAGE_SIZE);
      const slot = vpn & (SLOTS - 1);
      // (a page the lookup's cache lacks: the slow path looks it up)
      const code = this.tags[slot] === vpn ? this.codes[slot] : undefined;
      const off = pc - vpn * PAGE_SIZE;
      const idx = off >> 1;
      // (read at every step, as everything the hot path reads before entering a region: a read
      // that had not run when V8 optimized this loop would throw the code away when it first ran)
      const fsOff = (r[MSTATUS]! & FS) === 0;
      const probeSkip = hart.skipProbeAt !== -1;
      const region =
        code === undefined || (off & 1) !== 0 || code.page[CODE_VERSION] !== code.version
          ? undefined
          : code.entryRegion[idx];
      let exit = NOT_ENTERED;
      let ran: Region | undefined = region;
      let done = 0;
      if (region !== undefined) {
        // Enter it if nothing is left to check: one page (one over more is checked in the slow
        // path), its FP instructions legal, the budget for its first block, not a jump from
        // another region (counted in the slow path). (Each read is made every time, not cut
        // short, so that the first region gives them all type feedback.)
        const onePage = region.pages.length === 1;
        const fpOk = !(region.fp && fsOff);
        const fits = code!.entryLen[idx]! <= left;
        const same = last === region;
        const grownOut = (last ?? region).grown >= maxGrows;
        const notCrossed = last === undefined || same || grownOut;
        if (flow[FLOW_ENTER] === 1 || (onePage && fpOk && fits && notCrossed && !probeSkip)) {
          flow[FLOW_ENTER] = 0;
          const label = code!.entryLabel[idx]!;
          if (aw !== undefined) this.link(aw, pc, region.slot, label, left);
          rt.cx = cx;
          exit = enter(area, region.slot, label, left);
          cache.entries++;
          // a chain of regions leaves from its last one
          const ranSlot: number = aw === undefined ? region.slot : aw[SLOT_W]!;
          const other = owners[ranSlot] as Region | undefined;
          ran = ranSlot === region.slot ? region : other!;
          done = left - mark[0]!;
          ran.executed += done;
          cache.retired += done;
          if (exit === Exit.JUMP) {
            hart.retired += done;
            left -= done;
            last = ran;
            // every CHAIN_SAMPLE chained jumps, the exit stands for that many (branch-free: a
            // store that had not run when V8 optimized this loop would throw the code away)
            const sample = aw === undefined ? 1 : aw[SAMPLE_W]!;
            const sampled = sample <= 0;
            if (aw !== undefined) aw[SAMPLE_W] = sampled ? CHAIN_SAMPLE : sample;
            lastWeight = sampled ? CHAIN_SAMPLE : 1;
            continue;
          }
        }
      }
      left = this.slow(exit, pc, code, idx, left, ran, done, last, lastWeight);
      last = undefined;
      stop = flow[FLOW_STOP]!;
      if (stop !== STOP_BUDGET) break;
    }
    return stop;
  }

  /**
   * Everything of the run loop but its hot path: a step at pc (exit NOT_ENTERED), or what follows
   * compiled code's return by other than a jump. Returns the budget left; sets FLOW_STOP to end the
   * run, FLOW_ENTER to have the run loop enter the region at pc without checking again (`last`:
   * the region that left by a jump to pc, standing for `lastWeight` jumps).
   */
  private slow(
    exit: number,
    pc: number,
    code: PageCode | undefined,
    idx: number,
    left: number,
    ran: Region | undefined,
    done: number,
    last: Region | undefined,
    lastWeight: number,
  ): number {
    const hart = this.hart;
    if (exit !== NOT_ENTERED) {
      // compiled code returned other than by a jump (region `ran` left, `done` instructions retired)
      const r = hart.state.r;
      const from = ran!;
      if (exit < 0) return this.sideExit(-1 - exit, from, done, left);
      hart.retired += done;
      left -= done;
      if (exit === Exit.RARE) {
        if (left <= 0) return left;
        return this.interpretFor(1, left);
      }
      // ECALL or EBREAK, with pc at the instruction (the same codes as Stop); ECALL's cause is
      // ECALL_U plus the privilege mode (semantics.ts)
      r[CAUSE] = exit === Exit.ECALL ? Cause.ECALL_U + r[PRIV]! : Cause.BREAKPOINT;
      r[TVAL] = exit === Exit.ECALL ? 0 : r[PC]!;
      r[TVAL + 1] = exit === Exit.ECALL ? 0 : r[PC + 1]!;
      this.flow[FLOW_STOP] = exit;
      return left;
    }
    if (hart.skipProbeAt !== -1) {
      // resuming after a hook's error: the interpreter runs the probed instruction without its
      // probe (compiled code would fire it again)
      return this.interpretFor(1, left);
    }
    if (code === undefined && (pc & 1) === 0) {
      const vpn = Math.floor(pc / PAGE_SIZE);
      if (this.lookup(pc, vpn) !== undefined) return left; // look again, in the lookup's cache
    }
    if (code === undefined || (pc & 1) !== 0) {
      // Not decoded yet (or a fetch fault to report): the interpreter decodes it.
      return this.interpretFor(1, left);
    }
    if (code.page[CODE_VERSION] !== code.version) {
      code.reset();
      return left; // look again
    }
    const region = code.entryRegion[idx];
    if (region !== undefined && !(region.fp && (hart.state.r[MSTATUS]! & FS) === 0)) {
      if (region.pages.length > 1 && !this.check(region)) {
        this.drop(region);
        return left;
      }
      if (code.entryLen[idx]! > left) {
        this.flow[FLOW_STOP] = this.interpret(left);
        return 0;
      }
      if (
        last !== undefined &&
        last !== region &&
        last.grown < this.options.maxGrows &&
        this.crossed(last, pc, lastWeight)
      ) {
        return left; // regions were merged: look again
      }
      this.flow[FLOW_ENTER] = 1;
      return left;
    }
    return this.step(code, idx, left);
  }

  /** A step at entry idx of code, where no region runs from: counted, and compiled once hot. */
  private step(code: PageCode, idx: number, left: number): number {
    if (++code.counts[idx]! === this.options.hot) {
      this.compileNew(code, idx);
      if (code.entryRegion[idx] !== undefined) return left;
    }
    return this.interpretFor(Math.min(code.stretch(idx), left), left);
  }

  /**
   * The run loop while the memory has no region yet: steps alone. Apart from runChunk, since V8
   * optimizes a loop while it runs (OSR), from the feedback so far: runChunk's code, optimized
   * before any region ran, was thrown away at the first one. Returns the budget left (FLOW_STOP set).
   */
  private stepChunk(budget: number): number {
    const hart = this.hart;
    const r = hart.state.r;
    const flow = this.flow;
    flow[FLOW_STOP] = STOP_BUDGET;
    let left = budget;
    while (left > 0 && this.cache.compiled === 0) {
      const pc = r[PC + 1]! * TWO32 + (r[PC]! >>> 0);
      const vpn = Math.floor(pc / PAGE_SIZE);
      const slot = vpn & (SLOTS - 1);
      const code = this.tags[slot] === vpn ? this.codes[slot] : undefined;
      const idx = (pc - vpn * PAGE_SIZE) >> 1;
      // (anything else than a step at a decoded, current entry: the slow path)
      left =
        code !== undefined &&
        (pc & 1) === 0 &&
        code.page[CODE_VERSION] === code.version &&
        hart.skipProbeAt === -1
          ? this.step(code, idx, left)
          : this.slow(NOT_ENTERED, pc, code, idx, left, undefined, 0, undefined, 1);
      if (flow[FLOW_STOP] !== STOP_BUDGET) break;
    }
    return left;
  }

  /**
   * After side exit x of region `from` (`done` instructions retired before its block): the
   * interpreter runs the rest of the block from the instruction at its pc, so that the run
   * continues at the start of a block (one that is compiled). (Apart from slow: V8 optimizes each
   * apart, and throws away only this one's code when one of its paths first runs.)
   */
  private sideExit(x: number, from: Region, done: number, left: number): number {
    const hart = this.hart;
    const r = hart.state.r;
    const to = from.exitPc[x]!;
    r[PC] = to | 0;
    r[PC + 1] = Math.floor(to / TWO32) | 0;
    const n = done + from.exitRetired[x]!;
    this.cache.retired += from.exitRetired[x]!;
    hart.retired += n;
    left -= n;
    from.executed += n;
    // its probe fired in compiled code already: the interpreter must not fire it again
    if (from.exitFired[x] === 1) hart.skipProbeAt = to;
    if (this.hookStopped) {
      // before the probed instruction, which the next run executes without firing again
      this.hookStopped = false;
      this.flow[FLOW_STOP] = Stop.PROBE;
      return left;
    }
    // (through the page lookup's cache, as for pc: a translation per side exit cost hashtab's
    // 470k of them ~4% of its time)
    const vpnTo = Math.floor(to / PAGE_SIZE);
    const slotTo = vpnTo & (SLOTS - 1);
    const at = this.tags[slotTo] === vpnTo ? this.codes[slotTo] : this.lookup(to, vpnTo);
    let stretch = 1;
    if (at !== undefined) {
      if (at.page[CODE_VERSION] !== at.version) at.reset();
      const e = (to - at.pageVA) >> 1;
      if (
        from.grouped &&
        from.valid &&
        this.tlb.covers(r, at.page, e * CODE_STRIDE) &&
        ++from.spanExits >= SPAN_EXITS &&
        from.spanExits * SPAN_EXIT_INSNS > from.executed &&
        from.current()
      ) {
        this.install(this.rebuild(from, false), [from]);
      }
      this.tlb.fill(hart.mmu, r, at.page, e * CODE_STRIDE);
      stretch = at.stretch(e);
    }
    return this.interpretFor(Math.min(left, stretch), left);
  }

  /** The interpreter runs up to n instructions; the budget left after them (FLOW_STOP set). */
  private interpretFor(n: number, left: number): number {
    const before = this.hart.retired;
    this.flow[FLOW_STOP] = this.interpret(n);
    // (| 0: a difference of doubles is a heap number to V8's lower tiers even when it is a small
    // integer, and a budget that is one threw the interpreter's optimized code away)
    return left - ((this.hart.retired - before) | 0);
  }

  /** The interpreter runs: the jump cache starts anew if compiled code may have changed under it. */
  private interpret(budget: number): number {
    const stop = this.hart.interpret(budget);
    this.unchainIfStale();
    return stop;
  }

  /**
   * Start the jump cache anew when the run loop's checks of the regions it links may no longer
   * hold: decoded code was dropped or probed (DecodedPages.changes), a mapping changed (the memory's
   * generation), mstatus.FS changed, or any hart released a region's table slot. Translation
   * changes reach flush/dropPages, which start it anew themselves. (Starting anew after every
   * interpreted stretch and every turn of the scheduler cost a busybox shell loop most of its
   * chains: 45 instructions per run-loop entry.)
   */
  private unchainIfStale(): void {
    if (this.areaWords === undefined) return;
    const mem = this.hart.mem;
    if (
      mem.code.changes[0] !== this.chainChanges ||
      this.cache.wasm.released[0] !== this.chainReleased ||
      mem.generation !== this.chainGeneration ||
      (this.hart.state.r[MSTATUS]! & FS) !== this.chainFs
    )
      this.unchain();
  }

  /**
   * Start a new jump cache generation: its entries are empty. Called whenever regions or
   * translations change (and by unchainIfStale), so that a chained jump only reaches a region the
   * run loop entered since, with every check made.
   */
  private unchain(): void {
    const aw = this.areaWords;
    if (aw === undefined) return;
    this.chainChanges = this.hart.mem.code.changes[0]!;
    this.chainGeneration = this.hart.mem.generation;
    this.chainFs = this.hart.state.r[MSTATUS]! & FS;
    this.chainReleased = this.cache.wasm.released[0]!;
    let gen = (aw[GEN_W]! + 1) & 0xffff;
    if (gen === 0) {
      // the generation wrapped: entries of generation 1 could look current again
      for (let e = JC_W; e < JC_W + JC_SIZE * JC_WORDS; e += JC_WORDS) aw[e] = -1;
      gen = 1;
    }
    aw[GEN_W] = gen;
  }

  /**
   * Compiled code jumping to pc may continue in this region (slot) at `label`; left: the budget.
   * The entry goes to way 0 of pc's set; the ways before pc's (all but the last when pc has none)
   * move down one.
   */
  private link(aw: Int32Array, pc: number, slot: number, label: number, left: number): void {
    const lo = pc | 0;
    const hi = Math.floor(pc / TWO32) | 0;
    const e = JC_W + jcSet(lo) * JC_WAYS * JC_WORDS;
    let way = 0;
    while (way < JC_WAYS - 1 && (aw[e + way * JC_WORDS] !== lo || aw[e + way * JC_WORDS + 1] !== hi)) way++;
    if (way > 0) aw.copyWithin(e + JC_WORDS, e, e + way * JC_WORDS);
    aw[e] = lo;
    aw[e + 1] = hi;
    aw[e + 2] = slot;
    aw[e + 3] = (aw[GEN_W]! << 16) | label;
    aw[ENTRY_LEFT_W] = left;
  }

  private lookup(pc: number, vpn: number): PageCode | undefined {
    const mem = this.hart.mem;
    const host = this.hart.mmu.translate(pc | 0, Math.floor(pc / TWO32) | 0, ACCESS_EXEC);
    if (host < 0) return undefined;
    const page = mem.code.codePageIfAny(host);
    if (page === undefined) return undefined;
    let code = this.cache.pages.get(page);
    if (code === undefined) {
      code = new PageCode(page, vpn * PAGE_SIZE);
      this.cache.pages.set(page, code);
    } else if (code.pageVA !== vpn * PAGE_SIZE) {
      return undefined; // one frame mapped at two addresses: the first one runs compiled
    }
    if (code.page[CODE_VERSION] !== code.version) code.reset();
    const slot = vpn & (SLOTS - 1);
    this.tags[slot] = vpn;
    this.codes[slot] = code;
    return code;
  }

  /**
   * A region over several pages runs only while each page holds its code at its address. The check
   * is kept while the memory's generation and the hart's translation epoch stay as they were (the
   * epoch is 0 while every hart translates alike, else unique to this hart's current translations).
   */
  private check(region: Region): boolean {
    if (!region.valid || !region.current()) return false;
    const mem = this.hart.mem;
    const mmu = this.hart.mmu;
    if (region.gen !== mem.generation || region.epoch !== mmu.epoch) {
      for (const pg of region.pages) {
        const host = mmu.translate(pg.pageVA | 0, Math.floor(pg.pageVA / TWO32) | 0, ACCESS_EXEC);
        if (host < 0 || mem.code.codePageIfAny(host) !== pg.page) return false;
      }
      region.gen = mem.generation;
      region.epoch = mmu.epoch;
    }
    return true;
  }

  /** Forget a region: its entries count again from zero. */
  private drop(region: Region): void {
    this.unchain();
    region.retire();
    for (const b of region.blocks) {
      const pg = region.pages[b.page]!;
      if (pg.entryRegion[b.start] === region) {
        pg.entryRegion[b.start] = undefined;
        pg.counts[b.start] = 0;
      }
    }
  }

  private warm(pages: readonly PageCode[]): (p: number, idx: number) => boolean {
    const warm = this.options.warm;
    return (p, idx) => pages[p]!.counts[idx]! >= warm || pages[p]!.compiled[idx] === 1;
  }

  /** Entry idx of code got hot: compile a region from it, around code no region runs yet. */
  private compileNew(code: PageCode, idx: number): void {
    const pages = [code];
    const blocks = buildRegion(
      pages,
      [idx],
      this.options.maxInsns,
      (_, i) => code.entryRegion[i] !== undefined,
      this.warm(pages),
    );
    if (blocks.length > 0) this.install(this.build(pages, blocks, 0), []);
  }

  /** The region that runs from pc, if any. */
  private regionAt(pc: number): Region | undefined {
    const code = this.lookup(pc, Math.floor(pc / PAGE_SIZE));
    return code?.entryRegion[(pc - code.pageVA) >> 1];
  }

  /**
   * Count a jump from region `from` to pc, which another region runs (`weight` jumps: a sample of
   * chained ones); merge them when they are many. True when regions were merged.
   */
  private crossed(from: Region, pc: number, weight: number): boolean {
    if (!from.valid) return false;
    from.crossings += weight;
    // targets are sampled: a map update on every jump would cost as much as the jump
    if (weight > 1) from.exits.set(pc, (from.exits.get(pc) ?? 0) + weight);
    else if ((from.crossings & 7) === 0) from.exits.set(pc, (from.exits.get(pc) ?? 0) + 8);
    if (from.crossings < from.nextCheck) return false;
    // checks get rarer as the jumps add up (the counts are kept: jumps paid for so far are what a
    // merge may cost, whenever they happened)
    from.nextCheck = from.crossings * 2;
    // Merge the regions of the frequent targets into this one (within the size and page bounds):
    // a loop that runs through several regions then stays in one function. It is worth it when
    // the jumps between them (each a chained or run-loop jump) cost more than V8 compiling the
    // merged code (per instruction in it: TurboFan's time, on a background thread, is CPU too).
    // A busybox ash loop spreads its jumps over hundreds of regions: merges that counted every
    // jump out of a region compiled 3x the code and cost it 15% of its CPU.
    const o = this.options;
    const targets = [...from.exits].sort((a, b) => b[1] - a[1]);
    const pages = from.pages.slice();
    const merged: Region[] = [from];
    let size = from.size;
    for (const [target, count] of targets) {
      const region = this.regionAt(target);
      if (
        region === undefined ||
        merged.includes(region) ||
        !region.valid ||
        size + region.size > o.maxGrownInsns ||
        count < o.growPerInsn * region.size
      )
        continue;
      const more = region.pages.filter((pg) => !pages.includes(pg));
      if (pages.length + more.length > o.maxPages) continue;
      pages.push(...more);
      merged.push(region);
      size += region.size;
    }
    if (merged.length === 1) return false;
    // the jumps the merge saves: between the merged regions, either way
    let saved = 0;
    for (const m of merged)
      for (const [to, n] of m.exits) {
        const r = this.regionAt(to);
        if (r !== undefined && merged.includes(r)) saved += n;
      }
    const seeds = merged.flatMap((m) => m.blocks.map((b) => key(pages.indexOf(m.pages[b.page]!), b.start)));
    const blocks = buildRegion(pages, seeds, o.maxGrownInsns, () => false, this.warm(pages));
    let insns = 0;
    for (const b of blocks) insns += b.insns.length;
    if (saved < o.growPerInsn * insns) return false;
    from.grown++;
    from.crossings = 0;
    from.exits.clear();
    const grown = this.build(pages, blocks, Math.max(...merged.map((m) => m.grown)));
    this.install(grown, merged);
    return true;
  }

  /** The same blocks compiled again (with or without access groups). */
  private rebuild(region: Region, grouping: boolean): Region {
    const pages = region.pages.slice();
    const seeds = region.blocks.map((b) => key(b.page, b.start));
    const blocks = buildRegion(
      pages,
      seeds,
      0,
      () => false,
      () => false,
    );
    return this.build(pages, blocks, region.grown, grouping);
  }

  private build(pages: PageCode[], blocks: Block[], grown: number, grouping = true): Region {
    const sink = this.hart.probes;
    const site = sink?.site === undefined ? undefined : (pc: number) => sink.site!(pc);
    const t0 = performance.now();
    const code: RegionCode = compileWasmRegion({ rt: this.cache.wasm, site }, pages, blocks, grouping);
    this.cache.compileMs += performance.now() - t0;
    this.cache.compiledBytes += code.bytes;
    const region = new Region(
      code,
      pages,
      pages.map((pg) => pg.version),
      blocks.map((b) => ({
        page: b.page,
        start: b.start,
        label: code.labels.get(key(b.page, b.start))!,
        len: b.insns.length,
      })),
      this.hart.mem.generation,
      this.options.growAt,
    );
    region.grown = grown;
    region.grouped = grouping;
    this.cache.wasm.owners[code.slot] = region;
    region.epoch = this.hart.mmu.epoch;
    region.fp = blocks.some((b) => b.insns.some((i) => usesFp(opOf(i.w0), i.imm)));
    this.cache.compiled++;
    for (const b of blocks) this.cache.compiledInsns += b.insns.length;
    return region;
  }

  /**
   * Make `region` run from its entries that no other region runs, and from those of `replaced`.
   * The jump cache starts anew only when an entry changes hands: its other entries still name
   * regions that run from there. (Starting it anew at every compile had Lua's 700 installs miss
   * 31k times, each hot target once after each.)
   */
  private install(region: Region, replaced: readonly Region[]): void {
    let handed = false;
    for (const b of region.blocks) {
      const pg = region.pages[b.page]!;
      pg.compiled[b.start] = 1;
      const owner = pg.entryRegion[b.start];
      if (owner === undefined || replaced.includes(owner) || !owner.valid) {
        handed ||= owner !== undefined;
        pg.entryRegion[b.start] = region;
        pg.entryLabel[b.start] = b.label;
        pg.entryLen[b.start] = b.len;
      }
    }
    // (once: each new generation brings the wrap, which clears every entry, nearer)
    if (handed) this.unchain();
    for (const old of replaced) this.drop(old);
  }
}
