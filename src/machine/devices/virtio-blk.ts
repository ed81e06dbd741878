// virtio-blk (Virtual I/O Device (VIRTIO) Version 1.2, 5.2 "Block Device") backed by a host file.
//
// By default the disk is copy-on-write: the guest's writes stay in memory (in 4 KiB blocks over the
// file) and the file is never changed, so a run can be repeated from the same image. `writeThrough`
// writes to the file instead (and FLUSH syncs it); `readOnly` offers VIRTIO_BLK_F_RO and fails
// writes. Capacity is the file's size in 512-byte sectors (a partial last sector is not part of it).
//
// A request is a header (type, reserved, sector), data, and a status byte the device writes last
// (5.2.6). Served: IN (read), OUT (write), FLUSH, GET_ID (the serial, 20 bytes); other types answer
// UNSUPP. A request outside the disk, or whose data is not whole sectors, answers IOERR, as does a
// host I/O error. A chain without room for the header or the status is malformed: a VirtioError,
// which stops the device until the driver resets it.

import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { basename } from "node:path";
import type { VirtioDevice } from "./virtio-mmio.js";
import { type DescriptorChain, VirtioError } from "./virtqueue.js";

export const VIRTIO_ID_BLOCK = 2;

export const VIRTIO_BLK_F_SEG_MAX = 1n << 2n;
export const VIRTIO_BLK_F_RO = 1n << 5n;
export const VIRTIO_BLK_F_BLK_SIZE = 1n << 6n;
export const VIRTIO_BLK_F_FLUSH = 1n << 9n;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;

export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const SECTOR = 512;
/** the request header: type u32, reserved u32, sector u64 */
const HEADER = 16;
/** GET_ID's answer is at most this long (VIRTIO_BLK_ID_BYTES) */
const ID_BYTES = 20;
const QUEUE_SIZE = 256;
/** copy-on-write granule */
const BLOCK = 4096;

export interface VirtioBlkOptions {
  /** the disk image */
  path: string;
  /** write the guest's writes to the file (default: keep them in memory; the file is unchanged) */
  writeThrough?: boolean;
  /** refuse writes (VIRTIO_BLK_F_RO) */
  readOnly?: boolean;
  /** GET_ID's answer (default: the image's file name), cut to 20 bytes */
  serial?: string;
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly kind = "virtio-blk";
  readonly features: bigint;
  readonly queueSizes = [QUEUE_SIZE];
  /** in 512-byte sectors */
  readonly capacity: number;
  readonly path: string;
  private readonly fd: number;
  private readonly writeThrough: boolean;
  private readonly readOnly: boolean;
  private readonly serial: Uint8Array;
  /** copy-on-write blocks by index (BLOCK bytes each) */
  private readonly overlay = new Map<number, Uint8Array>();
  private readonly configBytes = new Uint8Array(36);

  constructor(options: VirtioBlkOptions) {
    this.path = options.path;
    this.writeThrough = options.writeThrough ?? false;
    this.readOnly = options.readOnly ?? false;
    try {
      this.fd = openSync(this.path, this.writeThrough && !this.readOnly ? "r+" : "r");
    } catch (e) {
      throw new Error(`virtio-blk: cannot open disk image ${this.path}: ${(e as Error).message}`);
    }
    this.capacity = Math.floor(fstatSync(this.fd).size / SECTOR);
    this.serial = new TextEncoder().encode(options.serial ?? basename(this.path)).slice(0, ID_BYTES);
    this.features =
      VIRTIO_BLK_F_SEG_MAX |
      VIRTIO_BLK_F_BLK_SIZE |
      VIRTIO_BLK_F_FLUSH |
      (this.readOnly ? VIRTIO_BLK_F_RO : 0n);
    // configuration layout (5.2.4): capacity le64 @0, size_max @8, seg_max @12, geometry @16, blk_size @20
    const v = new DataView(this.configBytes.buffer);
    v.setBigUint64(0, BigInt(this.capacity), true);
    v.setUint32(12, QUEUE_SIZE - 2, true); // header and status take two descriptors
    v.setUint32(20, SECTOR, true);
  }

  config(): Uint8Array {
    return this.configBytes;
  }

  /** Bytes the guest wrote that the file does not hold (copy-on-write mode). */
  get overlayBytes(): number {
    return this.overlay.size * BLOCK;
  }

