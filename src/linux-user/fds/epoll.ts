// epoll(7): an interest list of (descriptor, open file) items, each with the events it wants and
// a 64-bit datum returned with them. Readiness is asked of each file (readiness.ts) when a thread
// waits or is woken, so a waiting epoll_wait retries whenever any item is ready.

import { type StatInfo, syntheticStat } from "../abi.js";
import { OpenFile } from "../files.js";
import { O_RDONLY } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLRDNORM,
  isPollable,
  type Pollable,
  readiness,
} from "./readiness.js";

export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLET = 1 << 31;

export interface EpollItem {
  fd: number;
  file: OpenFile;
  /** events asked for (EPOLLERR and EPOLLHUP are always reported), with the flags above */
  events: number;
  data: bigint;
  /** EPOLLONESHOT item that has reported: silent until EPOLL_CTL_MOD */
  disabled: boolean;
  /** the file's change counter when an edge-triggered item last reported */
  lastChanges: number;
  /** its place in the ready list (a nextChange() number), while it is on it */
  queued?: number;
}

export interface EpollEvent {
  events: number;
  data: bigint;
}

let nextIno = 1;

export class EpollFile extends OpenFile implements Pollable {
  readonly items: EpollItem[] = [];
  private readonly ino = nextIno++;
  /** guards nested epolls that watch each other */
  private polling = false;

  constructor(statusFlags: number) {
    super(O_RDONLY | statusFlags, "anon_inode:[eventpoll]");
  }

  find(fd: number, file: OpenFile): EpollItem | undefined {
    return this.items.find((i) => i.fd === fd && i.file === file);
  }

  /**
   * Ready items, at most `max`, in the order of Linux's ready list: by when each became ready
   * (its file's last change, or its ADD), a level-triggered item that was returned going to the
   * back. With `consume`, that order is kept, edge-triggered items remember what they reported
   * and one-shot items disable themselves (epoll_wait returned them). An item goes away when its
   * file is closed for good, not when its descriptor is: a dup keeps it reporting (epoll(7), Q6).
   */
  collect(max: number, consume: boolean): EpollEvent[] {
    if (this.polling) return [];
    this.polling = true;
    for (let i = this.items.length - 1; i >= 0; i--)
      if (this.items[i]!.file.refs === 0) this.items.splice(i, 1);
    const ready: { item: EpollItem; events: number; changes: number; key: number }[] = [];
    try {
      for (const item of this.items) {
        if (item.disabled) continue;
        const r = readiness(item.file);
        const got = r ? r.mask & ((item.events & 0xffff) | EPOLLERR | EPOLLHUP) : 0;
        if (got === 0 || (item.events & EPOLLET && r!.changes === item.lastChanges)) {
          if (consume) item.queued = undefined;
          continue;
        }
        ready.push({ item, events: got, changes: r!.changes, key: item.queued ?? r!.changes });
      }
    } finally {
      this.polling = false;
    }
    ready.sort((a, b) => a.key - b.key);
    const out = ready.slice(0, max);
    if (consume) {
      for (const e of ready) e.item.queued = e.key;
      for (const { item, changes } of out) {
        item.queued = undefined;
        if (item.events & EPOLLET) item.lastChanges = changes;
        else if (item.events & EPOLLONESHOT) item.disabled = true;
        else item.queued = nextChange();
      }
    }
    return out.map((e) => ({ events: e.events, data: e.item.data }));
  }

  /** The earliest time an item (a timer) becomes ready by itself. */
  readyAt(): number | undefined {
    let t: number | undefined;
    for (const item of this.items) {
      if (item.disabled || !isPollable(item.file)) continue;
      const at = item.file.readyAt?.();
      if (at !== undefined && (t === undefined || at < t)) t = at;
    }
    return t;
  }

  get changes(): number {
    let n = 0;
    for (const item of this.items) {
      const r = readiness(item.file);
      if (r) n += r.changes;
    }
    return n;
  }

  /** An epoll descriptor is readable while one of its items is ready (nested epolls). */
  pollMask(): number {
    return this.collect(1, false).length > 0 ? EPOLLIN | EPOLLRDNORM : 0;
  }

  override stat(): StatInfo {
    return syntheticStat(0o600, this.ino);
  }
}
