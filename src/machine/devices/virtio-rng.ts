// virtio-rng, the entropy device (Virtual I/O Device (VIRTIO) Version 1.2, 5.4 "Entropy Device"):
// one queue of device-writable buffers, each filled to its end. The bytes come from a seeded PRNG,
// so a run with the same seed sees the same "entropy" (ARCHITECTURE.md decision 6: the same inputs
// give the same execution).

import { Prng } from "../prng.js";
import type { VirtioDevice } from "./virtio-mmio.js";
import type { DescriptorChain } from "./virtqueue.js";

export const VIRTIO_ID_ENTROPY = 4;

export class VirtioRng implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_ENTROPY;
  readonly kind = "virtio-rng";
  readonly features = 0n;
  readonly queueSizes = [64];
  private readonly prng: Prng;

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  config(): Uint8Array {
    return new Uint8Array(0);
  }

  /** Fill every writable byte (any readable part is ignored). */
  handle(_queue: number, chain: DescriptorChain): number {
    const n = chain.writableBytes;
    if (n > 0) chain.write(0, this.prng.bytes(n));
    return n;
  }
}
