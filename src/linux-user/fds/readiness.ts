// What epoll asks of a descriptor: its readiness now (poll(2) bits) and a counter that changes
// whenever new data or room appears, so an edge-triggered item reports each change once
// (epoll(7), "Level-triggered and edge-triggered"). Threads that wait are polled by the
// scheduler through WouldBlock.ready(), so no wait queue is needed: readiness is a pure query.

import { HostFile, type OpenFile, PipeEnd } from "../files.js";
import type { LinuxProcess, Thread } from "../process.js";

export const EPOLLIN = 0x001;
export const EPOLLPRI = 0x002;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLRDNORM = 0x040;
export const EPOLLWRNORM = 0x100;
export const EPOLLRDHUP = 0x2000;

/** A descriptor kind of ours that knows its own readiness. */
export interface Pollable {
  /** EPOLL* bits that hold now */
  pollMask(): number;
  /** nextChange() (pipe.ts) at its last change: edge-triggered waiters see each change once */
  readonly changes: number;
  /** CLOCK_MONOTONIC ns at which it may become ready by itself (a timer), if any */
  readyAt?(): number | undefined;
}

export function isPollable(f: OpenFile): f is OpenFile & Pollable {
  return typeof (f as Partial<Pollable>).pollMask === "function";
}

/**
 * Readiness of any descriptor, or undefined when it cannot be polled: regular files and
 * directories (epoll_ctl returns EPERM for them, as Linux does).
 */
export function readiness(f: OpenFile): { mask: number; changes: number } | undefined {
  if (isPollable(f)) return { mask: f.pollMask(), changes: f.changes };
  if (f instanceof PipeEnd) {
    const p = f.pipe;
    let mask = 0;
    if (f.writeEnd) {
      if (p.space > 0) mask |= EPOLLOUT | EPOLLWRNORM;
      if (p.readers === 0) mask |= EPOLLERR;
    } else {
      if (p.size > 0) mask |= EPOLLIN | EPOLLRDNORM;
      if (p.writers === 0) mask |= EPOLLHUP;
    }
    return { mask, changes: f.writeEnd ? p.takenAt : p.putAt };
  }
  if (f instanceof HostFile) {
    if (f.positional || f.isDir) return undefined;
    // a host stream (the terminal, a pipe from the shell): taken as always ready
    return {
      mask: (f.readable ? EPOLLIN | EPOLLRDNORM : 0) | (f.writable ? EPOLLOUT | EPOLLWRNORM : 0),
      changes: 0,
    };
  }
  // anything else hartscope makes up reads and writes at once
  return { mask: EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM, changes: 0 };
}

/**
 * The thread whose syscall is running now. read(2) on a file gets no thread: it is the one thread
 * of the run inside a syscall and not waiting (threads run one at a time; a retried syscall has
 * its wait cleared first).
 */
export function callingThread(p: LinuxProcess): Thread | undefined {
  for (const q of p.kernel.live()) {
    for (const t of q.threads) {
      if (!t.exited && t.syscall !== undefined && t.wait === undefined) return t;
    }
  }
  return undefined;
}
