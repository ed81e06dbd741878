// Sockets: AF_UNIX (fds/unix-socket.ts) — socket, socketpair, bind, listen, connect, accept, the
// calls that move data (send/recv, sendto/recvfrom with names, sendmsg/recvmsg with control
// data, sendmmsg/recvmmsg), shutdown, names and options. Other families answer EAFNOSUPPORT:
// hartscope has no network (AF_INET and AF_INET6 say so once on stderr).

import { statSync, writeFileSync } from "node:fs";
import { EAGAIN, EBADF, EINVAL, ENOENT, ENOTSOCK, EOPNOTSUPP, EPIPE, hostErrno } from "../errno.js";
import {
  callerCredentials,
  dropFile,
  type Received,
  type SendExtras,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  UnixSocket,
} from "../fds/unix-socket.js";
import { WouldBlock } from "../files.js";
import { O_CLOEXEC, O_NONBLOCK } from "../open-flags.js";
import { sendToThread } from "../signal-delivery.js";
import { SI_KERNEL, SIGPIPE } from "../signals.js";
import type { Handler, Sys } from "./context.js";
import {
  ControlWriter,
  gather,
  MSG_CMSG_CLOEXEC,
  MSG_TRUNC,
  MSGHDR_SIZE,
  parseControl,
  readIovecs,
  readMsgHdr,
  scatter,
  totalLength,
} from "./socket-control.js";
import { getSocketOption, setSocketOption, socketTimeoutNs } from "./socket-options.js";

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const EAFNOSUPPORT = 97;
const ESOCKTNOSUPPORT = 94;
const EPROTONOSUPPORT = 93;
const EISCONN = 106;
const ENOTCONN = 107;
const EADDRINUSE = 98;
const ECONNREFUSED = 111;
const EPROTOTYPE = 91;
/** LinuxProcess.warnOnce key of the one "no network" warning (syscall numbers are the others) */
const WARNED_NO_NETWORK = -EAFNOSUPPORT;
/** sizeof(struct sockaddr_un): the family and 108 bytes of path */
const SOCKADDR_UN_SIZE = 110;
/** sizeof(struct sockaddr_storage): the longest address a call may pass */
const SOCKADDR_STORAGE_SIZE = 128;
// socket(2): the type argument's flags (asm-generic: SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC)
const SOCK_TYPE_MASK = 0xf;
// send(2)/recv(2) flags
const MSG_OOB = 0x1;
const MSG_PEEK = 0x2;
const MSG_DONTWAIT = 0x40;
const MSG_WAITALL = 0x100;
const MSG_NOSIGNAL = 0x4000;
const MSG_WAITFORONE = 0x10000;
/** Reads larger than this return short, as read(2) does. */
const MAX_IO = 1 << 24;

function socketOf(c: Sys, fd: number): UnixSocket | number {
  const f = c.p.fds.get(fd);
  if (!f) return -EBADF;
  return f instanceof UnixSocket ? f : -ENOTSOCK;
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
  return s !== undefined && s.refs > 0 && !s.released;
}

interface UnixAddress {
  path?: string;
  abstract?: string;
  /** the name as getsockname(2) gives it back (unix_mkname_bsd: the path to its NUL, and a NUL) */
  bytes: Uint8Array;
}

/** Automatic names given so far, per kernel (the next is one more). */
const autobound = new WeakMap<object, number>();

/**
 * unix_autobind: an abstract name of five hex digits (unix(7) "Autobind feature"), for a bind
 * of the family alone and for an unnamed socket with SO_PASSCRED that connects or sends.
 */
function autobind(c: Sys, s: UnixSocket): void {
  if (s.boundTo !== undefined) return;
  const names = namesOf(c);
  let n = autobound.get(c.p.kernel) ?? 0;
  let key: string;
  do {
    key = `@${(n++ & 0xfffff).toString(16).padStart(5, "0")}`;
  } while (live(names.get(key)));
  autobound.set(c.p.kernel, n);
  names.set(key, s);
  s.boundTo = key;
  s.name = new Uint8Array([AF_UNIX, 0, 0, ...Buffer.from(key.slice(1), "latin1")]);
}

