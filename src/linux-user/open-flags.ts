// open(2) and fcntl(2) flag values of the generic Linux ABI (include/uapi/asm-generic/fcntl.h),
// and their translation to the host's numbers (which Node.js exposes by name).

import { constants as fsc } from "node:fs";

export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;
export const O_TMPFILE = 0o20000000;

/** Flags F_GETFL reports and F_SETFL may change. */
export const STATUS_FLAGS = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_DSYNC | O_SYNC | O_LARGEFILE;

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;

/** Guest open flags → host flags for fs.openSync (O_CLOEXEC is implied by Node.js). */
export function hostOpenFlags(flags: number): number {
  let h = 0;
  const acc = flags & O_ACCMODE;
  h |= acc === O_WRONLY ? fsc.O_WRONLY : acc === O_RDWR ? fsc.O_RDWR : fsc.O_RDONLY;
  const map: [number, number | undefined][] = [
    [O_CREAT, fsc.O_CREAT],
    [O_EXCL, fsc.O_EXCL],
    [O_NOCTTY, fsc.O_NOCTTY],
    [O_TRUNC, fsc.O_TRUNC],
    [O_APPEND, fsc.O_APPEND],
    [O_DIRECTORY, fsc.O_DIRECTORY],
    [O_NOFOLLOW, fsc.O_NOFOLLOW],
    [O_DSYNC, fsc.O_DSYNC],
  ];
  for (const [g, host] of map) if (flags & g && host !== undefined) h |= host;
  if ((flags & O_SYNC) === O_SYNC && fsc.O_SYNC !== undefined) h |= fsc.O_SYNC;
  return h;
}
