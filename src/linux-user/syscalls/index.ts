// The riscv64 syscall table and dispatch: a7 = number, a0..a5 = arguments, a0 = result or -errno.

import { GuestFault } from "../address-space.js";
import { EFAULT, ENOSYS } from "../errno.js";
import { noteSyscallCaller } from "../fds/unix-socket.js";
import { WouldBlock } from "../files.js";
import type { LinuxProcess, Thread } from "../process.js";
import { syscallName, syscallNumber } from "../syscall-names.js";
import { type Handler, Sys } from "./context.js";
import { fileSyscalls } from "./files.js";
import { memorySyscalls } from "./memory.js";
import { processSyscalls } from "./process.js";
import { processesSyscalls } from "./processes.js";
import { signalSyscalls } from "./signals.js";
import { socketSyscalls } from "./sockets.js";
import { threadSyscalls } from "./threads.js";
import { timeSyscalls } from "./time.js";
import { waitObjectSyscalls } from "./wait-objects.js";

const A7 = 17;

function buildTable(): Map<number, Handler> {
  const table = new Map<number, Handler>();
  const groups = [
    memorySyscalls,
    fileSyscalls,
    timeSyscalls,
    processSyscalls,
    processesSyscalls,
    signalSyscalls,
    threadSyscalls,
    waitObjectSyscalls,
    socketSyscalls,
  ];
  for (const group of groups) {
    for (const [name, h] of Object.entries(group)) {
      const nr = syscallNumber(name);
      if (nr === undefined) throw new Error(`syscall table: ${name} is not a riscv64 syscall`);
      if (table.has(nr)) throw new Error(`syscall table: ${name} defined twice`);
      table.set(nr, h);
    }
  }
  return table;
}

const TABLE = buildTable();

/** Numbers of the syscalls hartscope implements. */
export function implementedSyscalls(): number[] {
  return [...TABLE.keys()].sort((a, b) => a - b);
}

/**
 * What a syscall that a signal interrupts returns to the syscall-return hooks when it restarts
 * after the handler (SA_RESTART): the kernel's -ERESTARTSYS, as strace shows it.
 */
const ERESTARTSYS = 512n;

/**
 * Handle the ecall `t` stopped at. Afterwards the thread has either completed it (a0 set, pc
 * past the ecall), started waiting, exited, or had its registers replaced (rt_sigreturn).
 * Returns true when the thread asked to give up the CPU (sched_yield).
 *
 * The syscall-entry hooks fire first; the syscall-return hooks fire when it completes (here, or
 * for one that blocks, in `resumeSyscall`); a syscall that ends the thread or the process
 * (exit, exit_group) fires entry only.
 */
export function dispatchSyscall(p: LinuxProcess, t: Thread): boolean {
  const nr = t.state.getX(A7);
  t.syscall = { nr, pc: t.state.pc };
  p.machine.probes.fireSyscallEntry(t.hart, nr);
  runHandler(p, t, nr);
  settle(p, t);
  const yielded = p.yieldRequested;
  p.yieldRequested = false;
  return yielded;
}

/**
 * A blocked syscall can proceed (its wait's `ready()` turned true): run its handler again, in
 * the kernel as it were — the guest's ecall does not execute twice.
 */
export function retrySyscall(p: LinuxProcess, t: Thread): void {
  t.wait = undefined;
  runHandler(p, t, t.syscall?.nr ?? t.state.getX(A7));
  settle(p, t);
  p.yieldRequested = false;
}

/**
 * `t` runs again after its syscall's wait ended (completed, timed out, interrupted by a signal,
 * or left at the ecall to restart after a handler): the syscall-return hooks fire. Call before
 * delivering signals, which move the pc.
 */
export function resumeSyscall(p: LinuxProcess, t: Thread): void {
  const s = t.syscall;
  if (s === undefined || t.wait !== undefined) return;
  t.syscall = undefined;
  p.machine.probes.fireSyscallReturn(t.hart, s.nr, t.state.pc === s.pc ? -ERESTARTSYS : undefined);
}

/** After a handler ran: return now, keep waiting, or never return (the thread or process ended). */
function settle(p: LinuxProcess, t: Thread): void {
  const s = t.syscall;
  if (s === undefined || t.wait !== undefined) return;
  t.syscall = undefined;
  if (p.exit !== undefined || t.exited) return;
  p.machine.probes.fireSyscallReturn(t.hart, s.nr);
}

function runHandler(p: LinuxProcess, t: Thread, nr: number): void {
  const h = TABLE.get(nr);
  if (!h) {
    const name = syscallName(nr) ?? "unknown";
    if (p.options.strict) {
      p.exit = { hostCode: 1, message: `unimplemented syscall ${name} (${nr}) (--strict)` };
      return;
    }
    p.warnOnce(nr, `hartscope: unimplemented syscall ${name} (${nr})`);
    t.complete(-ENOSYS);
    return;
  }
  let r: ReturnType<Handler>;
  try {
    // a socket write attaches its sender's credentials (SO_PASSCRED), whichever call writes
    noteSyscallCaller(p);
    r = h(new Sys(p, t));
  } catch (e) {
    if (!(e instanceof GuestFault)) throw e;
    r = -EFAULT;
  }
  if (r instanceof WouldBlock) {
    t.wait = {
      what: r.what,
      ready: r.ready,
      deadline: r.deadline,
      timeoutResult: r.timeoutResult,
      onTimeout: r.onTimeout,
      restartable: r.restartable,
    };
  } else if (r !== undefined) t.complete(r);
}
