// What the processes of one user-mode run share: the machine (every thread's hart, virtual time,
// probes), the pool of frames their address spaces take pages from, the clock, the seeded
// generator, the table of processes and ids, and the end of a process (zombie, SIGCHLD to its
// parent, orphans to the first process). The scheduler (scheduler.ts) runs every thread of every
// process here round-robin.
//
// Ids: the first process is 1000 (as before processes existed); every thread and process after
// it takes the next number, so a run gives the same ids every time.

import type { Hart } from "../hart/hart.js";
import { Machine } from "../machine/machine.js";
import { Prng } from "../machine/prng.js";
import { AddressSpace } from "./address-space.js";
import { GuestClock } from "./clock.js";
import type { DebugWatch } from "./debug-watch.js";
import { processExits } from "./events.js";
import type { LinuxProcess, ProcessOptions, Thread } from "./process.js";
import { sendToProcess } from "./signal-delivery.js";
import { SA_NOCLDWAIT, SI_KERNEL, SIG_IGN, SIGCHLD, SIGCONT, SIGHUP } from "./signals.js";
import { syncSharedMappings } from "./syscalls/memory.js";

/** si_code of SIGCHLD (and waitid's infop) */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;

/** Most processes alive (and zombies) at once: fork answers EAGAIN past it, as past RLIMIT_NPROC. */
export const MAX_PROCESSES = 4096;

export class Kernel {
  readonly machine: Machine;
  readonly clock: GuestClock;
  readonly prng: Prng;
  /** every process not yet waited for, by pid, in creation order */
  readonly processes = new Map<number, LinuxProcess>();
  /** the thread on each hart */
  readonly hartThreads = new Map<Hart, Thread>();
  /** a debugger attached to the run (hartscope run -g): asked about signals, and pauses the run */
  debug: DebugWatch | undefined = undefined;
  /** syscalls already reported as unimplemented */
  readonly warned = new Set<number>();
  /** counter for Wait.seq: futex waiters of every process wake first come, first served */
  waitSeq = 0;
  private nextId: number;

  constructor(
    readonly options: ProcessOptions,
    /** the first process's address space: its pool is every process's */
    private readonly first: AddressSpace,
  ) {
    // rdtime reads the system timer, the same for every thread: CLOCK_MONOTONIC's
    this.machine = new Machine(first, { jit: options.jit, time: () => this.clock.timerTicks() });
    this.clock = new GuestClock(options.wallClock, this.machine);
    this.prng = new Prng(options.seed);
    this.nextId = 1001;
  }

  /** A new pid or tid. */
  newId(): number {
    return this.nextId++;
  }

  /** An empty address space on the run's pool (execve), with the first one's cap. */
  newAddressSpace(): AddressSpace {
    return new AddressSpace({ pool: this.first.pool, capBytes: this.first.capBytes });
  }

  /** A process stops using `mem` (exec, exit): the last user gives its frames back. */
  letGoOf(mem: AddressSpace): void {
    if (--mem.users === 0) mem.releaseAll();
  }

  /** The thread leaves its process and the machine. */
  dropThread(t: Thread): void {
    t.exited = true;
    t.wait = undefined;
    const p = t.process;
    const i = p.threads.indexOf(t);
    if (i >= 0) p.threads.splice(i, 1);
    this.machine.removeHart(t.hart);
    this.hartThreads.delete(t.hart);
  }

  /** Every thread of every live process, in pid order then creation order (the round-robin). */
  runnableThreads(): Thread[] {
    const out: Thread[] = [];
    for (const p of this.processes.values()) {
      if (p.zombie) continue;
      for (const t of p.threads) out.push(t);
    }
    return out;
  }

  /** Live processes (not zombies). */
  live(): LinuxProcess[] {
    return [...this.processes.values()].filter((p) => !p.zombie);
  }

