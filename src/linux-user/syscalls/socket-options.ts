// getsockopt(2)/setsockopt(2) of AF_UNIX sockets at SOL_SOCKET (socket(7)), as Linux's
// sk_getsockopt/sk_setsockopt: the options a program asks of a local socket are answered,
// those that tune a network are stored and given back, the rest are ENOPROTOOPT. A unix socket
// has no options of its own protocol: other levels are EOPNOTSUPP.

import { EINVAL, EOPNOTSUPP, EPERM } from "../errno.js";
import { NO_PEER, SOCKET_CAPACITY, type UnixSocket } from "../fds/unix-socket.js";
import type { Sys } from "./context.js";
import { SOL_SOCKET } from "./socket-control.js";

const ENOPROTOOPT = 92;
const EDOM = 33;

// asm-generic/socket.h
const SO_DEBUG = 1;
const SO_REUSEADDR = 2;
const SO_TYPE = 3;
const SO_ERROR = 4;
const SO_DONTROUTE = 5;
const SO_BROADCAST = 6;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_KEEPALIVE = 9;
const SO_OOBINLINE = 10;
const SO_PRIORITY = 12;
const SO_LINGER = 13;
const SO_REUSEPORT = 15;
const SO_PASSCRED = 16;
const SO_PEERCRED = 17;
const SO_RCVLOWAT = 18;
const SO_SNDLOWAT = 19;
const SO_RCVTIMEO_OLD = 20;
const SO_SNDTIMEO_OLD = 21;
const SO_ACCEPTCONN = 30;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SO_PROTOCOL = 38;
const SO_DOMAIN = 39;
const SO_RCVTIMEO_NEW = 66;
const SO_SNDTIMEO_NEW = 67;

/** on/off options kept as 0 or 1 */
const FLAGS = new Set([
  SO_DEBUG,
  SO_REUSEADDR,
  SO_DONTROUTE,
  SO_BROADCAST,
  SO_KEEPALIVE,
  SO_OOBINLINE,
  SO_REUSEPORT,
]);
/** net.core.wmem_max and rmem_max: the most SO_SNDBUF/SO_RCVBUF take before doubling */
const BUF_MAX = SOCKET_CAPACITY;
/** SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF (include/net/sock.h, 64-bit) */
const MIN_SNDBUF = 4608;
const MIN_RCVBUF = 2304;
/** a timeout option's key in UnixSocket.options holds seconds; key + TIMEO_USEC microseconds */
const TIMEO_USEC = 1000;

const AF_UNIX = 1;

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** The option's value as Linux lays it out, or -ENOPROTOOPT. */
function optionValue(s: UnixSocket, name: number): Uint8Array | number {
  switch (name) {
    case SO_TYPE:
      return int32(s.type);
    case SO_DOMAIN:
      return int32(AF_UNIX);
    case SO_PROTOCOL:
      return int32(0);
    case SO_ACCEPTCONN:
      return int32(s.state === "listening" ? 1 : 0);
    case SO_ERROR: {
      const e = s.pendingError;
      s.pendingError = 0;
      return int32(e);
    }
    case SO_SNDBUF:
      return int32(s.sndbuf);
    case SO_RCVBUF:
      return int32(s.rcvbuf);
    case SO_PASSCRED:
      return int32(s.passcred ? 1 : 0);
    case SO_PRIORITY:
      return int32(s.options.get(name) ?? 0);
    case SO_RCVLOWAT:
    case SO_SNDLOWAT:
      return int32(s.options.get(name) ?? 1);
    case SO_PEERCRED: {
      const p = s.peerCred ?? NO_PEER;
      const b = new Uint8Array(12);
      const v = new DataView(b.buffer);
      v.setInt32(0, p.pid, true);
      v.setUint32(4, p.uid, true);
      v.setUint32(8, p.gid, true);
      return b;
    }
    case SO_LINGER: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setInt32(0, s.options.get(name) ?? 0, true);
      new DataView(b.buffer).setInt32(4, s.options.get(name + TIMEO_USEC) ?? 0, true);
      return b;
    }
    case SO_RCVTIMEO_OLD:
    case SO_SNDTIMEO_OLD:
    case SO_RCVTIMEO_NEW:
    case SO_SNDTIMEO_NEW: {
      const key = timeoutKey(name);
      const b = new Uint8Array(16);
      const v = new DataView(b.buffer);
      v.setBigInt64(0, BigInt(s.options.get(key) ?? 0), true);
      v.setBigInt64(8, BigInt(s.options.get(key + TIMEO_USEC) ?? 0), true);
      return b;
    }
    default:
      if (FLAGS.has(name)) return int32(s.options.get(name) ?? 0);
      return -ENOPROTOOPT;
  }
}

