// Sending and delivering signals: what kill/tgkill/faults queue, and what happens when a thread
// is about to run with a deliverable signal (kernel/signal.c get_signal, arch handle_signal).

import { GuestFault } from "./address-space.js";
import { EINTR } from "./errno.js";
import { signalDiscarded, signalHandled, signalSent, threadFaulted } from "./events.js";
import type { LinuxProcess, PendingSignal, Thread } from "./process.js";
import {
  CLD_CONTINUED,
  CLD_STOPPED,
  defaultAction,
  pushSignalFrame,
  SA_NOCLDSTOP,
  SA_NODEFER,
  SA_RESETHAND,
  SA_RESTART,
  SIG_DFL,
  SIG_IGN,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  SIGPIPE,
  SIGSEGV,
  SIGSTOP,
  STOP_SIGNALS,
  sigBit,
  signalName,
  UNBLOCKABLE,
} from "./signals.js";

/** Would delivering `sig` now do nothing (ignored explicitly or by default)? */
function ignored(p: LinuxProcess, sig: number): boolean {
  const a = p.sigactions[sig]!;
  if (a.handler === SIG_IGN) return sig !== SIGKILL && sig !== SIGSTOP;
  if (a.handler === SIG_DFL) {
    const d = defaultAction(sig);
    return d === "ignore" || d === "cont" || d === "stop";
  }
  return false;
}

/** Whether `sig` would stop the process when delivered (its default action, not handled). */
function stopsProcess(p: LinuxProcess, sig: number): boolean {
  return (sigBit(sig) & STOP_SIGNALS) !== 0n && (sig === SIGSTOP || p.sigactions[sig]!.handler === SIG_DFL);
}

/**
 * SIGTSTP, SIGTTIN and SIGTTOU do nothing to a process of an orphaned process group (POSIX; Linux
 * get_signal: "the job control signals do nothing in an orphaned pgrp, but SIGSTOP always works").
 */
function stopIgnored(p: LinuxProcess, sig: number): boolean {
  return sig !== SIGSTOP && p.kernel.orphanedGroup(p.pgid);
}

/** Tell the parent of a stop or continue: SIGCHLD unless it asked SA_NOCLDSTOP or ignores SIGCHLD. */
function notifyParentOfJobControl(p: LinuxProcess, code: number, status: number): void {
  const parent = p.parent;
  if (parent === undefined || parent.zombie || parent.exit) return;
  const a = parent.sigactions[SIGCHLD]!;
  if (a.handler === SIG_IGN || a.flags & SA_NOCLDSTOP) return;
  sendToProcess(parent, { signo: SIGCHLD, code, pid: p.pid, uid: p.uid, status });
}

/** A stop signal takes effect: no thread of `p` runs until SIGCONT or SIGKILL (the group stop). */
export function stopProcess(p: LinuxProcess, sig: number): void {
  if (p.stopped || p.exit) return;
  p.stopped = true;
  p.stopSignal = sig;
  p.waitEvent = "stopped";
  notifyParentOfJobControl(p, CLD_STOPPED, sig);
}

/**
 * What sending a signal does before it is queued, whatever its disposition (kernel/signal.c
 * prepare_signal): a stop signal discards pending SIGCONTs; SIGCONT discards pending stop signals
 * and resumes a stopped process; SIGKILL wakes a stopped one so that it dies.
 */
function prepareSignal(p: LinuxProcess, sig: number): void {
  if ((sigBit(sig) & STOP_SIGNALS) !== 0n) {
    for (const t of p.threads) t.pending = t.pending.filter((q) => q.signo !== SIGCONT);
  } else if (sig === SIGCONT) {
    for (const t of p.threads) t.pending = t.pending.filter((q) => (sigBit(q.signo) & STOP_SIGNALS) === 0n);
    if (p.stopped) {
      p.stopped = false;
      p.waitEvent = "continued";
      notifyParentOfJobControl(p, CLD_CONTINUED, SIGCONT);
    }
  } else if (sig === SIGKILL && p.stopped) {
    p.stopped = false;
    p.waitEvent = undefined;
  }
}

/**
 * A pending stop signal `t` does not block stops the process at once (the thread would act on it
 * before anything else it does); the signal is consumed. True when it did.
 */
export function takeStopSignal(p: LinuxProcess, t: Thread): boolean {
  const i = t.pending.findIndex(
    (q) => stopsProcess(p, q.signo) && ((t.sigmask & sigBit(q.signo)) === 0n || q.signo === SIGSTOP),
  );
  if (i < 0) return false;
  const sig = t.pending.splice(i, 1)[0]!.signo;
  if (stopIgnored(p, sig)) {
    signalDiscarded(p, t, sig);
    return false;
  }
  stopProcess(p, sig);
  return true;
}

/** Queue a signal for one thread (tgkill, or a synchronous fault). Ignored signals are dropped. */
export function sendToThread(p: LinuxProcess, t: Thread, sig: PendingSignal): void {
  signalSent(p, t, sig.signo);
  prepareSignal(p, sig.signo);
  const blocked = (t.sigmask & sigBit(sig.signo)) !== 0n;
  if (!blocked && stopsProcess(p, sig.signo)) {
    // the group stop happens now, whether the thread runs or waits (a wait resumes after SIGCONT)
    if (stopIgnored(p, sig.signo)) signalDiscarded(p, t, sig.signo);
    else if (!p.exit) stopProcess(p, sig.signo);
    return;
  }
  if (!blocked && ignored(p, sig.signo)) {
    signalDiscarded(p, t, sig.signo);
    return;
  }
  // Standard signals do not queue twice (signal(7)); real-time ones do.
  if (sig.signo < 32 && t.pending.some((q) => q.signo === sig.signo)) return;
  t.pending.push(sig);
}

