// Time syscalls over the guest clock (virtual by default, see clock.ts).

import { decodeTimespec, encodeTimespec, encodeTimeval, Struct } from "../abi.js";
import { CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID } from "../clock.js";
import { EINVAL, EOPNOTSUPP } from "../errno.js";
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

  timer_create: () => -EOPNOTSUPP,
  adjtimex: () => -1, // EPERM
  clock_adjtime: () => -1,
};
