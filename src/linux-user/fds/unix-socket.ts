// AF_UNIX sockets made by socketpair(2), inside hartscope like pipes (a host socket would block
// the one host thread that runs every guest thread). Each end reads from its own queue and writes
// to its peer's. SOCK_STREAM is a byte stream; SOCK_DGRAM and SOCK_SEQPACKET keep message
// boundaries, and a read shorter than the message drops the rest (unix(7), recv(2) MSG_TRUNC).

import { type StatInfo, syntheticStat } from "../abi.js";
import { EAGAIN, EINVAL, EPIPE } from "../errno.js";
import { OpenFile, type ReadResult, WouldBlock, type WriteResult } from "../files.js";
import { O_RDWR } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import {
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  EPOLLRDNORM,
  EPOLLWRNORM,
  type Pollable,
} from "./readiness.js";

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;

/**
 * Bytes a queue holds before writers wait: Linux's default net.core.wmem_default (212992); Linux
 * counts buffer overhead too, so the exact point a writer blocks differs.
 */
export const SOCKET_CAPACITY = 212992;

/** The bytes (or messages) travelling one way, with who can still read and write them. */
export class SocketQueue {
  readonly msgs: Uint8Array[] = [];
  size = 0;
  /** the receiving end has not shut down reading nor closed */
  readerOpen = true;
  /** the sending end has not shut down writing nor closed */
  writerOpen = true;
  /** nextChange() at the last put and take (edge-triggered epoll) */
  putAt = 0;
  takenAt = 0;

  get space(): number {
    return SOCKET_CAPACITY - this.size;
  }

  put(b: Uint8Array): void {
    this.msgs.push(b.slice());
    this.size += b.length;
    this.putAt = nextChange();
  }

  /** Up to n bytes; with boundaries, of the first message only (the rest of it is dropped). */
  take(n: number, boundaries: boolean, peek: boolean): Uint8Array {
    if (boundaries) {
      const m = this.msgs[0]!;
      const out = m.slice(0, Math.min(n, m.length));
      if (!peek) {
        this.msgs.shift();
        this.size -= m.length;
        this.takenAt = nextChange();
      }
      return out;
    }
    const out = new Uint8Array(Math.min(n, this.size));
    let at = 0;
    let i = 0;
    while (at < out.length) {
      const c = this.msgs[i]!;
      const k = Math.min(c.length, out.length - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (peek) i++;
      else if (k === c.length) this.msgs.shift();
      else this.msgs[0] = c.subarray(k);
    }
    if (!peek) {
      this.size -= out.length;
      this.takenAt = nextChange();
    }
    return out;
  }
}

const S_IFSOCK = 0o140000;

const ENOTCONN = 107;

let nextIno = 1;

/** Where a socket is: made by socket(2), listening after listen(2), or one end of a connection. */
export type SocketState = "unconnected" | "listening" | "connected";

export class UnixSocket extends OpenFile implements Pollable {
  private readonly ino = nextIno++;
  state: SocketState;
  /** the key it is bound to (a host path, or "@name" for the abstract namespace) */
  boundTo?: string;
  /** connections a listening socket has not accepted yet (their server ends) */
  readonly pending: UnixSocket[] = [];
  /** nextChange() at the last connection queued (a listening socket's readiness) */
  private connectedAt = 0;

  constructor(
    readonly type: number,
    /** what this end reads */
    public rx: SocketQueue,
    /** what this end writes (the peer's rx) */
    public tx: SocketQueue,
    statusFlags: number,
    state: SocketState = "connected",
  ) {
    super(O_RDWR | statusFlags, `socket:[${nextIno - 1}]`);
    this.state = state;
  }

  /** A socket of socket(2): no peer yet; its queues are placeholders that connect() replaces. */
  static unconnected(type: number, statusFlags: number): UnixSocket {
    return new UnixSocket(type, new SocketQueue(), new SocketQueue(), statusFlags, "unconnected");
  }

  /** connect(2) to `listener`: this end is connected, the other waits in the listener's queue. */
  connectTo(listener: UnixSocket): void {
    const toServer = new SocketQueue();
    const toClient = new SocketQueue();
    this.rx = toClient;
    this.tx = toServer;
    this.state = "connected";
    listener.pending.push(new UnixSocket(this.type, toServer, toClient, 0));
    listener.connectedAt = nextChange();
  }

