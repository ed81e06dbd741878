// Time syscalls over the guest clock (virtual by default, see clock.ts).

import { decodeTimespec, encodeTimespec, encodeTimeval, Struct } from "../abi.js";
import { CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID } from "../clock.js";
import { EINVAL, EOPNOTSUPP } from "../errno.js";
import type { IntervalTimer } from "../process.js";
import type { Handler, Sys, SyscallResult } from "./context.js";

const TIMER_ABSTIME = 1;

/** Read clock `id` for the calling thread; negative ids are CPU-time clocks (clock_getcpuclockid). */
function readClock(c: Sys, id: number): bigint | undefined {
  if (id < 0) return BigInt(c.p.clock.retired);
  return c.p.clock.read(id, c.t.hart.retired);
}

function readTimespec(c: Sys, addr: number): bigint | undefined {
  return decodeTimespec(c.mem.read(addr, 16));
}

/** struct itimerval {it_interval, it_value} (timevals) of a timer, as getitimer reports it. */
function encodeItimerval(c: Sys, timer: IntervalTimer): Uint8Array {
  const now = timer.cpu ? c.p.clock.retired : c.p.clock.monotonicNs();
  const left = timer.deadline === undefined ? 0 : Math.max(1000, timer.deadline - now);
  const out = new Uint8Array(32);
  out.set(encodeTimeval(BigInt(timer.interval)), 0);
  out.set(encodeTimeval(BigInt(left)), 16);
  return out;
}

/** Block the calling thread until CLOCK_MONOTONIC reaches `deadline`; the sleep returns 0. */
function sleepUntil(c: Sys, deadline: number, what: string): SyscallResult {
  c.t.wait = { what, deadline, timeoutResult: 0 };
  return undefined;
}

/** Turn an absolute time on `clock` into a CLOCK_MONOTONIC deadline. */
export function monotonicDeadline(c: Sys, clock: number, abs: bigint): number {
  const now = readClock(c, clock) ?? 0n;
  return c.p.clock.monotonicNs() + Math.max(0, Number(abs - now));
}

export const timeSyscalls: Record<string, Handler> = {
  clock_gettime(c) {
    const ns = readClock(c, c.int(0));
    if (ns === undefined) return -EINVAL;
    c.mem.write(c.ulong(1), encodeTimespec(ns));
    return 0;
  },

  clock_getres(c) {
    const id = c.int(0);
    const res = id < 0 ? 1 : c.p.clock.resolution(id);
    if (res === undefined) return -EINVAL;
    if (c.ulong(1) !== 0) c.mem.write(c.ulong(1), encodeTimespec(BigInt(res)));
    return 0;
  },

  clock_settime: (c) => (readClock(c, c.int(0)) === undefined ? -EINVAL : -1), // EPERM

  gettimeofday(c) {
    if (c.ulong(0) !== 0) c.mem.write(c.ulong(0), encodeTimeval(c.p.clock.realtimeNs()));
    if (c.ulong(1) !== 0) c.mem.write(c.ulong(1), new Uint8Array(8));
    return 0;
  },

  settimeofday: () => -1, // EPERM

  nanosleep(c) {
    const ns = readTimespec(c, c.ulong(0));
    if (ns === undefined || ns < 0n) return -EINVAL;
    return sleepUntil(c, c.p.clock.monotonicNs() + Number(ns), "nanosleep");
  },

  clock_nanosleep(c) {
    const id = c.int(0);
    const flags = c.int(1);
    if (id === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
    if (readClock(c, id) === undefined) return -EINVAL;
    const ns = readTimespec(c, c.ulong(2));
    if (ns === undefined || ns < 0n) return -EINVAL;
    const clock = id === CLOCK_PROCESS_CPUTIME_ID ? CLOCK_MONOTONIC : id;
    const deadline =
      flags & TIMER_ABSTIME ? monotonicDeadline(c, clock, ns) : c.p.clock.monotonicNs() + Number(ns);
    return sleepUntil(c, deadline, "clock_nanosleep");
  },

  times(c) {
    const ticks = (ns: number) => Math.floor(ns / 1e7);
    if (c.ulong(0) !== 0) {
      const s = new Struct(32).u64(0, ticks(c.p.clock.retired));
      c.mem.write(c.ulong(0), s.bytes);
    }
    return ticks(c.p.clock.monotonicNs());
  },

  getrusage(c) {
    const who = c.int(0);
    if (who !== 0 && who !== -1 && who !== 1) return -EINVAL;
    const ns = who === -1 ? 0 : who === 1 ? c.t.hart.retired : c.p.clock.retired;
    const s = new Struct(144);
    s.bytes.set(encodeTimeval(BigInt(ns)), 0);
    c.mem.write(c.ulong(1), s.bytes);
    return 0;
  },

  getitimer(c) {
    const timer = c.p.itimers[c.int(0)];
    if (!timer) return -EINVAL;
    c.mem.write(c.ulong(1), encodeItimerval(c, timer));
    return 0;
  },

  setitimer(c) {
    const timer = c.p.itimers[c.int(0)];
    if (!timer) return -EINVAL;
    let next: [number, number] | undefined;
    if (c.ulong(1) !== 0) {
      const b = c.mem.read(c.ulong(1), 32);
      const v = new DataView(b.buffer, b.byteOffset, 32);
      const usec = [v.getBigInt64(8, true), v.getBigInt64(24, true)];
      if (usec.some((u) => u < 0n || u >= 1_000_000n)) return -EINVAL;
      const ns = (off: number) =>
        Number(v.getBigInt64(off, true)) * 1e9 + Number(v.getBigInt64(off + 8, true)) * 1e3;
      next = [ns(0), ns(16)];
    }
    if (c.ulong(2) !== 0) c.mem.write(c.ulong(2), encodeItimerval(c, timer));
    if (next) {
      const now = timer.cpu ? c.p.clock.retired : c.p.clock.monotonicNs();
      timer.interval = next[0];
      timer.deadline = next[1] > 0 ? now + next[1] : undefined;
    }
    return 0;
  },

  timer_create: () => -EOPNOTSUPP,
  adjtimex: () => -1, // EPERM
  clock_adjtime: () => -1,
};
