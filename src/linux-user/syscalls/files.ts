// File syscalls: descriptors, reading and writing, paths (resolved inside --root by GuestFs),
// directories, stat, pipes, fcntl and the tty ioctls.

import {
  accessSync,
  chmodSync,
  fchmodSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  type Stats,
  statfsSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
} from "node:fs";
import { decodeTimespec, encodeStat, encodeStatx, type StatInfo, Struct, statFromHost } from "../abi.js";
import { GuestFault } from "../address-space.js";
import {
  EBADF,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  ELOOP,
  ENOENT,
  ENOTDIR,
  ENOTTY,
  EOPNOTSUPP,
  EPIPE,
  ERANGE,
  hostErrno,
} from "../errno.js";
import { flock } from "../fds/flock.js";
import { readiness } from "../fds/readiness.js";
import {
  HostFile,
  MemoryFile,
  type OpenFile,
  PathFile,
  PipeEnd,
  RandomDevice,
  WouldBlock,
} from "../files.js";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_REMOVEDIR,
  AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW,
  hostOpenFlags,
  O_ACCMODE,
  O_APPEND,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECT,
  O_DIRECTORY,
  O_EXCL,
  O_NOATIME,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_PATH,
  O_RDONLY,
  O_TMPFILE,
  STATUS_FLAGS,
} from "../open-flags.js";
import { PIPE_CAPACITY, Pipe } from "../pipe.js";
import type { LinuxProcess } from "../process.js";
import { procFile, procLink } from "../procfs.js";
import { sendToThread } from "../signal-delivery.js";
import { SI_KERNEL, SIGPIPE } from "../signals.js";
import type { Location, Resolved } from "../vfs.js";
import { checkUserAccess, type Handler, type Sys } from "./context.js";
import { syncSharedMappings } from "./memory.js";

const IOV_MAX = 1024;
const MAX_IO = 1 << 24;
const PAGE_SIZE = 4096;

function fileOf(c: Sys, fd: number): OpenFile | undefined {
  return c.p.fds.get(fd);
}

/** The file at fd if it was opened for reading (shared mappings written back first, so it is current). */
function forReading(c: Sys, fd: number): OpenFile | undefined {
  const f = c.p.fds.get(fd);
  if (f instanceof HostFile && f.positional) syncSharedMappings(c.p);
  return f?.readable ? f : undefined;
}

/** The file at fd if it was opened for writing. */
function forWriting(c: Sys, fd: number): OpenFile | undefined {
  const f = c.p.fds.get(fd);
  return f?.writable ? f : undefined;
}

/** The directory a *at() call is relative to. */
function baseOf(c: Sys, dirfd: number, path: string): Location | number {
  if (path.startsWith("/") || dirfd === AT_FDCWD) return c.p.fs.cwd;
  const f = fileOf(c, dirfd);
  if (!f) return -EBADF;
  return f.dirLoc ?? -ENOTDIR;
}

/** A made-up file at a fixed guest path (/proc/self/exe, /dev/urandom, ...), or undefined. */
function specialFile(c: Sys, guest: string, flags: number): OpenFile | number | undefined {
  const p = c.p;
  const proc = procFile(p, guest);
  if (proc !== undefined) return proc;
  const self = guest.replace(new RegExp(`^/proc/(self|${p.pid}|thread-self)(?=/|$)`), "/proc/self");
  if (self === "/proc/self/exe") {
    try {
      const fd = openSync(p.exeHostPath, "r");
      return new HostFile(fd, O_RDONLY, p.exeGuestPath, p.exeHostPath, true, false, true);
    } catch (e) {
      return hostErrno(e);
    }
  }
  const text = (s: string, ino: number) => new MemoryFile(new TextEncoder().encode(s), guest, ino);
  if (self === "/proc/self/maps") return text(p.vmas.render(), 0x1001);
  if (guest === "/proc/cpuinfo") {
    return text("processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n\n", 0x1002);
  }
  if (guest === "/sys/devices/system/cpu/online" || guest === "/sys/devices/system/cpu/possible") {
    return text("0\n", 0x1003);
  }
  if (guest === "/dev/urandom" || guest === "/dev/random") return new RandomDevice(p.prng, flags, guest);
  const std = ["/dev/stdin", "/dev/stdout", "/dev/stderr"].indexOf(guest);
  const m = /^(?:\/proc\/self\/fd|\/dev\/fd)\/(\d+)$/.exec(self);
  const fd = std >= 0 ? std : m ? Number(m[1]) : -1;
  if (fd >= 0) return fileOf(c, fd) ?? -ENOENT;
  return undefined;
}

/**
 * What opening /dev/stdin, /dev/fd/N or /proc/self/fd/N gives: for a regular file, the file opened
 * anew with the flags asked (its own offset: Linux's /proc fd links are followed like symlinks);
 * for a pipe, a device or anything hartscope makes up, the descriptor's own file.
 */
function reopened(f: OpenFile, flags: number): OpenFile | number {
  if (!(f instanceof HostFile) || f.refs === 0 || !f.positional || f.isDir) return f;
  let hostPath = f.hostPath;
  try {
    hostPath ??= readlinkSync(`/proc/self/fd/${f.hostFd}`);
    const fd = openSync(hostPath, hostOpenFlags(flags & ~(O_CREAT | O_EXCL)));
    return new HostFile(fd, flags & (O_ACCMODE | STATUS_FLAGS), f.path, hostPath, true, false, true);
  } catch (e) {
    return hostErrno(e);
  }
}

