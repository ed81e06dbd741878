// Threads: clone/clone3 (threads only: CLONE_VM|CLONE_THREAD), futex, thread exit with
// CLONE_CHILD_CLEARTID, set_tid_address, robust lists, sched_yield, membarrier.

import { decodeTimespec } from "../abi.js";
import { GuestFault } from "../address-space.js";
import { CLOCK_MONOTONIC, CLOCK_REALTIME } from "../clock.js";
import { EAGAIN, EINVAL, ENOSYS, ETIMEDOUT } from "../errno.js";
import { threadCreated, threadExits } from "../events.js";
import type { LinuxProcess, Thread } from "../process.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VM,
  type CloneArgs,
  startClonedThread,
} from "./clone.js";
import type { Handler, Sys, SyscallResult } from "./context.js";
import { forkProcess } from "./processes.js";
import { monotonicDeadline } from "./time.js";

const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAKE_OP = 5;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * What tells a futex apart (futex(2)): private memory's is the address space and the address;
 * MAP_SHARED memory's (without FUTEX_PRIVATE_FLAG) is the host offset of the word, the same in
 * every process mapping it, so a process-shared mutex or semaphore wakes another process.
 */
export interface FutexKey {
  addr: number;
  /** host offset, or -1 for a private key */
  shared: number;
}

/** The key of the futex at addr (throws GuestFault when addr is not mapped). */
export function futexKey(p: LinuxProcess, addr: number, isPrivate = false): FutexKey {
  return { addr, shared: isPrivate ? -1 : p.mem.sharedKey(addr) };
}

/** Threads waiting on the futex `k` (matching bitset), first come first served. */
function waitersOn(p: LinuxProcess, k: FutexKey, bitset: number): Thread[] {
  const out: Thread[] = [];
  for (const q of p.kernel.live()) {
    if (k.shared < 0 && q.mem !== p.mem) continue;
    for (const t of q.threads) {
      const f = t.wait?.futex;
      if (f === undefined || (f.bitset & bitset) === 0) continue;
      if (k.shared >= 0 ? f.shared === k.shared : f.shared < 0 && f.mem === p.mem && f.addr === k.addr)
        out.push(t);
    }
  }
  return out.sort((a, b) => a.wait!.seq! - b.wait!.seq!);
}

/** Wake up to n waiters on the futex `k`; returns how many woke. */
export function futexWake(p: LinuxProcess, k: FutexKey, n: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  const woken = waitersOn(p, k, bitset).slice(0, Math.max(0, n));
  for (const t of woken) t.complete(0);
  return woken.length;
}

/** Move up to n waiters from `k` to `k2` (FUTEX_REQUEUE). */
function futexRequeue(p: LinuxProcess, k: FutexKey, k2: FutexKey, n: number): number {
  const moved = waitersOn(p, k, FUTEX_BITSET_MATCH_ANY).slice(0, Math.max(0, n));
  for (const t of moved) {
    t.wait!.futex = { addr: k2.addr, bitset: FUTEX_BITSET_MATCH_ANY, shared: k2.shared, mem: p.mem };
    t.wait!.what = `futex wait on ${hex(k2.addr)}`;
  }
  return moved.length;
}

/** FUTEX_WAKE_OP's operation on *uaddr2 and its comparison (futex(2)). */
function wakeOp(
  p: LinuxProcess,
  c: Sys,
  k: FutexKey,
  n: number,
  k2: FutexKey,
  n2: number,
  encoded: number,
): number {
  const op = (encoded >>> 28) & 0xf;
  const cmp = (encoded >>> 24) & 0xf;
  let oparg = (encoded << 8) >> 20; // bits 12..23, sign-extended
  const cmparg = (encoded << 20) >> 20; // bits 0..11, sign-extended
  if (op & 8) oparg = 1 << (oparg & 31);
  const addr2 = k2.addr;
  const old = c.mem.readU32(addr2) | 0;
  let v: number;
  switch (op & 7) {
    case 0:
      v = oparg;
      break;
    case 1:
      v = old + oparg;
      break;
    case 2:
      v = old | oparg;
      break;
    case 3:
      v = old & ~oparg;
      break;
    case 4:
      v = old ^ oparg;
      break;
    default:
      return -ENOSYS;
  }
  c.mem.writeU32(addr2, v >>> 0);
  let woke = futexWake(p, k, n);
  const tests = [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg];
  if (cmp > 5) return -ENOSYS;
  if (tests[cmp]) woke += futexWake(p, k2, n2);
  return woke;
}

/** The thread leaves: CLONE_CHILD_CLEARTID handling, and the process ends with its last thread. */
export function exitThread(p: LinuxProcess, t: Thread, code: number): void {
  threadExits(p, t);
  p.kernel.dropThread(t);
  if (t.tid === p.pid) p.leaderExitCode = code & 0xff;
  if (t.clearChildTid !== 0) {
    try {
      p.mem.writeU32(t.clearChildTid, 0);
      futexWake(p, futexKey(p, t.clearChildTid), 1);
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
    }
  }
  if (p.threads.length === 0 && !p.exit) p.exit = { code: p.leaderExitCode ?? code & 0xff };
}

