// Descriptors to wait on: eventfd2, epoll_create1/ctl/pwait/pwait2, timerfd_create/settime/gettime.
// A wait is a WouldBlock whose ready() asks the files again; its deadline is the earlier of the
// timeout and the first timer that can make an item ready, so virtual time skips to it.

import { decodeTimespec, encodeTimespec, Struct } from "../abi.js";
import {
  CLOCK_BOOTTIME,
  CLOCK_BOOTTIME_ALARM,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  CLOCK_REALTIME_ALARM,
} from "../clock.js";
import { EBADF, EEXIST, EINVAL, ENOENT, EPERM } from "../errno.js";
import { EPOLLEXCLUSIVE, EPOLLWAKEUP, EpollFile } from "../fds/epoll.js";
import { EFD_SEMAPHORE, EventFd } from "../fds/eventfd.js";
import { EPOLLERR, EPOLLHUP, readiness } from "../fds/readiness.js";
import { SignalFd } from "../fds/signalfd.js";
import { TimerFd } from "../fds/timerfd.js";
import { type OpenFile, WouldBlock } from "../files.js";
import { O_CLOEXEC, O_NONBLOCK } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import type { Handler, Sys, SyscallResult } from "./context.js";

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
/** struct epoll_event is {u32 events; u64 data} with natural alignment on riscv64: 16 bytes */
const EVENT_SIZE = 16;
const EP_MAX_EVENTS = 0x7fffffff / EVENT_SIZE;

const TFD_TIMER_ABSTIME = 1;
const TFD_TIMER_CANCEL_ON_SET = 2;

function epollOf(c: Sys, fd: number): EpollFile | number {
  const f = c.p.fds.get(fd);
  if (!f) return -EBADF;
  return f instanceof EpollFile ? f : -EINVAL;
}

/** epoll_pwait and epoll_pwait2 after the timeout is known (undefined: wait forever). */
function epollWait(c: Sys, timeoutNs: number | undefined): SyscallResult {
  const ep = epollOf(c, c.int(0));
  if (typeof ep === "number") return ep;
  const addr = c.ulong(1);
  const max = c.int(2);
  if (max <= 0 || max > EP_MAX_EVENTS) return -EINVAL;
  const sigmaskAddr = c.ulong(4);
  const masked = applySigmask(c, sigmaskAddr, c.ulong(5));
  if (masked < 0) return masked;
  // only EINTR keeps the temporary mask, for the handler; any other return restores it
  const restore = () => {
    if (sigmaskAddr !== 0 && c.t.suspendMask !== undefined) {
      c.t.sigmask = c.t.suspendMask;
      c.t.suspendMask = undefined;
    }
  };
  const got = ep.collect(max, true);
  if (got.length > 0) {
    const s = new Struct(got.length * EVENT_SIZE);
    got.forEach((e, i) => {
      s.u32(i * EVENT_SIZE, e.events >>> 0).u64(i * EVENT_SIZE + 8, e.data);
    });
    c.mem.write(addr, s.bytes);
    restore();
    return got.length;
  }
  if (timeoutNs === 0) {
    restore();
    return 0;
  }
  const now = c.p.clock.monotonicNs();
  const timeout = timeoutNs === undefined ? undefined : now + timeoutNs;
  // wake at the timeout or when a timer item expires, whichever is first; ready() moves the
  // deadline when a timer is set again meanwhile
  const deadline = () => {
    const timer = ep.readyAt();
    return timer === undefined ? timeout : timeout === undefined ? timer : Math.min(timer, timeout);
  };
  const t = c.t;
  const ready = () => {
    if (ep.collect(1, false).length > 0) return true;
    if (t.wait) t.wait.deadline = deadline();
    return false;
  };
  // a signal ends the wait with EINTR whatever SA_RESTART says (signal(7))
  return new WouldBlock("epoll_wait", ready, deadline(), 0, restore);
}

/** sigset_t is 64 bits on riscv64 */
const SIGSET_SIZE = 8;
/** SIGKILL and SIGSTOP cannot be blocked */
const UNBLOCKABLE = (1n << 8n) | (1n << 18n);

/**
 * epoll_pwait's mask: in force while the call waits, as rt_sigsuspend's is — the old mask comes
 * back when the call returns, or after the handler of a signal that interrupted it (sigreturn).
 * A retried wait already runs under it.
 */
function applySigmask(c: Sys, addr: number, size: number): number {
  if (addr === 0) return 0;
  if (size !== SIGSET_SIZE) return -EINVAL;
  const b = c.mem.read(addr, SIGSET_SIZE);
  const mask = new DataView(b.buffer, b.byteOffset, SIGSET_SIZE).getBigUint64(0, true) & ~UNBLOCKABLE;
  const t = c.t;
  if (t.suspendMask === undefined) t.suspendMask = t.sigmask;
  t.sigmask = mask;
  return 0;
}

function readItimerspec(c: Sys, addr: number): { interval: bigint; value: bigint } | undefined {
  const b = c.mem.read(addr, 32);
  const interval = decodeTimespec(b.subarray(0, 16));
  const value = decodeTimespec(b.subarray(16, 32));
  if (interval === undefined || value === undefined || interval < 0n || value < 0n) return undefined;
  return { interval, value };
}

function writeItimerspec(c: Sys, addr: number, t: TimerFd): void {
  const out = new Uint8Array(32);
  out.set(encodeTimespec(BigInt(t.interval)), 0);
  out.set(encodeTimespec(BigInt(t.remaining())), 16);
  c.mem.write(addr, out);
}