/** sockaddr_un (unix(7)): a path up to its NUL, or a leading NUL and an abstract name of the rest. */
function unixAddress(c: Sys, addr: number, len: number): UnixAddress | number {
  if (len < 2 || len > SOCKADDR_UN_SIZE) return -EINVAL;
  const b = c.mem.read(addr, len);
  // unix_validate_addr: another family is EINVAL (qemu-riscv64 7.2 answers EAFNOSUPPORT)
  if ((b[0]! | (b[1]! << 8)) !== AF_UNIX) return -EINVAL;
  // a bare family would ask for an automatic abstract name: not made
  if (len === 2) return -EINVAL;
  if (b[2] === 0) return { abstract: `@${Buffer.from(b.subarray(3)).toString("latin1")}`, bytes: b.slice() };
  const nul = b.indexOf(0, 2);
  const end = nul < 0 ? len : nul;
  const bytes = new Uint8Array(end + 1);
  bytes.set(b.subarray(0, end));
  return { path: Buffer.from(b.subarray(2, end)).toString("utf8"), bytes };
}

/** The key a name is bound under, or -errno when a path leads nowhere (ENOENT and the like). */
function lookupKey(c: Sys, a: UnixAddress): string | number {
  if (a.abstract !== undefined) return a.abstract;
  const r = c.p.fs.resolve(c.p.fs.cwd, a.path!, true);
  if (typeof r === "number") return r;
  if (!r.stat) return -ENOENT;
  return `${r.host}\0${r.stat.ino}`;
}

/** The live socket of `type` bound to the address at addr (connect, sendto). */
function findNamed(c: Sys, addr: number, len: number, type: number): UnixSocket | number {
  const a = unixAddress(c, addr, len);
  if (typeof a === "number") return a;
  const key = lookupKey(c, a);
  if (typeof key === "number") return key;
  const s = namesOf(c).get(key);
  if (!live(s)) return -ECONNREFUSED;
  if (s.type !== type) return -EPROTOTYPE;
  return s;
}

/**
 * Write a socket name for the caller (getsockname, accept, recvfrom): as much as *addrlen
 * allows, and the full length into *addrlen. No name: only the family (len 2) when `unnamed`
 * is "family", nothing (len 0) when it is "none" (the sender of a message).
 */
function putName(
  c: Sys,
  addr: number,
  lenAddr: number,
  name: Uint8Array | undefined,
  unnamed: "family" | "none",
): number {
  if (addr === 0 || lenAddr === 0) return 0;
  const room = c.mem.readU32(lenAddr) | 0;
  if (room < 0) return -EINVAL;
  const bytes = name ?? (unnamed === "family" ? new Uint8Array([AF_UNIX, 0]) : new Uint8Array(0));
  if (bytes.length > 0 && room > 0) c.mem.write(addr, bytes.subarray(0, Math.min(room, bytes.length)));
  c.mem.writeU32(lenAddr, bytes.length);
  return 0;
}

function accept(c: Sys, flags: number): number | WouldBlock {
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  const s = socketOf(c, c.int(0));
  if (typeof s === "number") return s;
  if (s.state !== "listening") return -EINVAL;
  const conn = s.pending.shift();
  if (!conn) {
    if (s.nonblocking) return -EAGAIN;
    const wait = new WouldBlock(
      `accept on ${s.path}`,
      () => s.pending.length > 0,
      undefined,
      0,
      undefined,
      true,
    );
    return withTimeout(c, s, wait, true);
  }
  conn.flags |= flags & O_NONBLOCK;
  // unix_sock_inherit_flags: SO_PASSCRED passes from the listener to what it accepts
  conn.passcred = s.passcred;
  conn.embryo = false;
  const fd = c.p.fds.install(conn, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) {
    conn.release();
    return fd;
  }
  // the client's name, or only the family when it has none (*addrlen = 2)
  putName(c, c.ulong(1), c.ulong(2), conn.peer?.name, "family");
  return fd;
}

