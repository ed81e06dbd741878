// The riscv64 syscall table and dispatch: a7 = number, a0..a5 = arguments, a0 = result or -errno.

import { GuestFault } from "../address-space.js";
import { EFAULT, ENOSYS } from "../errno.js";
import { WouldBlock } from "../files.js";
import type { LinuxProcess, Thread } from "../process.js";
import { syscallName, syscallNumber } from "../syscall-names.js";
import { type Handler, Sys } from "./context.js";
import { fileSyscalls } from "./files.js";
import { memorySyscalls } from "./memory.js";
import { processSyscalls } from "./process.js";
import { signalSyscalls } from "./signals.js";
import { threadSyscalls } from "./threads.js";
import { timeSyscalls } from "./time.js";

const A7 = 17;

function buildTable(): Map<number, Handler> {
  const table = new Map<number, Handler>();
  const groups = [
    memorySyscalls,
    fileSyscalls,
    timeSyscalls,
    processSyscalls,
    signalSyscalls,
    threadSyscalls,
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
 * Handle the ecall `t` stopped at. Afterwards the thread has either completed it (a0 set, pc
 * past the ecall), started waiting, exited, or had its registers replaced (rt_sigreturn).
 * Returns true when the thread asked to give up the CPU (sched_yield).
 */
export function dispatchSyscall(p: LinuxProcess, t: Thread): boolean {
  const nr = t.state.getX(A7);
  const h = TABLE.get(nr);
  if (!h) {
    const name = syscallName(nr) ?? "unknown";
    if (p.options.strict) {
      p.exit = { hostCode: 1, message: `unimplemented syscall ${name} (${nr}) (--strict)` };
      return false;
    }
    p.warnOnce(nr, `hartscope: unimplemented syscall ${name} (${nr})`);
    t.complete(-ENOSYS);
    return false;
  }
  let r: ReturnType<Handler>;
  try {
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
  const yielded = p.yieldRequested;
  p.yieldRequested = false;
  return yielded;
}
