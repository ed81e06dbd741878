// The deterministic scheduler: guest threads run round-robin, each for a fixed quantum of
// instructions (--quantum), on the one host thread. A thread leaves the CPU when its quantum is
// used up, when it blocks (futex, pipe, sleep) or yields, or when it exits. When every thread
// waits, time skips to the earliest timeout (virtual time) or the host sleeps (wall clock); when
// every thread waits with no timeout, that is a deadlock and the run ends with a clear message.
//
// A thread runs through its machine's run step (Machine.runHart): the ecall, ebreak or fault it
// stops at is a trap entry, handled here as Linux does (a syscall, a signal); the thread's next
// instruction after it is the trap return.

import type { Hart } from "../hart/hart.js";
import { Cause, Stop } from "../hart/stop.js";
import type { Environment, TrapStop } from "../machine/machine.js";
import { GuestFault } from "./address-space.js";
import { processExits, threadStarts } from "./events.js";
import { faultSignal } from "./fault-report.js";
import type { ExitStatus, LinuxProcess, Thread } from "./process.js";
import {
  deliverSignals,
  forceSignal,
  interruptingSignal,
  interruptWait,
  sendToProcess,
} from "./signal-delivery.js";
import { SI_KERNEL } from "./signals.js";
import { dispatchSyscall, resumeSyscall, retrySyscall } from "./syscalls/index.js";
import { syncSharedMappings } from "./syscalls/memory.js";

const hex = (n: number) => `0x${n.toString(16)}`;

/** Run the process until it exits, is killed, or deadlocks. */
export function runProcess(p: LinuxProcess): ExitStatus {
  const traps = new LinuxTraps(p);
  p.machine.env = traps;
  let cursor = 0;
  let current: Thread | undefined;
  while (!p.exit) {
    const threads = p.threads;
    if (threads.length === 0) {
      p.exit = { code: 0 };
      break;
    }
    const now = p.clock.monotonicNs();
    let chosen: Thread | undefined;
    for (let k = 0; k < threads.length; k++) {
      const i = (cursor + k) % threads.length;
      const t = threads[i]!;
      if (t.wait) settleWait(p, t, now);
      if (!t.wait) {
        chosen = t;
        cursor = i + 1;
        break;
      }
    }
    if (!chosen) {
      idle(p);
      continue;
    }
    if (current !== chosen) {
      // Another thread may have written what this one reserved: its SC must fail (Unprivileged
      // ISA, "Load-Reserved/Store-Conditional": a reservation may be lost on a context switch).
      current?.hart.clearReservation();
      chosen.hart.clearReservation();
      current = chosen;
    }
    runSlice(p, chosen, traps);
    fireTimers(p);
    const limit = p.options.maxInstructions;
    if (limit !== undefined && p.clock.retired >= limit && !p.exit) {
      p.exit = { hostCode: 2, message: `stopped after ${p.clock.retired} instructions (limit ${limit})` };
    }
  }
  syncSharedMappings(p);
  processExits(p, current);
  return p.exit;
}

/** End a wait that can end: a signal, readiness (retry the syscall), or its timeout. */
function settleWait(p: LinuxProcess, t: Thread, now: number): void {
  const w = t.wait!;
  if (interruptingSignal(p, t)) {
    interruptWait(p, t);
    return;
  }
  if (w.ready?.()) {
    retrySyscall(p, t);
    return;
  }
  if (w.deadline !== undefined && now >= w.deadline) {
    try {
      w.onTimeout?.();
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e; // the guest unmapped its own buffer meanwhile
    }
    t.complete(w.timeoutResult ?? 0);
  }
}

/** Interval timers whose time has come send their signal to the process (setitimer(2)). */
function fireTimers(p: LinuxProcess): void {
  for (const timer of p.itimers) {
    if (timer.deadline === undefined) continue;
    const now = timer.cpu ? p.clock.retired : p.clock.monotonicNs();
    if (now < timer.deadline) continue;
    sendToProcess(p, { signo: timer.signal, code: SI_KERNEL });
    if (timer.interval > 0) {
      while (timer.deadline <= now) timer.deadline += timer.interval;
    } else timer.deadline = undefined;
  }
}

/** Every thread waits: let time pass to the earliest deadline, or report the deadlock. */
function idle(p: LinuxProcess): void {
  let earliest = Number.POSITIVE_INFINITY;
  for (const t of p.threads) {
    if (t.wait?.deadline !== undefined) earliest = Math.min(earliest, t.wait.deadline);
  }
  const alarm = p.itimers[0]!.deadline;
  if (alarm !== undefined) earliest = Math.min(earliest, alarm);
  if (earliest !== Number.POSITIVE_INFINITY) {
    p.clock.idleUntil(earliest);
    fireTimers(p);
    return;
  }
  const who = p.threads.map((t) => `thread ${t.tid}: ${t.wait?.what ?? "?"}`).join("; ");
  const n = p.threads.length;
  p.exit = {
    hostCode: 1,
    message: `deadlock: ${n === 1 ? "the only thread is" : `all ${n} threads are`} blocked forever (${who})`,
  };
}

/** How user-mode Linux takes a thread's traps: syscalls, and signals for faults and ebreak. */
class LinuxTraps implements Environment {
  /** set by a sched_yield: the running thread's quantum ends */
  yielded = false;

  constructor(private readonly p: LinuxProcess) {}

  trap(hart: Hart, stop: TrapStop): void {
    const p = this.p;
    const t = p.threadOf(hart);
    if (t === undefined) throw new Error(`hart ${hart.id} stopped at a trap but runs no thread`);
    switch (stop) {
      case Stop.ECALL:
        this.yielded = dispatchSyscall(p, t);
        if (p.exit || t.exited || t.wait) return;
        deliverSignals(p, t);
        return;
      case Stop.EBREAK: {
        const pc = t.state.pc;
        forceSignal(p, t, faultSignal(p, pc, Cause.BREAKPOINT, pc));
        return;
      }
      case Stop.FAULT:
        forceSignal(p, t, faultSignal(p, t.state.pc, hart.cause, hart.tval));
        return;
      default:
        throw new Error(`hart ${t.tid} stopped with unknown code ${stop} at pc ${hex(t.state.pc)}`);
    }
  }
}

/** Run one thread for up to a quantum. */
function runSlice(p: LinuxProcess, t: Thread, traps: LinuxTraps): void {
  // back from a syscall that waited: it returns (hooks) before signals move the pc
  if (t.syscall !== undefined) resumeSyscall(p, t);
  if (t.hart.retired === 0) threadStarts(p, t);
  deliverSignals(p, t);
  let left = p.options.quantum;
  while (left > 0 && !p.exit && !t.exited && !t.wait) {
    const hart = t.hart;
    const before = hart.retired;
    traps.yielded = false;
    const stop = p.machine.runHart(hart, left);
    const n = hart.retired - before;
    left -= n;
    if (stop === Stop.BUDGET) {
      if (n === 0) return;
    } else if (stop === Stop.ECALL && traps.yielded) return;
  }
}