/** Whether a send's failure raises SIGPIPE: EPIPE without MSG_NOSIGNAL (send(2)). */
function sigpipe(c: Sys, r: number | WouldBlock, flags: number): number | WouldBlock {
  if (r === -EPIPE && !(flags & MSG_NOSIGNAL)) sendToThread(c.p, c.t, { signo: SIGPIPE, code: SI_KERNEL });
  return r;
}

/**
 * One send (send, sendto, sendmsg): `addr`/`addrLen` a destination (datagrams; a connected
 * stream refuses one with EISCONN, a seqpacket ignores it), `extras` its control data.
 */
function sendOne(
  c: Sys,
  s: UnixSocket,
  data: Uint8Array,
  flags: number,
  addr: number,
  addrLen: number,
  extras: SendExtras,
): number | WouldBlock {
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (addr !== 0 && addrLen !== 0) {
    if (addrLen > SOCKADDR_STORAGE_SIZE) return -EINVAL;
    if (s.type === SOCK_STREAM) return s.state === "connected" ? -EISCONN : -EOPNOTSUPP;
    if (s.type === SOCK_DGRAM) {
      const to = findNamed(c, addr, addrLen, SOCK_DGRAM);
      if (typeof to === "number") return to;
      extras = { ...extras, to };
    }
  }
  if (s.datagram && s.passcred) autobind(c, s);
  return sigpipe(c, withTimeout(c, s, s.send(data, (flags & MSG_DONTWAIT) !== 0, extras), false), flags);
}

/** One receive: the data and what came with it, or -errno, or a wait. */
function receiveOne(c: Sys, s: UnixSocket, len: number, flags: number): Received | number | WouldBlock {
  if (flags & MSG_OOB) return -EINVAL;
  const r = s.receive(
    Math.min(len, MAX_IO),
    (flags & MSG_DONTWAIT) !== 0,
    (flags & MSG_PEEK) !== 0,
    (flags & MSG_WAITALL) !== 0,
  );
  return withTimeout(c, s, r, true);
}

/**
 * A wait bounded by SO_RCVTIMEO (`receive`) or SO_SNDTIMEO: EAGAIN when it runs out, and a
 * signal ends it with EINTR even under SA_RESTART (signal(7), "Interruption of system calls").
 */
function withTimeout<T>(c: Sys, s: UnixSocket, r: T | WouldBlock, receive: boolean): T | WouldBlock {
  if (!(r instanceof WouldBlock)) return r;
  const ns = socketTimeoutNs(s, receive);
  if (ns === 0) return r;
  return new WouldBlock(r.what, r.ready, c.p.kernel.clock.monotonicNs() + ns, -EAGAIN);
}

/** What recv returns: the bytes, or the datagram's whole length with MSG_TRUNC. */
function receivedLength(s: UnixSocket, r: Received, flags: number): number {
  return s.boundaries && flags & MSG_TRUNC ? r.whole : r.data.length;
}

/** sendmsg of the msghdr at `msg`. */
function sendMsg(c: Sys, s: UnixSocket, msg: number, flags: number): number | WouldBlock {
  const h = readMsgHdr(c, msg);
  const vecs = readIovecs(c, h.iov, h.iovlen);
  if (typeof vecs === "number") return vecs;
  const ctl = parseControl(c, h.control, h.controllen);
  if (typeof ctl === "number") return ctl;
  return sendOne(c, s, gather(c, vecs), flags, h.name, h.namelen, ctl);
}

/** recvmsg into the msghdr at `msg`: data, the sender's name, control messages, msg_flags. */
/**
 * sendmmsg/recvmmsg over the mmsghdr vector (fd, vec, vlen): `one` for each message in turn, its
 * count into msg_len; the first may wait, the rest do not (MSG_DONTWAIT); it stops at the first
 * that fails or would wait once one went, and gives the count of those that went.
 */
