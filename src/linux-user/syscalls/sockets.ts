// Sockets: AF_UNIX pairs from socketpair(2) (fds/unix-socket.ts) and the calls that move data
// through them. socket(2) of any family answers EAFNOSUPPORT for now: no host network.

import { EBADF, EINVAL, ENOTSOCK, EOPNOTSUPP, EPIPE } from "../errno.js";
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

export const socketSyscalls: Record<string, Handler> = {
  socket(c) {
    const domain = c.int(0);
    const type = c.int(1) & SOCK_TYPE_MASK;
    if (domain !== AF_UNIX) return -EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
    // named AF_UNIX sockets (bind/connect on a path) are not made yet
    return -EOPNOTSUPP;
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
