// The virtual address space of a user-mode Linux process: mappings with protections, backed by
// frames of guest RAM. Harts translate through it (GuestMemory); the syscall layer maps, unmaps and
// copies through it with the kernel's view (protections ignored, faults reported).
//
// Mappings are intervals of pages (start, end, prot), sorted and non-overlapping (intervals.ts).
// A page gets a frame only when first touched: by a hart's translate or by the kernel writing it.
// So mapping, protecting, moving or unmapping costs time in the mappings and touched pages it
// involves, never in its size: a 64 GiB PROT_NONE reservation is one interval and no frames.
// Touched pages are kept in chunks of 512 (a 2 MiB span): chunk key → Int32Array of entries
// (frame * 16 + COW + prot, 0 = no frame yet) and, in its last slot, how many entries are set.
//
// Guest RAM is one WebAssembly.Memory (4 GiB reserved; the host commits pages as they are touched),
// so compiled WebAssembly can address it directly; every process of a run takes its frames from
// that one pool (frame-pool.ts). Frame f is at host offset f * 4096; offsets are numbers in
// [0, 2^32). Frame 0 is the harts' bounce buffer. Fresh frames come from low offsets up (so
// ordinary programs stay below 2 GiB); freed frames are reused first, zeroed when reused.
//
// Copy-on-write (fork): `fork()` copies the page tables — the intervals and the chunks of touched
// pages, nothing else — and every copied entry takes one more reference to its frame; in both the
// parent and the child the entry loses its write permission and gets the COW bit. So a fork costs
// time in the pages the parent has touched, never in what it has mapped, and no frame is copied.
// A write to a COW page (a hart's store through translate, or the kernel's copy into it) takes
// translate's slow path: if the frame is still shared it is copied to a fresh frame that the entry
// alone holds, else (the others let go of it) the entry just gets its write permission back; in
// both cases the COW bit goes. The frame a process leaves keeps its contents and decoded code for
// the processes still holding it. Harts' TLBs hold write translations only of writable entries, so
// the first store to a COW page always reaches the slow path; after a fork the parent's harts drop
// every translation.
//
// What counts against the memory cap (capBytes): every page of an accessible mapping (any of
// PROT_READ, PROT_WRITE, PROT_EXEC), whether touched or not, plus touched pages of PROT_NONE
// mappings (they keep their contents). Untouched PROT_NONE pages are free: reserving address space
// costs nothing, as under Linux's overcommit accounting. map and protect refuse (OutOfGuestMemory,
// nothing changed) what would take more than the cap; the syscalls answer ENOMEM. With the cap at
// most the pool, frames run out only if the kernel side writes into untouched PROT_NONE pages past
// the cap; then translate returns -2 (an access fault) and `outOfMemory` says so.

import type { DecodedPages } from "../hart/decoded-pages.js";
import {
  type GuestMemory,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  type TlbHolder,
  XLATE_ACCESS_FAULT,
  XLATE_PAGE_FAULT,
  XLATE_UNBACKED,
} from "../hart/memory.js";
import { mib } from "../hart/ram.js";
import { FramePool, type SharedPages } from "./frame-pool.js";
import { IntervalList } from "./intervals.js";

export { PAGE_SIZE };
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** Guest user addresses stay below 2^47, as with Linux's Sv48 user half. */
export const USER_TOP = 2 ** 47;
const USER_TOP_HI = USER_TOP / 2 ** 32;

/** Pages per chunk of the touched-page table, and the chunk slot counting its set entries. */
const CHUNK_SHIFT = 9;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_COUNT = CHUNK;
/**
 * Chunks and pages per unit of an address's high word, as constants: V8 does not fold `2 ** n`
 * and called its pow in translate, the harts' every TLB fill (hashtab: 4.7% of its samples).
 */
const CHUNKS_PER_HI = 2 ** (32 - PAGE_SHIFT - CHUNK_SHIFT);
const PAGES_PER_HI = 2 ** (32 - PAGE_SHIFT);

