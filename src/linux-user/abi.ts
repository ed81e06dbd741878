// Encoders for the kernel structures riscv64 syscalls exchange (LP64, little-endian,
// include/uapi/asm-generic/stat.h, linux/stat.h, linux/time_types.h).

import type { BigIntStats } from "node:fs";

/** A little-endian struct being built. */
export class Struct {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(off: number, v: number): this {
    this.view.setUint8(off, v);
    return this;
  }
  u16(off: number, v: number): this {
    this.view.setUint16(off, v, true);
    return this;
  }
  u32(off: number, v: number): this {
    this.view.setUint32(off, v >>> 0, true);
    return this;
  }
  i32(off: number, v: number): this {
    this.view.setInt32(off, v | 0, true);
    return this;
  }
  /** 64-bit field from a number (two's complement if negative) or bigint. */
  u64(off: number, v: number | bigint): this {
    this.view.setBigUint64(off, BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v))), true);
    return this;
  }
  str(off: number, s: string, max: number): this {
    const b = new TextEncoder().encode(s).subarray(0, max - 1);
    this.bytes.set(b, off);
    return this;
  }
}

export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** What stat/statx report, independent of where it came from (host file, pipe, virtual file). */
export interface StatInfo {
  dev: bigint;
  ino: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: bigint;
  size: bigint;
  blksize: number;
  blocks: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;
}

export function statFromHost(st: BigIntStats): StatInfo {
  return {
    dev: st.dev,
    ino: st.ino,
    mode: Number(st.mode),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    rdev: st.rdev,
    size: st.size,
    blksize: Number(st.blksize),
    blocks: st.blocks,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    birthtimeNs: st.birthtimeNs,
  };
}

/** A stat for something with no host file behind it (pipe, virtual file). */
export function syntheticStat(mode: number, ino: number, size = 0, rdev = 0n, timeNs = 0n): StatInfo {
  return {
    dev: 0x10n,
    ino: BigInt(ino),
    mode,
    nlink: 1,
    uid: hostUid(),
    gid: hostGid(),
    rdev,
    size: BigInt(size),
    blksize: 4096,
    blocks: BigInt(Math.ceil(size / 512)),
    atimeNs: timeNs,
    mtimeNs: timeNs,
    ctimeNs: timeNs,
    birthtimeNs: timeNs,
  };
}

export const hostUid = (): number => process.getuid?.() ?? 0;
export const hostGid = (): number => process.getgid?.() ?? 0;

const NS = 1_000_000_000n;
const sec = (ns: bigint) => (ns >= 0n ? ns / NS : -((-ns + NS - 1n) / NS));
const nsec = (ns: bigint) => ns - sec(ns) * NS;

/** struct stat (asm-generic, 128 bytes), as fstat and newfstatat return it. */
export function encodeStat(st: StatInfo): Uint8Array {
  const s = new Struct(128);
  s.u64(0, st.dev).u64(8, st.ino).u32(16, st.mode).u32(20, st.nlink).u32(24, st.uid).u32(28, st.gid);
  s.u64(32, st.rdev).u64(48, st.size).i32(56, st.blksize).u64(64, st.blocks);
  s.u64(72, sec(st.atimeNs)).u64(80, nsec(st.atimeNs));
  s.u64(88, sec(st.mtimeNs)).u64(96, nsec(st.mtimeNs));
  s.u64(104, sec(st.ctimeNs)).u64(112, nsec(st.ctimeNs));
  return s.bytes;
}

export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;

/** Linux dev_t encoding, split into major and minor (glibc's gnu_dev_major/minor). */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xffffffffn));
}
export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn & 0xffffffffn));
}

/** struct statx (256 bytes). */
export function encodeStatx(st: StatInfo): Uint8Array {
  const s = new Struct(256);
  s.u32(0, STATX_BASIC_STATS | STATX_BTIME)
    .u32(4, st.blksize)
    .u64(8, 0);
  s.u32(16, st.nlink)
    .u32(20, st.uid)
    .u32(24, st.gid)
    .u16(28, st.mode & 0xffff);
  s.u64(32, st.ino).u64(40, st.size).u64(48, st.blocks).u64(56, 0);
  const ts = (off: number, ns: bigint) => s.u64(off, sec(ns)).u32(off + 8, Number(nsec(ns)));
  ts(64, st.atimeNs);
  ts(80, st.birthtimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  s.u32(128, devMajor(st.rdev)).u32(132, devMinor(st.rdev));
  s.u32(136, devMajor(st.dev)).u32(140, devMinor(st.dev));
  return s.bytes;
}

/** struct timespec / __kernel_timespec: { s64 tv_sec; long tv_nsec }. */
export function encodeTimespec(ns: bigint): Uint8Array {
  return new Struct(16).u64(0, sec(ns)).u64(8, nsec(ns)).bytes;
}

/** struct timeval: { long tv_sec; long tv_usec }. */
export function encodeTimeval(ns: bigint): Uint8Array {
  return new Struct(16).u64(0, sec(ns)).u64(8, nsec(ns) / 1000n).bytes;
}

/** Decode a timespec; undefined if tv_nsec is out of range (the caller returns EINVAL). */
export function decodeTimespec(b: Uint8Array): bigint | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const s = v.getBigInt64(0, true);
  const n = v.getBigInt64(8, true);
  if (n < 0n || n >= NS) return undefined;
  return s * NS + n;
}
