// The deterministic scheduler: guest threads — every thread of every process of the run, in pid
// order — run round-robin, each for a fixed quantum of instructions (--quantum), on the one host
// thread. A thread leaves the CPU when its quantum is
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
import { threadStarts } from "./events.js";
import { faultSignal } from "./fault-report.js";
import type { Kernel } from "./kernel.js";
import type { ExitStatus, LinuxProcess, PendingSignal, Thread } from "./process.js";
import {
  deliverSignals,
  forceSignal,
  interruptingSignal,
  interruptWait,
  sendToProcess,
  takeStopSignal,
} from "./signal-delivery.js";
import { BUS_ADRERR, SI_KERNEL, SIGBUS, signalName } from "./signals.js";
import { dispatchSyscall, resumeSyscall, retrySyscall } from "./syscalls/index.js";

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Run `p` (the run's first process) and every process it makes until `p` has ended and so has
 * every other (orphans run on after it, as they would under Linux and qemu-riscv64, whose output
 * a reader of the pipes waits for), or every thread deadlocks. Threads of all processes share the
 * round-robin; a process that ends becomes a zombie for its parent (Kernel.finish). The run's
 * status is `p`'s. Orphans left blocked forever once `p` has ended end with the run, quietly.
 */
export function runProcess(p: LinuxProcess): ExitStatus {
  const run = new UserRun(p);
  while (run.turn());
  return run.status();
}

/**
 * A run of `p` and the processes it makes (runProcess), a turn of the scheduler at a time, so that
 * a debugger (gdb/) can stop it between turns and in them (Kernel.debug), step one thread, and go on.
 */
export class UserRun {
  private readonly k: Kernel;
  private readonly traps: LinuxTraps;
  private cursor = 0;
  /** the thread that ran last */
  current: Thread | undefined;
  private over = false;

  constructor(readonly p: LinuxProcess) {
    this.k = p.kernel;
    this.traps = new LinuxTraps(this.k);
    p.machine.env = this.traps;
  }

  /**
   * One turn: a slice of the next thread that can run, or time passing while none can. With `step`,
   * that thread's slice is one instruction; with `only`, no other thread runs (a debugger resumed
   * those alone), and when none of them can run, the turn does nothing. False once the run is over
   * (then `status()`).
   */
  turn(step?: Thread, only?: ReadonlySet<Thread>): boolean {
    if (this.over) return false;
    const { k, p } = this;
    finishEnded(k, p, this.current);
    if (p.exit && !p.zombie) {
      k.finish(p, this.current?.process === p ? this.current : undefined);
      // a reason of hartscope's own (deadlock, --strict, the instruction limit) ends everything
      if (p.exit.hostCode !== undefined) return this.end();
    }
    const threads = k.runnableThreads();
    if (threads.length === 0) {
      if (!p.exit) p.exit = { code: 0 };
      return this.end();
    }
    const now = p.clock.monotonicNs();
    let chosen: Thread | undefined;
    // every other thread was looked at (its wait settled) before the chosen one: none can run
    let othersWait = false;
    for (let n = 0; n < threads.length; n++) {
      const i = (this.cursor + n) % threads.length;
      const t = threads[i]!;
      // a stopped process's threads neither run nor end their waits until SIGCONT (job control)
      if (t.process.stopped || (only !== undefined && !only.has(t))) continue;
      if (t.wait) settleWait(t.process, t, now);
      if (!t.wait && !t.exited && !t.process.exit && !t.process.stopped) {
        chosen = t;
        this.cursor = i + 1;
        othersWait = n === threads.length - 1;
        break;
      }
    }
    if (!chosen) {
      // (threads the debugger holds may be what the others wait for: no deadlock to declare)
      if (only !== undefined && threads.some((t) => !only.has(t))) return true;
      return idle(k, p) || this.end();
    }
    if (this.current !== chosen) {
      // Another thread may have written what this one reserved: its SC must fail (Unprivileged
      // ISA, "Load-Reserved/Store-Conditional": a reservation may be lost on a context switch).
      this.current?.hart.clearReservation();
      chosen.hart.clearReservation();
      this.current = chosen;
    }
    const slice = sliceOf(k, p, threads, othersWait);
    const budget = chosen === step ? 1 : p.options.quantum * slice.quanta;
    runSlice(chosen.process, chosen, this.traps, budget, slice.untilSyscall);
    for (const q of k.live()) fireTimers(q);
    const limit = p.options.maxInstructions;
    if (limit !== undefined && p.clock.retired >= limit && p.exit?.hostCode === undefined) {
      p.exit = { hostCode: 2, message: `stopped after ${p.clock.retired} instructions (limit ${limit})` };
    }
    return true;
  }

  /** How the run's first process ended (once turn() returned false). */
  status(): ExitStatus {
    return this.p.exit!;
  }

  private end(): false {
    for (const q of this.k.live()) {
      q.exit ??= { signal: 9 };
      this.k.finish(q, undefined);
    }
    this.over = true;
    return false;
  }
}

/**
 * Processes whose exit is set become zombies; one that ended for a reason of hartscope's own
 * (--strict, out of memory...) ends the run with that reason.
 */
function finishEnded(k: Kernel, first: LinuxProcess, current: Thread | undefined): void {
  for (const q of k.live()) {
    if (q.exit === undefined || q === first) continue;
    if (q.exit.hostCode !== undefined && first.exit?.hostCode === undefined) {
      first.exit = { ...q.exit, message: `process ${q.pid}: ${q.exit.message ?? "ended"}` };
    }
    k.finish(q, current?.process === q ? current : undefined);
  }
}

/** End a wait that can end: a signal, readiness (retry the syscall), or its timeout. */
function settleWait(p: LinuxProcess, t: Thread, now: number): void {
  const w = t.wait!;
  // a stop signal stops the process and leaves the wait as it is: it goes on after SIGCONT, as
  // Linux restarts a syscall no handler interrupted
  if (!w.uninterruptible && takeStopSignal(p, t)) return;
  if (!w.uninterruptible && interruptingSignal(p, t)) {
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

/**
 * Every thread of every process waits: let time pass to the earliest deadline, or report the
 * deadlock (false: nothing will ever run again).
 */
function idle(k: Kernel, first: LinuxProcess): boolean {
  let earliest = Number.POSITIVE_INFINITY;
  const live = k.live();
  const threads = k.runnableThreads();
  for (const t of threads) {
    // a stopped process's timeouts wait for its SIGCONT (settleWait looks at them then)
    if (t.wait?.deadline !== undefined && !t.process.stopped) earliest = Math.min(earliest, t.wait.deadline);
  }
  for (const q of live) {
    // a stopped process's alarm only queues a signal it cannot act on: time need not pass for it
    if (q.stopped) continue;
    const alarm = q.itimers[0]!.deadline;
    if (alarm !== undefined) earliest = Math.min(earliest, alarm);
  }
  if (earliest !== Number.POSITIVE_INFINITY) {
    first.clock.idleUntil(earliest);
    for (const q of live) fireTimers(q);
    return true;
  }
  // orphans blocked forever after the first process ended: the run is over
  if (first.exit) return false;
  const several = live.length > 1;
  const who = threads
    .map((t) => `${several ? `process ${t.process.pid} ` : ""}thread ${t.tid}: ${blockedBy(t)}`)
    .join("; ");
  const n = threads.length;
  first.exit = {
    hostCode: 1,
    message: `deadlock: ${n === 1 ? "the only thread is" : `all ${n} threads are`} blocked forever (${who})`,
  };
  return false;
}

/** What keeps a thread from running, for the deadlock report. */
function blockedBy(t: Thread): string {
  const q = t.process;
  if (q.stopped) return `stopped by ${signalName(q.stopSignal)}${t.wait ? ` in ${t.wait.what}` : ""}`;
  return t.wait?.what ?? "?";
}

/** How user-mode Linux takes a thread's traps: syscalls, and signals for faults and ebreak. */
class LinuxTraps implements Environment {
  /** set by a sched_yield: the running thread's quantum ends */
  yielded = false;

  constructor(private readonly k: Kernel) {}

  trap(hart: Hart, stop: TrapStop): void {
    const t = this.k.hartThreads.get(hart);
    if (t === undefined) throw new Error(`hart ${hart.id} stopped at a trap but runs no thread`);
    const p = t.process;
    // Linux breaks the reservation on every return to user mode (arch/riscv entry.S: an sc to a
    // dummy address), so an SC after a syscall or a signal handler fails.
    hart.clearReservation();
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
      case Stop.FAULT: {
        const sig = faultSignal(p, t.state.pc, hart.cause, hart.tval);
        forceSignal(p, t, p.mem.pastSharedEnd(hart.tval) ? pastObjectEnd(sig, hart.tval) : sig);
        return;
      }
      default:
        throw new Error(`hart ${t.tid} stopped with unknown code ${stop} at pc ${hex(t.state.pc)}`);
    }
  }
}

/**
 * A fault past the end of a shared mapping's object (a shared anonymous mapping mremap grew) is
 * SIGBUS with BUS_ADRERR, as Linux answers an access past the end of a shmem file.
 */
function pastObjectEnd(sig: PendingSignal, addr: number): PendingSignal {
  const report = sig.report?.replace(
    /^SIGSEGV(.*): .*$/,
    `SIGBUS$1: access past the end of a shared mapping's object at ${hex(addr)}`,
  );
  return { ...sig, signo: SIGBUS, code: BUS_ADRERR, addr, report };
}

/**
 * Quanta a thread runs in one slice when no other thread can run meanwhile: then the end of a
 * quantum has nothing to switch to, and a slice of many quanta retires the same instructions with
 * the same results, without leaving compiled code every quantum (sha256 of bench/throughput.ts:
 * 229,000 returns to the run loop for 2.2 G instructions, 0.82 s -> 0.57 s with 64 quanta a slice).
 */
const LONE_SLICE_QUANTA = 64;

/**
 * The next slice of the chosen thread, of the run's live `threads`: how many quanta it may run, and
 * whether it ends at its next syscall. One quantum while another thread may run (round-robin), or an
 * interval timer is armed (fireTimers looks at it after each slice). When every other thread waits
 * (`othersWait`: each was looked at, its wait settled, this turn), only time or a syscall of the
 * chosen thread's can end their waits (a futex wake, a write to a pipe, a signal, an exit):
 * LONE_SLICE_QUANTA, ending at its next syscall and before the first of their deadlines. (zstd's I/O
 * thread waits on a futex nearly all the time: one quantum a slice cost its main thread 29k returns
 * from compiled code to the run loop.) Never past the quantum at which the instruction limit
 * (maxInstructions) stops the run.
 */
function sliceOf(
  k: Kernel,
  first: LinuxProcess,
  threads: readonly Thread[],
  othersWait: boolean,
): { quanta: number; untilSyscall: boolean } {
  const one = { quanta: 1, untilSyscall: false };
  if (!othersWait) return one;
  for (const q of k.live()) for (const timer of q.itimers) if (timer.deadline !== undefined) return one;
  const quantum = first.options.quantum;
  let quanta = LONE_SLICE_QUANTA;
  for (const t of threads) {
    // (a stopped process's timeouts wait for its SIGCONT, which only a syscall sends)
    const deadline = t.process.stopped ? undefined : t.wait?.deadline;
    if (deadline === undefined) continue;
    // at 1 ns per instruction; the host's clock does not follow the guest's instructions
    if (first.clock.wall) return one;
    quanta = Math.min(quanta, Math.ceil((deadline - first.clock.monotonicNs()) / quantum));
  }
  const limit = first.options.maxInstructions;
  if (limit !== undefined) quanta = Math.min(quanta, Math.ceil((limit - first.clock.retired) / quantum));
  return { quanta: Math.max(1, quanta), untilSyscall: threads.length > 1 };
}

/**
 * Run one thread for up to `budget` instructions (and with `untilSyscall`, up to its next syscall),
 * or until its debugger stops the run (a breakpoint: Stop.PROBE; a signal: Kernel.debug).
 */
function runSlice(
  p: LinuxProcess,
  t: Thread,
  traps: LinuxTraps,
  budget: number,
  untilSyscall: boolean,
): void {
  const debug = p.kernel.debug;
  // back from a syscall that waited: it returns (hooks) before signals move the pc
  if (t.syscall !== undefined) resumeSyscall(p, t);
  if (t.hart.retired === 0) threadStarts(p, t);
  deliverSignals(p, t);
  let left = budget;
  while (left > 0 && !p.exit && !t.exited && !t.wait && !p.stopped && !debug?.stopped) {
    const hart = t.hart;
    const before = hart.retired;
    traps.yielded = false;
    const stop = p.machine.runHart(hart, left);
    const n = hart.retired - before;
    left -= n;
    if (stop === Stop.BUDGET) {
      if (n === 0) return;
    } else if (stop === Stop.PROBE) return;
    else if (stop === Stop.ECALL && (traps.yielded || untilSyscall)) return;
  }
}
