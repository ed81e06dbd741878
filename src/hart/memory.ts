// What a hart needs from the memory it runs on (user mode: the process's address space; the full
// system: a physical bus): translation for its TLBs, one host buffer holding every page (guest RAM,
// a WebAssembly.Memory), device accesses, and the decoded-instruction cache kept beside the pages
// it describes (decoded-pages.ts), shared by every hart that runs them and invalidated precisely by
// `noteCodeWrite`. The memory tells its TlbHolders exactly which translations went stale; pages get
// frames when first touched, so translate may allocate one (never with `peek`).

import type { DecodedPages } from "./decoded-pages.js";

export { CODE_ENTRIES, CODE_PAGE_WORDS, CODE_STRIDE, CODE_VERSION } from "./decoded.js";
export { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "./page.js";

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

/** What `translate` returns instead of a host offset when the access must trap. */
export const XLATE_PAGE_FAULT = -1;
/** ... an access fault (no memory there; or no frame left for a user page: out of guest memory) */
export const XLATE_ACCESS_FAULT = -2;
/** ... for a peek only: a readable page that has no frame yet (all zeros) */
export const XLATE_UNBACKED = -3;
/**
 * ... a device's page: the MMU's slow path performs the access through `ioLoad`/`ioStore`, so no
 * engine needs device code (compiled code's TLB never maps such a page: its miss goes to the slow
 * path). Fetching from a device, and atomics on one, are access faults.
 */
export const XLATE_DEVICE = -4;

/** A holder of translations from this memory (a hart's TLBs, its compiled code's TLB). */
export interface TlbHolder {
  /** drop every translation of virtual pages [vpnFirst, vpnEnd) (vpn = address / 4096, as numbers) */
  dropPages(vpnFirst: number, vpnEnd: number): void;
  /** drop write translations onto the host page at host offset `hostPage` (it now holds decoded code) */
  dropWritesTo(hostPage: number): void;
}

export interface GuestMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** host offset of 16 bytes no guest page uses: a bounce buffer for accesses that straddle pages */
  readonly bounce: number;
  /**
   * Bumped whenever a mapping changes: compiled regions spanning several pages check theirs again
   * (TLBs learn exactly what went stale through tlbHolders).
   */
  readonly generation: number;
  /** harts register here; the memory tells them exactly what became stale */
  readonly tlbHolders: Set<TlbHolder>;
  /**
   * Host offset of the page holding (hi:lo), or a negative XLATE_* code when the access must trap.
   * With `peek` (an observer's read), nothing changes: no frame is allocated for an untouched page,
   * which answers XLATE_UNBACKED (it reads as zeros).
   */
  translate(lo: number, hi: number, access: number, peek?: boolean): number;
  /**
   * The decoded-instruction cache of its pages and the probes on them (decoded-pages.ts), shared by
   * every hart on this memory.
   */
  readonly code: DecodedPages;
  /**
   * A device load of `size` (1, 2, 4, 8) bytes at the address translate answered XLATE_DEVICE for:
   * the value (zero-extended) into out[0] (low word) and out[1]; false when nothing answers there
   * (an access fault).
   */
  ioLoad?(lo: number, hi: number, size: number, out: Int32Array): boolean;
  /** A device store of the low `size` bytes of (vhi:vlo); false when nothing answers there. */
  ioStore?(lo: number, hi: number, size: number, vlo: number, vhi: number): boolean;
}
