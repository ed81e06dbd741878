// sendmsg(2)/recvmsg(2)'s struct msghdr, its iovecs and its control messages (cmsg(3), unix(7)
// SCM_RIGHTS and SCM_CREDENTIALS), in riscv64's LP64 layout, with the rules of Linux's
// net/core/scm.c: which control data a send accepts, and how a receive fills a control buffer
// that may be too small (MSG_CTRUNC).

import { EBADF, EINVAL, EPERM, ESRCH } from "../errno.js";
import { type Credentials, callerCredentials, dropFile } from "../fds/unix-socket.js";
import type { OpenFile } from "../files.js";
import type { Sys } from "./context.js";

export const SOL_SOCKET = 1;
export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_CMSG_CLOEXEC = 0x40000000;

const EMSGSIZE = 90;
const ENOBUFS = 105;
/** sizeof(struct msghdr) */
export const MSGHDR_SIZE = 56;
/** sizeof(struct cmsghdr): cmsg_len (size_t), cmsg_level, cmsg_type */
const CMSG_HDR = 16;
/** Descriptors one SCM_RIGHTS message may carry (include/net/scm.h SCM_MAX_FD). */
const SCM_MAX_FD = 253;
/** iovecs one call may give (UIO_MAXIOV) */
const UIO_MAXIOV = 1024;
/** Bytes one call moves at most, as read(2) (a longer request returns short). */
const MAX_IO = 1 << 24;
/** overflowuid/overflowgid: what an id with no mapping reads as */
const OVERFLOW_ID = 65534;

const cmsgAlign = (n: number) => (n + 7) & ~7;

/** struct msghdr's fields (addresses and lengths). */
export interface MsgHdr {
  name: number;
  namelen: number;
  iov: number;
  iovlen: number;
  control: number;
  controllen: number;
}

export function readMsgHdr(c: Sys, addr: number): MsgHdr {
  const m = c.mem;
  return {
    name: m.readU64(addr),
    namelen: m.readU32(addr + 8) | 0,
    iov: m.readU64(addr + 16),
    iovlen: m.readU64(addr + 24),
    control: m.readU64(addr + 32),
    controllen: m.readU64(addr + 40),
  };
}

/** The iovecs as (base, length) pairs, or -errno (more than UIO_MAXIOV, a negative length). */
export function readIovecs(c: Sys, iov: number, iovlen: number): [number, number][] | number {
  if (iovlen > UIO_MAXIOV) return -EMSGSIZE;
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < iovlen; i++) {
    const base = c.mem.readU64(iov + 16 * i);
    const len = c.mem.readU64(iov + 16 * i + 8);
    if (len >= 2 ** 63) return -EINVAL;
    // past MAX_IO the rest is left out (a short transfer)
    const n = Math.min(len, MAX_IO - total);
    if (n > 0) out.push([base, n]);
    total += n;
  }
  return out;
}

export function gather(c: Sys, vecs: [number, number][]): Uint8Array {
  const total = vecs.reduce((s, [, n]) => s + n, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const [base, n] of vecs) {
    out.set(c.mem.read(base, n), at);
    at += n;
  }
  return out;
}

export function scatter(c: Sys, vecs: [number, number][], data: Uint8Array): void {
  let at = 0;
  for (const [base, n] of vecs) {
    if (at >= data.length) break;
    const k = Math.min(n, data.length - at);
    c.mem.write(base, data.subarray(at, at + k));
    at += k;
  }
}

export function totalLength(vecs: [number, number][]): number {
  return vecs.reduce((s, [, n]) => s + n, 0);
}

/** What a send's control data asks for. */
export interface SendControl {
  files?: OpenFile[];
  creds?: Credentials;
}

/**
 * A send's control messages, as __scm_send: each must fit the buffer (EINVAL), levels other
 * than SOL_SOCKET are skipped, SCM_RIGHTS names open descriptors (EBADF; at most 253 in all,
 * EINVAL), SCM_CREDENTIALS must be the sender's own unless it is root (EPERM; ESRCH for a pid
 * that is not there), and other types are EINVAL.
 */