  /** Two connected ends (socketpair(2)). */
  static pair(type: number, statusFlags: number): [UnixSocket, UnixSocket] {
    const ab = new SocketQueue();
    const ba = new SocketQueue();
    return [new UnixSocket(type, ba, ab, statusFlags), new UnixSocket(type, ab, ba, statusFlags)];
  }

  get boundaries(): boolean {
    return this.type !== SOCK_STREAM;
  }

  get changes(): number {
    if (this.state === "listening") return this.connectedAt;
    return Math.max(this.rx.putAt, this.tx.takenAt);
  }

  /** As Linux's unix_poll: "receive shut" and "send shut" are each set by this end or its peer. */
  pollMask(): number {
    if (this.state === "listening") return this.pending.length > 0 ? EPOLLIN | EPOLLRDNORM : 0;
    // Linux's unix_poll: a socket not connected is writable and, shut by none, nothing else
    if (this.state === "unconnected") return EPOLLOUT | EPOLLWRNORM;
    const { rx, tx } = this;
    const rcvShut = !rx.readerOpen || !rx.writerOpen;
    const sendShut = !tx.readerOpen || !tx.writerOpen;
    let m = 0;
    if (rx.msgs.length > 0) m |= EPOLLIN | EPOLLRDNORM;
    if (rcvShut) m |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
    if (rcvShut && sendShut) m |= EPOLLHUP;
    // a write that cannot wait (it fails with EPIPE) counts as ready too
    if (tx.space > 0) m |= EPOLLOUT | EPOLLWRNORM;
    return m;
  }

  /** recv(2): `dontwait` is MSG_DONTWAIT, `peek` MSG_PEEK. */
  receive(len: number, dontwait: boolean, peek: boolean): ReadResult {
    // unix_stream_read_generic: EINVAL unless connected
    if (this.state !== "connected") return -EINVAL;
    const q = this.rx;
    if (q.msgs.length > 0) {
      if (len === 0 && !this.boundaries) return new Uint8Array(0);
      return q.take(len, this.boundaries, peek);
    }
    if (!q.writerOpen || !q.readerOpen) return new Uint8Array(0);
    if (this.nonblocking || dontwait) return -EAGAIN;
    return new WouldBlock(
      `read from ${this.path}`,
      () => q.msgs.length > 0 || !q.writerOpen || !q.readerOpen,
      undefined,
      0,
      undefined,
      true,
    );
  }

  /** send(2); -EPIPE when the peer cannot read any more (the caller raises SIGPIPE). */
  send(data: Uint8Array, dontwait: boolean): WriteResult {
    if (this.state !== "connected") return -ENOTCONN;
    const q = this.tx;
    if (!q.writerOpen || !q.readerOpen) return -EPIPE;
    if (data.length === 0 && !this.boundaries) return 0;
    // a message goes whole; a stream write as much as fits
    const need = this.boundaries ? data.length : 1;
    if (q.space < need) {
      if (this.nonblocking || dontwait) return -EAGAIN;
      return new WouldBlock(
        `write to ${this.path}`,
        () => q.space >= need || !q.readerOpen,
        undefined,
        0,
        undefined,
        true,
      );
    }
    const n = this.boundaries ? data.length : Math.min(q.space, data.length);
    q.put(data.subarray(0, n));
    return n;
  }

  override read(len: number): ReadResult {
    return this.receive(len, false, false);
  }

  override write(data: Uint8Array): WriteResult {
    return this.send(data, false);
  }

  /** shutdown(2): SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2. */
  shutdown(how: number): void {
    if (how !== 1) this.closeReading();
    if (how !== 0) this.closeWriting();
  }

  private closeReading(): void {
    if (!this.rx.readerOpen) return;
    this.rx.readerOpen = false;
    this.rx.takenAt = nextChange();
  }

  private closeWriting(): void {
    if (!this.tx.writerOpen) return;
    this.tx.writerOpen = false;
    this.tx.putAt = nextChange();
  }

  override stat(): StatInfo {
    return syntheticStat(S_IFSOCK | 0o777, this.ino);
  }

  override release(): void {
    // connections never accepted are closed with the listener (their clients see EOF)
    for (const s of this.pending.splice(0)) s.release();
    this.closeReading();
    this.closeWriting();
  }
}
