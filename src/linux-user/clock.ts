// Guest time. Virtual by default: the machine's time (1 ns per instruction retired by any thread,
// plus whatever sleeps skip when every thread waits) from a fixed epoch, so the same program and
// input give the same times, exact at every instruction. --wall-clock uses the host's clocks.

import { TIMEBASE_NS } from "../hart/csr.js";

/** CLOCK_REALTIME of a virtual run's first instruction: 2024-01-01T00:00:00Z. */
export const VIRTUAL_EPOCH_S = 1_704_067_200;
/** CLOCK_MONOTONIC at start (an "uptime", so no program sees 0). */
const MONOTONIC_START_NS = 1000e9;

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;
export const CLOCK_REALTIME_ALARM = 8;
export const CLOCK_BOOTTIME_ALARM = 9;
export const CLOCK_TAI = 11;

/** Where virtual time comes from: a Machine, or a bare counter (tests). */
export interface VirtualTime {
  /** instructions retired by every thread so far */
  readonly retired: number;
  /** ns since the start: instructions at 1 ns each plus idle spans */
  now(): number;
  /** let time pass to `t` ns with nothing running */
  idleUntil(t: number): void;
}

/** Virtual time without a machine: a counter to add instructions to. */
export class VirtualCounter implements VirtualTime {
  retired = 0;
  private idled = 0;
  now(): number {
    return this.retired + this.idled;
  }
  idleUntil(t: number): void {
    if (t > this.now()) this.idled = t - this.retired;
  }
}

export class GuestClock {
  private readonly hrStart = process.hrtime.bigint();
  private readonly realStartNs = BigInt(Date.now()) * 1_000_000n;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    readonly wall: boolean,
    readonly time: VirtualTime = new VirtualCounter(),
  ) {}

  /** instructions retired by all threads so far (CPU time of the process, in ns) */
  get retired(): number {
    return this.time.retired;
  }
  /** (a clock over a VirtualCounter only: tests advance it by hand) */
  set retired(n: number) {
    if (!(this.time instanceof VirtualCounter))
      throw new Error("GuestClock: retired counts the machine's instructions");
    this.time.retired = n;
  }

  /** CLOCK_MONOTONIC in ns, as a number (exact for 104 days of guest time). */
  monotonicNs(): number {
    if (this.wall) return Number(process.hrtime.bigint() - this.hrStart) + MONOTONIC_START_NS;
    return this.time.now() + MONOTONIC_START_NS;
  }

  /** The `time` CSR: CLOCK_MONOTONIC in timer ticks, the same for every thread. */
  timerTicks(): number {
    return Math.floor(this.monotonicNs() / TIMEBASE_NS);
  }

  /** CLOCK_REALTIME in ns since 1970. */
  realtimeNs(): bigint {
    if (this.wall) return this.realStartNs + (process.hrtime.bigint() - this.hrStart);
    return BigInt(VIRTUAL_EPOCH_S) * 1_000_000_000n + BigInt(this.time.now());
  }

  /** The value of clock `id` in ns, or undefined for a clock Linux does not have. */
  read(id: number, threadRetired: number): bigint | undefined {
    switch (id) {
      case CLOCK_REALTIME:
      case CLOCK_REALTIME_COARSE:
      case CLOCK_REALTIME_ALARM:
      case CLOCK_TAI:
        return this.realtimeNs();
      case CLOCK_MONOTONIC:
      case CLOCK_MONOTONIC_RAW:
      case CLOCK_MONOTONIC_COARSE:
      case CLOCK_BOOTTIME:
      case CLOCK_BOOTTIME_ALARM:
        return BigInt(this.monotonicNs());
      case CLOCK_PROCESS_CPUTIME_ID:
        return BigInt(this.retired);
      case CLOCK_THREAD_CPUTIME_ID:
        return BigInt(threadRetired);
      default:
        return undefined;
    }
  }

  /** Resolution of clock `id` in ns. */
  resolution(id: number): number | undefined {
    if (id === CLOCK_REALTIME_COARSE || id === CLOCK_MONOTONIC_COARSE) return 4_000_000;
    return this.read(id, 0) === undefined ? undefined : 1;
  }

  /** Let guest time pass while nothing runs: skip it (virtual) or sleep (wall clock). */
  idleUntil(monotonicDeadline: number): void {
    const now = this.monotonicNs();
    if (monotonicDeadline <= now) return;
    // machine time passes by the same span (its timers fire on the way)
    this.time.idleUntil(this.time.now() + (monotonicDeadline - now));
    if (this.wall) Atomics.wait(this.sleeper, 0, 0, Math.ceil((monotonicDeadline - now) / 1e6));
  }
}
