// eventfd(2): a 64-bit counter behind a descriptor. A write adds; a read returns the counter and
// zeroes it, or with EFD_SEMAPHORE returns 1 and decrements it. Reads wait while it is 0; writes
// wait while the sum would pass 0xffff_ffff_ffff_fffe.

import { type StatInfo, syntheticStat } from "../abi.js";
import { EAGAIN, EINVAL } from "../errno.js";
import { OpenFile, type ReadResult, WouldBlock, type WriteResult } from "../files.js";
import { O_RDWR } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import { EPOLLERR, EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM, type Pollable } from "./readiness.js";

export const EFD_SEMAPHORE = 1;
const MAX = 0xffff_ffff_ffff_fffen;

let nextIno = 1;

export class EventFd extends OpenFile implements Pollable {
  changes = 0;
  private readonly ino = nextIno++;

  constructor(
    private count: bigint,
    readonly semaphore: boolean,
    statusFlags: number,
  ) {
    super(O_RDWR | statusFlags, "anon_inode:[eventfd]");
  }

  pollMask(): number {
    let m = 0;
    if (this.count > 0n) m |= EPOLLIN | EPOLLRDNORM;
    if (this.count < MAX) m |= EPOLLOUT | EPOLLWRNORM;
    if (this.count > MAX) m |= EPOLLERR;
    return m;
  }

  override read(len: number): ReadResult {
    if (len < 8) return -EINVAL;
    if (this.count === 0n) {
      if (this.nonblocking) return -EAGAIN;
      return new WouldBlock("read from an eventfd", () => this.count > 0n, undefined, 0, undefined, true);
    }
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    this.changes = nextChange();
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v, true);
    return out;
  }

  override write(data: Uint8Array): WriteResult {
    if (data.length < 8) return -EINVAL;
    const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffff_ffff_ffff_ffffn) return -EINVAL;
    if (this.count + v > MAX) {
      if (this.nonblocking) return -EAGAIN;
      return new WouldBlock(
        "write to an eventfd",
        () => this.count + v <= MAX,
        undefined,
        0,
        undefined,
        true,
      );
    }
    this.count += v;
    this.changes = nextChange();
    return 8;
  }

  override stat(): StatInfo {
    return syntheticStat(0o600, this.ino);
  }
}