  close(): void {
    closeSync(this.fd);
  }

  handle(_queue: number, chain: DescriptorChain): number {
    if (chain.readableBytes < HEADER || chain.writableBytes < 1) {
      throw new VirtioError(
        `request ${chain.head}: ${chain.readableBytes} readable bytes (the header takes ${HEADER}) and ${chain.writableBytes} writable (the status takes 1)`,
      );
    }
    const h = new DataView(chain.read(0, HEADER).buffer);
    const type = h.getUint32(0, true);
    const sector = h.getBigUint64(8, true);
    const statusAt = chain.writableBytes - 1;
    let written = 0;
    let status: number;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const length = statusAt;
        status = this.check(sector, length);
        if (status === VIRTIO_BLK_S_OK) {
          const data = new Uint8Array(length);
          status = this.io(() => this.readAt(Number(sector) * SECTOR, data));
          if (status === VIRTIO_BLK_S_OK) {
            chain.write(0, data);
            written = length;
          }
        }
        break;
      }
      case VIRTIO_BLK_T_OUT: {
        const length = chain.readableBytes - HEADER;
        status = this.readOnly ? VIRTIO_BLK_S_IOERR : this.check(sector, length);
        if (status === VIRTIO_BLK_S_OK) {
          const data = chain.read(HEADER, length);
          status = this.io(() => this.writeAt(Number(sector) * SECTOR, data));
        }
        break;
      }
      case VIRTIO_BLK_T_FLUSH:
        status = this.writeThrough ? this.io(() => fsyncSync(this.fd)) : VIRTIO_BLK_S_OK;
        break;
      case VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(Math.min(ID_BYTES, statusAt));
        id.set(this.serial.subarray(0, id.length));
        chain.write(0, id);
        written = id.length;
        status = VIRTIO_BLK_S_OK;
        break;
      }
      default:
        status = VIRTIO_BLK_S_UNSUPP;
    }
    chain.write(statusAt, Uint8Array.of(status));
    return written + 1;
  }

  /** OK for whole sectors inside the disk; IOERR otherwise. */
  private check(sector: bigint, length: number): number {
    if (length % SECTOR !== 0) return VIRTIO_BLK_S_IOERR;
    return sector + BigInt(length / SECTOR) <= BigInt(this.capacity) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
  }

  /** Run a host I/O step: a host error is the guest's IOERR, not the host's crash. */
  private io(step: () => void): number {
    try {
      step();
      return VIRTIO_BLK_S_OK;
    } catch {
      return VIRTIO_BLK_S_IOERR;
    }
  }

  /** Fill `out` from the disk at byte `pos` (overlay blocks first, then the file). */
  private readAt(pos: number, out: Uint8Array): void {
    for (let done = 0; done < out.length; ) {
      const at = pos + done;
      const block = Math.floor(at / BLOCK);
      const inBlock = at - block * BLOCK;
      const n = Math.min(BLOCK - inBlock, out.length - done);
      const copy = this.overlay.get(block);
      if (copy !== undefined) out.set(copy.subarray(inBlock, inBlock + n), done);
      else this.readFile(at, out.subarray(done, done + n));
      done += n;
    }
  }

  private writeAt(pos: number, data: Uint8Array): void {
    if (this.writeThrough) {
      for (let done = 0; done < data.length; ) {
        done += writeSync(this.fd, data, done, data.length - done, pos + done);
      }
      return;
    }
    for (let done = 0; done < data.length; ) {
      const at = pos + done;
      const block = Math.floor(at / BLOCK);
      const inBlock = at - block * BLOCK;
      const n = Math.min(BLOCK - inBlock, data.length - done);
      let copy = this.overlay.get(block);
      if (copy === undefined) {
        copy = new Uint8Array(BLOCK);
        this.readFile(block * BLOCK, copy);
        this.overlay.set(block, copy);
      }
      copy.set(data.subarray(done, done + n), inBlock);
      done += n;
    }
  }

  /** Fill `out` from the file at `pos`; past its end reads zeros. */
  private readFile(pos: number, out: Uint8Array): void {
    for (let done = 0; done < out.length; ) {
      const n = readSync(this.fd, out, done, out.length - done, pos + done);
      if (n === 0) {
        out.fill(0, done);
        return;
      }
      done += n;
    }
  }
}
