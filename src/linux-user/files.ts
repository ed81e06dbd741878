// Open file descriptions and the descriptor table. A description is what open() creates and
// dup() shares (position, status flags); the table maps small integers to descriptions.

import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  readdirSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import type { Prng } from "../machine/prng.js";
import { S_IFCHR, S_IFIFO, S_IFREG, type StatInfo, Struct, statFromHost, syntheticStat } from "./abi.js";
import { EAGAIN, EBADF, EINVAL, EISDIR, EMFILE, EPIPE, ESPIPE, hostErrno } from "./errno.js";
import { type HostLseek, hostLseek } from "./host-lseek.js";
import { O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY, O_WRONLY } from "./open-flags.js";
import { PIPE_BUF, type Pipe } from "./pipe.js";
import type { Location } from "./vfs.js";

// node:tty loads net, streams and four bindings (+1.8 MB RSS at start-up): it is required only
// for a character device, the one kind of file that can be a terminal
let ttyIsatty: ((fd: number) => boolean) | undefined;
function hostIsatty(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  ttyIsatty ??= (createRequire(import.meta.url)("node:tty") as { isatty(fd: number): boolean }).isatty;
  return ttyIsatty(fd);
}

/** The operation cannot finish now; the thread waits until `ready()` and then retries it. */
export class WouldBlock {
  constructor(
    readonly what: string,
    readonly ready: () => boolean,
    /** CLOCK_MONOTONIC ns at which to give up with `timeoutResult` */
    readonly deadline?: number,
    readonly timeoutResult = 0,
    /** what the syscall leaves in memory when it times out */
    readonly onTimeout?: () => void,
    /** a handler with SA_RESTART makes it start again rather than fail with EINTR (signal(7)) */
    readonly restartable = false,
  ) {}
}

export type ReadResult = Uint8Array | number | WouldBlock;
export type WriteResult = number | WouldBlock;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** Reads larger than this return short (allowed by read(2)); bounds host allocations. */
const MAX_IO = 1 << 24;

// d_type values (dirent.h)
const DT_UNKNOWN = 0;
const DT_FIFO = 1;
const DT_CHR = 2;
const DT_DIR = 4;
const DT_BLK = 6;
const DT_REG = 8;
const DT_LNK = 10;
const DT_SOCK = 12;

export abstract class OpenFile {
  /** descriptors referring to this description */
  refs = 0;
  /** guest O_* access mode and status flags */
  flags: number;
  /** guest path (for messages, /proc/self/fd, *at() on directories) */
  readonly path: string;
  /** where a directory is, for *at() calls relative to it */
  dirLoc?: Location;

  constructor(flags: number, path: string) {
    this.flags = flags;
    this.path = path;
  }

  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== O_WRONLY;
  }
  get writable(): boolean {
    return (this.flags & O_ACCMODE) !== O_RDONLY;
  }
  get nonblocking(): boolean {
    return (this.flags & O_NONBLOCK) !== 0;
  }

  read(_len: number): ReadResult {
    return -EINVAL;
  }
  write(_data: Uint8Array): WriteResult {
    return -EINVAL;
  }
  pread(_len: number, _offset: number): Uint8Array | number {
    return -ESPIPE;
  }
  pwrite(_data: Uint8Array, _offset: number): number {
    return -ESPIPE;
  }
  seek(_offset: number, _whence: number): number {
    return -ESPIPE;
  }
  abstract stat(): StatInfo | number;
  isatty(): boolean {
    return false;
  }
  /** getdents64 records filling at most `max` bytes; -EINVAL if even one does not fit. */
  getdents(_max: number): Uint8Array | number {
    return -EINVAL;
  }
  /** The host descriptor behind this file, if any (fsync, ftruncate, mmap). */
  get hostFd(): number | undefined {
    return undefined;
  }
  truncate(_length: number): number {
    return -EINVAL;
  }
  sync(): number {
    return 0;
  }
  /** The last descriptor went away. */
  release(): void {}
}

/**
 * /dev/null, /dev/zero and /dev/full (char devices 1:3, 1:5, 1:7) accept every lseek and return
 * 0, as Linux's drivers/char/mem.c does; other devices, pipes and sockets give ESPIPE.
 */
function seeksToZero(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isCharacterDevice() && (st.rdev === 0x103 || st.rdev === 0x105 || st.rdev === 0x107);
  } catch {
    return false;
  }
}

