// Guest RAM's host backing: one WebAssembly.Memory, reserved once at its full size so that its
// buffer never moves (the engines keep `bytes`/`view` of it) and compiled WebAssembly can address it
// directly. The host commits pages as they are touched, so reserving 4 GiB costs only address space;
// a host that refuses gets the largest of the smaller sizes it accepts. Used by user-mode Linux's
// address space and by the full system's bus.

/** WebAssembly pages are 64 KiB. */
export const WASM_PAGE = 65536;
/** Sizes tried in turn when none is asked for: 4 GiB (every host offset fits in [0, 2^32)), then less. */
export const DEFAULT_POOLS: readonly number[] = [2 ** 32, 2 ** 31, 2 ** 30, 2 ** 29];

/**
 * A WebAssembly.Memory of `bytes` (rounded up to 64 KiB) if asked for, else of the largest of
 * DEFAULT_POOLS the host will reserve. Throws an Error naming what was tried when none can be.
 */
export function reserveRam(bytes: number | undefined): WebAssembly.Memory {
  const sizes = bytes === undefined ? DEFAULT_POOLS : [bytes];
  let failure: unknown;
  for (const size of sizes) {
    const pages = Math.max(1, Math.ceil(size / WASM_PAGE));
    try {
      return new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch (e) {
      failure = e;
    }
  }
  const want = sizes.map((s) => `${mib(s)} MiB`).join(", ");
  throw new Error(`cannot reserve guest memory (tried ${want}): ${(failure as Error).message}`);
}

/** Whole MiB, for messages. */
export function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
