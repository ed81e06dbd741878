// What a syscall handler sees: the process, the calling thread, and its arguments (a0..a5)
// read in the C type the syscall declares.

import { ACCESS_READ, ACCESS_WRITE, XLATE_PAGE_FAULT } from "../../hart/memory.js";
import { type AddressSpace, GuestFault } from "../address-space.js";
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
const PAGE_SIZE = 4096;
/** include/uapi/linux/limits.h: bytes in a path with its NUL */
export const PATH_MAX = 4096;

/**
 * Throws a GuestFault (the handler's -EFAULT) unless every page of [addr, addr+len) lets the
 * user `access` it: the kernel's copies to and from user memory fault where the program's own
 * loads and stores would (a read() into a PROT_READ buffer is EFAULT).
 */
export function checkUserAccess(
  mem: AddressSpace,
  addr: number,
  len: number,
  access: "read" | "write",
): void {
  if (len <= 0) return;
  const kind = access === "read" ? ACCESS_READ : ACCESS_WRITE;
  const last = addr + len - 1;
  for (let a = addr; a <= last; a = (Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE) {
    if (
      !(a >= 0 && a < 2 ** 64) ||
      mem.translate(a >>> 0, Math.floor(a / 2 ** 32), kind, true) === XLATE_PAGE_FAULT
    )
      throw new GuestFault(a, access);
  }
}

/** The user copies a handler makes through c.mem, checked against the pages' protections. */
const CHECKED: Partial<Record<keyof AddressSpace, (mem: AddressSpace) => unknown>> = {
  read: (mem) => (addr: number, len: number) => {
    checkUserAccess(mem, addr, len, "read");
    return mem.read(addr, len);
  },
  readU32: (mem) => (addr: number) => {
    checkUserAccess(mem, addr, 4, "read");
    return mem.readU32(addr);
  },
  readU64: (mem) => (addr: number) => {
    checkUserAccess(mem, addr, 8, "read");
    return mem.readU64(addr);
  },
  write: (mem) => (addr: number, data: Uint8Array) => {
    checkUserAccess(mem, addr, data.length, "write");
    mem.write(addr, data);
  },
  writeU32: (mem) => (addr: number, v: number) => {
    checkUserAccess(mem, addr, 4, "write");
    mem.writeU32(addr, v);
  },
  writeU64: (mem) => (addr: number, v: number | bigint) => {
    checkUserAccess(mem, addr, 8, "write");
    mem.writeU64(addr, v);
  },
  readCString: (mem) => (addr: number, max?: number) =>
    readUserString(mem, addr, max ?? PATH_MAX, () => {
      throw new GuestFault(addr + (max ?? PATH_MAX), "read");
    }),
};

/**
 * The NUL-terminated string at addr, read a page at a time as the kernel's strncpy_from_user:
 * a fault before the NUL throws a GuestFault; `tooLong()` answers when `max` bytes hold no NUL.
 */
function readUserString<T>(mem: AddressSpace, addr: number, max: number, tooLong: () => T): string | T {
  const parts: Uint8Array[] = [];
  let done = 0;
  while (done < max) {
    const a = addr + done;
    const n = Math.min(max - done, PAGE_SIZE - (a % PAGE_SIZE));
    checkUserAccess(mem, a, n, "read");
    const chunk = mem.read(a, n);
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      parts.push(chunk.subarray(0, nul));
      return Buffer.concat(parts).toString("utf8");
    }
    parts.push(chunk);
    done += n;
  }
  return tooLong();
}

/** One checked view per address space: every other member is the address space's own. */
const views = new WeakMap<AddressSpace, AddressSpace>();
function checkedView(mem: AddressSpace): AddressSpace {
  let v = views.get(mem);
  if (v === undefined) {
    const own = new Map<PropertyKey, unknown>();
    for (const [k, make] of Object.entries(CHECKED)) own.set(k, make!(mem));
    v = new Proxy(mem, {
      get(target, key) {
        if (own.has(key)) return own.get(key);
        const x = Reflect.get(target, key, target);
        return typeof x === "function" ? x.bind(target) : x;
      },
    });
    views.set(mem, v);
  }
  return v;
}

export class Sys {
  constructor(
    readonly p: LinuxProcess,
    readonly t: Thread,
  ) {}

  /** guest memory as the kernel's user copies see it: protections checked (checkUserAccess) */
  get mem(): AddressSpace {
    return checkedView(this.p.mem);
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

  /**
   * A NUL-terminated path from guest memory: -ENAMETOOLONG when PATH_MAX bytes hold no NUL
   * (a GuestFault, so EFAULT, when it runs into memory the program cannot read first).
   */
  path(addr: number): string | number {
    return readUserString(this.p.mem, addr, PATH_MAX, () => -ENAMETOOLONG);
  }
}
