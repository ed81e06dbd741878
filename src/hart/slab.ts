// Zero-filled typed arrays carved from large ArrayBuffers, for tables of which a run touches a few
// entries: the decoded page of each code page (decoded-pages.ts, 32 KiB) and what the block
// compiler keeps per code page (jit/page-code.ts, 22 KiB). A large buffer is mapped by the host
// and committed one 4 KiB page at a time as it is first written; a small one comes from the malloc
// heap, cleared and so committed whole. Carved from slabs, a page of code of which a program runs
// a few functions costs the 4 KiB pages of its tables those functions touch (zstd -3: 355 of the
// 728 pages of its 91 decoded pages).
//
// A slab lives as long as any array carved from it: arrays are never given back one by one.

/** Bytes of one slab: large enough that the host maps it rather than taking it from the heap. */
const SLAB_BYTES = 1 << 20;

export class Slab {
  private buffer: ArrayBuffer | undefined;
  private used = 0;

  /** `bytes` zero bytes, 8-byte aligned (a request larger than a slab gets a buffer of its own) */
  private take(bytes: number): [ArrayBuffer, number] {
    const size = (bytes + 7) & ~7;
    if (size > SLAB_BYTES) return [new ArrayBuffer(size), 0];
    if (this.buffer === undefined || this.used + size > SLAB_BYTES) {
      this.buffer = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const at = this.used;
    this.used += size;
    return [this.buffer, at];
  }

  int32s(n: number): Int32Array {
    const [buffer, at] = this.take(n * 4);
    return new Int32Array(buffer, at, n);
  }

  int16s(n: number): Int16Array {
    const [buffer, at] = this.take(n * 2);
    return new Int16Array(buffer, at, n);
  }

  uint16s(n: number): Uint16Array {
    const [buffer, at] = this.take(n * 2);
    return new Uint16Array(buffer, at, n);
  }

  uint8s(n: number): Uint8Array {
    const [buffer, at] = this.take(n);
    return new Uint8Array(buffer, at, n);
  }
}
