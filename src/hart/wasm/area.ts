// Placing a hart's state in guest RAM's WebAssembly.Memory for the wasm engine (layout.ts): an area
// of ram.ts's engine zone per hart, taken when the hart is made and given back when it goes, so the
// interpreter, the run loop and compiled WebAssembly share one register file.

import type { GuestMemory } from "../memory.js";
import { allocEngineArea, freeEngineArea, ramMemory } from "../ram.js";
import type { HartState } from "../state.js";
import { STATE_AT } from "./layout.js";

/**
 * Move `state` into a new area of `mem`'s memory; the area's host offset, or -1 when the memory has
 * no engine zone (not made by reserveRam), the zone is full, or the state is in an area already.
 */
export function placeState(state: HartState, mem: GuestMemory): number {
  if (state.buffer === mem.bytes.buffer || ramMemory(mem.bytes) === undefined) return -1;
  const at = allocEngineArea(mem.bytes);
  if (at < 0) return -1;
  state.moveTo(mem.bytes.buffer as ArrayBuffer, at + STATE_AT);
  return at;
}

/** The hart is gone: its state moves back into a buffer of its own, and the area is free. */
export function releaseState(state: HartState, mem: GuestMemory, at: number): void {
  if (at < 0) return;
  state.moveTo();
  freeEngineArea(mem.bytes, at);
}
