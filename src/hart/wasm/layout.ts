// A hart's area in guest RAM's WebAssembly.Memory (ram.ts's engine zone), where compiled
// WebAssembly finds what it works on, at constant offsets from the area's base (a parameter of
// every region function, so harts share compiled code):
//
//   STATE_AT   the hart's state (state.ts layout: x[i] is the i64 at 8 * i, pc at 4 * PC, ...)
//   MARK_AT    mark[0] of the exit protocol (codegen.ts RegionFn): the budget left
//   TLB_AT     the data TLB (tlb.ts entry layout), WASM_TLB_SIZE entries
//
// The interpreter and the run loop use the same words through Int32Array views, so nothing is
// copied at entry or exit.

import { ENTRY_WORDS } from "../jit/tlb.js";
import { ENGINE_AREA } from "../ram.js";
import { STATE_WORDS } from "../state.js";

export const STATE_AT = 0;
export const MARK_AT = STATE_WORDS * 4;
export const TLB_AT = 4096;
export const WASM_TLB_SIZE = 1024;
export const WASM_TLB_MASK = WASM_TLB_SIZE - 1;
export const ENTRY_BYTES = ENTRY_WORDS * 4;

if (MARK_AT + 8 > TLB_AT || TLB_AT + WASM_TLB_SIZE * ENTRY_BYTES > ENGINE_AREA)
  throw new Error("wasm/layout: the hart area does not fit ENGINE_AREA");