/** Entry = frame << FRAME_SHIFT | COW | prot (the protection bits the harts may use). */
const FRAME_SHIFT = 4;
/** The frame may be shared: a write must copy it first (the entry's write bit is clear meanwhile). */
const COW = 8;
/** Entry bits that say what the mapping allows (prot with write given back when COW). */
const protOfEntry = (e: number): number => (e & 7) | (e & COW ? 2 : 0);

export class GuestFault extends Error {
  constructor(
    readonly addr: number,
    readonly access: "read" | "write" | "exec",
  ) {
    super(`invalid ${access} at 0x${addr.toString(16)}`);
  }
}

/** A mapping or protection change refused because it would take more memory than the cap. */
export class OutOfGuestMemory extends Error {
  constructor(readonly capBytes: number) {
    super(`out of guest memory (cap ${mib(capBytes)} MiB)`);
  }
}

export interface AddressSpaceOptions {
  /** bytes of guest RAM (rounded up to 64 KiB); default 4 GiB, or less when the host refuses */
  poolBytes?: number;
  /** most memory the mappings may take (see the top of this file); default the whole pool */
  capBytes?: number;
  /** tests only: the first fresh frame handed out (to reach high host offsets without touching them) */
  firstFreshFrame?: number;
  /** the frames to take pages from (another process's: fork); default a new pool */
  pool?: FramePool;
}

/** A mapping, in pages: [start, end) with one protection. */
interface Mapping {
  start: number;
  end: number;
  prot: number;
  /** MAP_SHARED anonymous memory: its pages are `shared`'s, from page `pgoff` on (see SharedPages) */
  shared?: SharedPages;
  pgoff: number;
}

export class AddressSpace implements GuestMemory {
  readonly pool: FramePool;
  readonly memory: WebAssembly.Memory;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** frame 0 never backs a guest page: it is the harts' bounce buffer */
  readonly bounce = 0;
  /** the pool's harts (every process's) */
  readonly tlbHolders: Set<TlbHolder>;
  /** the decoded-instruction cache of the frames, and the probes (GuestMemory's code side) */
  readonly code: DecodedPages;
  /** most bytes the mappings may take (see the top of this file) */
  readonly capBytes: number;
  /** processes using this address space (a vfork child shares its parent's until it execs) */
  users = 1;
  /** set when a touch found no free frame: why the guest stopped ("out of guest memory (cap N MiB)") */
  outOfMemory: string | undefined = undefined;

  private readonly maps = new IntervalList<Mapping>(
    (m, at) => ({ start: at, end: m.end, prot: m.prot, shared: m.shared, pgoff: m.pgoff + (at - m.start) }),
    (a, b) =>
      a.prot === b.prot &&
      a.shared === b.shared &&
      (a.shared === undefined || a.pgoff + (a.end - a.start) === b.pgoff),
  );
  /** the shared objects some mapping of this address space maps (each counts this space once) */
  private readonly sharedObjects = new Set<SharedPages>();
  /** touched pages: chunk key (vpn >> CHUNK_SHIFT) → entries (see FRAME_SHIFT), count at CHUNK_COUNT */
  private readonly chunks = new Map<number, Int32Array>();
  /** pages of accessible mappings (-0: a double from the start, as for a count past 2^30 — see CodeCache.retired) */
  private accessiblePages = -0;
  /** touched pages of PROT_NONE mappings */
  private noneFrames = 0;
  private readonly capPages: number;
  /**
   * What findFree's last walk learned: no gap in [low, top) (pages) is larger than maxGap pages.
   * Mapping more keeps that true; freeing pages there forgets it.
   */
  private readonly freeScan = { top: -1, low: -1, maxGap: 0 };

