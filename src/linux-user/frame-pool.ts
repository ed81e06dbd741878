// The frames of guest RAM that every process of a user-mode run shares: one WebAssembly.Memory,
// the free list, a reference count per frame, the decoded-instruction cache of the frames and the
// TlbHolders of every hart of every process.
//
// Processes made by fork share frames copy-on-write (address-space.ts): a frame is referenced by
// as many page-table entries as hold it; it goes back to the free list when the last one lets go.
// The decoded-instruction cache is kept per frame, so a shared code page is decoded once for all
// the processes running it. TlbHolders are pool-wide because a frame that becomes code must lose
// its write translations in every hart that may hold one, whatever process it runs; an address
// space dropping its pages tells every hart (over-invalidating other processes' TLBs costs a refill,
// never correctness).

import { DecodedPages } from "../hart/decoded-pages.js";
import { PAGE_SIZE, type TlbHolder } from "../hart/memory.js";
import { guestBytes, reserveRam } from "../hart/ram.js";

export interface FramePoolOptions {
  /** bytes of guest RAM (rounded up to 64 KiB); default 4 GiB, or less when the host refuses */
  poolBytes?: number;
  /** tests only: the first fresh frame handed out (to reach high host offsets without touching them) */
  firstFreshFrame?: number;
}

export class FramePool {
  readonly memory: WebAssembly.Memory;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly frameCount: number;
  /** every hart of every address space on this pool */
  readonly tlbHolders = new Set<TlbHolder>();
  /** bumped by any mapping change in any address space on the pool (compiled regions recheck) */
  generation = 0;
  readonly code = new DecodedPages(this.tlbHolders, () => this.generation++);
  /** page-table entries holding each frame (0: free or never used) */
  private readonly refs: Int32Array;
  private readonly freeFrames: number[] = [];
  private nextFrame: number;

  constructor(o: FramePoolOptions = {}) {
    this.memory = reserveRam(o.poolBytes);
    const buffer = this.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    // frames stop below the engines' zone (ram.ts)
    this.frameCount = Math.floor(guestBytes(this.memory) / PAGE_SIZE);
    this.refs = new Int32Array(this.frameCount);
    this.nextFrame = Math.max(1, Math.min(o.firstFreshFrame ?? 1, this.frameCount));
  }

  /** A zeroed frame with one reference; -1 when none is left. */
  alloc(): number {
    const reused = this.freeFrames.pop();
    let frame: number;
    if (reused !== undefined) {
      this.bytes.fill(0, reused * PAGE_SIZE, (reused + 1) * PAGE_SIZE);
      frame = reused;
    } else {
      if (this.nextFrame >= this.frameCount) return -1;
      frame = this.nextFrame++;
    }
    this.refs[frame] = 1;
    return frame;
  }

  /** One more page-table entry holds `frame` (a fork copied it). */
  share(frame: number): void {
    this.refs[frame]!++;
  }

  /** How many entries hold `frame`. */
  refsOf(frame: number): number {
    return this.refs[frame]!;
  }

  /** An entry lets go of `frame`: the last one frees it (its decoded code and probes go too). */
  release(frame: number): void {
    if (--this.refs[frame]! > 0) return;
    this.freeFrames.push(frame);
    this.code.forgetFrame(frame * PAGE_SIZE);
  }

  /** Frames in use by any address space. */
  get framesInUse(): number {
    return this.nextFrame - 1 - this.freeFrames.length;
  }
}

/**
 * The pages of one MAP_SHARED anonymous mapping (or a shared mapping of /dev/zero): what Linux
 * keeps in a shmem file. Every address space mapping it — the one that made it, its forks — finds
 * page `index` in the same frame, so their stores are seen by each other (no copy-on-write). The
 * object holds one reference to each frame it has given out; page-table entries hold their own.
 */
export class SharedPages {
  private readonly frames = new Map<number, number>();
  /** address spaces that map some part of it (the last one to let go frees the frames) */
  users = 0;

  constructor(
    private readonly pool: FramePool,
    /** pages it has (mmap's length: mremap growing a mapping does not grow the object) */
    readonly size = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * The frame of page `index`, a zeroed one on first use; -1 when the pool has none left, -2 past
   * the object's end (Linux: SIGBUS).
   */
  frameAt(index: number): number {
    if (index >= this.size) return -2;
    let frame = this.frames.get(index);
    if (frame === undefined) {
      frame = this.pool.alloc();
      if (frame < 0) return -1;
      this.frames.set(index, frame);
    }
    return frame;
  }

  /** The frame of page `index` if some process has touched it, else -1. */
  frameIfAny(index: number): number {
    return this.frames.get(index) ?? -1;
  }

  /** An address space no longer maps any of it; the last lets the frames go. */
  letGo(): void {
    if (--this.users > 0) return;
    for (const frame of this.frames.values()) this.pool.release(frame);
    this.frames.clear();
  }
}
