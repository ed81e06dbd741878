// Split virtqueues (Virtual I/O Device (VIRTIO) Version 1.2, 2.7 "Split Virtqueues"), read and
// written in guest RAM by DMA:
//
//   descriptor table  16 bytes each: addr u64, len u32, flags u16, next u16     (16-byte aligned)
//   driver area       flags u16, idx u16, ring[size] u16, used_event u16        (2-byte aligned)
//   device area       flags u16, idx u16, ring[size] {id u32, len u32}, avail_event u16 (4-byte aligned)
//
// The device takes the chains the driver made available in order, hands each to the device model
// as device-readable then device-writable segments, and returns it on the used ring with the number
// of bytes written. Everything read from guest memory is checked before use: a descriptor index
// past the table, a chain longer than the queue (a loop), a readable segment after a writable one,
// an indirect descriptor (not negotiated), an address past physical memory, an available index that
// moved by more than the queue holds. Each is a VirtioError naming what and where; the transport
// then marks the device broken (DEVICE_NEEDS_RESET). Reaching past RAM fails in DmaMemory, which the
// transport treats the same way.

/** Guest RAM as devices reach it (PhysicalMemory has these); both throw when [pa, pa + length) is not RAM. */
export interface DmaMemory {
  read(pa: number, length: number): Uint8Array;
  write(pa: number, data: Uint8Array): void;
}

/** The guest broke the virtio protocol; the device needs a reset. */
export class VirtioError extends Error {}

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
/** in the driver area's flags: the driver does not want used-buffer notifications */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** Split queues hold at most 32768 entries (2.7 "Split Virtqueues"). */
export const VIRTQ_MAX_SIZE = 32768;
/** A chain moving more than this is refused: no legitimate request comes near it. */
export const MAX_CHAIN_BYTES = 64 << 20;

const DESC_BYTES = 16;

export interface Segment {
  /** physical address */
  readonly addr: number;
  readonly len: number;
}

/** A chain of descriptors: what the device reads, then where it writes. */
export class DescriptorChain {
  readonly readable: Segment[] = [];
  readonly writable: Segment[] = [];
  readableBytes = 0;
  writableBytes = 0;

  constructor(
    private readonly mem: DmaMemory,
    /** index of the chain's first descriptor (the id returned on the used ring) */
    readonly head: number,
  ) {}

  /** `length` bytes of the device-readable part from byte `offset` of it. */
  read(offset: number, length: number): Uint8Array {
    if (offset + length > this.readableBytes) {
      throw new VirtioError(
        `chain ${this.head}: reading ${length} bytes at ${offset} of its ${this.readableBytes} readable bytes`,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    let at = 0;
    for (const s of this.readable) {
      if (done === length) break;
      const from = Math.max(offset + done - at, 0);
      if (from < s.len) {
        const n = Math.min(s.len - from, length - done);
        out.set(this.mem.read(s.addr + from, n), done);
        done += n;
      }
      at += s.len;
    }
    return out;
  }

  /** Write `data` into the device-writable part from byte `offset` of it. */
  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.writableBytes) {
      throw new VirtioError(
        `chain ${this.head}: writing ${data.length} bytes at ${offset} of its ${this.writableBytes} writable bytes`,
      );
    }
    let done = 0;
    let at = 0;
    for (const s of this.writable) {
      if (done === data.length) break;
      const from = Math.max(offset + done - at, 0);
      if (from < s.len) {
        const n = Math.min(s.len - from, data.length - done);
        this.mem.write(s.addr + from, data.subarray(done, done + n));
        done += n;
      }
      at += s.len;
    }
  }
}

/** One split virtqueue's driver-set configuration and the device's position in it. */
export class Virtqueue {
  /** entries (QueueNum) */
  size = 0;
  ready = false;
  /** physical addresses of the three parts */
  desc = 0n;
  driver = 0n;
  device = 0n;
  /** the next available-ring slot the device takes */
  lastAvail = 0;
  /** the used ring's idx as the device last wrote it */
  usedIdx = 0;

  constructor(
    /** QueueNumMax */
    readonly maxSize: number,
  ) {}

  reset(): void {
    this.size = 0;
    this.ready = false;
    this.desc = 0n;
    this.driver = 0n;
    this.device = 0n;
    this.lastAvail = 0;
    this.usedIdx = 0;
  }

