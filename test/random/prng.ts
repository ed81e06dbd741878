// The tests' seeded PRNG: hartscope's own xoshiro128** (src/linux-user/prng.ts), with the draws the
// random-instruction generator and the randomized tests need. 32-bit integer arithmetic only, so a
// seed reproduces the same program on every host.

import { Prng as Xoshiro } from "../../src/machine/prng.js";

export class Prng extends Xoshiro {
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    return this.nextU32();
  }

  /** Uniform integer in [0, n), n ≤ 2^32. */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Prng.pick: empty list");
    return items[this.below(items.length)]!;
  }

  /** Uniform 64-bit value (BigInt: test data only, never the emulator's hot path). */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}