  constructor(options: number | AddressSpaceOptions = {}) {
    const o = typeof options === "number" ? { poolBytes: options } : options;
    const pool = o.pool ?? new FramePool(o);
    this.pool = pool;
    this.memory = pool.memory;
    this.bytes = pool.bytes;
    this.view = pool.view;
    this.tlbHolders = pool.tlbHolders;
    this.code = pool.code;
    const usable = (pool.frameCount - 1) * PAGE_SIZE;
    this.capBytes = Math.min(o.capBytes ?? usable, usable);
    this.capPages = Math.floor(this.capBytes / PAGE_SIZE);
  }

  /** Bumped by any mapping change on the pool (GuestMemory.generation). */
  get generation(): number {
    return this.pool.generation;
  }

  /**
   * fork: a new address space on the same pool with the same mappings and contents, sharing
   * every touched frame copy-on-write (see the top of this file). Costs time in touched pages.
   */
  fork(): AddressSpace {
    const child = new AddressSpace({ pool: this.pool, capBytes: this.capBytes });
    for (const m of this.maps.items) child.maps.insert({ ...m });
    for (const o of this.sharedObjects) {
      o.users++;
      child.sharedObjects.add(o);
    }
    child.accessiblePages = this.accessiblePages;
    child.noneFrames = this.noneFrames;
    const pool = this.pool;
    const anyShared = this.sharedObjects.size > 0;
    for (const [key, chunk] of this.chunks) {
      for (let i = 0; i < CHUNK; i++) {
        const e = chunk[i]!;
        if (e === 0) continue;
        pool.share(e >>> FRAME_SHIFT);
        // MAP_SHARED pages stay writable in both: the frame is shared by reference
        if (e & 2 && !(anyShared && this.maps.find(key * CHUNK + i)?.shared)) chunk[i] = (e & ~2) | COW;
      }
      child.chunks.set(key, chunk.slice());
    }
    // The parent's harts may hold write translations of what is now copy-on-write.
    this.dropPages(0, USER_TOP / PAGE_SIZE);
    this.mappingsChanged(0, USER_TOP / PAGE_SIZE);
    return child;
  }

  /** Every mapping goes, every frame is let go of (the process exited or exec'd). */
  releaseAll(): void {
    this.release(0, USER_TOP / PAGE_SIZE);
    this.mappingsChanged(0, USER_TOP / PAGE_SIZE);
  }

  // ---- GuestMemory (the harts' side) ----

  /**
   * Host offset of the page holding (hi:lo) for `access`, giving it a frame on its first touch;
   * XLATE_PAGE_FAULT when the access must fault, XLATE_ACCESS_FAULT when no frame is left
   * (outOfMemory says why). With `peek` (an observer's read) nothing changes: an untouched page
   * answers XLATE_UNBACKED (it reads as zeros).
   */
  translate(lo: number, hi: number, access: number, peek = false): number {
    if (hi < 0 || hi >= USER_TOP_HI) return XLATE_PAGE_FAULT;
    const chunk = this.chunks.get(hi * CHUNKS_PER_HI + (lo >>> (PAGE_SHIFT + CHUNK_SHIFT)));
    if (chunk !== undefined) {
      // PROT_READ/WRITE/EXEC are 1 << ACCESS_READ/WRITE/EXEC.
      const entry = chunk[(lo >>> PAGE_SHIFT) & (CHUNK - 1)]!;
      if ((entry & (1 << access)) !== 0) return (entry >>> FRAME_SHIFT) * PAGE_SIZE;
    }
    return this.firstTouch(hi * PAGES_PER_HI + (lo >>> PAGE_SHIFT), 1 << access, peek);
  }

