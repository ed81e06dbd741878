// Sockets: AF_UNIX pairs from socketpair(2) (fds/unix-socket.ts) and the calls that move data
// through them. socket(2) of any family answers EAFNOSUPPORT for now: no host network.

import { statSync, writeFileSync } from "node:fs";
import { EAGAIN, EBADF, EINVAL, ENOENT, ENOTSOCK, EOPNOTSUPP, EPIPE, hostErrno } from "../errno.js";
import { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, UnixSocket } from "../fds/unix-socket.js";
import { WouldBlock } from "../files.js";
import { O_CLOEXEC, O_NONBLOCK } from "../open-flags.js";
import { sendToThread } from "../signal-delivery.js";
import { SI_KERNEL, SIGPIPE } from "../signals.js";
import type { Handler, Sys } from "./context.js";

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const EAFNOSUPPORT = 97;
const ESOCKTNOSUPPORT = 94;
const EPROTONOSUPPORT = 93;
const EISCONN = 106;
const EADDRINUSE = 98;
const ECONNREFUSED = 111;
const EPROTOTYPE = 91;
/** sizeof(struct sockaddr_un): the family and 108 bytes of path */
const SOCKADDR_UN_SIZE = 110;
// socket(2): the type argument's flags (asm-generic: SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC)
const SOCK_TYPE_MASK = 0xf;
// send(2)/recv(2) flags
const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
/** Reads larger than this return short, as read(2) does. */
const MAX_IO = 1 << 24;

function socketOf(c: Sys, fd: number): UnixSocket | number {
  const f = c.p.fds.get(fd);
  if (!f) return -EBADF;
  return f instanceof UnixSocket ? f : -ENOTSOCK;
}

function sendData(c: Sys, s: UnixSocket, data: Uint8Array, flags: number): number | WouldBlock {
  const r = s.send(data, (flags & MSG_DONTWAIT) !== 0);
  // send(2): EPIPE also raises SIGPIPE unless MSG_NOSIGNAL
  if (r === -EPIPE && !(flags & MSG_NOSIGNAL)) sendToThread(c.p, c.t, { signo: SIGPIPE, code: SI_KERNEL });
  return r;
}

/** Bound names of a run's processes, per kernel: host path and inode, or "@" and an abstract name. */
const boundNames = new WeakMap<object, Map<string, UnixSocket>>();

function namesOf(c: Sys): Map<string, UnixSocket> {
  let m = boundNames.get(c.p.kernel);
  if (!m) {
    m = new Map();
    boundNames.set(c.p.kernel, m);
  }
  return m;
}

/** A bound socket some descriptor still refers to. */
function live(s: UnixSocket | undefined): s is UnixSocket {
  return s !== undefined && s.refs > 0;
}

/** sockaddr_un (unix(7)): a path up to its NUL, or a leading NUL and an abstract name of the rest. */
function unixAddress(
  c: Sys,
  addr: number,
  len: number,
  binding: boolean,
): { path?: string; abstract?: string } | number {
  if (len < 2 || len > SOCKADDR_UN_SIZE) return -EINVAL;
  const b = c.mem.read(addr, len);
  if ((b[0]! | (b[1]! << 8)) !== AF_UNIX) return binding ? -EINVAL : -EAFNOSUPPORT;
  // a bare family would ask for an automatic abstract name: not made
  if (len === 2) return -EINVAL;
  if (b[2] === 0) return { abstract: `@${Buffer.from(b.subarray(3)).toString("latin1")}` };
  const end = b.indexOf(0, 2);
  return { path: Buffer.from(b.subarray(2, end < 0 ? len : end)).toString("utf8") };
}

function accept(c: Sys, flags: number): number | WouldBlock {
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  const s = socketOf(c, c.int(0));
  if (typeof s === "number") return s;
  if (s.state !== "listening") return -EINVAL;
  const conn = s.pending.shift();
  if (!conn) {
    if (s.nonblocking) return -EAGAIN;
    return new WouldBlock(`accept on ${s.path}`, () => s.pending.length > 0, undefined, 0, undefined, true);
  }
  conn.flags |= flags & O_NONBLOCK;
  const fd = c.p.fds.install(conn, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) {
    conn.release();
    return fd;
  }
  // the client has no name: only the family, *addrlen = 2
  const addr = c.ulong(1);
  const lenAddr = c.ulong(2);
  if (addr !== 0 && lenAddr !== 0) {
    const room = c.mem.read(lenAddr, 4);
    const n = room[0]! | (room[1]! << 8) | (room[2]! << 16) | (room[3]! << 24);
    if (n >= 2) c.mem.write(addr, new Uint8Array([AF_UNIX, 0]));
    c.mem.write(lenAddr, new Uint8Array([2, 0, 0, 0]));
  }
  return fd;
}

