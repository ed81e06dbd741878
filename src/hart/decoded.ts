// The decoded-instruction cache's layout: a leaf module, the one place that knows it.
//
// Decoded instructions are cached per host page of guest memory (GuestMemory.codePage), one entry
// of CODE_STRIDE int32 words per 2-byte slot, so a 32-bit instruction at any 2-byte boundary has
// an entry (C extension):
//   w0  op | rd << 9 | rs1 << 15 | rs2 << 20 | rs3 << 25 | LEN4 | VALID   (0: not decoded yet)
//   w1  immediate (Decoded.imm)
//   w2  rm field (FP rounding mode, or aq << 1 | rl)
//   w3  the entry's own w0 while a probe replaces it (OP_PROBE): probes live in the cache, never in
//       guest memory, and unprobed instructions pay nothing for them (ARCHITECTURE.md decision 4)
// After the entries, one version word: whoever drops or rewrites entries (a store over code, a
// probe) increments it, so code compiled from the page is known stale.

import { PAGE_SIZE } from "./page.js";

export const CODE_STRIDE = 4;
export const CODE_ENTRIES = PAGE_SIZE >> 1;
/** Index of a decoded page's version word. */
export const CODE_VERSION = CODE_ENTRIES * CODE_STRIDE;
/** Int32 words of a decoded page: its entries and the version word. */
export const CODE_PAGE_WORDS = CODE_VERSION + 1;
/** Words of entries per page: an entry index e = (pc - pageVA) * 2 ranges below this. */
export const PAGE_ENTRY_WORDS = CODE_VERSION;

export const W_IMM = 1;
export const W_RM = 2;
export const W_SAVED = 3;

export const VALID = 1 << 31;
/** a 4-byte instruction (else 2 bytes) */
export const LEN4 = 1 << 30;
/** The op a probed entry carries; the original w0 waits in w3. Above every real op id. */
export const OP_PROBE = 511;

export const opOf = (w0: number): number => w0 & 511;
/** rd as decoded: x0 is replaced by X_SINK (state.ts) for ops writing an x register */
export const rdOf = (w0: number): number => (w0 >>> 9) & 63;
export const rs1Of = (w0: number): number => (w0 >>> 15) & 31;
export const rs2Of = (w0: number): number => (w0 >>> 20) & 31;
export const rs3Of = (w0: number): number => (w0 >>> 25) & 31;
/** instruction length in bytes */
export const lenOf = (w0: number): number => ((w0 & LEN4) !== 0 ? 4 : 2);

export function packEntry(
  op: number,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  len: number,
): number {
  return op | (rd << 9) | (rs1 << 15) | (rs2 << 20) | (rs3 << 25) | (len === 4 ? LEN4 : 0) | VALID;
}

/** Mark entry e of page as probed; returns the new w0 (same length and valid bits). */
export function markProbe(page: Int32Array, e: number): number {
  const w0 = page[e]!;
  page[e + W_SAVED] = w0;
  page[e] = (w0 & ~511) | OP_PROBE;
  return page[e]!;
}