export function parseControl(c: Sys, control: number, controllen: number): SendControl | number {
  if (controllen === 0) return {};
  if (controllen > 0x7fffffff) return -ENOBUFS;
  const b = c.mem.read(control, controllen);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: SendControl = {};
  for (let off = 0; off + CMSG_HDR <= controllen; ) {
    const len = v.getUint32(off, true) + v.getUint32(off + 4, true) * 2 ** 32;
    if (len < CMSG_HDR || len > controllen - off) return -EINVAL;
    const level = v.getInt32(off + 8, true);
    const type = v.getInt32(off + 12, true);
    if (level === SOL_SOCKET) {
      if (type === SCM_RIGHTS) {
        const n = Math.floor((len - CMSG_HDR) / 4);
        const files = out.files ?? [];
        if (n > SCM_MAX_FD || files.length + n > SCM_MAX_FD) return -EINVAL;
        for (let i = 0; i < n; i++) {
          const f = c.p.fds.get(v.getInt32(off + CMSG_HDR + 4 * i, true));
          if (!f) return -EBADF;
          files.push(f);
        }
        if (files.length > 0) out.files = files;
      } else if (type === SCM_CREDENTIALS) {
        if (len !== CMSG_HDR + 12) return -EINVAL;
        const creds = {
          pid: v.getInt32(off + CMSG_HDR, true),
          uid: v.getUint32(off + CMSG_HDR + 4, true),
          gid: v.getUint32(off + CMSG_HDR + 8, true),
        };
        const e = checkCredentials(c, creds);
        if (e) return e;
        out.creds = creds;
      } else return -EINVAL;
    }
    off += cmsgAlign(len);
  }
  return out;
}

/** scm_check_creds: one's own pid and ids, or any (of a live process) for root. */
function checkCredentials(c: Sys, creds: Credentials): number {
  const me = callerCredentials();
  const root = c.p.uid === 0;
  if (!root && (creds.pid !== me.pid || creds.uid !== me.uid || creds.gid !== me.gid)) return -EPERM;
  if (creds.pid !== me.pid && !c.p.kernel.processes.has(creds.pid)) return -ESRCH;
  return 0;
}

/**
 * A receive's control buffer, filled as Linux's put_cmsg and scm_detach_fds: a message that
 * does not fit is cut (MSG_CTRUNC), descriptors that do not fit are closed.
 */
export class ControlWriter {
  flags = 0;
  private at: number;
  private room: number;

  constructor(
    private readonly c: Sys,
    private readonly start: number,
    controllen: number,
    private readonly cloexec: boolean,
  ) {
    this.at = start;
    this.room = start === 0 ? 0 : controllen;
  }

  /** bytes written (recvmsg's msg_controllen) */
  get used(): number {
    return this.at - this.start;
  }

  private header(len: number, level: number, type: number): Uint8Array {
    const h = new Uint8Array(CMSG_HDR);
    const v = new DataView(h.buffer);
    v.setUint32(0, len, true);
    v.setInt32(8, level, true);
    v.setInt32(12, type, true);
    return h;
  }

  private advance(space: number): void {
    const n = Math.min(space, this.room);
    this.at += n;
    this.room -= n;
  }

  /** put_cmsg */
  put(level: number, type: number, data: Uint8Array): void {
    if (this.room < CMSG_HDR) {
      this.flags |= MSG_CTRUNC;
      return;
    }
    let len = CMSG_HDR + data.length;
    if (this.room < len) {
      this.flags |= MSG_CTRUNC;
      len = this.room;
    }
    const out = new Uint8Array(len);
    out.set(this.header(len, level, type));
    out.set(data.subarray(0, len - CMSG_HDR), CMSG_HDR);
    this.c.mem.write(this.at, out);
    this.advance(CMSG_HDR + cmsgAlign(data.length));
  }

  /** SCM_CREDENTIALS of a segment; one that carried none reads as pid 0 and the overflow ids. */
  credentials(creds: Credentials | undefined): void {
    const d = new DataView(new ArrayBuffer(12));
    d.setInt32(0, creds?.pid ?? 0, true);
    d.setUint32(4, creds?.uid ?? OVERFLOW_ID, true);
    d.setUint32(8, creds?.gid ?? OVERFLOW_ID, true);
    this.put(SOL_SOCKET, SCM_CREDENTIALS, new Uint8Array(d.buffer));
  }

  /**
   * scm_detach_fds: as many descriptors as the room holds become new descriptors of the
   * receiver; the others are closed. `inFlight` says the files' references are ours to drop
   * (a receive; a peek leaves them with the queued message).
   */
  files(files: OpenFile[], inFlight: boolean): void {
    const fit = this.room <= CMSG_HDR ? 0 : Math.min(Math.floor((this.room - CMSG_HDR) / 4), files.length);
    const fds: number[] = [];
    for (let i = 0; i < fit; i++) {
      const fd = this.c.p.fds.install(files[i]!, this.cloexec);
      if (fd < 0) break;
      fds.push(fd);
    }
    if (fds.length > 0) {
      const len = CMSG_HDR + 4 * fds.length;
      const out = new Uint8Array(len);
      out.set(this.header(len, SOL_SOCKET, SCM_RIGHTS));
      const v = new DataView(out.buffer);
      for (let i = 0; i < fds.length; i++) v.setInt32(CMSG_HDR + 4 * i, fds[i]!, true);
      this.c.mem.write(this.at, out);
      this.advance(CMSG_HDR + cmsgAlign(4 * fds.length));
    }
    if (fds.length < files.length) this.flags |= MSG_CTRUNC;
    if (inFlight) for (const f of files) dropFile(f);
  }
}
