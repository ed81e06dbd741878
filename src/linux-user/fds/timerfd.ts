// timerfd_create(2) on the guest clock (virtual by default): the timer's next expiry is kept as a
// CLOCK_MONOTONIC deadline; expirations are counted when the descriptor is looked at, so nothing
// has to fire in the scheduler. A read returns the expirations since the last read (u64).

import { type StatInfo, syntheticStat } from "../abi.js";
import type { GuestClock } from "../clock.js";
import { EAGAIN, EINVAL } from "../errno.js";
import { OpenFile, type ReadResult, WouldBlock } from "../files.js";
import { O_RDONLY } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import type { LinuxProcess } from "../process.js";
import { callingThread, EPOLLIN, EPOLLRDNORM, type Pollable } from "./readiness.js";

let nextIno = 1;

export class TimerFd extends OpenFile implements Pollable {
  /** CLOCK_MONOTONIC ns of the next expiry; undefined while disarmed */
  next: number | undefined;
  /** ns between expiries; 0 for a one-shot timer */
  interval = 0;
  /** expirations not yet read */
  private ticks = 0;
  private seen = 0;
  private readonly ino = nextIno++;

  constructor(
    readonly clockId: number,
    private readonly process: LinuxProcess,
    statusFlags: number,
  ) {
    super(O_RDONLY | statusFlags, "anon_inode:[timerfd]");
    this.clock = process.clock;
  }

  private readonly clock: GuestClock;

  /** Count expirations up to now; returns those not yet read. */
  private update(): number {
    const next = this.next;
    if (next === undefined) return this.ticks;
    const now = this.clock.monotonicNs();
    if (now < next) return this.ticks;
    if (this.interval > 0) {
      const n = Math.floor((now - next) / this.interval) + 1;
      this.ticks += n;
      this.next = next + n * this.interval;
    } else {
      this.ticks += 1;
      this.next = undefined;
    }
    this.seen = nextChange();
    return this.ticks;
  }

  get changes(): number {
    this.update();
    return this.seen;
  }

  pollMask(): number {
    return this.update() > 0 ? EPOLLIN | EPOLLRDNORM : 0;
  }

  readyAt(): number | undefined {
    return this.ticks > 0 ? undefined : this.next;
  }

  /** Arm (next defined) or disarm; pending expirations are dropped (timerfd_settime). */
  set(next: number | undefined, interval: number): void {
    this.next = next;
    this.interval = next === undefined ? 0 : interval;
    this.ticks = 0;
    this.seen = nextChange();
  }

  /** ns until the next expiry (0 when disarmed) */
  remaining(): number {
    this.update();
    return this.next === undefined ? 0 : Math.max(1, this.next - this.clock.monotonicNs());
  }

  override read(len: number): ReadResult {
    if (len < 8) return -EINVAL;
    const n = this.update();
    if (n === 0) {
      if (this.nonblocking) return -EAGAIN;
      // The scheduler wakes the thread at the expiry (its deadline), when ready() holds; ready()
      // moves the deadline when another thread sets the timer again meanwhile.
      const reader = callingThread(this.process);
      const ready = () => {
        const n = this.update();
        if (reader?.wait) reader.wait.deadline = this.next;
        return n > 0;
      };
      return new WouldBlock("read from a timerfd", ready, this.next, 0, undefined, true);
    }
    this.ticks = 0;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
    return out;
  }

  override stat(): StatInfo {
    return syntheticStat(0o600, this.ino);
  }
}
