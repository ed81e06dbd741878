// What a syscall handler sees: the process, the calling thread, and its arguments (a0..a5)
// read in the C type the syscall declares.

import type { AddressSpace } from "../address-space.js";
import { ENAMETOOLONG } from "../errno.js";
import type { WouldBlock } from "../files.js";
import type { LinuxProcess, Thread } from "../process.js";

/**
 * A handler returns the value for a0 (a result or -errno), a WouldBlock (the thread waits and the
 * syscall is retried when it can proceed), or undefined when it has already set the registers
 * itself (exit, rt_sigreturn, a blocking wait that completes later).
 */
export type SyscallResult = number | WouldBlock | undefined;
export type Handler = (c: Sys) => SyscallResult;

const A0 = 10;

export class Sys {
  constructor(
    readonly p: LinuxProcess,
    readonly t: Thread,
  ) {}

  get mem(): AddressSpace {
    return this.p.mem;
  }

  /** argument i as a C int */
  int(i: number): number {
    return this.t.state.r[2 * (A0 + i)]!;
  }
  /** argument i as a C unsigned int */
  uint(i: number): number {
    return this.t.state.r[2 * (A0 + i)]! >>> 0;
  }
  /** argument i as unsigned long / size_t / pointer (exact below 2^53) */
  ulong(i: number): number {
    const r = this.t.state.r;
    return (r[2 * (A0 + i) + 1]! >>> 0) * 4294967296 + (r[2 * (A0 + i)]! >>> 0);
  }
  /** argument i as long / off_t */
  long(i: number): number {
    return this.t.state.getX(A0 + i);
  }
  /** argument i as a 64-bit mask */
  u64(i: number): bigint {
    return BigInt.asUintN(64, this.t.state.getXBig(A0 + i));
  }

  /** A NUL-terminated path from guest memory; -ENAMETOOLONG past PATH_MAX. */
  path(addr: number): string | number {
    const s = this.mem.readCString(addr, 4096);
    return s.length >= 4096 ? -ENAMETOOLONG : s;
  }
}