function doClone(c: Sys, a: CloneArgs): SyscallResult {
  const p = c.p;
  const f = a.flags;
  if (f & CLONE_THREAD && !(f & CLONE_SIGHAND)) return -EINVAL;
  if (f & CLONE_SIGHAND && !(f & CLONE_VM)) return -EINVAL;
  if (f & CLONE_PIDFD) return -EINVAL;
  if (!(f & CLONE_THREAD)) return forkProcess(c, a);
  const child = p.spawnThread(c.t);
  startClonedThread(child.state, c.t.state.pc, a);
  if (f & CLONE_PARENT_SETTID) c.mem.writeU32(a.parentTid, child.tid);
  if (f & CLONE_CHILD_SETTID) c.mem.writeU32(a.childTid, child.tid);
  if (f & CLONE_CHILD_CLEARTID) child.clearChildTid = a.childTid;
  threadCreated(p, c.t, child);
  return child.tid;
}

export const threadSyscalls: Record<string, Handler> = {
  // riscv64 passes clone's arguments as (flags, newsp, parent_tid, tls, child_tid).
  clone: (c) =>
    doClone(c, {
      flags: c.ulong(0),
      stack: c.ulong(1),
      parentTid: c.ulong(2),
      tls: c.ulong(3),
      childTid: c.ulong(4),
    }),

  clone3(c) {
    const size = c.ulong(1);
    if (size < 64 || size > 4096) return -EINVAL;
    const b = c.mem.read(c.ulong(0), 64);
    const v = new DataView(b.buffer, b.byteOffset, 64);
    const u64 = (off: number) => v.getUint32(off, true) + v.getUint32(off + 4, true) * 2 ** 32;
    const stack = u64(40);
    const stackSize = u64(48);
    if ((stack === 0) !== (stackSize === 0)) return -EINVAL;
    return doClone(c, {
      flags: u64(0),
      exitSignal: u64(32),
      childTid: u64(16),
      parentTid: u64(24),
      stack: stack === 0 ? 0 : stack + stackSize,
      tls: u64(56),
    });
  },

  exit(c) {
    exitThread(c.p, c.t, c.int(0));
    return undefined;
  },

  exit_group(c) {
    c.p.exit = { code: c.int(0) & 0xff };
    return undefined;
  },

  set_tid_address(c) {
    c.t.clearChildTid = c.ulong(0);
    return c.t.tid;
  },

  set_robust_list(c) {
    if (c.ulong(1) !== 24) return -EINVAL;
    c.t.robustList = c.ulong(0);
    return 0;
  },

  get_robust_list(c) {
    const t = c.int(0) === 0 ? c.t : c.p.thread(c.int(0));
    if (!t) return -3; // ESRCH
    c.mem.writeU64(c.ulong(1), t.robustList);
    c.mem.writeU64(c.ulong(2), 24);
    return 0;
  },

  futex(c) {
    const p = c.p;
    const addr = c.ulong(0);
    const op = c.int(1);
    const val = c.uint(2);
    const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if (addr % 4 !== 0) return -EINVAL;
    const isPrivate = (op & FUTEX_PRIVATE_FLAG) !== 0;
    switch (cmd) {
      case FUTEX_WAIT:
      case FUTEX_WAIT_BITSET: {
        const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : c.uint(5);
        if (bitset === 0) return -EINVAL;
        const tsAddr = c.ulong(3);
        let deadline: number | undefined;
        if (tsAddr !== 0) {
          const ns = decodeTimespec(c.mem.read(tsAddr, 16));
          if (ns === undefined || ns < 0n) return -EINVAL;
          if (cmd === FUTEX_WAIT) deadline = p.clock.monotonicNs() + Number(ns);
          else
            deadline = monotonicDeadline(c, op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, ns);
        }
        if (c.mem.readU32(addr) !== val) return -EAGAIN;
        const k = futexKey(p, addr, isPrivate);
        c.t.wait = {
          what: `futex wait on ${hex(addr)}${k.shared >= 0 ? " (shared)" : ""}`,
          futex: { addr, bitset, shared: k.shared, mem: p.mem },
          deadline,
          timeoutResult: -ETIMEDOUT,
          seq: ++p.kernel.waitSeq,
        };
        return undefined;
      }
      case FUTEX_WAKE:
        return futexWake(p, futexKey(p, addr, isPrivate), val);
      case FUTEX_WAKE_BITSET: {
        const bitset = c.uint(5);
        if (bitset === 0) return -EINVAL;
        return futexWake(p, futexKey(p, addr, isPrivate), val, bitset);
      }
      case FUTEX_REQUEUE:
      case FUTEX_CMP_REQUEUE: {
        const addr2 = c.ulong(4);
        if (addr2 % 4 !== 0) return -EINVAL;
        if (cmd === FUTEX_CMP_REQUEUE && c.mem.readU32(addr) !== c.uint(5)) return -EAGAIN;
        const k = futexKey(p, addr, isPrivate);
        const woke = futexWake(p, k, val);
        return woke + futexRequeue(p, k, futexKey(p, addr2, isPrivate), c.uint(3));
      }
      case FUTEX_WAKE_OP: {
        const addr2 = c.ulong(4);
        if (addr2 % 4 !== 0) return -EINVAL;
        return wakeOp(
          p,
          c,
          futexKey(p, addr, isPrivate),
          val,
          futexKey(p, addr2, isPrivate),
          c.uint(3),
          c.uint(5),
        );
      }
      default:
        return -ENOSYS;
    }
  },

  sched_yield(c) {
    c.p.yieldRequested = true;
    return 0;
  },

  membarrier(c) {
    const cmd = c.int(0);
    if (cmd === 0) return 0; // MEMBARRIER_CMD_QUERY: nothing supported, and nothing needed
    return -EINVAL;
  },

  // One hart sees its own stores; the decoded-instruction cache follows every store.
  riscv_flush_icache: () => 0,
};
