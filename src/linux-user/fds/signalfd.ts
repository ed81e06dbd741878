// signalfd(2): reading takes pending signals in the descriptor's mask as struct signalfd_siginfo
// records instead of delivering them (the program blocks them first). hartscope queues every
// signal on a thread (a process-directed one on the thread it picked); a read takes the reader's
// own first, then any other thread's that was sent to the process (not by tkill/tgkill), as
// Linux's per-thread queue and the process's shared queue.

import { type StatInfo, Struct, syntheticStat } from "../abi.js";
import { EAGAIN, EINVAL } from "../errno.js";
import { OpenFile, type ReadResult, WouldBlock } from "../files.js";
import { O_RDONLY } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import type { LinuxProcess, PendingSignal, Thread } from "../process.js";
import { SI_TKILL, sigBit } from "../signals.js";
import { callingThread, EPOLLIN, EPOLLRDNORM, type Pollable } from "./readiness.js";

/** sizeof(struct signalfd_siginfo) */
export const SIGINFO_SIZE = 128;

let nextIno = 1;

export class SignalFd extends OpenFile implements Pollable {
  private readonly ino = nextIno++;
  private lastSeen = 0;
  private lastCount = -1;

  constructor(
    readonly process: LinuxProcess,
    public mask: bigint,
    statusFlags: number,
  ) {
    super(O_RDONLY | statusFlags, "anon_inode:[signalfd]");
  }

  /** Where the next signal for `reader` is: [thread, index in its pending list], lowest number first. */
  private next(reader: Thread | undefined): [Thread, number] | undefined {
    const own = reader ? this.pick(reader, false) : undefined;
    if (own !== undefined) return [reader!, own];
    let best: [Thread, number] | undefined;
    for (const t of (reader?.process ?? this.process).threads) {
      if (t.exited || t === reader) continue;
      const i = this.pick(t, reader !== undefined);
      if (i !== undefined && (!best || t.pending[i]!.signo < best[0].pending[best[1]]!.signo)) best = [t, i];
    }
    return best;
  }

  private pick(t: Thread, sharedOnly: boolean): number | undefined {
    let best: number | undefined;
    t.pending.forEach((q, i) => {
      if (q.sync || (this.mask & sigBit(q.signo)) === 0n) return;
      if (sharedOnly && q.code === SI_TKILL) return;
      if (best === undefined || q.signo < t.pending[best]!.signo) best = i;
    });
    return best;
  }

  get changes(): number {
    // a new signal in the mask is a change for edge-triggered waiters
    let n = 0;
    for (const t of this.process.threads) n += t.pending.length;
    if (n !== this.lastCount) {
      this.lastCount = n;
      this.lastSeen = nextChange();
    }
    return this.lastSeen;
  }

  pollMask(): number {
    return this.next(undefined) ? EPOLLIN | EPOLLRDNORM : 0;
  }

  /** Read as `reader`: as many records as fit in `len`, waiting for the first. */
  readAs(reader: Thread, len: number): ReadResult {
    if (len < SIGINFO_SIZE) return -EINVAL;
    const taken: PendingSignal[] = [];
    while (taken.length < Math.floor(len / SIGINFO_SIZE)) {
      const at = this.next(reader);
      if (!at) break;
      taken.push(at[0].pending.splice(at[1], 1)[0]!);
    }
    if (taken.length === 0) {
      if (this.nonblocking) return -EAGAIN;
      return new WouldBlock(
        "read from a signalfd",
        () => this.next(reader) !== undefined,
        undefined,
        0,
        undefined,
        true,
      );
    }
    const out = new Uint8Array(taken.length * SIGINFO_SIZE);
    for (let k = 0; k < taken.length; k++) out.set(encodeSiginfo(taken[k]!), k * SIGINFO_SIZE);
    return out;
  }

  override read(len: number): ReadResult {
    const t = callingThread(this.process);
    return t ? this.readAs(t, len) : -EINVAL;
  }

  override stat(): StatInfo {
    return syntheticStat(0o600, this.ino);
  }
}

/** struct signalfd_siginfo (linux/signalfd.h). */
function encodeSiginfo(q: PendingSignal): Uint8Array {
  const s = new Struct(SIGINFO_SIZE);
  s.u32(0, q.signo).i32(8, q.code);
  if (q.pid !== undefined) s.u32(12, q.pid);
  if (q.uid !== undefined) s.u32(16, q.uid);
  if (q.status !== undefined) s.i32(40, q.status);
  if (q.addr !== undefined) s.u64(72, q.addr);
  return s.bytes;
}