/** Retry a host call that fails with EAGAIN on a non-blocking host stream (stdin/stdout of a pipe). */
function retryAgain<T>(f: () => T): T {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return f();
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

interface DirEntry {
  name: string;
  ino: bigint;
  type: number;
}

/** A host file or directory; also the host's stdin/stdout/stderr (never closed). */
export class HostFile extends OpenFile {
  private ownPos = 0;
  private entries?: DirEntry[];
  /** the host's lseek on this descriptor, when the offset is the host's (`sharesHostOffset`) */
  private hostSeek?: HostLseek;

  constructor(
    private readonly fd: number,
    flags: number,
    path: string,
    readonly hostPath: string | undefined,
    /** regular files and directories have an offset (pread, lseek); streams do not */
    readonly positional: boolean,
    readonly isDir: boolean,
    private readonly owned: boolean,
    /**
     * The offset is the host's open file description's (a standard descriptor redirected from or
     * to a regular file): reads and writes move it and lseek sets it, so whoever shares it on the
     * host (the shell, `(prog; cat) < file`) sees where the guest left it, as under Linux.
     */
    readonly sharesHostOffset = false,
  ) {
    super(flags, path);
  }

  /** Wrap a host descriptor the guest gets as its stdin (0), stdout (1) or stderr (2); never closed. */
  static std(host: number, guestFd: number): HostFile {
    const flags = guestFd === 0 ? O_RDONLY : O_WRONLY;
    let regular = false;
    try {
      regular = fstatSync(host).isFile();
    } catch {
      // closed or unusable: reads and writes report the host's error
    }
    return new HostFile(host, flags, `/dev/fd/${guestFd}`, undefined, regular, false, false, regular);
  }

  /** The file offset (the host's when `sharesHostOffset`): lseek(fd, 0, SEEK_CUR). */
  get pos(): number {
    if (!this.sharesHostOffset) return this.ownPos;
    const p = this.lseekHost(0, SEEK_CUR);
    return Math.max(p, 0);
  }
  set pos(p: number) {
    if (this.sharesHostOffset) this.lseekHost(p, SEEK_SET);
    else this.ownPos = p;
  }

  private lseekHost(offset: number, whence: number): number {
    this.hostSeek ??= hostLseek(this.fd);
    return this.hostSeek(offset, whence);
  }

  override get hostFd(): number {
    return this.fd;
  }

  override read(len: number): ReadResult {
    if (this.isDir) return -EISDIR;
    const buf = new Uint8Array(Math.min(len, MAX_IO));
    try {
      if (this.sharesHostOffset) return buf.subarray(0, readSync(this.fd, buf, 0, buf.length, null));
      const n = this.positional
        ? readSync(this.fd, buf, 0, buf.length, this.ownPos)
        : retryAgain(() => readSync(this.fd, buf, 0, buf.length, null));
      if (this.positional) this.ownPos += n;
      return buf.subarray(0, n);
    } catch (e) {
      return hostErrno(e);
    }
  }

  override write(data: Uint8Array): WriteResult {
    if (this.isDir) return -EISDIR;
    try {
      if (this.sharesHostOffset) {
        // O_APPEND set by the guest's fcntl is not the host's: go to the end as append would
        if (this.flags & O_APPEND) this.lseekHost(0, SEEK_END);
        return writeSync(this.fd, data, 0, data.length, null);
      }
      if (!this.positional) return retryAgain(() => writeAll(this.fd, data));
      if (this.flags & O_APPEND) {
        const n = writeSync(this.fd, data, 0, data.length, null);
        this.ownPos = Number(fstatSync(this.fd, { bigint: true }).size);
        return n;
      }
      const n = writeSync(this.fd, data, 0, data.length, this.ownPos);
      this.ownPos += n;
      return n;
    } catch (e) {
      return hostErrno(e);
    }
  }

  override pread(len: number, offset: number): Uint8Array | number {
    if (this.isDir) return -EISDIR;
    if (!this.positional) return -ESPIPE;
    const buf = new Uint8Array(Math.min(len, MAX_IO));
    try {
      return buf.subarray(0, readSync(this.fd, buf, 0, buf.length, offset));
    } catch (e) {
      return hostErrno(e);
    }
  }

  override pwrite(data: Uint8Array, offset: number): number {
    if (this.isDir) return -EISDIR;
    if (!this.positional) return -ESPIPE;
    try {
      return writeSync(this.fd, data, 0, data.length, offset);
    } catch (e) {
      return hostErrno(e);
    }
  }

  override seek(offset: number, whence: number): number {
    if (!this.positional) return seeksToZero(this.fd) ? 0 : -ESPIPE;
    if (this.sharesHostOffset && whence !== SEEK_DATA && whence !== SEEK_HOLE) {
      return this.lseekHost(offset, whence);
    }
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = this.pos;
    else if (whence === SEEK_END || whence === SEEK_DATA || whence === SEEK_HOLE) {
      const st = this.stat();
      if (typeof st === "number") return st;
      const size = Number(st.size);
      if (whence === SEEK_DATA || whence === SEEK_HOLE) {
        // One data extent covering the whole file: data at offset, the hole at its end.
        if (offset < 0 || offset >= size) return -6; // ENXIO
        this.pos = whence === SEEK_DATA ? offset : size;
        return this.pos;
      }
      base = size;
    } else return -EINVAL;
    const p = base + offset;
    if (p < 0 || !Number.isSafeInteger(p)) return -EINVAL;
    if (this.isDir && p === 0) this.entries = undefined;
    this.pos = p;
    return p;
  }

  override stat(): StatInfo | number {
    try {
      return statFromHost(fstatSync(this.fd, { bigint: true }));
    } catch (e) {
      return hostErrno(e);
    }
  }

  override isatty(): boolean {
    return hostIsatty(this.fd);
  }

  override truncate(length: number): number {
    try {
      ftruncateSync(this.fd, length);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  }

  override sync(): number {
    try {
      fsyncSync(this.fd);
      return 0;
    } catch {
      return 0;
    }
  }

  override getdents(max: number): Uint8Array | number {
    if (!this.isDir || this.hostPath === undefined) return -20; // ENOTDIR
    if (this.entries === undefined) {
      try {
        this.entries = listDirectory(this.hostPath);
      } catch (e) {
        return hostErrno(e);
      }
    }
    const out: Uint8Array[] = [];
    let used = 0;
    while (this.pos < this.entries.length) {
      const e = this.entries[this.pos]!;
      const name = new TextEncoder().encode(e.name);
      const reclen = Math.ceil((19 + name.length + 1) / 8) * 8;
      if (used + reclen > max) {
        if (used === 0) return -EINVAL;
        break;
      }
      const s = new Struct(reclen);
      s.u64(0, e.ino)
        .u64(8, this.pos + 1)
        .u16(16, reclen)
        .u8(18, e.type);
      s.bytes.set(name, 19);
      out.push(s.bytes);
      used += reclen;
      this.pos++;
    }
    const all = new Uint8Array(used);
    let at = 0;
    for (const b of out) {
      all.set(b, at);
      at += b.length;
    }
    return all;
  }

  override release(): void {
    if (!this.owned) return;
    try {
      closeSync(this.fd);
    } catch {
      // already gone; nothing the guest can observe
    }
  }
}

function writeAll(fd: number, data: Uint8Array): number {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, null);
  return done;
}

function direntType(st: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isDirectory(): boolean;
  isBlockDevice(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
  isSocket(): boolean;
}): number {
  if (st.isDirectory()) return DT_DIR;
  if (st.isFile()) return DT_REG;
  if (st.isSymbolicLink()) return DT_LNK;
  if (st.isFIFO()) return DT_FIFO;
  if (st.isCharacterDevice()) return DT_CHR;
  if (st.isBlockDevice()) return DT_BLK;
  if (st.isSocket()) return DT_SOCK;
  return DT_UNKNOWN;
}

function listDirectory(hostPath: string): DirEntry[] {
  const self = statSync(hostPath, { bigint: true });
  const parent = statSync(`${hostPath}/..`, { bigint: true });
  const out: DirEntry[] = [
    { name: ".", ino: self.ino, type: DT_DIR },
    { name: "..", ino: parent.ino, type: DT_DIR },
  ];
  for (const d of readdirSync(hostPath, { withFileTypes: true })) {
    let ino = 0n;
    try {
      ino = lstatSync(`${hostPath}/${d.name}`, { bigint: true }).ino;
    } catch {
      // vanished meanwhile
    }
    out.push({ name: d.name, ino, type: direntType(d) });
  }
  return out;
}

/** One end of an in-process pipe. */
export class PipeEnd extends OpenFile {
  constructor(
    readonly pipe: Pipe,
    readonly writeEnd: boolean,
    flags: number,
  ) {
    super((flags & ~O_ACCMODE) | (writeEnd ? O_WRONLY : O_RDONLY), `pipe:[${pipe.id}]`);
    if (writeEnd) pipe.writers++;
    else pipe.readers++;
  }

  override read(len: number): ReadResult {
    if (this.writeEnd) return -EBADF;
    if (len === 0) return new Uint8Array(0);
    const p = this.pipe;
    if (p.size > 0) return p.take(len);
    if (p.writers === 0) return new Uint8Array(0);
    if (this.nonblocking) return -EAGAIN;
    return new WouldBlock(
      `read from ${this.path}`,
      () => p.size > 0 || p.writers === 0,
      undefined,
      0,
      undefined,
      true,
    );
  }

  override write(data: Uint8Array): WriteResult {
    if (!this.writeEnd) return -EBADF;
    const p = this.pipe;
    if (p.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    // Writes of at most PIPE_BUF bytes are atomic: wait for room for all of them.
    const need = data.length <= PIPE_BUF ? data.length : 1;
    if (p.space < need) {
      if (this.nonblocking) return -EAGAIN;
      return new WouldBlock(
        `write to ${this.path}`,
        () => p.space >= need || p.readers === 0,
        undefined,
        0,
        undefined,
        true,
      );
    }
    const n = Math.min(p.space, data.length);
    p.put(data.subarray(0, n));
    return n;
  }

  override stat(): StatInfo {
    return syntheticStat(S_IFIFO | 0o600, this.pipe.id);
  }

  override release(): void {
    this.pipe.endClosed(this.writeEnd);
  }
}

/** A read-only file whose contents hartscope makes up (/proc/self/maps, /sys/.../online). */
export class MemoryFile extends OpenFile {
  pos = 0;
  constructor(
    readonly content: Uint8Array,
    path: string,
    private readonly ino: number,
  ) {
    super(O_RDONLY, path);
  }
  override read(len: number): ReadResult {
    const b = this.content.subarray(this.pos, this.pos + len);
    this.pos += b.length;
    return b.slice();
  }
  override write(): WriteResult {
    return -EBADF;
  }
  override pread(len: number, offset: number): Uint8Array | number {
    return this.content.slice(offset, offset + len);
  }
  override seek(offset: number, whence: number): number {
    const base =
      whence === SEEK_SET
        ? 0
        : whence === SEEK_CUR
          ? this.pos
          : whence === SEEK_END
            ? this.content.length
            : -1;
    if (base < 0 || base + offset < 0) return -EINVAL;
    this.pos = base + offset;
    return this.pos;
  }
  override stat(): StatInfo {
    return syntheticStat(S_IFREG | 0o444, this.ino, this.content.length);
  }
}

/** /dev/urandom and /dev/random: the seeded generator, so runs are reproducible. */
export class RandomDevice extends OpenFile {
  constructor(
    private readonly prng: Prng,
    flags: number,
    path: string,
  ) {
    super(flags, path);
  }
  override read(len: number): ReadResult {
    return this.prng.bytes(Math.min(len, MAX_IO));
  }
  override write(data: Uint8Array): WriteResult {
    return data.length;
  }
  override stat(): StatInfo {
    return syntheticStat(S_IFCHR | 0o666, 0x7e57, 0, this.path.endsWith("/random") ? 0x108n : 0x109n);
  }
}

/** An O_PATH descriptor: names a file without opening it (fstat, *at() base). */
export class PathFile extends OpenFile {
  constructor(
    readonly hostPath: string,
    flags: number,
    path: string,
  ) {
    super(flags, path);
  }
  override read(): ReadResult {
    return -EBADF;
  }
  override write(): WriteResult {
    return -EBADF;
  }
  override stat(): StatInfo | number {
    try {
      return statFromHost(lstatSync(this.hostPath, { bigint: true }));
    } catch (e) {
      return hostErrno(e);
    }
  }
}

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

export const MAX_FDS = 1024;

/** The descriptor table (shared by all threads: CLONE_FILES). */
export class FdTable {
  private readonly slots: (Slot | undefined)[] = [];

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.slots[fd]?.file : undefined;
  }

  cloexec(fd: number): boolean | undefined {
    return fd >= 0 ? this.slots[fd]?.cloexec : undefined;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.slots[fd];
    if (s) s.cloexec = on;
  }

  /** Install at the lowest free descriptor >= min; -EMFILE when the table is full. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    let fd = min;
    while (fd < MAX_FDS && this.slots[fd] !== undefined) fd++;
    if (fd >= MAX_FDS) return -EMFILE;
    this.installAt(fd, file, cloexec);
    return fd;
  }

  /** Install at exactly fd, closing what was there (dup2/dup3). */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    file.refs++;
    const old = this.slots[fd];
    this.slots[fd] = { file, cloexec };
    if (old) this.drop(old.file);
  }

  /** fork: a table of its own whose descriptors refer to the same open file descriptions. */
  copy(): FdTable {
    const c = new FdTable();
    this.slots.forEach((s, fd) => {
      if (s) c.installAt(fd, s.file, s.cloexec);
    });
    return c;
  }

  /** execve: descriptors with FD_CLOEXEC close. */
  closeOnExec(): void {
    this.slots.forEach((s, fd) => {
      if (s?.cloexec) this.close(fd);
    });
  }

  close(fd: number): number {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) return -EBADF;
    this.slots[fd] = undefined;
    this.drop(s.file);
    return 0;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd]) this.close(fd);
  }

  /** Descriptors in use, ascending. */
  open(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, fd) => {
      if (s) out.push(fd);
    });
    return out;
  }

  private drop(file: OpenFile): void {
    if (--file.refs === 0) file.release();
  }
}
