// The block compiler's run loop for one hart. It finds the compiled region of pc's page and enters
// it; code that is not compiled yet runs in the interpreter (Hart.interpret) one stretch at a time,
// up to its next control transfer, so that every block start passes through here and is counted.
// A start reached HOT times gets its page's region (re)compiled.
//
// Compiled regions belong to a decoded page (the Int32Array from GuestMemory.codePage), so every
// hart on the same memory shares them. A region is used only while the page's version word equals
// the one it was compiled at: noteCodeWrite bumps it when a store drops decoded instructions, and
// unmap/remap replace the page altogether.

import type { Hart } from "../hart.js";
import { ACCESS_EXEC, CODE_ENTRIES, CODE_VERSION, type GuestMemory, PAGE_SIZE } from "../memory.js";
import { INSTRET, PC } from "../state.js";
import { type CompileEnv, compileRegion, Exit, type RegionCode, type RegionFn } from "./codegen.js";
import { buildRegion, stretchLength } from "./region.js";

/** Executions of a block start before it is compiled. */
export const HOT = Number(globalThis.process?.env?.HS_HOT ?? 40);
/** Executions that make a successor of a hot block join its region. */
export const WARM = HOT / 4;
/** Region size bound, in instructions, so that V8 optimizes the generated function soon. */
export const MAX_REGION_INSNS = Number(globalThis.process?.env?.HS_MAX ?? 300);
/**
 * Jumps between two regions of one page (each through the run loop) after which the page's
 * regions are compiled again as one, so that loops spanning them stay inside generated code.
 */
export const MERGE_CROSSINGS = 5000;
/** Merges of one page version; after that its regions stay as they are. */
export const MAX_MERGES = Number(globalThis.process?.env?.HS_MERGES ?? 6);

const TWO32 = 4294967296;
// Stop codes and causes (hart.ts Stop, Cause), repeated here because hart.ts imports this module.
const STOP_BUDGET = 0;
const CAUSE_BREAKPOINT = 3;
const CAUSE_ECALL_U = 8;

/**
 * Compilation state of one decoded page, shared by the harts of its memory. New hot code gets a
 * region of its own, so the functions already compiled (and optimized by V8) stay; regions that
 * jump to each other a lot are merged.
 */
export class PageCode {
  /** the page version the counts, lengths and regions below belong to */
  version: number;
  /** executions of each entry as a block start, counted while not compiled */
  readonly counts = new Int32Array(CODE_ENTRIES);
  /** cached stretch lengths for the interpreter (0: not known) */
  readonly stretches = new Uint16Array(CODE_ENTRIES);
  /** entries that reached HOT, in that order */
  hot: number[] = [];
  /** per entry: the region whose block starts there, its label and its length */
  readonly entryFn: (RegionFn | undefined)[] = new Array(CODE_ENTRIES).fill(undefined);
  readonly entryLabel = new Int16Array(CODE_ENTRIES);
  readonly entryLen = new Uint16Array(CODE_ENTRIES);
  regions: RegionCode[] = [];
  /** entries that started a block of some region of this version (merges recompile them) */
  readonly compiledOnce = new Uint8Array(CODE_ENTRIES);
  /** dispatches from one region of this page to another since the last merge */
  crossings = 0;
  merges = 0;

  constructor(
    readonly page: Int32Array,
    readonly pageVA: number,
  ) {
    this.version = page[CODE_VERSION]!;
  }

  /** The page's code changed: forget everything learned about it. */
  reset(): void {
    this.version = this.page[CODE_VERSION]!;
    this.counts.fill(0);
    this.stretches.fill(0);
    this.hot = [];
    this.entryFn.fill(undefined);
    this.regions = [];
    this.compiledOnce.fill(0);
    this.crossings = 0;
    this.merges = 0;
  }

  stretch(idx: number): number {
    const cached = this.stretches[idx]!;
    if (cached !== 0) return cached;
    const n = stretchLength(this.page, idx);
    if (n < 0) return -n;
    this.stretches[idx] = Math.min(n, 0xffff);
    return n;
  }

  /**
   * Compile regions for the hot entries `seeds` not covered yet; with `merge`, compile the page
   * anew from every hot entry, so that blocks that jump to each other share a region.
   */
  compile(env: CompileEnv, seeds: readonly number[], merge: boolean): number {
    if (merge) {
      this.entryFn.fill(undefined);
      this.regions = [];
      this.crossings = 0;
      this.merges++;
    }
    const covered = new Set<number>();
    for (let i = 0; i < CODE_ENTRIES; i++) if (this.entryFn[i] !== undefined) covered.add(i);
    const warm = (idx: number) => this.counts[idx]! >= WARM || this.compiledOnce[idx] === 1;
    let insns = 0;
    for (let k = 0; k < seeds.length; k++) {
      if (covered.has(seeds[k]!)) continue;
      // A merge groups every hot entry of the page, also those only reached by jalr (calls
      // through pointers, returns), up to the region size bound.
      const from = merge ? seeds.slice(k) : [seeds[k]!];
      const blocks = buildRegion(this.page, from, MAX_REGION_INSNS, covered, warm);
      if (blocks.length === 0) continue;
      const code = compileRegion(env, this.pageVA, blocks);
      this.regions.push(code);
      for (const b of blocks) {
        const label = code.labels[b.start]!;
        this.entryFn[b.start] = code.fn;
        this.entryLabel[b.start] = label;
        this.entryLen[b.start] = code.lens[label]!;
        this.compiledOnce[b.start] = 1;
        covered.add(b.start);
        insns += b.insns.length;
      }
    }
    return insns;
  }
}