  /**
   * `p.exit` is set: its threads go, its memory and descriptors are let go of, its children go to
   * the first process, and it becomes a zombie its parent is told about with its exit signal —
   * unless the parent ignores SIGCHLD (or set SA_NOCLDWAIT): then it is reaped at once (wait(2)).
   */
  finish(p: LinuxProcess, last: Thread | undefined): void {
    if (p.zombie) return;
    processExits(p, last);
    for (const t of [...p.threads]) this.dropThread(t);
    syncSharedMappings(p);
    const init = this.processes.values().next().value as LinuxProcess;
    // the first process's memory stays readable after the run (tests, a tracer's END clauses)
    if (p !== init) this.letGoOf(p.mem);
    p.fds.closeAll();
    p.zombie = true;
    p.releaseVforkParent();
    const children = [...p.children];
    for (const c of children) {
      c.parent = init === p ? undefined : init;
      c.ppid = init === p ? 1 : init.pid;
      c.adopted = true;
      if (init !== p) init.children.push(c);
    }
    p.children.length = 0;
    this.hangUpOrphanedGroups(p, children);
    const parent = p.parent;
    if (parent === undefined || parent.zombie) {
      if (p !== init) this.reap(p);
      return;
    }
    const action = parent.sigactions[SIGCHLD]!;
    if (action.handler === SIG_IGN || action.flags & SA_NOCLDWAIT) {
      this.reap(p);
      return;
    }
    if (p.exitSignal !== 0) {
      const x = p.exit!;
      const killed = x.code === undefined;
      sendToProcess(parent, {
        signo: p.exitSignal,
        code: killed ? CLD_KILLED : CLD_EXITED,
        pid: p.pid,
        uid: p.uid,
        status: killed ? (x.signal ?? 0) : (x.code ?? 0),
      });
    }
  }

  /**
   * `p` has ended: a process group it leaves orphaned — no member has a parent outside the group
   * in the same session — that has a stopped member gets SIGHUP then SIGCONT (POSIX "orphaned
   * process group"; Linux exit_notify, kill_orphaned_pgrp): p's own group, and each child's.
   */
  private hangUpOrphanedGroups(p: LinuxProcess, children: LinuxProcess[]): void {
    const parent = p.parent;
    if (parent !== undefined && parent.pgid !== p.pgid && parent.sid === p.sid)
      this.hangUpIfOrphaned(p.pgid, p);
    for (const c of children) {
      if (c.pgid !== p.pgid && c.sid === p.sid) this.hangUpIfOrphaned(c.pgid, undefined);
    }
  }

  private hangUpIfOrphaned(pgid: number, ignored: LinuxProcess | undefined): void {
    const members = this.live().filter((q) => q.pgid === pgid);
    if (!members.some((q) => q.stopped)) return;
    if (!this.orphanedGroup(pgid, ignored)) return;
    for (const signo of [SIGHUP, SIGCONT]) {
      for (const q of members) sendToProcess(q, { signo, code: SI_KERNEL });
    }
  }

  /**
   * Whether process group `pgid` is orphaned (POSIX): no member but `ignored` has a parent in
   * another group of the same session. The first process counts as linked: it stands for a
   * program a job-control shell started (its own group, the shell's session), as under a shell.
   */
  orphanedGroup(pgid: number, ignored?: LinuxProcess): boolean {
    const first = this.processes.values().next().value;
    for (const q of this.live()) {
      if (q.pgid !== pgid || q === ignored) continue;
      if (q === first) return false;
      const parent = q.parent;
      // init (or the first process standing for it, when it adopted q) links no group to a session
      if (parent === undefined || q.adopted) continue;
      if (parent.pgid !== pgid && parent.sid === q.sid) return false;
    }
    return true;
  }

  /** The zombie is gone (waited for, or nobody will). */
  reap(p: LinuxProcess): void {
    this.processes.delete(p.pid);
    const parent = p.parent;
    if (parent !== undefined) {
      const i = parent.children.indexOf(p);
      if (i >= 0) parent.children.splice(i, 1);
    }
  }
}

/** The wait status of an ended process (wait(2)): code << 8, or the signal that killed it. */
export function waitStatus(p: LinuxProcess): number {
  const x = p.exit!;
  if (x.code === undefined && x.signal !== undefined) return x.signal & 0x7f;
  return ((x.code ?? x.hostCode ?? 0) & 0xff) << 8;
}
