// Guest RAM's host backing: one WebAssembly.Memory, reserved once at its full size so that its
// buffer never moves (the engines keep `bytes`/`view` of it) and compiled WebAssembly can address it
// directly. The host commits pages as they are touched, so reserving 4 GiB costs only address space;
// a host that refuses gets the largest of the smaller sizes it accepts. Used by user-mode Linux's
// address space and by the full system's bus.
//
// The top ENGINE_ZONE bytes of the memory belong to no guest page: the WebAssembly engine keeps each
// hart's state and data TLB there (engineArea), so compiled code, the interpreter and the run loop
// share one register file without copying. The frame pool and the bus stop below `guestBytes`.

/** WebAssembly pages are 64 KiB. */
export const WASM_PAGE = 65536;
/** Sizes tried in turn when none is asked for: 4 GiB (every host offset fits in [0, 2^32)), then less. */
export const DEFAULT_POOLS: readonly number[] = [2 ** 32, 2 ** 31, 2 ** 30, 2 ** 29];
/** Bytes at the top of every guest RAM memory kept for the engines' per-hart areas. */
export const ENGINE_ZONE = 64 * 2 ** 20;
/** One hart's area in the zone: state and data TLB (wasm/layout.ts places them). */
export const ENGINE_AREA = 168 * 1024;

interface Zone {
  readonly memory: WebAssembly.Memory;
  /** host offset of the zone's first byte */
  readonly base: number;
  next: number;
  readonly free: number[];
}

const zones = new WeakMap<ArrayBuffer, Zone>();

/**
 * A WebAssembly.Memory of `bytes` (rounded up to 64 KiB) plus the engine zone if asked for, else of
 * the largest of DEFAULT_POOLS the host will reserve (the zone taken from it). Throws an Error naming
 * what was tried when none can be.
 */
export function reserveRam(bytes: number | undefined): WebAssembly.Memory {
  const sizes = bytes === undefined ? DEFAULT_POOLS : [Math.min(bytes + ENGINE_ZONE, 2 ** 32)];
  let failure: unknown;
  for (const size of sizes) {
    const pages = Math.max(1, Math.ceil(size / WASM_PAGE));
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch (e) {
      failure = e;
      continue;
    }
    const base = memory.buffer.byteLength - ENGINE_ZONE;
    zones.set(memory.buffer, { memory, base, next: base, free: [] });
    return memory;
  }
  const want = sizes.map((s) => `${mib(s)} MiB`).join(", ");
  throw new Error(`cannot reserve guest memory (tried ${want}): ${(failure as Error).message}`);
}

/** Bytes of `memory` guest pages may use (below the engine zone). */
export function guestBytes(memory: WebAssembly.Memory): number {
  const zone = zones.get(memory.buffer);
  return zone === undefined ? memory.buffer.byteLength : zone.base;
}

/** The WebAssembly.Memory whose buffer guest RAM `bytes` views (undefined: not made by reserveRam). */
export function ramMemory(bytes: Uint8Array): WebAssembly.Memory | undefined {
  return zones.get(bytes.buffer as ArrayBuffer)?.memory;
}

/** Host offset of a new zeroed ENGINE_AREA in the memory `bytes` views; -1 when the zone is full. */
export function allocEngineArea(bytes: Uint8Array): number {
  const zone = zones.get(bytes.buffer as ArrayBuffer);
  if (zone === undefined) return -1;
  const reused = zone.free.pop();
  if (reused !== undefined) {
    bytes.fill(0, reused, reused + ENGINE_AREA);
    return reused;
  }
  if (zone.next + ENGINE_AREA > zone.base + ENGINE_ZONE) return -1;
  const at = zone.next;
  zone.next += ENGINE_AREA;
  return at;
}

/** Give an area back (its hart is gone). */
export function freeEngineArea(bytes: Uint8Array, at: number): void {
  zones.get(bytes.buffer as ArrayBuffer)?.free.push(at);
}

/** Whole MiB, for messages. */
export function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