/** Queue a process-directed signal (kill): the first thread not blocking it takes it. */
export function sendToProcess(p: LinuxProcess, sig: PendingSignal, prefer?: Thread): void {
  const live = p.threads.filter((t) => !t.exited);
  const bit = sigBit(sig.signo);
  const target =
    prefer && !prefer.exited && (prefer.sigmask & bit) === 0n
      ? prefer
      : (live.find((t) => (t.sigmask & bit) === 0n) ?? live[0]);
  if (target) sendToThread(p, target, sig);
}

/** A synchronous fault: if blocked or ignored it cannot be, so the default action is forced. */
export function forceSignal(p: LinuxProcess, t: Thread, sig: PendingSignal): void {
  const bit = sigBit(sig.signo);
  const a = p.sigactions[sig.signo]!;
  if ((t.sigmask & bit) !== 0n || a.handler === SIG_IGN) {
    a.handler = SIG_DFL;
    t.sigmask &= ~bit;
  }
  t.pending = t.pending.filter((q) => q.signo !== sig.signo);
  threadFaulted(p, t, sig);
  t.pending.unshift({ ...sig, sync: true });
  deliverSignals(p, t);
}

/** Index of the pending signal `t` acts on next: a synchronous fault first, then the lowest number. */
function nextDeliverable(t: Thread): number {
  let best = -1;
  for (let i = 0; i < t.pending.length; i++) {
    const q = t.pending[i]!;
    if ((t.sigmask & sigBit(q.signo)) !== 0n && (sigBit(q.signo) & UNBLOCKABLE) === 0n) continue;
    if (q.sync) return i;
    if (best < 0 || q.signo < t.pending[best]!.signo) best = i;
  }
  return best;
}

/** Whether a blocked thread should be woken by a signal (one it would not ignore). */
export function interruptingSignal(p: LinuxProcess, t: Thread): boolean {
  return t.pending.some((q) => (t.sigmask & sigBit(q.signo)) === 0n && !ignored(p, q.signo));
}

/**
 * A signal ends a thread's wait: the syscall fails with -EINTR, or, if it is restartable and the
 * handler about to run has SA_RESTART, it is left at the ecall to run again after the handler.
 */
export function interruptWait(p: LinuxProcess, t: Thread): void {
  const i = nextDeliverable(t);
  const a = i >= 0 ? p.sigactions[t.pending[i]!.signo]! : undefined;
  if (t.wait?.restartable && a && a.handler !== SIG_DFL && a.handler !== SIG_IGN && a.flags & SA_RESTART) {
    t.wait = undefined;
    return;
  }
  t.complete(-EINTR);
}

/** Kill the whole process with `sig`. */
export function killProcess(p: LinuxProcess, sig: number, report?: string): void {
  if (p.exit) return;
  let message: string | undefined = report ?? `terminated by ${signalName(sig)}`;
  if (report === undefined && sig === SIGPIPE) message = undefined; // as quiet as a shell is
  p.exit = { signal: sig, message };
}

/**
 * Deliver every deliverable pending signal of `t`: default actions (possibly ending the process),
 * or a handler frame on its stack. Called before the thread runs again.
 */
export function deliverSignals(p: LinuxProcess, t: Thread): void {
  for (;;) {
    if (p.exit) return;
    const i = nextDeliverable(t);
    if (i < 0) {
      // rt_sigsuspend ended without running a handler: its temporary mask goes away.
      if (t.suspendMask !== undefined && !t.wait) {
        t.sigmask = t.suspendMask;
        t.suspendMask = undefined;
      }
      return;
    }
    const sig = t.pending.splice(i, 1)[0]!;
    const s = sig.signo;
    const debug = p.kernel.debug;
    if (debug !== undefined && s !== SIGKILL) {
      const verdict = debug.signal(t, sig);
      if (verdict === "discard") continue;
      if (verdict === "stop") {
        t.pending.splice(i, 0, sig);
        return;
      }
    }
    const a = p.sigactions[s]!;
    if (a.handler === SIG_IGN && s !== SIGKILL && s !== SIGSTOP) {
      signalDiscarded(p, t, s);
      continue;
    }
    if (a.handler === SIG_DFL || s === SIGKILL || s === SIGSTOP) {
      const d = defaultAction(s);
      if (d === "stop") {
        if (stopIgnored(p, s)) {
          signalDiscarded(p, t, s);
          continue;
        }
        stopProcess(p, s);
        return;
      }
      if (d === "ignore" || d === "cont") {
        signalDiscarded(p, t, s);
        continue;
      }
      killProcess(p, s, sig.report);
      return;
    }
    const savedMask = t.suspendMask ?? t.sigmask;
    t.suspendMask = undefined;
    const action = { ...a };
    try {
      pushSignalFrame(p.mem, t.state, {
        info: sig,
        action,
        savedMask,
        altstack: t.altstack,
        trampoline: p.trampoline,
      });
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      // No room for the frame: the kernel's force_sigsegv.
      killProcess(
        p,
        SIGSEGV,
        `${signalName(SIGSEGV)} while delivering ${signalName(s)}: signal frame at 0x${e.addr.toString(16)} is not writable`,
      );
      return;
    }
    t.sigmask = (savedMask | action.mask | (action.flags & SA_NODEFER ? 0n : sigBit(s))) & ~UNBLOCKABLE;
    if (action.flags & SA_RESETHAND) p.sigactions[s] = { handler: SIG_DFL, flags: 0, mask: 0n };
    signalHandled(p, t, s);
  }
}
