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
    /** pages it has (mmap's length: mremap growing a mapping does not grow it; a memfd's file size) */
    public size = Number.POSITIVE_INFINITY,
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

  /** `length` bytes from byte `offset` (pages never touched read as zeros). */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const at = offset + done;
      const n = Math.min(length - done, PAGE_SIZE - (at % PAGE_SIZE));
      const frame = this.frameIfAny(Math.floor(at / PAGE_SIZE));
      if (frame >= 0) {
        const host = frame * PAGE_SIZE + (at % PAGE_SIZE);
        out.set(this.pool.bytes.subarray(host, host + n), done);
      }
      done += n;
    }
    return out;
  }

  /**
   * Store `data` at byte `offset`, inside `size` (decoded code of those frames is invalidated, as
   * for a store by a hart); false when the pool has no frame left.
   */
  write(offset: number, data: Uint8Array): boolean {
    for (let done = 0; done < data.length; ) {
      const at = offset + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (at % PAGE_SIZE));
      const frame = this.frameAt(Math.floor(at / PAGE_SIZE));
      if (frame < 0) return false;
      const host = frame * PAGE_SIZE + (at % PAGE_SIZE);
      this.pool.bytes.set(data.subarray(done, done + n), host);
      if (this.pool.code.codePageIfAny(host) !== undefined) this.pool.code.noteCodeWrite(host, n);
      done += n;
    }
    return true;
  }

  /**
   * The object is cut or grown to `bytes` (ftruncate): pages past the end go, the rest of the last
   * page reads as zeros. Processes that touched a page that goes keep its frame until they unmap it.
   */
  resize(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE_SIZE);
    for (const [index, frame] of this.frames) {
      if (index < pages) continue;
      this.frames.delete(index);
      this.pool.release(frame);
    }
    const tail = this.frameIfAny(Math.floor(bytes / PAGE_SIZE));
    if (tail >= 0 && bytes % PAGE_SIZE !== 0) {
      this.pool.bytes.fill(0, tail * PAGE_SIZE + (bytes % PAGE_SIZE), (tail + 1) * PAGE_SIZE);
    }
    this.size = pages;
  }

  /** An address space no longer maps any of it; the last lets the frames go. */
  letGo(): void {
    if (--this.users > 0) return;
    for (const frame of this.frames.values()) this.pool.release(frame);
    this.frames.clear();
  }
}