/** SO_RCVTIMEO (`receive`) or SO_SNDTIMEO in ns; 0 when a call waits as long as it takes. */
export function socketTimeoutNs(s: UnixSocket, receive: boolean): number {
  const key = receive ? SO_RCVTIMEO_OLD : SO_SNDTIMEO_OLD;
  return (s.options.get(key) ?? 0) * 1e9 + (s.options.get(key + TIMEO_USEC) ?? 0) * 1e3;
}

/** SO_RCVTIMEO and SO_SNDTIMEO under either number (64-bit: the same struct timeval). */
function timeoutKey(name: number): number {
  return name === SO_RCVTIMEO_NEW || name === SO_RCVTIMEO_OLD ? SO_RCVTIMEO_OLD : SO_SNDTIMEO_OLD;
}

/** getsockopt(fd, level, optname, optval, optlen) */
export function getSocketOption(c: Sys, s: UnixSocket): number {
  const level = c.int(1);
  const name = c.int(2);
  const optval = c.ulong(3);
  const optlen = c.ulong(4);
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  const len = c.mem.readU32(optlen) | 0;
  if (len < 0) return -EINVAL;
  const v = optionValue(s, name);
  if (typeof v === "number") return v;
  const n = Math.min(len, v.length);
  c.mem.write(optval, v.subarray(0, n));
  c.mem.writeU32(optlen, n);
  return 0;
}

/** setsockopt(fd, level, optname, optval, optlen) */
export function setSocketOption(c: Sys, s: UnixSocket): number {
  const level = c.int(1);
  const name = c.int(2);
  const optval = c.ulong(3);
  const optlen = c.int(4);
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  if (optlen < 4) return -EINVAL;
  const val = c.mem.readU32(optval) | 0;
  const root = c.p.uid === 0;
  switch (name) {
    case SO_SNDBUF:
    case SO_SNDBUFFORCE:
      if (name === SO_SNDBUFFORCE && !root) return -EPERM;
      // doubled for the kernel's bookkeeping, as socket(7) says getsockopt reports
      s.sndbuf = Math.max(2 * Math.min(val >>> 0, name === SO_SNDBUF ? BUF_MAX : 0x3fffffff), MIN_SNDBUF);
      return 0;
    case SO_RCVBUF:
    case SO_RCVBUFFORCE:
      if (name === SO_RCVBUFFORCE && !root) return -EPERM;
      s.rcvbuf = Math.max(2 * Math.min(val >>> 0, name === SO_RCVBUF ? BUF_MAX : 0x3fffffff), MIN_RCVBUF);
      return 0;
    case SO_PASSCRED:
      s.passcred = val !== 0;
      return 0;
    case SO_PRIORITY:
      if ((val < 0 || val > 6) && !root) return -EPERM;
      s.options.set(name, val);
      return 0;
    case SO_RCVLOWAT:
      s.options.set(name, val < 0 ? 0x7fffffff : val || 1);
      return 0;
    case SO_LINGER: {
      if (optlen < 8) return -EINVAL;
      s.options.set(name, val);
      s.options.set(name + TIMEO_USEC, c.mem.readU32(optval + 4) | 0);
      return 0;
    }
    case SO_RCVTIMEO_OLD:
    case SO_SNDTIMEO_OLD:
    case SO_RCVTIMEO_NEW:
    case SO_SNDTIMEO_NEW: {
      if (optlen < 16) return -EINVAL;
      const b = c.mem.read(optval, 16);
      const v = new DataView(b.buffer, b.byteOffset, 16);
      const sec = Number(v.getBigInt64(0, true));
      const usec = Number(v.getBigInt64(8, true));
      if (usec < 0 || usec >= 1_000_000) return -EDOM;
      const key = timeoutKey(name);
      s.options.set(key, Math.max(sec, 0));
      s.options.set(key + TIMEO_USEC, sec < 0 ? 0 : usec);
      return 0;
    }
    default:
      if (FLAGS.has(name)) {
        s.options.set(name, val !== 0 ? 1 : 0);
        return 0;
      }
      return -ENOPROTOOPT;
  }
}