function eachMessage(
  c: Sys,
  one: (c: Sys, s: UnixSocket, msg: number, flags: number) => number | WouldBlock,
  flags: number,
): number | WouldBlock {
  const s = socketOf(c, c.int(0));
  if (typeof s === "number") return s;
  const vec = c.ulong(1);
  const n = Math.min(c.uint(2), 1024);
  let done = 0;
  for (; done < n; done++) {
    const r = one(c, s, vec + done * (MSGHDR_SIZE + 8), done === 0 ? flags : flags | MSG_DONTWAIT);
    if (typeof r !== "number" || r < 0) {
      if (done === 0) return r;
      break;
    }
    c.mem.writeU32(vec + done * (MSGHDR_SIZE + 8) + MSGHDR_SIZE, r);
  }
  return done;
}

function recvMsg(c: Sys, s: UnixSocket, msg: number, flags: number): number | WouldBlock {
  const h = readMsgHdr(c, msg);
  const vecs = readIovecs(c, h.iov, h.iovlen);
  if (typeof vecs === "number") return vecs;
  const r = receiveOne(c, s, totalLength(vecs), flags);
  if (typeof r === "number" || r instanceof WouldBlock) return r;
  scatter(c, vecs, r.data);
  if (h.name !== 0) putName(c, h.name, msg + 8, r.from, "none");
  const w = new ControlWriter(c, h.control, h.controllen, (flags & MSG_CMSG_CLOEXEC) !== 0);
  // scm_recv: credentials first, then descriptors
  if (s.passcred) w.credentials(r.creds);
  if (r.files) w.files(r.files, (flags & MSG_PEEK) === 0);
  let msgFlags = (flags & MSG_CMSG_CLOEXEC) | w.flags;
  if (r.whole > r.data.length) msgFlags |= MSG_TRUNC;
  c.mem.writeU64(msg + 40, w.used);
  c.mem.writeU32(msg + 48, msgFlags);
  return receivedLength(s, r, flags);
}

function shutdownSocket(s: UnixSocket, how: number): number {
  if (how < 0 || how > 2) return -EINVAL;
  s.shutdown(how);
  return 0;
}

