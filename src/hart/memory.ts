// What a hart needs from the memory it runs on: page translation for its TLB, one host buffer
// holding every page, and the decoded-instruction cache kept beside the pages it describes.
//
// Every guest page lives in `bytes`/`view` at a page-aligned host offset. A hart fills its TLB from
// `translate`, and must drop TLB entries whenever `generation` changes (unmap, protect, a page that
// became code). Decoded instructions are cached per host page (`codePages`), shared by every hart
// that runs the page, and invalidated precisely by `noteCodeWrite`.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

/** Words per decoded-cache entry; one entry per 2-byte slot of a page (ARCHITECTURE.md decision 2). */
export const CODE_STRIDE = 4;
export const CODE_ENTRIES = PAGE_SIZE >> 1;
/**
 * Index of a decoded page's version word, after its entries. Whoever drops or rewrites decoded
 * entries (a code write, a probe) increments it, so code compiled from the page (hart/jit) is
 * known stale.
 */
export const CODE_VERSION = CODE_ENTRIES * CODE_STRIDE;
/** Int32 words of a decoded page: its entries and the version word. */
export const CODE_PAGE_WORDS = CODE_VERSION + 1;

export interface GuestMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** host offset of 16 bytes no guest page uses: a bounce buffer for accesses that straddle pages */
  readonly bounce: number;
  /** bumped whenever a translation a hart may hold becomes wrong */
  readonly generation: number;
  /** host offset of the page holding (hi:lo), or -1 when the access must fault */
  translate(lo: number, hi: number, access: number): number;
  /** the decoded cache of the host page at `hostPage`, created (and write-protected) on first use */
  codePage(hostPage: number): Int32Array;
  /** the decoded cache of a host page, or undefined when nothing on it was decoded */
  codePageIfAny(hostPage: number): Int32Array | undefined;
  /**
   * bytes [hostOffset, hostOffset + length) were written: drop decoded entries that overlap them,
   * and bump the version word of each page where one was dropped
   */
  noteCodeWrite(hostOffset: number, length: number): void;
  /**
   * An instruction cached at `entry` of `page` has its second half at the start of the host page
   * `secondHostPage`: drop it (and bump its page's version) when those bytes are written or any
   * mapping changes.
   */
  noteCrossPageInstruction(page: Int32Array, entry: number, secondHostPage: number): void;
  /**
   * Host offsets of the probed instructions (Hart.setProbe). Decoding one marks its cache entry,
   * so a probe outlives the guest rewriting its code; it goes away with its page's mapping.
   */
  readonly probes: Set<number>;
}