export const socketSyscalls: Record<string, Handler> = {
  socket(c) {
    const domain = c.int(0);
    const type = c.int(1) & SOCK_TYPE_MASK;
    if (domain !== AF_UNIX) return -EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
    if (c.int(2) !== 0 && c.int(2) !== AF_UNIX) return -EPROTONOSUPPORT;
    const typeArg = c.int(1);
    return c.p.fds.install(UnixSocket.unconnected(type, typeArg & O_NONBLOCK), (typeArg & O_CLOEXEC) !== 0);
  },

  bind(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    const a = unixAddress(c, c.ulong(1), c.int(2), true);
    if (typeof a === "number") return a;
    if (s.boundTo !== undefined || s.type === SOCK_DGRAM)
      return s.boundTo !== undefined ? -EINVAL : -EOPNOTSUPP;
    const names = namesOf(c);
    let key = a.abstract;
    if (key === undefined) {
      // like mknod: a name already there, even a dangling symlink, is EADDRINUSE (unix(7))
      const r = c.p.fs.resolve(c.p.fs.cwd, a.path!, false);
      if (typeof r === "number") return r;
      if (r.stat) return -EADDRINUSE;
      try {
        writeFileSync(r.host, "", { flag: "wx", mode: 0o755 });
        key = `${r.host}\0${statSync(r.host).ino}`;
      } catch (e) {
        return hostErrno(e);
      }
    } else if (live(names.get(key))) return -EADDRINUSE;
    names.set(key, s);
    s.boundTo = key;
    return 0;
  },

  listen(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
    if (s.boundTo === undefined || s.state === "connected") return -EINVAL;
    s.state = "listening";
    return 0;
  },

  connect(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    const a = unixAddress(c, c.ulong(1), c.int(2), false);
    if (typeof a === "number") return a;
    if (s.state === "connected") return -EISCONN;
    if (s.state === "listening" || s.type === SOCK_DGRAM) return -EINVAL;
    let key = a.abstract;
    if (key === undefined) {
      const r = c.p.fs.resolve(c.p.fs.cwd, a.path!, true);
      if (typeof r === "number") return r;
      if (!r.stat) return -ENOENT;
      key = `${r.host}\0${r.stat.ino}`;
    }
    const l = namesOf(c).get(key);
    if (!live(l) || l.state !== "listening") return -ECONNREFUSED;
    if (l.type !== s.type) return -EPROTOTYPE;
    s.connectTo(l);
    return 0;
  },

  accept(c) {
    return accept(c, 0);
  },

  accept4(c) {
    return accept(c, c.int(3));
  },

  socketpair(c) {
    const domain = c.int(0);
    const typeArg = c.int(1);
    const protocol = c.int(2);
    const type = typeArg & SOCK_TYPE_MASK;
    if (typeArg & ~(SOCK_TYPE_MASK | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    // Internet sockets exist in Linux but cannot be paired
    if (domain === AF_INET || domain === AF_INET6) return -EOPNOTSUPP;
    if (domain !== AF_UNIX) return -EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
    // unix(7): protocol 0 or PF_UNIX
    if (protocol !== 0 && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
    const [a, b] = UnixSocket.pair(type, typeArg & O_NONBLOCK);
    const cloexec = (typeArg & O_CLOEXEC) !== 0;
    const fa = c.p.fds.install(a, cloexec);
    if (fa < 0) {
      a.release();
      b.release();
      return fa;
    }
    const fb = c.p.fds.install(b, cloexec);
    if (fb < 0) {
      c.p.fds.close(fa);
      b.release();
      return fb;
    }
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer);
    v.setInt32(0, fa, true);
    v.setInt32(4, fb, true);
    c.mem.write(c.ulong(3), out);
    return 0;
  },

  shutdown(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    const how = c.int(1);
    if (how < 0 || how > 2) return -EINVAL;
    s.shutdown(how);
    return 0;
  },

  sendto(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    // a connected socket given an address: EISCONN (unix(7) pairs are always connected)
    if (c.ulong(4) !== 0 && s.type !== SOCK_DGRAM) return -EISCONN;
    const len = Math.min(c.ulong(2), MAX_IO);
    return sendData(c, s, c.mem.read(c.ulong(1), len), c.int(3));
  },

  recvfrom(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    const buf = c.ulong(1);
    const len = Math.min(c.ulong(2), MAX_IO);
    const flags = c.int(3);
    const whole = s.boundaries && flags & MSG_TRUNC ? s.rx.msgs[0]?.length : undefined;
    const r = s.receive(len, (flags & MSG_DONTWAIT) !== 0, (flags & MSG_PEEK) !== 0);
    if (typeof r === "number" || r instanceof WouldBlock) return r;
    c.mem.write(buf, r);
    // the peer of a pair has no name: *addrlen = 0 (Linux's unix_getname for an unbound peer)
    const lenAddr = c.ulong(5);
    if (c.ulong(4) !== 0 && lenAddr !== 0) c.mem.write(lenAddr, new Uint8Array(4));
    return whole ?? r.length;
  },
};