interface Lookup {
  r?: Resolved;
  special?: OpenFile;
  path: string;
}

/** Resolve (dirfd, path) for a syscall. */
function lookup(c: Sys, dirfd: number, pathAddr: number, follow: boolean, flags = 0): Lookup | number {
  const path = c.path(pathAddr);
  if (typeof path === "number") return path;
  const base = baseOf(c, dirfd, path);
  if (typeof base === "number") return base;
  const guest = c.p.fs.lexical(base, path);
  if (path !== "") {
    const sp = specialFile(c, guest, flags);
    if (typeof sp === "number") return sp;
    if (sp) return { special: sp, path };
  }
  const r = c.p.fs.resolve(base, path, follow);
  if (typeof r === "number") return r;
  return { r, path };
}

function statOf(c: Sys, dirfd: number, pathAddr: number, flags: number): StatInfo | number {
  const path = c.path(pathAddr);
  if (typeof path === "number") return path;
  if (path === "") {
    if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
    if (dirfd === AT_FDCWD) return hostStat(c.p.fs.hostPath(c.p.fs.cwd), true);
    const f = fileOf(c, dirfd);
    return f ? f.stat() : -EBADF;
  }
  const l = lookup(c, dirfd, pathAddr, !(flags & AT_SYMLINK_NOFOLLOW));
  if (typeof l === "number") return l;
  if (l.special) {
    const st = l.special.stat();
    if (l.special.refs === 0) l.special.release();
    return st;
  }
  if (!l.r!.stat) return -ENOENT;
  return hostStat(l.r!.host, !(flags & AT_SYMLINK_NOFOLLOW));
}

function hostStat(host: string, follow: boolean): StatInfo | number {
  try {
    return statFromHost(follow ? statSync(host, { bigint: true }) : lstatSync(host, { bigint: true }));
  } catch (e) {
    return hostErrno(e);
  }
}

/** Run a host fs call; 0 or -errno. */
function host(f: () => void): number {
  try {
    f();
    return 0;
  } catch (e) {
    return hostErrno(e);
  }
}

/** A write that hit a pipe with no reader also raises SIGPIPE (pipe(7)). */
function afterWrite(c: Sys, r: number | WouldBlock): number | WouldBlock {
  if (r === -EPIPE) sendToThread(c.p, c.t, { signo: SIGPIPE, code: SI_KERNEL });
  return r;
}

/** The (base, len) pairs of an iovec array. */
function iovecs(c: Sys, addr: number, count: number): [number, number][] | number {
  if (count < 0 || count > IOV_MAX) return -EINVAL;
  const b = c.mem.read(addr, count * 16);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const base = v.getUint32(16 * i, true) + v.getUint32(16 * i + 4, true) * 2 ** 32;
    const len = v.getUint32(16 * i + 8, true) + v.getUint32(16 * i + 12, true) * 2 ** 32;
    if (len > 2 ** 53) return -EINVAL;
    out.push([base, len]);
  }
  return out;
}

/** The first `total` bytes of the buffers of an iovec array, in order. */
function gather(c: Sys, iov: [number, number][], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const [base, len] of iov) {
    const n = Math.min(len, total - at);
    if (n <= 0) break;
    out.set(c.mem.read(base, n), at);
    at += n;
  }
  return out;
}

function scatter(c: Sys, iov: [number, number][], data: Uint8Array): void {
  let at = 0;
  for (const [base, len] of iov) {
    const n = Math.min(len, data.length - at);
    if (n <= 0) break;
    c.mem.write(base, data.subarray(at, at + n));
    at += n;
  }
}

/** Read into guest memory; the common tail of read/pread/readv. */
function deliverRead(r: Uint8Array | number | WouldBlock, put: (d: Uint8Array) => void): number | WouldBlock {
  if (typeof r === "number" || r instanceof WouldBlock) return r;
  put(r);
  return r.length;
}

/**
 * How many of the `len` bytes at `addr` come before the first page the program cannot `access`:
 * the kernel's copies stop there and the call returns what was copied (copy_to_user/copy_from_user
 * return the bytes left; read(2) on a file gives the short count, EFAULT only when none was).
 */