  /** Check the configuration the driver set before it may use the queue (on QueueReady = 1). */
  check(index: number): void {
    const what = `queue ${index}`;
    const size = this.size;
    if (size === 0 || size > this.maxSize || (size & (size - 1)) !== 0) {
      throw new VirtioError(`${what}: size ${size} (a power of 2 up to ${this.maxSize})`);
    }
    const parts: [string, bigint, number, number][] = [
      ["descriptor table", this.desc, 16, DESC_BYTES * size],
      ["driver area", this.driver, 2, 6 + 2 * size],
      ["device area", this.device, 4, 6 + 8 * size],
    ];
    for (const [name, addr, align, bytes] of parts) {
      if (addr % BigInt(align) !== 0n) {
        throw new VirtioError(`${what}: ${name} at 0x${addr.toString(16)} is not ${align}-byte aligned`);
      }
      if (addr + BigInt(bytes) > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new VirtioError(`${what}: ${name} at 0x${addr.toString(16)} is past physical memory`);
      }
    }
  }

  /**
   * Take every chain the driver made available, in order: `handle` returns the bytes it wrote, and
   * the chain goes on the used ring. Returns whether any did and the driver wants to hear of it.
   */
  process(index: number, mem: DmaMemory, handle: (chain: DescriptorChain) => number): boolean {
    const driver = Number(this.driver);
    const device = Number(this.device);
    const availIdx = u16(mem, driver + 2);
    const waiting = (availIdx - this.lastAvail) & 0xffff;
    if (waiting > this.size) {
      throw new VirtioError(
        `queue ${index}: the available index moved from ${this.lastAvail} to ${availIdx}, more than its ${this.size} entries`,
      );
    }
    if (waiting === 0) return false;
    while (this.lastAvail !== availIdx) {
      const head = u16(mem, driver + 4 + 2 * (this.lastAvail % this.size));
      const chain = this.walk(index, mem, head);
      const written = handle(chain);
      const slot = device + 4 + 8 * (this.usedIdx % this.size);
      const elem = new Uint8Array(8);
      const v = new DataView(elem.buffer);
      v.setUint32(0, head, true);
      v.setUint32(4, written, true);
      mem.write(slot, elem);
      this.usedIdx = (this.usedIdx + 1) & 0xffff;
      mem.write(device + 2, Uint8Array.of(this.usedIdx & 0xff, this.usedIdx >> 8));
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
    }
    return (u16(mem, driver) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** The chain starting at descriptor `head`, checked. */
  private walk(index: number, mem: DmaMemory, head: number): DescriptorChain {
    const what = `queue ${index}, chain ${head}`;
    const chain = new DescriptorChain(mem, head);
    const table = Number(this.desc);
    let i = head;
    for (let count = 1; ; count++) {
      if (i >= this.size) {
        throw new VirtioError(`${what}: descriptor index ${i} past the table's ${this.size} entries`);
      }
      if (count > this.size) {
        throw new VirtioError(`${what}: longer than the queue's ${this.size} entries (a loop?)`);
      }
      const d = new DataView(mem.read(table + DESC_BYTES * i, DESC_BYTES).buffer);
      const addr = d.getBigUint64(0, true);
      const len = d.getUint32(8, true);
      const flags = d.getUint16(12, true);
      const next = d.getUint16(14, true);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        throw new VirtioError(`${what}: descriptor ${i} is indirect, which was not negotiated`);
      }
      if (addr + BigInt(len) > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new VirtioError(`${what}: descriptor ${i} at 0x${addr.toString(16)} is past physical memory`);
      }
      const segment = { addr: Number(addr), len };
      if (flags & VIRTQ_DESC_F_WRITE) {
        chain.writable.push(segment);
        chain.writableBytes += len;
      } else {
        if (chain.writable.length > 0) {
          throw new VirtioError(`${what}: descriptor ${i} is device-readable after a device-writable one`);
        }
        chain.readable.push(segment);
        chain.readableBytes += len;
      }
      if (chain.readableBytes + chain.writableBytes > MAX_CHAIN_BYTES) {
        throw new VirtioError(`${what}: more than ${MAX_CHAIN_BYTES} bytes`);
      }
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) return chain;
      i = next;
    }
  }
}

function u16(mem: DmaMemory, pa: number): number {
  const b = mem.read(pa, 2);
  return b[0]! | (b[1]! << 8);
}