/** Compiled code of one memory, by decoded page. */
export class CodeCache {
  readonly pages = new WeakMap<Int32Array, PageCode>();
  /** regions compiled so far (statistics, tests) */
  compiled = 0;
  /** instructions in all regions compiled so far */
  compiledInsns = 0;
  /** every page's state, for debugging */
  readonly all: PageCode[] = [];
  readonly env: CompileEnv;

  constructor(
    readonly mem: GuestMemory,
    tlbMask: number,
  ) {
    this.env = { view: mem.view, tlbMask };
  }

  compile(code: PageCode, seeds: readonly number[], merge: boolean): void {
    const before = code.regions.length;
    this.compiledInsns += code.compile(this.env, seeds, merge);
    this.compiled += merge ? code.regions.length : code.regions.length - before;
  }
}

const caches = new WeakMap<GuestMemory, CodeCache>();

export function cacheOf(mem: GuestMemory, tlbMask: number): CodeCache {
  let c = caches.get(mem);
  if (c === undefined) {
    c = new CodeCache(mem, tlbMask);
    caches.set(mem, c);
  }
  return c;
}

const SLOTS = 64;

export class HartJit {
  private readonly cache: CodeCache;
  // pc's virtual page -> its PageCode, valid for one memory generation
  private readonly tags = new Float64Array(SLOTS).fill(-1);
  private readonly codes: (PageCode | undefined)[] = new Array(SLOTS).fill(undefined);
  private gen = -1;

  constructor(private readonly hart: Hart) {
    this.cache = cacheOf(hart.mem, hart.rTagLo.length - 1);
  }

  /** Regions compiled for this hart's memory so far. */
  get regionsCompiled(): number {
    return this.cache.compiled;
  }

  /** The compilation state of the page holding pc (for tests and debugging). */
  pageCodeAt(pc: number): PageCode | undefined {
    return this.lookup(pc, Math.floor(pc / PAGE_SIZE));
  }

  /** Hart.run with compiled blocks: the same contract, stop codes and counts. */
  run(budget: number): number {
    const hart = this.hart;
    const mem = hart.mem;
    const r = hart.state.r;
    const start = hart.retired;
    let stop = STOP_BUDGET;
    // the region that ran last, to notice jumps between regions of one page
    let lastCode: PageCode | undefined;
    let lastFn: RegionFn | undefined;
    for (;;) {
      const left = budget - (hart.retired - start);
      if (left <= 0) break;
      if (this.gen !== mem.generation) {
        this.tags.fill(-1);
        this.gen = mem.generation;
      }
      if (hart.gen !== mem.generation) hart.flushTlb();
      const pc = r[PC + 1]! * TWO32 + (r[PC]! >>> 0);
      const vpn = Math.floor(pc / PAGE_SIZE);
      const slot = vpn & (SLOTS - 1);
      const code = this.tags[slot] === vpn ? this.codes[slot] : this.lookup(pc, vpn);
      const off = pc - vpn * PAGE_SIZE;
      if (code === undefined || (off & 1) !== 0) {
        // Not decoded yet (or a fetch fault to report): the interpreter decodes it.
        stop = hart.interpret(1);
        if (stop !== STOP_BUDGET) break;
        continue;
      }
      if (code.page[CODE_VERSION] !== code.version) code.reset();
      const idx = off >> 1;
      const fn = code.entryFn[idx];
      if (fn !== undefined) {
        if (code.entryLen[idx]! > left) {
          stop = hart.interpret(left);
          break;
        }
        if (
          code === lastCode &&
          fn !== lastFn &&
          ++code.crossings >= MERGE_CROSSINGS &&
          code.merges < MAX_MERGES
        ) {
          this.cache.compile(code, code.hot, true);
          lastCode = undefined;
          continue;
        }
        const exit = fn(hart, code.entryLabel[idx]!, left);
        lastCode = code;
        lastFn = fn;
        if (exit === Exit.JUMP) continue;
        lastCode = undefined;
        if (exit === Exit.RARE) {
          stop = hart.interpret(1);
          if (stop !== STOP_BUDGET) break;
          continue;
        }
        // ECALL or EBREAK, with pc at the instruction (the same codes as Stop)
        hart.cause = exit === Exit.ECALL ? CAUSE_ECALL_U : CAUSE_BREAKPOINT;
        hart.tval = exit === Exit.ECALL ? 0 : r[PC + 1]! * TWO32 + (r[PC]! >>> 0);
        stop = exit;
        break;
      }
      lastCode = undefined;
      if (++code.counts[idx]! === HOT) {
        code.hot.push(idx);
        this.cache.compile(code, [idx], false);
        if (code.entryFn[idx] !== undefined) continue;
      }
      const n = code.stretch(idx);
      stop = hart.interpret(Math.min(n, left));
      if (stop !== STOP_BUDGET) break;
    }
    const ret = hart.retired;
    r[INSTRET] = ret | 0;
    r[INSTRET + 1] = Math.floor(ret / TWO32) | 0;
    return stop;
  }

  private lookup(pc: number, vpn: number): PageCode | undefined {
    const mem = this.hart.mem;
    const host = mem.translate(pc | 0, Math.floor(pc / TWO32) | 0, ACCESS_EXEC);
    if (host < 0) return undefined;
    const page = mem.codePageIfAny(host);
    if (page === undefined) return undefined;
    let code = this.cache.pages.get(page);
    if (code === undefined) {
      code = new PageCode(page, vpn * PAGE_SIZE);
      this.cache.pages.set(page, code);
      this.cache.all.push(code);
    } else if (code.pageVA !== vpn * PAGE_SIZE) {
      return undefined; // one frame mapped at two addresses: the other one runs compiled
    }
    const slot = vpn & (SLOTS - 1);
    this.tags[slot] = vpn;
    this.codes[slot] = code;
    return code;
  }
}