  /** translate's slow path: a page without a frame yet, or an access that faults. */
  private firstTouch(vpn: number, needed: number, peek: boolean): number {
    const m = this.maps.find(vpn);
    if (m === undefined || (m.prot & needed) === 0) return XLATE_PAGE_FAULT;
    const entry = this.entryOf(vpn);
    if (entry !== 0) {
      if ((entry & needed) === 0 && !peek) {
        // a store to a copy-on-write page
        const frame = this.ownFrame(vpn, entry);
        return frame < 0 ? XLATE_ACCESS_FAULT : frame * PAGE_SIZE;
      }
      return (entry >>> FRAME_SHIFT) * PAGE_SIZE;
    }
    if (peek) {
      // another process may have given a shared page its frame already
      const shared = m.shared?.frameIfAny(m.pgoff + (vpn - m.start)) ?? -1;
      return shared >= 0 ? shared * PAGE_SIZE : XLATE_UNBACKED;
    }
    const frame = this.giveFrame(vpn, m);
    if (frame === -2) return XLATE_PAGE_FAULT; // past a shared object's end (pastSharedEnd)
    return frame < 0 ? XLATE_ACCESS_FAULT : frame * PAGE_SIZE;
  }

  /**
   * The page vpn (entry COW) is about to be written: give it a frame of its own — a copy while
   * others still hold its frame, else the frame itself — and its write permission back.
   * Returns the frame, or -1 (outOfMemory set) when no frame is left for the copy.
   */
  private ownFrame(vpn: number, entry: number): number {
    const pool = this.pool;
    let frame = entry >>> FRAME_SHIFT;
    if (pool.refsOf(frame) > 1) {
      const copy = pool.alloc();
      if (copy < 0) {
        this.outOfMemory = `out of guest memory (cap ${mib(this.capBytes)} MiB)`;
        return -1;
      }
      this.bytes.copyWithin(copy * PAGE_SIZE, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
      pool.release(frame);
      frame = copy;
      // harts may still hold read or execute translations onto the shared frame
      this.dropPages(vpn, vpn + 1);
    }
    const chunk = this.chunks.get(Math.floor(vpn / CHUNK))!;
    chunk[vpn % CHUNK] = (frame << FRAME_SHIFT) | protOfEntry(entry);
    return frame;
  }

  // ---- mappings (the kernel's side) ----

  /**
   * Map [addr, addr + length) afresh with `prot`, replacing whatever was there (its contents
   * are gone: the pages read as zero). Throws OutOfGuestMemory, changing nothing, past the cap.
   */
  map(addr: number, length: number, prot: number, shared?: SharedPages, sharedPage = 0): void {
    this.checkRange(addr, length);
    const first = addr / PAGE_SIZE;
    const end = first + pageCount(length);
    if (end === first) return;
    prot &= 7;
    const old = this.maps.overlapping(first, end);
    if (prot !== 0) {
      let freed = 0;
      for (const m of old) if (m.prot !== 0) freed += Math.min(m.end, end) - Math.max(m.start, first);
      const grow = end - first - freed;
      if (this.overCap(grow) && this.overCap(grow - this.touchedNone(first, end))) {
        throw new OutOfGuestMemory(this.capBytes);
      }
    }
    this.release(first, end);
    this.maps.insert({ start: first, end, prot, shared, pgoff: sharedPage });
    if (shared !== undefined && !this.sharedObjects.has(shared)) {
      shared.users++;
      this.sharedObjects.add(shared);
    }
    if (prot !== 0) this.accessiblePages += end - first;
    this.mappingsChanged(first, end);
  }

  unmap(addr: number, length: number): void {
    this.checkRange(addr, length);
    const first = addr / PAGE_SIZE;
    const end = first + pageCount(length);
    this.release(first, end);
    this.mappingsChanged(first, end);
  }

  /**
   * Change the protection of [addr, addr + length), which must be mapped throughout (else a
   * GuestFault at the first hole). Throws OutOfGuestMemory, changing nothing, past the cap.
   */
  protect(addr: number, length: number, prot: number): void {
    this.checkRange(addr, length);
    const first = addr / PAGE_SIZE;
    const end = first + pageCount(length);
    prot &= 7;
    const hole = this.maps.firstHole(first, end);
    if (hole >= 0) throw new GuestFault(hole * PAGE_SIZE, "read");
    if (prot !== 0) {
      let grow = 0;
      for (const m of this.maps.overlapping(first, end)) {
        if (m.prot === 0) grow += Math.min(m.end, end) - Math.max(m.start, first);
      }
      if (this.overCap(grow) && this.overCap(grow - this.touchedNone(first, end))) {
        throw new OutOfGuestMemory(this.capBytes);
      }
    }
    const pieces = this.maps.carve(first, end);
    for (const m of pieces) {
      if (m.prot === prot) continue;
      if (m.prot === 0) this.accessiblePages += m.end - m.start;
      if (prot === 0) this.accessiblePages -= m.end - m.start;
      this.forTouched(m.start, m.end, (chunk, i) => {
        const entry = chunk[i]!;
        if (protOfEntry(entry) === 0) this.noneFrames--;
        if (prot === 0) this.noneFrames++;
        // a frame shared by a fork stays copy-on-write whatever the new protection (not MAP_SHARED's)
        const cow =
          m.shared === undefined &&
          (entry & COW || (prot & 2 && this.pool.refsOf(entry >>> FRAME_SHIFT) > 1));
        chunk[i] = (entry & ~15) | (cow ? (prot & ~2) | (prot & 2 ? COW : 0) : prot);
      });
      this.dropPages(m.start, m.end);
    }
    for (const m of pieces) this.maps.insert({ ...m, prot });
    this.mappingsChanged(first, end);
  }

  /**
   * Move the pages of [from, from+length), which must be mapped throughout, to `to` (mremap): their
   * frames, contents and protections go along; whatever was mapped at `to` is unmapped.
   */
  move(from: number, to: number, length: number): void {
    this.checkRange(from, length);
    this.checkRange(to, length);
    const first = from / PAGE_SIZE;
    const n = pageCount(length);
    const hole = this.maps.firstHole(first, first + n);
    if (hole >= 0) throw new GuestFault(hole * PAGE_SIZE, "read");
    const pieces = this.maps.carve(first, first + n);
    this.freed(first, first + n);
    const moved: number[] = [];
    this.forTouched(first, first + n, (chunk, i, vpn) => {
      moved.push(vpn, chunk[i]!);
      chunk[i] = 0;
      chunk[CHUNK_COUNT]!--;
    });
    for (const m of pieces) this.dropPages(m.start, m.end);
    // The moved pages keep their charge against the cap; what was at the target gives its up.
    const delta = to / PAGE_SIZE - first;
    // (the moved pieces are out of the list meanwhile: the objects they map must not look unmapped)
    const sharedGone = this.release(first + delta, first + n + delta, false);
    for (const m of pieces) this.maps.insert({ ...m, start: m.start + delta, end: m.end + delta });
    for (let k = 0; k < moved.length; k += 2) this.setEntry(moved[k]! + delta, moved[k + 1]!);
    if (sharedGone) this.forgetUnmappedObjects();
    this.code.forgetCrossPage(first + delta, first + n + delta);
    this.mappingsChanged(first, first + n);
  }

  /** Give back the frames of [addr, addr + length) (MADV_DONTNEED): the pages stay mapped and read as zero. */
  discard(addr: number, length: number): void {
    this.checkRange(addr, length);
    const first = addr / PAGE_SIZE;
    const end = first + pageCount(length);
    this.freeTouched(first, end);
    for (const m of this.maps.overlapping(first, end)) {
      this.dropPages(Math.max(m.start, first), Math.min(m.end, end));
    }
    this.mappingsChanged(first, end);
  }

  isMapped(addr: number, length = 1): boolean {
    if (addr < 0 || addr + length > USER_TOP) return false;
    return this.maps.covers(Math.floor(addr / PAGE_SIZE), Math.ceil((addr + length) / PAGE_SIZE));
  }

  /** Protection of the page holding addr, or -1 when unmapped. */
  protOf(addr: number): number {
    return this.maps.find(Math.floor(addr / PAGE_SIZE))?.prot ?? -1;
  }

  /**
   * A free page-aligned range of `length` bytes: the highest below `below` (as Linux's top-down
   * mmap places things); -1 if none.
   */
  findFree(length: number, below = USER_TOP): number {
    const n = pageCount(length);
    const limit = Math.floor(below / PAGE_SIZE);
    // Walk the gaps between mappings downwards from `below`, or from where the last walk from
    // there stopped when every gap it passed is too small for this one: mappings placed one
    // below the other then cost O(1) each, not a walk over all of them.
    const scan = this.freeScan;
    if (scan.top !== limit || n <= scan.maxGap) {
      scan.top = limit;
      scan.low = limit;
      scan.maxGap = 0;
    }
    let top = scan.low;
    let found = -1;
    this.maps.forEachBelow(top, (m) => {
      if (m.end <= top) {
        if (top - m.end >= n) {
          found = top - n;
          return true;
        }
        scan.maxGap = Math.max(scan.maxGap, top - m.end);
      }
      top = m.start;
      scan.low = top;
    });
    if (found >= 0) return found * PAGE_SIZE;
    // Below every mapping; the lowest 16 pages stay unmapped (mmap_min_addr).
    return top >= n + 16 ? (top - n) * PAGE_SIZE : -1;
  }

  /** The mappings, in bytes, in address order (touching ones of one protection are one). */
  mappings(): { start: number; end: number; prot: number }[] {
    return this.maps.items.map((m) => ({ start: m.start * PAGE_SIZE, end: m.end * PAGE_SIZE, prot: m.prot }));
  }

  /** Bytes of memory the mappings take against the cap (see the top of this file). */
  get chargedBytes(): number {
    return (this.accessiblePages + this.noneFrames) * PAGE_SIZE;
  }

  /** Frames in use (touched pages) in the whole pool. */
  get framesInUse(): number {
    return this.pool.framesInUse;
  }

  private overCap(morePages: number): boolean {
    return this.accessiblePages + this.noneFrames + morePages > this.capPages;
  }

  /** Touched pages of PROT_NONE mappings in [first, end). */
  private touchedNone(first: number, end: number): number {
    let n = 0;
    this.forTouched(first, end, (chunk, i) => {
      if (protOfEntry(chunk[i]!) === 0) n++;
    });
    return n;
  }

  /**
   * Unmap [first, end) (pages): free its frames, forget its mappings, tell the harts, and let go
   * of shared objects no longer mapped (unless `forget` is false: then it says whether some went).
   */
  private release(first: number, end: number, forget = true): boolean {
    this.freeTouched(first, end);
    const gone = this.maps.carve(first, end);
    if (gone.length !== 0) this.freed(first, end);
    for (const m of gone) {
      if (m.prot !== 0) this.accessiblePages -= m.end - m.start;
      this.dropPages(m.start, m.end);
    }
    const sharedGone = gone.some((m) => m.shared !== undefined);
    if (sharedGone && forget) this.forgetUnmappedObjects();
    return sharedGone;
  }

  /** Shared objects no mapping of this space maps any more are let go of (the last user frees them). */
  private forgetUnmappedObjects(): void {
    const still = new Set<SharedPages>();
    for (const m of this.maps.items) if (m.shared !== undefined) still.add(m.shared);
    for (const o of this.sharedObjects) {
      if (still.has(o)) continue;
      this.sharedObjects.delete(o);
      o.letGo();
    }
  }

  /** Whether addr lies in a shared mapping past the end of its object (mremap grew the mapping). */
  pastSharedEnd(addr: number): boolean {
    const at = this.sharedAt(addr);
    return at !== undefined && at.page >= at.pages.size;
  }

  /** The shared object mapped at addr and the index of addr's page in it (undefined: private). */
  sharedAt(addr: number): { pages: SharedPages; page: number } | undefined {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const m = this.maps.find(vpn);
    return m?.shared === undefined ? undefined : { pages: m.shared, page: m.pgoff + (vpn - m.start) };
  }

  /**
   * The futex key of addr when it lies in MAP_SHARED memory: the host offset of the byte (the
   * page is given its frame if it has none), the same in every process mapping it; -1 for private
   * memory, whose futexes are told apart by address space and address (futex(2)).
   */
  sharedKey(addr: number): number {
    const m = this.maps.find(Math.floor(addr / PAGE_SIZE));
    if (m?.shared === undefined) return -1;
    return this.hostOffset(addr, "read");
  }

  /** Pages [first, end) may have become free: findFree's knowledge of that part is gone. */
  private freed(first: number, end: number): void {
    if (first < this.freeScan.top && end > this.freeScan.low) this.freeScan.top = -1;
  }

  private freeTouched(first: number, end: number): void {
    this.forTouched(first, end, (chunk, i) => {
      const entry = chunk[i]!;
      if (protOfEntry(entry) === 0) this.noneFrames--;
      chunk[i] = 0;
      chunk[CHUNK_COUNT]!--;
      this.pool.release(entry >>> FRAME_SHIFT);
    });
  }

  private dropPages(vpnFirst: number, vpnEnd: number): void {
    for (const h of this.tlbHolders) h.dropPages(vpnFirst, vpnEnd);
  }

  /** The mappings of virtual pages [first, end) changed. */
  private mappingsChanged(first: number, end: number): void {
    this.code.forgetCrossPage(first, end);
    this.pool.generation++;
  }

  // ---- copies (the kernel's view: protections are not checked) ----

  /** Host offset of guest byte addr (giving its page a frame if it has none yet), or a GuestFault. */
  hostOffset(addr: number, access: "read" | "write" = "read"): number {
    const at = this.peekOffset(addr, access);
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (at >= 0) {
      if (access === "read") return at;
      const entry = this.entryOf(vpn);
      if ((entry & COW) === 0 && this.pool.refsOf(entry >>> FRAME_SHIFT) === 1) return at;
      if ((entry & COW) === 0 && this.maps.find(vpn)?.shared !== undefined) return at;
      // the kernel writes whatever the protection: a shared frame is copied first
      const frame = this.ownFrame(vpn, entry);
      if (frame < 0) throw new GuestFault(addr, access);
      return frame * PAGE_SIZE + (addr % PAGE_SIZE);
    }
    const frame = this.giveFrame(vpn, this.maps.find(vpn)!);
    if (frame < 0) throw new GuestFault(addr, access);
    return frame * PAGE_SIZE + (addr % PAGE_SIZE);
  }

  /** Host offset of guest byte addr, -1 when its page is mapped but untouched (reads as zero), or a GuestFault. */
  private peekOffset(addr: number, access: "read" | "write"): number {
    if (!(addr >= 0 && addr < USER_TOP)) throw new GuestFault(addr, access);
    const vpn = Math.floor(addr / PAGE_SIZE);
    const entry = this.entryOf(vpn);
    if (entry !== 0) return (entry >>> FRAME_SHIFT) * PAGE_SIZE + (addr % PAGE_SIZE);
    const m = this.maps.find(vpn);
    if (m === undefined) throw new GuestFault(addr, access);
    if (m.shared === undefined) return -1;
    // a shared page untouched here may hold another process's stores: take its frame
    const frame = this.giveFrame(vpn, m);
    if (frame < 0) throw new GuestFault(addr, access);
    return frame * PAGE_SIZE + (addr % PAGE_SIZE);
  }

  read(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const n = Math.min(length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const at = this.peekOffset(a, "read");
      if (at >= 0) out.set(this.bytes.subarray(at, at + n), done);
      done += n;
    }
    return out;
  }

  write(addr: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const at = this.hostOffset(addr + done, "write");
      const n = Math.min(data.length - done, PAGE_SIZE - (at & PAGE_MASK));
      this.bytes.set(data.subarray(done, done + n), at);
      if (this.code.codePageIfAny(at) !== undefined) this.code.noteCodeWrite(at, n);
      done += n;
    }
  }

