// What the block compiler knows about one decoded page (the Int32Array GuestMemory.codePage gives),
// shared by every hart of the memory: how often each entry started a block, and which compiled
// region runs from each entry.

import { CODE_ENTRIES, CODE_VERSION } from "../memory.js";
import { Slab } from "../slab.js";
import { type CodePage, stretchLength } from "./region.js";
import type { RegionCode } from "./region-code.js";

/** A compiled region: generated code for blocks of one or more pages. */
export class Region {
  /** false once dropped (code changed, a page remapped) or replaced by a larger region */
  valid = true;
  /** the memory generation its pages' mappings were last checked in, and the hart's epoch (Mmu.epoch) */
  gen: number;
  epoch = 0;
  /** it holds FP instructions: it runs only while mstatus.FS is on */
  fp = false;
  /** jumps from this region into another region, through the run loop, by target pc */
  crossings = 0;
  readonly exits = new Map<number, number>();
  /** instructions it retired (a chain's, when it was the chain's last region: the run loop's count) */
  // (a double from the start, as CodeCache.retired: passing 2^30 changed every Region's map)
  executed = -0;
  /** whether its accesses share TLB checks; side exits at such a check whose first access hit */
  grouped = true;
  spanExits = 0;
  /** crossings at which merging is considered next */
  nextCheck: number;
  /** merges this region's code went through */
  grown = 0;
  /** its slot in the wasm runtime's table (wasm/runtime.ts) */
  readonly slot: number;
  /** instructions in its blocks */
  readonly size: number;

  /** the engine's resources of the code (wasm: its table slot), given back once it is dropped */
  private release: (() => void) | undefined;
  /** side exits: the pc to interpret, instructions of its block retired before it */
  readonly exitPc: Float64Array;
  readonly exitRetired: Int32Array;
  readonly exitFired: Uint8Array;

  constructor(
    code: RegionCode,
    /** its pages; their versions when compiled */
    readonly pages: readonly PageCode[],
    readonly versions: readonly number[],
    /** its blocks: page index in `pages`, entry, label, length */
    readonly blocks: readonly { page: number; start: number; label: number; len: number }[],
    gen: number,
    growAt: number,
  ) {
    this.release = code.release;
    this.slot = code.slot;
    this.size = blocks.reduce((n, b) => n + b.len, 0);
    this.exitPc = code.exitPc;
    this.exitRetired = code.exitRetired;
    this.exitFired = code.exitFired;
    this.gen = gen;
    this.nextCheck = growAt;
  }

  /** It will not run again (dropped, or its page's code changed): its engine resources go. */
  retire(): void {
    this.valid = false;
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** Its code is still what the pages hold (single-page regions are checked by the run loop). */
  current(): boolean {
    for (let p = 0; p < this.pages.length; p++) {
      const pg = this.pages[p]!;
      if (pg.page[CODE_VERSION] !== this.versions[p]) return false;
    }
    return true;
  }
}

/** where every PageCode's tables are carved from */
const tables = new Slab();

export class PageCode implements CodePage {
  /** the page version the counts and entries below belong to */
  version: number;
  // The per-entry tables come from slabs (../slab.ts): a run touches few of their entries.
  /** executions of each entry as a block start, counted while no region runs from it */
  readonly counts = tables.int32s(CODE_ENTRIES);
  /** cached stretch lengths for the interpreter (0: not known) */
  readonly stretches = tables.uint16s(CODE_ENTRIES);
  /** entries that started a block of a region of this version (they stay warm for growth) */
  readonly compiled = tables.uint8s(CODE_ENTRIES);
  /** per entry: the region whose block starts there, the block's label and length */
  readonly entryRegion: (Region | undefined)[] = new Array(CODE_ENTRIES).fill(undefined);
  readonly entryLabel = tables.int16s(CODE_ENTRIES);
  readonly entryLen = tables.uint16s(CODE_ENTRIES);

  constructor(
    readonly page: Int32Array,
    readonly pageVA: number,
  ) {
    this.version = page[CODE_VERSION]!;
  }

  /** The page's code changed: forget everything learned about it (its regions fail `current`). */
  reset(): void {
    // its regions are stale for good (their version differs)
    for (const region of this.entryRegion) if (region !== undefined && !region.current()) region.retire();
    this.version = this.page[CODE_VERSION]!;
    this.counts.fill(0);
    this.stretches.fill(0);
    this.compiled.fill(0);
    this.entryRegion.fill(undefined);
  }

  stretch(idx: number): number {
    const cached = this.stretches[idx]!;
    if (cached !== 0) return cached;
    const n = stretchLength(this.page, idx);
    if (n < 0) return -n;
    this.stretches[idx] = Math.min(n, 0xffff);
    return n;
  }
}