export const socketSyscalls: Record<string, Handler> = {
  socket(c) {
    const domain = c.int(0);
    const type = c.int(1) & SOCK_TYPE_MASK;
    if (domain === AF_INET || domain === AF_INET6) {
      // Linux gives such a socket even without a network; hartscope has none to give
      const name = domain === AF_INET ? "AF_INET" : "AF_INET6";
      c.p.warnOnce(WARNED_NO_NETWORK, `hartscope: socket(${name}): no network in hartscope, EAFNOSUPPORT`);
      return -EAFNOSUPPORT;
    }
    if (domain !== AF_UNIX) return -EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
    if (c.int(2) !== 0 && c.int(2) !== AF_UNIX) return -EPROTONOSUPPORT;
    const typeArg = c.int(1);
    return c.p.fds.install(UnixSocket.unconnected(type, typeArg & O_NONBLOCK), (typeArg & O_CLOEXEC) !== 0);
  },

  bind(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    if (c.int(2) === 2 && c.mem.read(c.ulong(1), 2)[0] === AF_UNIX && c.mem.read(c.ulong(1), 2)[1] === 0) {
      autobind(c, s);
      return 0;
    }
    const a = unixAddress(c, c.ulong(1), c.int(2));
    if (typeof a === "number") return a;
    const names = namesOf(c);
    let key = a.abstract;
    if (key === undefined) {
      // like mknod: a name already there, even a dangling symlink, is EADDRINUSE (unix(7));
      // Linux makes the node before it finds the socket bound already (EINVAL)
      const r = c.p.fs.resolve(c.p.fs.cwd, a.path!, false);
      if (typeof r === "number") return r;
      if (r.stat) return -EADDRINUSE;
      if (s.boundTo !== undefined) return -EINVAL;
      try {
        writeFileSync(r.host, "", { flag: "wx", mode: 0o755 });
        key = `${r.host}\0${statSync(r.host).ino}`;
      } catch (e) {
        return hostErrno(e);
      }
    } else if (s.boundTo !== undefined) return -EINVAL;
    else if (live(names.get(key))) return -EADDRINUSE;
    names.set(key, s);
    s.boundTo = key;
    s.name = a.bytes;
    return 0;
  },

  listen(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
    if (s.boundTo === undefined || s.state === "connected") return -EINVAL;
    s.state = "listening";
    // SO_PEERCRED of the listener, and of every client that connects to it (init_peercred)
    s.peerCred = callerCredentials();
    return 0;
  },

  connect(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    if (s.type === SOCK_DGRAM) {
      // AF_UNSPEC dissolves a datagram socket's connection (unix_dgram_connect)
      if (c.int(2) < 2) return -EINVAL;
      if (c.mem.read(c.ulong(1), 2).every((b) => b === 0)) {
        s.disconnectDatagram();
        return 0;
      }
      const to = findNamed(c, c.ulong(1), c.int(2), SOCK_DGRAM);
      if (typeof to === "number") return to;
      if (s.passcred) autobind(c, s);
      s.connectDatagram(to);
      return 0;
    }
    const a = unixAddress(c, c.ulong(1), c.int(2));
    if (typeof a === "number") return a;
    if (s.state === "connected") return -EISCONN;
    if (s.state === "listening") return -EINVAL;
    const l = findNamed(c, c.ulong(1), c.int(2), s.type);
    if (typeof l === "number") return l;
    if (l.state !== "listening") return -ECONNREFUSED;
    if (s.passcred) autobind(c, s);
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
    return shutdownSocket(s, c.int(1));
  },

  sendto(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    const len = Math.min(c.ulong(2), MAX_IO);
    return sendOne(c, s, c.mem.read(c.ulong(1), len), c.int(3), c.ulong(4), c.int(5), {});
  },

  recvfrom(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    const flags = c.int(3);
    const r = receiveOne(c, s, c.ulong(2), flags);
    if (typeof r === "number" || r instanceof WouldBlock) return r;
    c.mem.write(c.ulong(1), r.data);
    // read(2) and recvfrom have nowhere for descriptors: they are closed
    for (const f of flags & MSG_PEEK ? [] : (r.files ?? [])) dropFile(f);
    putName(c, c.ulong(4), c.ulong(5), r.from, "none");
    return receivedLength(s, r, flags);
  },

  sendmsg(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    return sendMsg(c, s, c.ulong(1), c.int(2));
  },

  recvmsg(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    return recvMsg(c, s, c.ulong(1), c.int(2));
  },

  /**
   * sendmmsg(2): each message in turn, its length into msg_len; stops at the first that fails
   * or would wait once one went (the count so far), waits only before the first.
   */
  sendmmsg(c) {
    return eachMessage(c, sendMsg, c.int(3));
  },

  /**
   * recvmmsg(2): messages while they are there; waits only for the first (hartscope does not
   * wait for the rest as Linux does without MSG_WAITFORONE, nor honour the timeout).
   */
  recvmmsg(c) {
    return eachMessage(c, recvMsg, c.int(3) & ~MSG_WAITFORONE);
  },

  getsockname(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    return putName(c, c.ulong(1), c.ulong(2), s.name, "family");
  },

  getpeername(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    if (s.state !== "connected" || !s.peer) return -ENOTCONN;
    return putName(c, c.ulong(1), c.ulong(2), s.peer.name, "family");
  },

  getsockopt(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    return getSocketOption(c, s);
  },

  setsockopt(c) {
    const s = socketOf(c, c.int(0));
    if (typeof s === "number") return s;
    return setSocketOption(c, s);
  },
};