  readCString(addr: number, max = 4096): string {
    const chunks: number[] = [];
    for (let i = 0; i < max; i++) {
      const at = this.peekOffset(addr + i, "read");
      const b = at < 0 ? 0 : this.bytes[at]!;
      if (b === 0) return Buffer.from(chunks).toString("utf8");
      chunks.push(b);
    }
    throw new GuestFault(addr + max, "read");
  }

  readU32(addr: number): number {
    return new DataView(this.read(addr, 4).buffer).getUint32(0, true);
  }

  readU64(addr: number): number {
    const v = new DataView(this.read(addr, 8).buffer);
    return v.getUint32(4, true) * 2 ** 32 + v.getUint32(0, true);
  }

  writeU32(addr: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(addr, b);
  }

  writeU64(addr: number, value: number | bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    this.write(addr, b);
  }

  // ---- touched pages and frames ----

  private entryOf(vpn: number): number {
    const chunk = this.chunks.get(Math.floor(vpn / CHUNK));
    return chunk === undefined ? 0 : chunk[vpn % CHUNK]!;
  }

  /** Set the entry of an untouched page. */
  private setEntry(vpn: number, entry: number): void {
    const key = Math.floor(vpn / CHUNK);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      chunk = new Int32Array(CHUNK + 1);
      this.chunks.set(key, chunk);
    }
    chunk[vpn % CHUNK] = entry;
    chunk[CHUNK_COUNT]!++;
  }

  /**
   * A frame for the untouched page vpn of mapping m — a fresh one, or its shared object's — ;
   * -1 (and outOfMemory set) when none is left, -2 past the end of its shared object.
   */
  private giveFrame(vpn: number, m: Mapping): number {
    const prot = m.prot;
    let frame: number;
    if (m.shared !== undefined) {
      frame = m.shared.frameAt(m.pgoff + (vpn - m.start));
      if (frame === -2) return -2;
      if (frame >= 0) this.pool.share(frame);
    } else frame = this.pool.alloc();
    if (frame < 0) {
      this.outOfMemory = `out of guest memory (cap ${mib(this.capBytes)} MiB)`;
      return -1;
    }
    this.setEntry(vpn, (frame << FRAME_SHIFT) | prot);
    if (prot === 0) this.noneFrames++;
    return frame;
  }

  /**
   * Call fn for every touched page of [first, end): its chunk, index in the chunk and page number.
   * fn may clear the entry (and decrement the chunk's count); emptied chunks are dropped. Visits
   * the chunks of the range or the table's chunks, whichever are fewer.
   */
  private forTouched(
    first: number,
    end: number,
    fn: (chunk: Int32Array, i: number, vpn: number) => void,
  ): void {
    if (end <= first || this.chunks.size === 0) return;
    const k0 = Math.floor(first / CHUNK);
    const k1 = Math.floor((end - 1) / CHUNK);
    let keys: number[];
    if (k1 - k0 < this.chunks.size) {
      keys = [];
      for (let k = k0; k <= k1; k++) if (this.chunks.has(k)) keys.push(k);
    } else {
      keys = [...this.chunks.keys()].filter((k) => k >= k0 && k <= k1);
    }
    for (const k of keys) {
      const chunk = this.chunks.get(k)!;
      const base = k * CHUNK;
      const from = Math.max(first, base) - base;
      const to = Math.min(end, base + CHUNK) - base;
      for (let i = from; i < to; i++) if (chunk[i] !== 0) fn(chunk, i, base + i);
      if (chunk[CHUNK_COUNT] === 0) this.chunks.delete(k);
    }
  }

  private checkRange(addr: number, length: number): void {
    if (addr % PAGE_SIZE !== 0 || addr < 0 || length < 0 || addr + length > USER_TOP) {
      throw new RangeError(`bad page range 0x${addr.toString(16)}+0x${length.toString(16)}`);
    }
  }
}

function pageCount(length: number): number {
  return Math.ceil(length / PAGE_SIZE);
}
