// Signal syscalls: actions, masks, the alternate stack, sigreturn, kill/tkill/tgkill (to this
// process only), sigsuspend.

import { decodeTimespec, Struct } from "../abi.js";
import { GuestFault } from "../address-space.js";
import { EAGAIN, EFAULT, EINVAL, ENOMEM, EPERM, ESRCH } from "../errno.js";
import { signalCleared } from "../events.js";
import { WouldBlock } from "../files.js";
import { sendToProcess, sendToThread } from "../signal-delivery.js";
import {
  encodeSigInfo,
  MINSIGSTKSZ,
  NSIG,
  onAltStack,
  popSignalFrame,
  SI_TKILL,
  SI_USER,
  SIGKILL,
  SIGSTOP,
  SS_DISABLE,
  SS_ONSTACK,
  sigBit,
  UNBLOCKABLE,
} from "../signals.js";
import type { Handler, Sys } from "./context.js";

const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const SIG_SETMASK = 2;
const SIGSET_SIZE = 8;

function readMask(c: Sys, addr: number): bigint {
  const b = c.mem.read(addr, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

function writeMask(c: Sys, addr: number, mask: bigint): void {
  c.mem.write(addr, new Struct(8).u64(0, mask).bytes);
}

function validSignal(sig: number): boolean {
  return sig >= 1 && sig <= NSIG;
}

/** Send `sig` from the caller: kill(2) semantics for the checks, signal 0 only checks. */
function send(c: Sys, sig: number, tid: number | undefined): number {
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const p = c.p;
  const target = tid === undefined ? undefined : p.thread(tid);
  if (tid !== undefined && !target) return -ESRCH;
  if (sig === 0) return 0;
  const info = { signo: sig, code: tid === undefined ? SI_USER : SI_TKILL, pid: p.pid, uid: p.uid };
  if (target) sendToThread(p, target, info);
  else sendToProcess(p, info, c.t);
  return 0;
}

export const signalSyscalls: Record<string, Handler> = {
  rt_sigaction(c) {
    const sig = c.int(0);
    const act = c.ulong(1);
    const oact = c.ulong(2);
    if (c.ulong(3) !== SIGSET_SIZE) return -EINVAL;
    if (!validSignal(sig)) return -EINVAL;
    if (act !== 0 && (sig === SIGKILL || sig === SIGSTOP)) return -EINVAL;
    const p = c.p;
    const cur = p.sigactions[sig]!;
    let next = cur;
    if (act !== 0) {
      // struct sigaction on riscv64 (no SA_RESTORER): handler, flags, mask
      const b = c.mem.read(act, 24);
      const v = new DataView(b.buffer, b.byteOffset, 24);
      next = {
        handler: v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32,
        flags: v.getUint32(8, true),
        mask: v.getBigUint64(16, true) & ~UNBLOCKABLE,
      };
    }
    if (oact !== 0)
      c.mem.write(oact, new Struct(24).u64(0, cur.handler).u64(8, cur.flags).u64(16, cur.mask).bytes);
    p.sigactions[sig] = next;
    // Setting SIG_IGN (or a default of ignore) discards pending instances (POSIX).
    if (act !== 0 && (next.handler === 1 || next.handler === 0)) {
      const ign = next.handler === 1;
      for (const t of p.threads) {
        t.pending = t.pending.filter((q) => q.signo !== sig || !(ign || isDefaultIgnored(sig)));
      }
    }
    return 0;
  },

  rt_sigprocmask(c) {
    const how = c.int(0);
    const set = c.ulong(1);
    const oset = c.ulong(2);
    if (c.ulong(3) !== SIGSET_SIZE) return -EINVAL;
    const t = c.t;
    const old = t.sigmask;
    if (set !== 0) {
      const m = readMask(c, set);
      if (how === SIG_BLOCK) t.sigmask = old | m;
      else if (how === SIG_UNBLOCK) t.sigmask = old & ~m;
      else if (how === SIG_SETMASK) t.sigmask = m;
      else return -EINVAL;
      t.sigmask &= ~UNBLOCKABLE;
    }
    if (oset !== 0) writeMask(c, oset, old);
    return 0;
  },

  rt_sigpending(c) {
    if (c.ulong(1) !== SIGSET_SIZE) return -EINVAL;
    let m = 0n;
    for (const q of c.t.pending) if (c.t.sigmask & sigBit(q.signo)) m |= sigBit(q.signo);
    writeMask(c, c.ulong(0), m);
    return 0;
  },

  rt_sigtimedwait(c) {
    if (c.ulong(3) !== SIGSET_SIZE) return -EINVAL;
    const set = readMask(c, c.ulong(0)) & ~UNBLOCKABLE;
    const t = c.t;
    const i = t.pending.findIndex((q) => (set & sigBit(q.signo)) !== 0n);
    if (i >= 0) {
      const q = t.pending.splice(i, 1)[0]!;
      signalCleared(c.p, t, q.signo);
      if (c.ulong(1) !== 0) c.mem.write(c.ulong(1), encodeSigInfo(q));
      return q.signo;
    }
    let deadline: number | undefined;
    if (c.ulong(2) !== 0) {
      const ns = decodeTimespec(c.mem.read(c.ulong(2), 16));
      if (ns === undefined || ns < 0n) return -EINVAL;
      if (ns === 0n) return -EAGAIN;
      deadline = c.p.clock.monotonicNs() + Number(ns);
    }
    // Wait until one of them is pending, then run again to take it.
    return new WouldBlock(
      "rt_sigtimedwait",
      () => t.pending.some((q) => (set & sigBit(q.signo)) !== 0n),
      deadline,
      -EAGAIN,
    );
  },

  rt_sigsuspend(c) {
    if (c.ulong(1) !== SIGSET_SIZE) return -EINVAL;
    const t = c.t;
    t.suspendMask = t.sigmask;
    t.sigmask = readMask(c, c.ulong(0)) & ~UNBLOCKABLE;
    t.wait = { what: "rt_sigsuspend", suspend: true };
    return undefined;
  },

  sigaltstack(c) {
    const ss = c.ulong(0);
    const old = c.ulong(1);
    const t = c.t;
    const sp = t.state.getX(2);
    const alt = t.altstack;
    if (old !== 0) {
      const flags =
        alt.flags === SS_DISABLE || alt.size === 0 ? SS_DISABLE : onAltStack(alt, sp) ? SS_ONSTACK : 0;
      c.mem.write(old, new Struct(24).u64(0, alt.sp).i32(8, flags).u64(16, alt.size).bytes);
    }
    if (ss !== 0) {
      const b = c.mem.read(ss, 24);
      const v = new DataView(b.buffer, b.byteOffset, 24);
      const nsp = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
      const flags = v.getInt32(8, true);
      const size = v.getUint32(16, true) + v.getUint32(20, true) * 2 ** 32;
      if (onAltStack(alt, sp)) return -EPERM;
      if (flags & ~(SS_DISABLE | 0x80000000)) return -EINVAL; // SS_AUTODISARM allowed
      if (flags & SS_DISABLE) t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
      else {
        if (size < MINSIGSTKSZ) return -ENOMEM;
        t.altstack = { sp: nsp, size, flags: 0 };
      }
    }
    return 0;
  },

  rt_sigreturn(c) {
    try {
      c.t.sigmask = popSignalFrame(c.mem, c.t.state) & ~UNBLOCKABLE;
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      // A corrupt frame: the kernel answers with SIGSEGV.
      sendToThread(c.p, c.t, {
        signo: 11,
        code: 0x80,
        report: "SIGSEGV: rt_sigreturn with an unreadable signal frame",
      });
      return -EFAULT;
    }
    return undefined;
  },

  rt_sigqueueinfo(c) {
    if (c.int(0) !== c.p.pid) return -ESRCH;
    return send(c, c.int(1), undefined);
  },

  rt_tgsigqueueinfo(c) {
    if (c.int(0) !== c.p.pid) return -ESRCH;
    return send(c, c.int(2), c.int(1));
  },
};

function isDefaultIgnored(sig: number): boolean {
  return sig === 17 || sig === 23 || sig === 28;
}
