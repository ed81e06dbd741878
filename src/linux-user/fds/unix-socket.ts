// AF_UNIX sockets (unix(7)), inside hartscope like pipes (a host socket would block the one host
// thread that runs every guest thread). Each socket reads its own queue; a connected stream or
// seqpacket end writes its peer's, a datagram socket the queue of its peer or of the name it
// sends to. Each send is one segment (Linux's skb) that carries, besides its bytes, descriptors
// in flight (SCM_RIGHTS), the sender's credentials and, for datagrams, the sender's name.
// SOCK_STREAM reads run across segments; SOCK_DGRAM and SOCK_SEQPACKET keep message boundaries,
// and a read shorter than the message drops the rest (recv(2) MSG_TRUNC).

import { type StatInfo, syntheticStat } from "../abi.js";
import { EAGAIN, EINVAL, EPIPE } from "../errno.js";
import { OpenFile, type ReadResult, WouldBlock, type WriteResult } from "../files.js";
import { O_RDWR } from "../open-flags.js";
import { nextChange } from "../pipe.js";
import {
  EPOLLERR,
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
/** The largest datagram: sk_sndbuf less 32 (unix_dgram_sendmsg answers EMSGSIZE past it). */
const MAX_DATAGRAM = SOCKET_CAPACITY - 32;
/** net.unix.max_dgram_qlen's default */
const MAX_DGRAM_QLEN = 10;

const ENOTCONN = 107;
const ECONNREFUSED = 111;
const ECONNRESET = 104;
const EPERM = 1;
const EMSGSIZE = 90;

/** struct ucred: who sent a message (SCM_CREDENTIALS) or who is at the other end (SO_PEERCRED). */
export interface Credentials {
  pid: number;
  uid: number;
  gid: number;
}

/** One send as Linux queues it (an skb). */
export interface Segment {
  data: Uint8Array;
  /** SCM_RIGHTS: open files in flight, each holding one reference until received or dropped */
  files?: OpenFile[];
  /** the sender's credentials: attached when sender or receiver had SO_PASSCRED, or sent explicitly */
  creds?: Credentials;
  /** the sending socket's name (recvfrom's address), when it had one */
  from?: Uint8Array;
}

/** What one receive took: bytes, the first segment's extras, and the message's whole length. */
export interface Received {
  data: Uint8Array;
  /** the datagram's length (MSG_TRUNC); data.length for a stream */
  whole: number;
  files?: OpenFile[];
  /** whether the receiver asked for credentials (SO_PASSCRED), and the segment's */
  creds?: Credentials;
  from?: Uint8Array;
}

/** Drop one reference to an open file (a descriptor in flight that nobody will receive). */
export function dropFile(f: OpenFile): void {
  if (--f.refs === 0) f.release();
}

function sameCreds(a: Credentials | undefined, b: Credentials | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.pid === b.pid && a.uid === b.uid && a.gid === b.gid;
}

/** The segments travelling to one socket, with who can still read and write them. */
export class SocketQueue {
  readonly msgs: Segment[] = [];
  size = 0;
  /** the receiving end has not shut down reading nor closed */
  readerOpen = true;
  /** the sending end has not shut down writing nor closed (streams and seqpackets) */
  writerOpen = true;
  /** nextChange() at the last put and take (edge-triggered epoll) */
  putAt = 0;
  takenAt = 0;

  get space(): number {
    return SOCKET_CAPACITY - this.size;
  }

  /** Queue a copy of `seg`; its descriptors in flight take a reference each. */
  put(seg: Segment): void {
    for (const f of seg.files ?? []) f.refs++;
    this.msgs.push({ ...seg, data: seg.data.slice() });
    this.size += seg.data.length;
    this.putAt = nextChange();
  }

  /**
   * Up to n bytes. With boundaries, of the first message only (the rest of it is dropped).
   * A stream read runs across segments as Linux's unix_stream_read_generic: it stops after a
   * segment that carried descriptors, and, when `creds` is asked for, before a segment from
   * another sender. A peek leaves everything queued (its descriptors are received as copies).
   */
  take(n: number, boundaries: boolean, peek: boolean, creds: boolean): Received {
    if (boundaries) {
      const m = this.msgs[0]!;
      const out: Received = {
        data: m.data.slice(0, Math.min(n, m.data.length)),
        whole: m.data.length,
        files: m.files,
        creds: m.creds,
        from: m.from,
      };
      if (!peek) {
        this.msgs.shift();
        this.size -= m.data.length;
        this.takenAt = nextChange();
      }
      return out;
    }
    const parts: Uint8Array[] = [];
    let copied = 0;
    let i = 0;
    const first = this.msgs[0]!;
    const out: Received = { data: new Uint8Array(0), whole: 0, creds: first.creds, from: first.from };
    while (copied < n && i < this.msgs.length) {
      const seg = this.msgs[i]!;
      if (creds && !sameCreds(seg.creds, out.creds)) break;
      const k = Math.min(seg.data.length, n - copied);
      parts.push(seg.data.subarray(0, k));
      copied += k;
      if (seg.files) out.files = seg.files;
      if (peek) {
        if (seg.files) break;
        i++;
        continue;
      }
      seg.files = undefined;
      if (k < seg.data.length) {
        seg.data = seg.data.subarray(k);
        break;
      }
      this.msgs.shift();
      if (out.files) break;
    }
    const data = new Uint8Array(copied);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    if (!peek) {
      this.size -= copied;
      this.takenAt = nextChange();
    }
    out.data = data;
    out.whole = copied;
    return out;
  }

  /** Drop every queued segment (the reading socket closed): descriptors in flight go too. */
  purge(): void {
    for (const m of this.msgs.splice(0)) for (const f of m.files ?? []) dropFile(f);
    this.size = 0;
  }
}

const S_IFSOCK = 0o140000;

let nextIno = 1;

/** Where a socket is: made by socket(2), listening after listen(2), or one end of a connection. */
export type SocketState = "unconnected" | "listening" | "connected";

/** The process making the syscall now (the dispatcher notes it): a send's credentials are its. */
let caller: Credentials = { pid: 0, uid: 0, gid: 0 };

export function noteSyscallCaller(p: Credentials): void {
  caller = p;
}

/** Credentials of the calling process, copied (it may change its ids or exit later). */
export function callerCredentials(): Credentials {
  return { pid: caller.pid, uid: caller.uid, gid: caller.gid };
}

/** SO_PEERCRED of a socket nobody connected: pid 0 and ids -1 (Linux: no peer cred). */
export const NO_PEER: Credentials = { pid: 0, uid: 0xffffffff, gid: 0xffffffff };

/** What a send carries besides bytes (sendmsg's control data), and where a datagram goes. */
export interface SendExtras {
  files?: OpenFile[];
  /** SCM_CREDENTIALS given by the sender */
  creds?: Credentials;
  /** a datagram's destination (sendto's address) instead of the connected peer */
  to?: UnixSocket;
}

export class UnixSocket extends OpenFile implements Pollable {
  private readonly ino = nextIno++;
  state: SocketState;
  /** the key it is bound to (a host path and inode, or "@name" for the abstract namespace) */
  boundTo?: string;
  /** its name as getsockname(2) gives it: family and path with NUL, or family, NUL and name */
  name?: Uint8Array;
  /** the other end of a connection, or the socket a datagram socket connected to */
  peer?: UnixSocket;
  /** SO_PEERCRED: who connected (set at socketpair, connect, listen) */
  peerCred: Credentials = NO_PEER;
  /** SO_PASSCRED */
  passcred = false;
  /** this socket's own shutdown(2) of reading and writing (sk_shutdown) */
  shutRd = false;
  shutWr = false;
  /** an error the next receive or SO_ERROR reports once (ECONNRESET from a peer closed unread) */
  pendingError = 0;
  /** SOL_SOCKET options that are stored and reported but change nothing here */
  readonly options = new Map<number, number>();
  sndbuf = SOCKET_CAPACITY;
  rcvbuf = SOCKET_CAPACITY;
  released = false;
  /** a server end not accepted yet: what is sent to it carries credentials (unix_maybe_add_creds) */
  embryo = false;
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

  /** A socket of socket(2): no peer yet; its tx is a placeholder that connect() replaces. */
  static unconnected(type: number, statusFlags: number): UnixSocket {
    return new UnixSocket(type, new SocketQueue(), new SocketQueue(), statusFlags, "unconnected");
  }

  /** connect(2) of a stream or seqpacket socket to `listener`: the server end waits in its queue. */
  connectTo(listener: UnixSocket): void {
    const toServer = new SocketQueue();
    const server = new UnixSocket(this.type, toServer, this.rx, 0);
    this.tx = toServer;
    this.state = "connected";
    server.peer = this;
    this.peer = server;
    server.name = listener.name;
    server.embryo = true;
    server.peerCred = callerCredentials();
    this.peerCred = listener.peerCred;
    listener.pending.push(server);
    listener.connectedAt = nextChange();
  }

  /** connect(2) of a datagram socket: `target` becomes where send(2) goes. */
  connectDatagram(target: UnixSocket): void {
    this.peer = target;
    this.tx = target.rx;
    this.state = "connected";
  }

  /** connect(2) of a datagram socket to AF_UNSPEC: no default destination any more. */
  disconnectDatagram(): void {
    this.peer = undefined;
    this.tx = new SocketQueue();
    this.state = "unconnected";
  }

  /** Two connected ends (socketpair(2)). */
  static pair(type: number, statusFlags: number): [UnixSocket, UnixSocket] {
    const ab = new SocketQueue();
    const ba = new SocketQueue();
    const a = new UnixSocket(type, ba, ab, statusFlags);
    const b = new UnixSocket(type, ab, ba, statusFlags);
    a.peer = b;
    b.peer = a;
    a.peerCred = callerCredentials();
    b.peerCred = callerCredentials();
    return [a, b];
  }

  get boundaries(): boolean {
    return this.type !== SOCK_STREAM;
  }

  get datagram(): boolean {
    return this.type === SOCK_DGRAM;
  }

  get changes(): number {
    if (this.state === "listening") return this.connectedAt;
    return Math.max(this.rx.putAt, this.tx.takenAt);
  }

  /** As Linux's unix_poll (streams, seqpackets) and unix_dgram_poll (datagrams). */
  pollMask(): number {
    const err = this.pendingError ? EPOLLERR : 0;
    if (this.state === "listening") return this.pending.length > 0 ? EPOLLIN | EPOLLRDNORM : 0;
    if (this.datagram || this.state === "unconnected") {
      // only this socket's own shutdown counts
      let m = err | EPOLLOUT | EPOLLWRNORM;
      if (this.rx.msgs.length > 0) m |= EPOLLIN | EPOLLRDNORM;
      if (this.shutRd) m |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
      if (this.shutRd && this.shutWr) m |= EPOLLHUP;
      return m;
    }
    // "receive shut" and "send shut" are each set by this end or its peer
    const { rx, tx } = this;
    const rcvShut = !rx.readerOpen || !rx.writerOpen;
    const sendShut = !tx.readerOpen || !tx.writerOpen;
    let m = err;
    if (rx.msgs.length > 0) m |= EPOLLIN | EPOLLRDNORM;
    if (rcvShut) m |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
    if (rcvShut && sendShut) m |= EPOLLHUP;
    // a write that cannot wait (it fails with EPIPE) counts as ready too
    if (tx.space > 0) m |= EPOLLOUT | EPOLLWRNORM;
    return m;
  }

  /**
   * recv(2): `dontwait` is MSG_DONTWAIT, `peek` MSG_PEEK; `waitAll` (MSG_WAITALL, streams) waits
   * until len bytes are queued (at most a queue's capacity) or no more can come.
   */
  receive(len: number, dontwait: boolean, peek: boolean, waitAll = false): Received | number | WouldBlock {
    // unix_stream_read_generic: EINVAL unless connected; a read of nothing returns at once
    if (!this.datagram && this.state !== "connected") return -EINVAL;
    if (len === 0 && !this.boundaries) return { data: new Uint8Array(0), whole: 0 };
    const q = this.rx;
    const want = waitAll && !this.boundaries ? Math.min(len, SOCKET_CAPACITY) : 1;
    // a datagram socket ends only by its own shutdown; a stream also by its peer's
    const ended = () => (this.datagram ? this.shutRd : !q.writerOpen || !q.readerOpen);
    const enough = () => (this.boundaries ? q.msgs.length > 0 : q.size >= want);
    const mayNotWait = this.nonblocking || dontwait;
    // a seqpacket reports a reset before its data, a stream after (as Linux does)
    if (this.pendingError && (this.boundaries || q.msgs.length === 0)) {
      const e = this.pendingError;
      this.pendingError = 0;
      return -e;
    }
    if (enough() || (q.msgs.length > 0 && (ended() || mayNotWait)))
      return q.take(len, this.boundaries, peek, this.passcred);
    if (q.msgs.length === 0 && ended()) {
      // a datagram socket shut for reading: EAGAIN when it may not wait, else end of file
      if (this.datagram && mayNotWait) return -EAGAIN;
      return { data: new Uint8Array(0), whole: 0 };
    }
    if (mayNotWait) return -EAGAIN;
    return new WouldBlock(
      `read from ${this.path}`,
      () => enough() || ended() || this.pendingError !== 0,
      undefined,
      0,
      undefined,
      true,
    );
  }

  /** Credentials a segment to `to` carries: given, or the caller's when either side passes them. */
  private credsFor(to: UnixSocket | undefined, given: Credentials | undefined): Credentials | undefined {
    if (given) return given;
    return this.passcred || to?.passcred || to?.embryo ? callerCredentials() : undefined;
  }

  /**
   * send(2); -EPIPE when the peer cannot read any more (the caller raises SIGPIPE). A stream
   * send of nothing sends nothing, not even descriptors (unix_stream_sendmsg's loop never runs).
   */
  send(data: Uint8Array, dontwait: boolean, extras: SendExtras = {}): WriteResult {
    if (this.datagram) return this.sendDatagram(data, dontwait, extras);
    if (this.state !== "connected") return this.shutWr ? -EPIPE : -ENOTCONN;
    const q = this.tx;
    if (!q.writerOpen || !q.readerOpen) return -EPIPE;
    if (data.length === 0 && !this.boundaries) return 0;
    if (this.boundaries && data.length > MAX_DATAGRAM) return -EMSGSIZE;
    const mayNotWait = this.nonblocking || dontwait;
    const need = this.boundaries ? data.length : 1;
    if (q.space < need) {
      if (mayNotWait) return -EAGAIN;
      return new WouldBlock(
        `write to ${this.path}`,
        () => q.space >= need || !q.readerOpen,
        undefined,
        0,
        undefined,
        true,
      );
    }
    // a message goes whole; so does a stream write that may wait (unix_stream_sendmsg returns
    // when all is queued), while one that may not takes what fits
    const n = this.boundaries || !mayNotWait ? data.length : Math.min(q.space, data.length);
    q.put({
      data: data.subarray(0, n),
      files: extras.files,
      creds: this.credsFor(this.peer, extras.creds),
      from: this.name,
    });
    return n;
  }

  /** As Linux's unix_dgram_sendmsg: to the given socket or the connected one. */
  private sendDatagram(data: Uint8Array, dontwait: boolean, extras: SendExtras): WriteResult {
    if (data.length > MAX_DATAGRAM) return -EMSGSIZE;
    if (this.shutWr) return -EPIPE;
    const to = extras.to ?? this.peer;
    if (!to) return -ENOTCONN;
    if (to.released) {
      // the peer closed: refused once, then this socket is no longer connected
      if (to === this.peer) {
        this.peer = undefined;
        this.state = "unconnected";
        return -ECONNREFUSED;
      }
      return -ECONNREFUSED;
    }
    // a socket connected to a third one takes datagrams from it alone (unix_may_send)
    if (to.peer !== undefined && to.peer !== this) return -EPERM;
    if (to.shutRd) return -EPIPE;
    const q = to.rx;
    // a receiver not connected back to the sender holds at most max_dgram_qlen + 1 of them
    // (unix_recvq_full)
    const full = () => q.space < data.length || (to.peer !== this && q.msgs.length > MAX_DGRAM_QLEN);
    if (full()) {
      if (this.nonblocking || dontwait) return -EAGAIN;
      return new WouldBlock(
        `write to ${this.path}`,
        () => !full() || to.released,
        undefined,
        0,
        undefined,
        true,
      );
    }
    q.put({ data, files: extras.files, creds: this.credsFor(to, extras.creds), from: this.name });
    return data.length;
  }

  override read(len: number): ReadResult {
    const r = this.receive(len, false, false);
    if (typeof r === "number" || r instanceof WouldBlock) return r;
    // read(2) has nowhere to put descriptors: they are closed (as recvmsg without control room)
    for (const f of r.files ?? []) dropFile(f);
    return r.data;
  }

  override write(data: Uint8Array): WriteResult {
    return this.send(data, false);
  }

  /** shutdown(2): SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2. A stream's peer sees it too. */
  shutdown(how: number): void {
    if (how !== 1) {
      this.shutRd = true;
      if (!this.datagram) this.closeReading();
      else if (this.rx.readerOpen) {
        this.rx.readerOpen = false;
        this.rx.takenAt = nextChange();
      }
    }
    if (how !== 0) {
      this.shutWr = true;
      if (!this.datagram) this.closeWriting();
    }
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
    this.released = true;
    // connections never accepted are closed with the listener (their clients see EOF)
    for (const s of this.pending.splice(0)) s.release();
    // a stream peer that leaves data unread makes the other end's next read fail (unix_release_sock)
    const peer = this.peer;
    if (!this.datagram && peer && this.state === "connected" && this.rx.msgs.length > 0)
      peer.pendingError = ECONNRESET;
    this.rx.purge();
    if (this.datagram) {
      this.rx.readerOpen = false;
      this.rx.takenAt = nextChange();
      return;
    }
    this.closeReading();
    this.closeWriting();
  }
}
