// Pipes between guest threads live inside hartscope (a host pipe would block the one host
// thread that runs every guest thread). Capacity and atomicity follow pipe(7).

export const PIPE_CAPACITY = 65536;
export const PIPE_BUF = 4096;

let changeSeq = 0;
/** A number greater than every one before: epoll orders ready descriptors by when they changed. */
export function nextChange(): number {
  return ++changeSeq;
}

export class Pipe {
  private chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
  /**
   * nextChange() at the last put (news for readers) and the last take (room for writers): epoll's
   * edge-triggered items report each once (epoll(7)); a read does not wake readers, nor a write writers
   */
  putAt = 0;
  takenAt = 0;
  readonly id: number;
  private static next = 1;

  constructor() {
    this.id = Pipe.next++;
  }

  get space(): number {
    return PIPE_CAPACITY - this.size;
  }

  /** Take up to n bytes (n > 0, size > 0). */
  take(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.size));
    let at = 0;
    while (at < out.length) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, out.length - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= out.length;
    this.takenAt = nextChange();
    return out;
  }

  /**
   * The last writer or the last reader has gone: that is news for the other side too (EOF or
   * EPIPE), which Linux's pipe_release wakes its waiters for, edge-triggered epoll items included.
   */
  endClosed(writeEnd: boolean): void {
    if (writeEnd ? --this.writers === 0 : --this.readers === 0) {
      if (writeEnd) this.putAt = nextChange();
      else this.takenAt = nextChange();
    }
  }

  put(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b.slice());
    this.size += b.length;
    this.putAt = nextChange();
  }
}