function timerOf(c: Sys, fd: number): TimerFd | number {
  const f = c.p.fds.get(fd);
  if (!f) return -EBADF;
  return f instanceof TimerFd ? f : -EINVAL;
}

/** An item ADDed or MODified while its file is ready goes on the ready list at once. */
function readyNow(file: OpenFile, events: number): number | undefined {
  const m = readiness(file)?.mask ?? 0;
  return m & ((events & 0xffff) | EPOLLERR | EPOLLHUP) ? nextChange() : undefined;
}

export const waitObjectSyscalls: Record<string, Handler> = {
  eventfd2(c) {
    const initval = c.uint(0);
    const flags = c.int(1);
    if (flags & ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    const f = new EventFd(BigInt(initval), (flags & EFD_SEMAPHORE) !== 0, flags & O_NONBLOCK);
    return c.p.fds.install(f, (flags & O_CLOEXEC) !== 0);
  },

  epoll_create1(c) {
    const flags = c.int(0);
    if (flags & ~O_CLOEXEC) return -EINVAL;
    return c.p.fds.install(new EpollFile(0), (flags & O_CLOEXEC) !== 0);
  },

  epoll_ctl(c) {
    const epfd = c.int(0);
    const op = c.int(1);
    const fd = c.int(2);
    const ep = epollOf(c, epfd);
    const file = c.p.fds.get(fd);
    if (typeof ep === "number" && ep === -EBADF) return ep;
    if (!file) return -EBADF;
    if (typeof ep === "number") return ep;
    if (!readiness(file)) return -EPERM;
    if (epfd === fd || file === ep) return -EINVAL;
    const item = ep.find(fd, file);
    let events = 0;
    let data = 0n;
    if (op !== EPOLL_CTL_DEL) {
      const b = c.mem.read(c.ulong(3), EVENT_SIZE);
      const v = new DataView(b.buffer, b.byteOffset, EVENT_SIZE);
      events = v.getUint32(0, true);
      data = v.getBigUint64(8, true);
    }
    switch (op) {
      case EPOLL_CTL_ADD:
        if (item) return -EEXIST;
        ep.items.push({
          fd,
          file,
          events: events & ~EPOLLWAKEUP,
          data,
          disabled: false,
          lastChanges: -1,
          queued: readyNow(file, events),
        });
        return 0;
      case EPOLL_CTL_MOD:
        if (!item) return -ENOENT;
        if (events & EPOLLEXCLUSIVE || item.events & EPOLLEXCLUSIVE) return -EINVAL;
        item.events = events & ~EPOLLWAKEUP;
        item.data = data;
        item.disabled = false;
        item.lastChanges = -1;
        item.queued = readyNow(file, events);
        return 0;
      case EPOLL_CTL_DEL:
        if (!item) return -ENOENT;
        ep.items.splice(ep.items.indexOf(item), 1);
        return 0;
      default:
        return -EINVAL;
    }
  },

  epoll_pwait(c) {
    const ms = c.int(3);
    return epollWait(c, ms < 0 ? undefined : ms * 1e6);
  },

  epoll_pwait2(c) {
    const addr = c.ulong(3);
    if (addr === 0) return epollWait(c, undefined);
    const ns = decodeTimespec(c.mem.read(addr, 16));
    if (ns === undefined || ns < 0n) return -EINVAL;
    return epollWait(c, Number(ns));
  },

  signalfd4(c) {
    const fd = c.int(0);
    const flags = c.int(3);
    if (c.ulong(2) !== SIGSET_SIZE) return -EINVAL;
    if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    const b = c.mem.read(c.ulong(1), SIGSET_SIZE);
    const mask = new DataView(b.buffer, b.byteOffset, SIGSET_SIZE).getBigUint64(0, true) & ~UNBLOCKABLE;
    if (fd !== -1) {
      const f = c.p.fds.get(fd);
      if (!f) return -EBADF;
      if (!(f instanceof SignalFd)) return -EINVAL;
      f.mask = mask;
      return fd;
    }
    return c.p.fds.install(new SignalFd(c.p, mask, flags & O_NONBLOCK), (flags & O_CLOEXEC) !== 0);
  },

  timerfd_create(c) {
    const clockId = c.int(0);
    const flags = c.int(1);
    const clocks = [
      CLOCK_REALTIME,
      CLOCK_MONOTONIC,
      CLOCK_BOOTTIME,
      CLOCK_REALTIME_ALARM,
      CLOCK_BOOTTIME_ALARM,
    ];
    if (!clocks.includes(clockId)) return -EINVAL;
    if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    const f = new TimerFd(clockId, c.p, flags & O_NONBLOCK);
    return c.p.fds.install(f, (flags & O_CLOEXEC) !== 0);
  },

  timerfd_settime(c) {
    const flags = c.int(1);
    if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) return -EINVAL;
    const t = timerOf(c, c.int(0));
    if (typeof t === "number") return t;
    const spec = readItimerspec(c, c.ulong(2));
    if (!spec) return -EINVAL;
    if (c.ulong(3) !== 0) writeItimerspec(c, c.ulong(3), t);
    if (spec.value === 0n) {
      t.set(undefined, 0);
      return 0;
    }
    const now = c.p.clock.monotonicNs();
    let next: number;
    if (flags & TFD_TIMER_ABSTIME) {
      const clockNow = c.p.clock.read(t.clockId, 0)!;
      next = now + Math.max(0, Number(spec.value - clockNow));
    } else next = now + Number(spec.value);
    t.set(next, Number(spec.interval));
    return 0;
  },

  timerfd_gettime(c) {
    const t = timerOf(c, c.int(0));
    if (typeof t === "number") return t;
    writeItimerspec(c, c.ulong(1), t);
    return 0;
  },
};
