// clone's flags and arguments, and how a cloned thread starts: shared by threads (CLONE_THREAD,
// threads.ts) and processes (fork/vfork, processes.ts), which import it, not each other's facts.

import type { HartState } from "../../hart/state.js";

export const CLONE_VM = 0x100;
export const CLONE_FILES = 0x400;
export const CLONE_SIGHAND = 0x800;
export const CLONE_PIDFD = 0x1000;
export const CLONE_VFORK = 0x4000;
export const CLONE_PARENT = 0x8000;
export const CLONE_THREAD = 0x10000;
export const CLONE_SETTLS = 0x80000;
export const CLONE_PARENT_SETTID = 0x100000;
export const CLONE_CHILD_CLEARTID = 0x200000;
export const CLONE_CHILD_SETTID = 0x1000000;

/** clone's and clone3's arguments, decoded */
export interface CloneArgs {
  flags: number;
  /** clone3's exit_signal; clone's is the low byte of flags */
  exitSignal?: number;
  stack: number;
  parentTid: number;
  childTid: number;
  tls: number;
}

/**
 * The new thread's registers, copied from the caller's: clone returns 0 in it, on its own stack
 * when one is given, with its TLS pointer under CLONE_SETTLS, after the caller's ECALL.
 */
export function startClonedThread(s: HartState, callerPc: number, a: CloneArgs): void {
  s.setX(10, 0);
  if (a.stack !== 0) s.setX(2, a.stack);
  if (a.flags & CLONE_SETTLS) s.setX(4, a.tls);
  s.pc = callerPc + 4;
}