function userSpan(c: Sys, addr: number, len: number, access: "read" | "write"): number {
  const end = addr + len;
  for (let a = addr; a < end; a = (Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE) {
    try {
      checkUserAccess(c.p.mem, a, 1, access);
    } catch (e) {
      if (e instanceof GuestFault) return a - addr;
      throw e;
    }
  }
  return len;
}

/** userSpan over an iovec array: the bytes of the buffers before the first inaccessible page. */
function iovSpan(c: Sys, iov: [number, number][], total: number, access: "read" | "write"): number {
  let done = 0;
  for (const [base, len] of iov) {
    const n = Math.min(len, total - done);
    if (n <= 0) break;
    const s = userSpan(c, base, n, access);
    done += s;
    if (s < n) break;
  }
  return done;
}

/**
 * The bytes a read of `want` into memory of which only `span` is writable may take from `f`, or
 * -EFAULT. A file gives the bytes before the fault; a pipe copies each of its buffers whole or not
 * at all (fs/pipe.c pipe_read), so a fault inside the data it holds takes nothing and is EFAULT
 * (hartscope's pipe keeps no buffer boundaries: the data is taken as one buffer).
 */
function readSpan(f: OpenFile, want: number, span: number): number {
  if (span === 0) return -EFAULT;
  if (span < want && f instanceof PipeEnd && f.pipe.size > span) return -EFAULT;
  return span;
}

/**
 * The bytes of a write of `want` whose first `span` are readable, or -EFAULT. A file takes the
 * bytes before the fault; a pipe takes whole pages (fs/pipe.c pipe_write copies a page at a time
 * and fails on a short one).
 */
function writeSpan(f: OpenFile, want: number, span: number): number {
  if (span === want) return want;
  const n = f instanceof PipeEnd ? span - (span % PAGE_SIZE) : span;
  return n === 0 ? -EFAULT : n;
}

// termios defaults of a Linux console (include/uapi/asm-generic/termbits.h): what `stty sane` sets.
const TCGETS = 0x5401;
const TCSETS = 0x5402;
const TCSETSW = 0x5403;
const TCSETSF = 0x5404;
const TIOCGPGRP = 0x540f;
const TIOCSPGRP = 0x5410;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const FIONREAD = 0x541b;
const FIONBIO = 0x5421;
const FIONCLEX = 0x5450;
const FIOCLEX = 0x5451;

function defaultTermios(): Uint8Array {
  const s = new Struct(36);
  s.u32(0, 0x4500).u32(4, 0x5).u32(8, 0xbf).u32(12, 0x8a3b).u8(16, 0);
  const cc = [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0];
  cc.forEach((v, i) => {
    s.u8(17 + i, v);
  });
  return s.bytes;
}

// fcntl commands
const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_GETLK = 5;
const F_SETLK = 6;
const F_SETLKW = 7;
const F_SETOWN = 8;
const F_GETOWN = 9;
const F_OFD_GETLK = 36;
const F_OFD_SETLK = 37;
const F_OFD_SETLKW = 38;
const F_DUPFD_CLOEXEC = 1030;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const FD_CLOEXEC = 1;
const F_UNLCK = 2;

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;

// ppoll events
const POLLIN = 1;
const POLLOUT = 4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;

/**
 * poll(2) revents of fd: the readiness epoll sees (pipes, sockets, eventfd, timerfd, signalfd),
 * kept to what was asked plus POLLERR and POLLHUP; host files and streams are always ready.
 */
function pollReady(p: LinuxProcess, fd: number, events: number): number {
  const f = p.fds.get(fd);
  if (!f) return POLLNVAL;
  const r = f instanceof HostFile ? undefined : readiness(f);
  if (r === undefined) return events & (POLLIN | POLLOUT);
  return r.mask & (events | POLLERR | POLLHUP);
}

export const fileSyscalls: Record<string, Handler> = {
  openat(c) {
    const dirfd = c.int(0);
    const flags = c.int(2);
    const mode = c.uint(3) & 0o7777;
    if ((flags & O_TMPFILE) === O_TMPFILE) return -EOPNOTSUPP;
    const cloexec = (flags & O_CLOEXEC) !== 0;
    const exclusive = (flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL);
    const l = lookup(c, dirfd, c.ulong(1), !(flags & O_NOFOLLOW) && !exclusive, flags);
    if (typeof l === "number") return l;
    const p = c.p;
    if (l.special) {
      const f = reopened(l.special, flags);
      return typeof f === "number" ? f : p.fds.install(f, cloexec);
    }
    const r = l.r!;
    const st = r.stat;
    if (exclusive && st) return -EEXIST;
    if (!st && !(flags & O_CREAT)) return -ENOENT;
    if (st?.isSymbolicLink() && !(flags & O_PATH)) return -ELOOP;
    if (flags & O_PATH) {
      const f = new PathFile(r.host, O_PATH | (flags & O_ACCMODE), r.guest);
      if (st?.isDirectory()) f.dirLoc = r.loc;
      return p.fds.install(f, cloexec);
    }
    if (st?.isDirectory()) {
      if ((flags & O_ACCMODE) !== O_RDONLY || flags & O_CREAT) return -EISDIR;
      let fd: number;
      try {
        fd = openSync(r.host, hostOpenFlags(O_RDONLY | O_DIRECTORY));
      } catch (e) {
        return hostErrno(e);
      }
      const f = new HostFile(fd, flags & (O_ACCMODE | STATUS_FLAGS), r.guest, r.host, true, true, true);
      f.dirLoc = r.loc;
      return p.fds.install(f, cloexec);
    }
    if (flags & O_DIRECTORY) return st ? -ENOTDIR : -ENOENT;
    let fd: number;
    try {
      fd = openSync(r.host, hostOpenFlags(flags), mode & ~p.umask);
    } catch (e) {
      return hostErrno(e);
    }
    let positional = true;
    try {
      positional = statSync(r.host).isFile();
    } catch {
      // raced away; a regular file is the likely case
    }
    const f = new HostFile(fd, flags & (O_ACCMODE | STATUS_FLAGS), r.guest, r.host, positional, false, true);
    return p.fds.install(f, cloexec);
  },

  close: (c) => c.p.fds.close(c.int(0)),

  close_range(c) {
    const first = c.uint(0);
    const last = c.uint(1);
    const flags = c.uint(2);
    if (first > last || flags & ~6) return -EINVAL;
    for (const fd of c.p.fds.open()) {
      if (fd < first || fd > last) continue;
      if (flags & 4) c.p.fds.setCloexec(fd, true);
      else c.p.fds.close(fd);
    }
    return 0;
  },

  read(c) {
    const f = forReading(c, c.int(0));
    if (!f) return -EBADF;
    const buf = c.ulong(1);
    const count = Math.min(c.ulong(2), MAX_IO);
    if (count === 0) return 0;
    const n = readSpan(f, count, userSpan(c, buf, count, "write")); // before the data is taken
    if (n < 0) return n;
    return deliverRead(f.read(n), (d) => c.mem.write(buf, d));
  },

  write(c) {
    const f = forWriting(c, c.int(0));
    if (!f) return -EBADF;
    const count = Math.min(c.ulong(2), MAX_IO);
    if (count === 0) return 0;
    const buf = c.ulong(1);
    const n = writeSpan(f, count, userSpan(c, buf, count, "read"));
    if (n < 0) return n;
    return afterWrite(c, f.write(c.mem.read(buf, n)));
  },

  readv(c) {
    const f = forReading(c, c.int(0));
    if (!f) return -EBADF;
    const iov = iovecs(c, c.ulong(1), c.int(2));
    if (typeof iov === "number") return iov;
    const total = Math.min(
      iov.reduce((n, [, l]) => n + l, 0),
      MAX_IO,
    );
    if (total === 0) return 0;
    const n = readSpan(f, total, iovSpan(c, iov, total, "write"));
    if (n < 0) return n;
    return deliverRead(f.read(n), (d) => scatter(c, iov, d));
  },

  writev(c) {
    const f = forWriting(c, c.int(0));
    if (!f) return -EBADF;
    const iov = iovecs(c, c.ulong(1), c.int(2));
    if (typeof iov === "number") return iov;
    const total = Math.min(
      iov.reduce((n, [, l]) => n + l, 0),
      MAX_IO,
    );
    if (total === 0) return 0;
    const n = writeSpan(f, total, iovSpan(c, iov, total, "read"));
    if (n < 0) return n;
    return afterWrite(c, f.write(gather(c, iov, n)));
  },

  pread64(c) {
    const f = forReading(c, c.int(0));
    if (!f) return -EBADF;
    const off = c.long(3);
    if (off < 0) return -EINVAL;
    const buf = c.ulong(1);
    const count = Math.min(c.ulong(2), MAX_IO);
    if (count === 0) return deliverRead(f.pread(0, off), () => {});
    const n = readSpan(f, count, userSpan(c, buf, count, "write"));
    if (n < 0) return n;
    return deliverRead(f.pread(n, off), (d) => c.mem.write(buf, d));
  },

  pwrite64(c) {
    const f = forWriting(c, c.int(0));
    if (!f) return -EBADF;
    const off = c.long(3);
    if (off < 0) return -EINVAL;
    const buf = c.ulong(1);
    const count = Math.min(c.ulong(2), MAX_IO);
    if (count === 0) return f.pwrite(new Uint8Array(0), off);
    const n = writeSpan(f, count, userSpan(c, buf, count, "read"));
    if (n < 0) return n;
    return afterWrite(c, f.pwrite(c.mem.read(buf, n), off));
  },

  preadv(c) {
    const f = forReading(c, c.int(0));
    if (!f) return -EBADF;
    const iov = iovecs(c, c.ulong(1), c.int(2));
    if (typeof iov === "number") return iov;
    const off = c.long(3);
    if (off < 0) return -EINVAL;
    const total = Math.min(
      iov.reduce((n, [, l]) => n + l, 0),
      MAX_IO,
    );
    if (total === 0) return deliverRead(f.pread(0, off), () => {});
    const n = readSpan(f, total, iovSpan(c, iov, total, "write"));
    if (n < 0) return n;
    return deliverRead(f.pread(n, off), (d) => scatter(c, iov, d));
  },

  pwritev(c) {
    const f = forWriting(c, c.int(0));
    if (!f) return -EBADF;
    const iov = iovecs(c, c.ulong(1), c.int(2));
    if (typeof iov === "number") return iov;
    const off = c.long(3);
    if (off < 0) return -EINVAL;
    const total = Math.min(
      iov.reduce((n, [, l]) => n + l, 0),
      MAX_IO,
    );
    if (total === 0) return f.pwrite(new Uint8Array(0), off);
    const n = writeSpan(f, total, iovSpan(c, iov, total, "read"));
    if (n < 0) return n;
    return afterWrite(c, f.pwrite(gather(c, iov, n), off));
  },

  lseek(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    return f.seek(c.long(1), c.int(2));
  },

  sendfile(c) {
    const out = fileOf(c, c.int(0));
    const inp = fileOf(c, c.int(1));
    if (!out || !inp || !out.writable || !inp.readable) return -EBADF;
    const offPtr = c.ulong(2);
    const count = Math.min(c.ulong(3), MAX_IO);
    let data: Uint8Array | number | WouldBlock;
    if (offPtr !== 0) {
      const off = c.mem.readU64(offPtr);
      data = inp.pread(count, off);
      if (data instanceof Uint8Array) c.mem.writeU64(offPtr, off + data.length);
    } else data = inp.read(count);
    if (typeof data === "number" || data instanceof WouldBlock) return data;
    if (data.length === 0) return 0;
    return afterWrite(c, out.write(data));
  },

  copy_file_range: () => -18, // EXDEV: callers fall back to read/write

  fstat(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    const st = f.stat();
    if (typeof st === "number") return st;
    c.mem.write(c.ulong(1), encodeStat(st));
    return 0;
  },

  newfstatat(c) {
    const st = statOf(c, c.int(0), c.ulong(1), c.int(3));
    if (typeof st === "number") return st;
    c.mem.write(c.ulong(2), encodeStat(st));
    return 0;
  },

  statx(c) {
    const st = statOf(c, c.int(0), c.ulong(1), c.int(2));
    if (typeof st === "number") return st;
    c.mem.write(c.ulong(4), encodeStatx(st));
    return 0;
  },

  statfs(c) {
    const l = lookup(c, AT_FDCWD, c.ulong(0), true);
    if (typeof l === "number") return l;
    const hostPath = l.r?.stat ? l.r.host : c.p.fs.root;
    if (l.r && !l.r.stat) return -ENOENT;
    return writeStatfs(c, hostPath, c.ulong(1));
  },

  fstatfs(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    const hostPath = f instanceof HostFile && f.hostPath ? f.hostPath : c.p.fs.root;
    return writeStatfs(c, hostPath, c.ulong(1));
  },

  getdents64(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    const buf = c.ulong(1);
    const count = c.uint(2);
    // whole records, as many as fit before the first page the program cannot write (fs/readdir.c
    // filldir64 stops at the fault): EFAULT when not even one does
    const span = userSpan(c, buf, count, "write");
    if (span === 0 && count > 0) return -EFAULT;
    const r = f.getdents(span);
    if (typeof r === "number") return r === -EINVAL && span < count ? -EFAULT : r;
    c.mem.write(buf, r);
    return r.length;
  },

  readlinkat(c) {
    const size = c.int(3);
    if (size <= 0) return -EINVAL;
    const path = c.path(c.ulong(1));
    if (typeof path === "number") return path;
    const base = baseOf(c, c.int(0), path);
    if (typeof base === "number") return base;
    const guest = c.p.fs.lexical(base, path).replace(new RegExp(`^/proc/(self|${c.p.pid})/`), "/proc/self/");
    let target: string | undefined;
    if (guest === "/proc/self/exe") target = c.p.exeGuestPath;
    const m = /^\/proc\/self\/fd\/(\d+)$/.exec(guest);
    if (m) target = fileOf(c, Number(m[1]))?.path ?? "";
    target = procLink(c.p, c.p.fs.lexical(base, path)) ?? target;
    if (target === "") return -ENOENT;
    if (target === undefined) {
      const r = c.p.fs.resolve(base, path, false);
      if (typeof r === "number") return r;
      if (!r.stat) return -ENOENT;
      if (!r.stat.isSymbolicLink()) return -EINVAL;
      try {
        target = readlinkSync(r.host, "utf8");
      } catch (e) {
        return hostErrno(e);
      }
    }
    const b = new TextEncoder().encode(target).subarray(0, size);
    c.mem.write(c.ulong(2), b);
    return b.length;
  },

  faccessat(c) {
    return access(c, c.int(0), c.ulong(1), c.int(2), 0);
  },

  faccessat2(c) {
    return access(c, c.int(0), c.ulong(1), c.int(2), c.int(3));
  },

  getcwd(c) {
    const cwd = new TextEncoder().encode(`/${c.p.fs.cwd.parts.join("/")}\0`);
    if (c.ulong(1) < cwd.length) return -ERANGE;
    c.mem.write(c.ulong(0), cwd);
    return cwd.length;
  },

  chdir(c) {
    const l = lookup(c, AT_FDCWD, c.ulong(0), true);
    if (typeof l === "number") return l;
    if (l.special || !l.r!.stat) return -ENOENT;
    if (!l.r!.stat.isDirectory()) return -ENOTDIR;
    c.p.fs.cwd = l.r!.loc;
    return 0;
  },

  fchdir(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    if (!f.dirLoc) return -ENOTDIR;
    c.p.fs.cwd = f.dirLoc;
    return 0;
  },

  mkdirat(c) {
    const l = lookup(c, c.int(0), c.ulong(1), false);
    if (typeof l === "number") return l;
    if (l.special || l.r!.stat) return -EEXIST;
    return host(() => mkdirSync(l.r!.host, c.uint(2) & 0o7777 & ~c.p.umask));
  },

  unlinkat(c) {
    const flags = c.int(2);
    if (flags & ~AT_REMOVEDIR) return -EINVAL;
    const l = lookup(c, c.int(0), c.ulong(1), false);
    if (typeof l === "number") return l;
    if (l.special) return -13; // EACCES
    const r = l.r!;
    if (!r.stat) return -ENOENT;
    if (flags & AT_REMOVEDIR) {
      if (!r.stat.isDirectory()) return -ENOTDIR;
      if (r.loc.parts.length === 0) return -16; // EBUSY: the root
      return host(() => rmdirSync(r.host));
    }
    if (r.stat.isDirectory()) return -EISDIR;
    return host(() => unlinkSync(r.host));
  },

  renameat2(c) {
    return rename(c, c.int(4));
  },

  symlinkat(c) {
    const target = c.path(c.ulong(0));
    if (typeof target === "number") return target;
    const l = lookup(c, c.int(1), c.ulong(2), false);
    if (typeof l === "number") return l;
    if (l.special || l.r!.stat) return -EEXIST;
    return host(() => symlinkSync(target, l.r!.host));
  },

  linkat(c) {
    const flags = c.int(4);
    const from = lookup(c, c.int(0), c.ulong(1), (flags & AT_SYMLINK_FOLLOW) !== 0);
    if (typeof from === "number") return from;
    const to = lookup(c, c.int(2), c.ulong(3), false);
    if (typeof to === "number") return to;
    if (from.special || to.special) return -1; // EPERM
    if (!from.r!.stat) return -ENOENT;
    if (to.r!.stat) return -EEXIST;
    return host(() => linkSync(from.r!.host, to.r!.host));
  },

  fchmodat(c) {
    const l = lookup(c, c.int(0), c.ulong(1), true);
    if (typeof l === "number") return l;
    if (l.special || !l.r!.stat) return -ENOENT;
    return host(() => chmodSync(l.r!.host, c.uint(2) & 0o7777));
  },

  fchmod(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    const fd = f.hostFd;
    if (fd === undefined) return -1; // EPERM
    return host(() => fchmodSync(fd, c.uint(1) & 0o7777));
  },

  fchownat(c) {
    const l = lookup(c, c.int(0), c.ulong(1), !(c.int(4) & AT_SYMLINK_NOFOLLOW));
    if (typeof l === "number") return l;
    if (l.special || !l.r!.stat) return -ENOENT;
    return host(() => lchownSync(l.r!.host, c.int(2), c.int(3)));
  },

  fchown(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    return f instanceof HostFile && f.hostPath ? host(() => lchownSync(f.hostPath!, c.int(1), c.int(2))) : -1;
  },

  utimensat(c) {
    const pathAddr = c.ulong(1);
    let hostPath: string | undefined;
    if (pathAddr === 0) {
      const f = fileOf(c, c.int(0));
      if (!f) return -EBADF;
      hostPath = f instanceof HostFile || f instanceof PathFile ? f.hostPath : undefined;
    } else {
      const l = lookup(c, c.int(0), pathAddr, !(c.int(3) & AT_SYMLINK_NOFOLLOW));
      if (typeof l === "number") return l;
      if (l.r && !l.r.stat) return -ENOENT;
      hostPath = l.r?.host;
    }
    if (hostPath === undefined) return -1; // EPERM
    const now = Number(c.p.clock.realtimeNs()) / 1e9;
    let atime = now;
    let mtime = now;
    const times = c.ulong(2);
    if (times !== 0) {
      const b = c.mem.read(times, 32);
      const v = new DataView(b.buffer, b.byteOffset, 32);
      let st: Stats | undefined;
      const current = (): Stats => {
        st ??= statSync(hostPath!);
        return st;
      };
      const pick = (off: number, which: "atimeMs" | "mtimeMs") => {
        const ns = Number(v.getBigInt64(off + 8, true));
        if (ns === UTIME_NOW) return now;
        if (ns === UTIME_OMIT) return current()[which] / 1000;
        return Number(v.getBigInt64(off, true)) + ns / 1e9;
      };
      try {
        atime = pick(0, "atimeMs");
        mtime = pick(16, "mtimeMs");
      } catch (e) {
        return hostErrno(e);
      }
    }
    return host(() => utimesSync(hostPath!, atime, mtime));
  },

  truncate(c) {
    const l = lookup(c, AT_FDCWD, c.ulong(0), true);
    if (typeof l === "number") return l;
    if (l.special || !l.r!.stat) return -ENOENT;
    const len = c.long(1);
    if (len < 0) return -EINVAL;
    return host(() => truncateSync(l.r!.host, len));
  },

  ftruncate(c) {
    const f = fileOf(c, c.int(0));
    if (!f) return -EBADF;
    if (!f.writable) return -EINVAL;
    const len = c.long(1);
    if (len < 0) return -EINVAL;
    return f.truncate(len);
  },

  fsync(c) {
    const f = fileOf(c, c.int(0));
    return f ? f.sync() : -EBADF;
  },
  fdatasync(c) {
    const f = fileOf(c, c.int(0));
    return f ? f.sync() : -EBADF;
  },
  sync: () => 0,
  syncfs: (c) => (fileOf(c, c.int(0)) ? 0 : -EBADF),
  fallocate: (c) => (fileOf(c, c.int(0)) ? -EOPNOTSUPP : -EBADF),
  fadvise64: (c) => (fileOf(c, c.int(0)) ? 0 : -EBADF),
  flock, // fds/flock.ts: locks between the run's open file descriptions

  umask(c) {
    const old = c.p.umask;
    c.p.umask = c.uint(0) & 0o777;
    return old;
  },

  dup(c) {
    const f = fileOf(c, c.int(0));
    return f ? c.p.fds.install(f, false) : -EBADF;
  },

  dup3(c) {
    const oldfd = c.int(0);
    const newfd = c.int(1);
    const flags = c.int(2);
    if (flags & ~O_CLOEXEC) return -EINVAL;
    if (oldfd === newfd) return -EINVAL;
    const f = fileOf(c, oldfd);
    if (!f) return -EBADF;
    if (newfd < 0 || newfd >= 1024) return -EBADF;
    c.p.fds.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
    return newfd;
  },

  pipe2(c) {
    const flags = c.int(1);
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
    const pipe = new Pipe();
    const status = flags & O_NONBLOCK;
    const rd = new PipeEnd(pipe, false, status);
    const wr = new PipeEnd(pipe, true, status);
    const cloexec = (flags & O_CLOEXEC) !== 0;
    const a = c.p.fds.install(rd, cloexec);
    if (a < 0) {
      rd.release();
      wr.release();
      return a;
    }
    const b = c.p.fds.install(wr, cloexec);
    if (b < 0) {
      c.p.fds.close(a);
      wr.release();
      return b;
    }
    c.mem.write(c.ulong(0), new Struct(8).i32(0, a).i32(4, b).bytes);
    return 0;
  },

  fcntl(c) {
    const fd = c.int(0);
    const cmd = c.int(1);
    const f = fileOf(c, fd);
    if (!f) return -EBADF;
    const fds = c.p.fds;
    switch (cmd) {
      case F_DUPFD:
      case F_DUPFD_CLOEXEC: {
        const min = c.int(2);
        if (min < 0 || min >= 1024) return -EINVAL;
        return fds.install(f, cmd === F_DUPFD_CLOEXEC, min);
      }
      case F_GETFD:
        return fds.cloexec(fd) ? FD_CLOEXEC : 0;
      case F_SETFD:
        fds.setCloexec(fd, (c.int(2) & FD_CLOEXEC) !== 0);
        return 0;
      case F_GETFL:
        return f.flags;
      case F_SETFL: {
        const changeable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | 0o20000; // FASYNC
        f.flags = (f.flags & ~changeable) | (c.int(2) & changeable);
        return 0;
      }
      case F_GETLK:
      case F_OFD_GETLK:
        c.mem.write(c.ulong(2), new Struct(2).u16(0, F_UNLCK).bytes);
        return 0;
      case F_SETLK:
      case F_SETLKW:
      case F_OFD_SETLK:
      case F_OFD_SETLKW:
      case F_SETOWN:
        return 0;
      case F_GETOWN:
        return 0;
      case F_GETPIPE_SZ:
        return f instanceof PipeEnd ? PIPE_CAPACITY : -EBADF;
      case F_SETPIPE_SZ:
        return f instanceof PipeEnd ? PIPE_CAPACITY : -EBADF;
      default:
        return -EINVAL;
    }
  },

  ioctl(c) {
    const fd = c.int(0);
    const req = c.uint(1);
    const arg = c.ulong(2);
    const f = fileOf(c, fd);
    if (!f) return -EBADF;
    switch (req) {
      case FIOCLEX:
      case FIONCLEX:
        c.p.fds.setCloexec(fd, req === FIOCLEX);
        return 0;
      case FIONBIO:
        f.flags = c.mem.readU32(arg) ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
        return 0;
      case FIONREAD: {
        let n = 0;
        if (f instanceof PipeEnd) n = f.pipe.size;
        else if (f instanceof HostFile && f.positional) {
          const st = f.stat();
          if (typeof st !== "number") n = Math.max(0, Number(st.size) - f.pos);
        } else if (!f.isatty()) return -ENOTTY;
        c.mem.writeU32(arg, n);
        return 0;
      }
    }
    if (!f.isatty()) return -ENOTTY;
    switch (req) {
      case TCGETS:
        c.mem.write(arg, defaultTermios());
        return 0;
      case TCSETS:
      case TCSETSW:
      case TCSETSF:
      case TIOCSWINSZ:
      case TIOCSPGRP:
        return 0;
      case TIOCGWINSZ:
        c.mem.write(arg, new Struct(8).u16(0, 24).u16(2, 80).bytes);
        return 0;
      case TIOCGPGRP:
        c.mem.writeU32(arg, c.p.pid);
        return 0;
      default:
        return -ENOTTY;
    }
  },

  pselect6(c) {
    const nfds = c.int(0);
    if (nfds < 0 || nfds > 1024) return -EINVAL;
    const sets = [c.ulong(1), c.ulong(2), c.ulong(3)];
    const bytes = Math.ceil(nfds / 64) * 8;
    const wanted = sets.map((a) => (a === 0 ? undefined : c.mem.read(a, bytes)));
    for (let fd = 0; fd < nfds; fd++) {
      const asked = wanted.some((w) => w && w[fd >> 3]! & (1 << (fd & 7)));
      if (asked && !c.p.fds.get(fd)) return -EBADF;
    }
    const check = (write: boolean): number => {
      let n = 0;
      const out = wanted.map((w) => (w ? new Uint8Array(w.length) : undefined));
      for (let fd = 0; fd < nfds; fd++) {
        const bit = 1 << (fd & 7);
        const inR = wanted[0] && wanted[0][fd >> 3]! & bit;
        const inW = wanted[1] && wanted[1][fd >> 3]! & bit;
        if (!inR && !inW) continue;
        const rev = pollReady(c.p, fd, (inR ? POLLIN : 0) | (inW ? POLLOUT : 0));
        if (inR && rev & (POLLIN | POLLHUP)) {
          out[0]![fd >> 3]! |= bit;
          n++;
        }
        if (inW && rev & (POLLOUT | 0x8)) {
          out[1]![fd >> 3]! |= bit;
          n++;
        }
      }
      if (write && n > 0) {
        for (let i = 0; i < 3; i++) if (out[i]) c.mem.write(sets[i]!, out[i]!);
      }
      return n;
    };
    const ready = check(true);
    if (ready > 0) return ready;
    const tsAddr = c.ulong(4);
    let deadline: number | undefined;
    if (tsAddr !== 0) {
      const ns = decodeTimespec(c.mem.read(tsAddr, 16));
      if (ns === undefined || ns < 0n) return -EINVAL;
      if (ns === 0n) {
        for (let i = 0; i < 3; i++) if (sets[i]) c.mem.write(sets[i]!, new Uint8Array(bytes));
        return 0;
      }
      deadline = c.p.clock.monotonicNs() + Number(ns);
    }
    // Nothing ready: wait and run again when something is; a timeout leaves the sets empty.
    const clear = () => {
      for (let i = 0; i < 3; i++) if (sets[i]) c.mem.write(sets[i]!, new Uint8Array(bytes));
    };
    return new WouldBlock("pselect6", () => check(false) > 0, deadline, 0, clear);
  },

  ppoll(c) {
    const fdsAddr = c.ulong(0);
    const n = c.uint(1);
    const tsAddr = c.ulong(2);
    if (n > 1024) return -EINVAL;
    const raw = c.mem.read(fdsAddr, n * 8);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const check = (): number => {
      let ready = 0;
      for (let i = 0; i < n; i++) {
        const fd = v.getInt32(8 * i, true);
        const events = v.getInt16(8 * i + 4, true);
        const rev = fd < 0 ? 0 : pollReady(c.p, fd, events | POLLHUP);
        v.setInt16(8 * i + 6, rev, true);
        if (rev) ready++;
      }
      return ready;
    };
    const ready = check();
    if (ready > 0) {
      c.mem.write(fdsAddr, raw);
      return ready;
    }
    let deadline: number | undefined;
    if (tsAddr !== 0) {
      const b = c.mem.read(tsAddr, 16);
      const d = new DataView(b.buffer, b.byteOffset, 16);
      const ns = Number(d.getBigInt64(0, true)) * 1e9 + Number(d.getBigInt64(8, true));
      if (ns <= 0) {
        c.mem.write(fdsAddr, raw);
        return 0;
      }
      deadline = c.p.clock.monotonicNs() + ns;
    }
    // Nothing ready: wait; the syscall runs again when something is (timeout: 0 ready, revents 0).
    const clear = () => {
      for (let i = 0; i < n; i++) v.setInt16(8 * i + 6, 0, true);
      c.mem.write(fdsAddr, raw);
    };
    return new WouldBlock("ppoll", () => check() > 0, deadline, 0, clear);
  },
};

function access(c: Sys, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if (mode & ~7) return -EINVAL;
  const l = lookup(c, dirfd, pathAddr, !(flags & AT_SYMLINK_NOFOLLOW));
  if (typeof l === "number") return l;
  if (l.special) return 0;
  if (!l.r!.stat) return -ENOENT;
  return mode === 0 ? 0 : host(() => accessSync(l.r!.host, mode));
}

function rename(c: Sys, flags: number): number {
  const RENAME_NOREPLACE = 1;
  if (flags & ~RENAME_NOREPLACE) return -EINVAL;
  const from = lookup(c, c.int(0), c.ulong(1), false);
  if (typeof from === "number") return from;
  const to = lookup(c, c.int(2), c.ulong(3), false);
  if (typeof to === "number") return to;
  if (from.special || to.special) return -18; // EXDEV
  if (!from.r!.stat) return -ENOENT;
  if (flags & RENAME_NOREPLACE && to.r!.stat) return -EEXIST;
  return host(() => renameSync(from.r!.host, to.r!.host));
}

function writeStatfs(c: Sys, hostPath: string, addr: number): number {
  try {
    const s = statfsSync(hostPath, { bigint: true });
    const b = new Struct(120);
    b.u64(0, s.type).u64(8, s.bsize).u64(16, s.blocks).u64(24, s.bfree).u64(32, s.bavail);
    b.u64(40, s.files).u64(48, s.ffree).u64(64, 255).u64(72, s.bsize);
    c.mem.write(addr, b.bytes);
    return 0;
  } catch (e) {
    return hostErrno(e);
  }
}
