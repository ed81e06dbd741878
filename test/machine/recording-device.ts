// The bus's test harness: a small register file that records every access it answers, so a test can
// assert exactly which reads and writes reached a device, in order, with their sizes and values.

import type { Device } from "../../src/machine/bus.js";

export interface Access {
  op: "read" | "write";
  offset: number;
  size: number;
  value: bigint;
}

export class RecordingDevice implements Device {
  readonly log: Access[] = [];
  /** the registers, little-endian */
  readonly regs: Uint8Array;
  /** offsets at and past this refuse every access (an access fault) */
  refuseFrom = Number.POSITIVE_INFINITY;

  constructor(
    readonly name: string,
    bytes: number,
  ) {
    this.regs = new Uint8Array(bytes);
  }

  read(offset: number, size: number): bigint | undefined {
    if (offset >= this.refuseFrom) return undefined;
    let value = 0n;
    for (let k = size - 1; k >= 0; k--) value = (value << 8n) | BigInt(this.regs[offset + k]!);
    this.log.push({ op: "read", offset, size, value });
    return value;
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (offset >= this.refuseFrom) return false;
    for (let k = 0; k < size; k++) this.regs[offset + k] = Number((value >> BigInt(8 * k)) & 0xffn);
    this.log.push({ op: "write", offset, size, value });
    return true;
  }
}
