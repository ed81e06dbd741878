// A hart's area in guest RAM's WebAssembly.Memory (ram.ts's engine zone), where compiled
// WebAssembly finds what it works on, at constant offsets from the area's base (a parameter of
// every region function, so harts share compiled code):
//
//   STATE_AT   the hart's state (state.ts layout: x[i] is the i64 at 8 * i, pc at 4 * PC, ...)
//   MARK_AT    mark[0] of the exit protocol (jit/region-code.ts): the budget left
//   SLOT_AT    the table slot of the region that returned (chained regions: the last one)
//   GEN_AT     the jump cache's generation: entries of another one are empty (runtime.ts)
//   ENTRY_LEFT_AT  the budget when the run loop entered compiled code (probes count from it)
//   SAMPLE_AT  chained jumps left before one goes through the run loop instead (hart-jit.ts
//              counts it, weighted, as jumps between regions: merging needs them)
//   TLB_AT     the data TLB (tlb.ts entry layout), WASM_TLB_SIZE entries
//   JC_AT      the jump cache: JC_SIZE entries of JC_BYTES: pc (i64), slot (i32), label (u16),
//              generation (u16) — regions the run loop entered, which compiled code may jump to;
//              JC_WAYS ways per set (the entries of a set are adjacent, the newest first)
//
// The interpreter and the run loop use the same words through Int32Array views, so nothing is
// copied at entry or exit.

import { ENTRY_WORDS } from "../jit/tlb.js";
import { ENGINE_AREA } from "../ram.js";
import { STATE_WORDS } from "../state.js";

export const STATE_AT = 0;
export const MARK_AT = STATE_WORDS * 4;
export const SLOT_AT = MARK_AT + 4;
export const GEN_AT = MARK_AT + 8;
export const ENTRY_LEFT_AT = MARK_AT + 12;
export const SAMPLE_AT = MARK_AT + 16;
export const TLB_AT = 4096;
// The area's 168 KiB split between the TLB and the jump cache: with 1024 TLB entries (4 MiB of
// pages) hashtab's heap missed 470k times, each a side exit through the run loop (bench/throughput.ts
// hashtab 400000: run-loop entries 520k -> 58k with 2048, CPU -28%, sort -5%); the jump cache gave
// up half its 8192 entries for it (a busybox ash loop 256k -> 300k entries, CPU -3%; with 2048 it
// doubled them). 4096 TLB entries missed no less.
export const WASM_TLB_SIZE = 2048;
export const WASM_TLB_MASK = WASM_TLB_SIZE - 1;
export const ENTRY_BYTES = ENTRY_WORDS * 4;
export const JC_AT = TLB_AT + WASM_TLB_SIZE * ENTRY_BYTES;
export const JC_SIZE = 4096;
/**
 * entries per set: with two, three hot targets on one set evicted one another at every jump, each
 * miss a trip through the run loop (a busybox ash loop: 59k of its 67k misses, from one set)
 */
export const JC_WAYS = 4;
export const JC_SET_MASK = JC_SIZE / JC_WAYS - 1;
export const JC_BYTES = 16;
export const JC_SLOT = 8;
export const JC_LABEL = 12;
export const JC_GEN = 14;

/**
 * The jump cache set of pc (its low word): bits of the page number folded in, since code at the
 * same offset of different pages (function starts, page-aligned regions) is common. runtime.ts
 * computes the same in wasm. Several ways, as a direct-mapped cache let two hot targets on one
 * entry evict each other at every jump: zstd's run loop took 228k such misses from one pair, of 230k.
 */
export function jcSet(pcLo: number): number {
  return ((pcLo >>> 1) ^ (pcLo >>> 12)) & JC_SET_MASK;
}

if (SAMPLE_AT + 4 > TLB_AT || JC_AT + JC_SIZE * JC_BYTES > ENGINE_AREA)
  throw new Error("wasm/layout: the hart area does not fit ENGINE_AREA");
