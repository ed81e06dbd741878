// Linux errno values (include/uapi/asm-generic/errno-base.h and errno.h; RISC-V uses the generic
// numbers). Syscalls return -errno in a0.

import { GuestFault } from "./address-space.js";

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const EPIPE = 32;
export const EDOM = 33;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENAMETOOLONG = 36;
export const ENOLCK = 37;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENODATA = 61;
export const EOVERFLOW = 75;
export const ENOTSOCK = 88;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;

/** Linux numbers by name, for translating host (Node.js) errors whose `code` is the errno name. */
const BY_NAME: Record<string, number> = {
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  EIO,
  ENXIO,
  E2BIG,
  ENOEXEC,
  EBADF,
  ECHILD,
  EAGAIN,
  EWOULDBLOCK: EAGAIN,
  ENOMEM,
  EACCES,
  EFAULT,
  ENOTBLK: 15,
  EBUSY,
  EEXIST,
  EXDEV,
  ENODEV,
  ENOTDIR,
  EISDIR,
  EINVAL,
  ENFILE,
  EMFILE,
  ENOTTY,
  ETXTBSY,
  EFBIG,
  ENOSPC,
  ESPIPE,
  EROFS,
  EMLINK,
  EPIPE,
  EDOM,
  ERANGE,
  EDEADLK,
  ENAMETOOLONG,
  ENOLCK,
  ENOSYS,
  ENOTEMPTY,
  ELOOP,
  ENODATA,
  EOVERFLOW,
  ENOTSOCK,
  ENOTSUP: EOPNOTSUPP,
  EOPNOTSUPP,
  ETIMEDOUT,
  EDQUOT: 122,
  ESTALE: 116,
  ECONNREFUSED: 111,
  ECONNRESET: 104,
};

/** -errno for an exception thrown by a host `fs` call; EIO when the host error has no errno name. */
export function hostErrno(err: unknown): number {
  // a copy to or from guest memory that faulted inside a host call's try: EFAULT, as Linux
  if (err instanceof GuestFault) return -EFAULT;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in BY_NAME) return -BY_NAME[code]!;
  return -EIO;
}

/** True when `err` is a host error (has an errno name), as opposed to a bug. */
export function isHostError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("E");
}
