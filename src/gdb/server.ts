// The gdb stub's transport: one TCP connection on the loopback interface (as qemu-riscv64 -g PORT
// and qemu-system-riscv64 -gdb tcp::PORT), bytes into packets (packets.ts) into the session
// (session.ts). While the machine runs, it runs in slices of a few milliseconds between which the
// socket is read, so that gdb's Ctrl-C stops it. (A user-mode guest blocked reading the terminal
// holds the host's thread: Ctrl-C waits for it.)

import { createServer, type Socket } from "node:net";
import { type Incoming, PacketReader } from "./packets.js";
import { type After, GdbSession } from "./session.js";
import type { DebugTarget, StopEvent } from "./target.js";

/** The port cannot be listened on: a user's error (the command line's), not hartscope's. */
export class ListenError extends Error {
  override name = "ListenError";
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: "the port is in use",
  EACCES: "permission denied (ports below 1024 need root)",
};

/** How long the machine runs between two looks at the socket. */
const SLICE_MS = 20;
/** How long an idle machine (every hart in WFI, nothing due) waits before it is run again. */
const IDLE_MS = 10;

/**
 * Listen on 127.0.0.1:`port` (0: any free port), say where on `say` (stderr), serve one gdb until it
 * kills or detaches the program, disconnects, or the program ends; resolves then. The target is
 * released (breakpoints removed) whatever happens; the caller runs what is left of the run. A
 * client's bad packets are named on `say` too.
 */
export function serveGdb(target: DebugTarget, port: number, say: (line: string) => void): Promise<void> {
  const announce = (at: number) =>
    say(`hartscope: waiting for gdb on 127.0.0.1:${at} (gdb-multiarch: target remote :${at})`);
  const log = (line: string) => say(`hartscope: gdb: ${line}`);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new ListenError(
          `cannot listen for gdb on 127.0.0.1:${port}: ${LISTEN_ERRORS[e.code ?? ""] ?? e.message}`,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      announce(typeof address === "object" && address !== null ? address.port : port);
    });
    server.once("connection", (socket) => {
      server.close(); // one debugger per run
      new Connection(target, socket, log, (e) => (e === undefined ? resolve() : reject(e))).start();
    });
  });
}

class Connection {
  private readonly reader = new PacketReader();
  private readonly session: GdbSession;
  private running = false;
  private interrupted = false;
  private done = false;
  /** packets that came while the machine ran (all-stop: handled at the next stop) */
  private queued: Incoming[] = [];

  constructor(
    private readonly target: DebugTarget,
    private readonly socket: Socket,
    private readonly log: (line: string) => void,
    /** called once: with the error that ended the run, if one did */
    private readonly onDone: (error?: unknown) => void,
  ) {
    this.session = new GdbSession(target, (b) => this.write(b), log, target.first());
  }

  start(): void {
    this.socket.setNoDelay(true);
    this.socket.on("data", (bytes) => this.arrived(bytes));
    // gdb gone without k or D: the program runs on to its end, its output kept
    this.socket.on("close", () => this.finish("detach"));
    this.socket.on("error", (e) => {
      this.log(`connection lost: ${e.message}`);
      this.finish("detach");
    });
  }

  private write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  private arrived(bytes: Buffer): void {
    for (const inc of this.reader.feed(bytes)) {
      if (this.done) return;
      if (this.running) {
        if (inc.kind === "interrupt") this.interrupted = true;
        else this.queued.push(inc);
        continue;
      }
      this.handle(inc);
    }
  }

  /** A packet while the machine is stopped; hartscope's own failure in it ends the run, reported. */
  private handle(inc: Incoming): void {
    try {
      this.act(this.session.receive(inc));
    } catch (e) {
      this.socket.destroy();
      this.finish("kill", e);
    }
  }

  private act(after: After): void {
    if (after === "resume") {
      this.running = true;
      setImmediate(() => this.runSlice());
    } else if (after === "kill" || after === "detach") {
      this.finish(after);
      this.socket.end();
    }
  }

  private runSlice(): void {
    if (this.done) return;
    let ev: StopEvent | "idle" | undefined;
    try {
      ev = this.interrupted ? this.target.interrupt() : this.target.runFor(SLICE_MS);
    } catch (e) {
      // hartscope's own failure: main reports it, as it does without gdb
      this.socket.destroy();
      this.finish("kill", e);
      return;
    }
    this.interrupted = false;
    if (ev === undefined) {
      setImmediate(() => this.runSlice());
      return;
    }
    if (ev === "idle") {
      // waiting for console input: look again soon, without spinning
      setTimeout(() => this.runSlice(), IDLE_MS);
      return;
    }
    this.running = false;
    this.session.stopped(ev);
    if (ev.kind !== "stopped") {
      // the debugged process ended: gdb has its status, and the run goes on without it
      this.finish("detach");
      return;
    }
    const queued = this.queued;
    this.queued = [];
    for (const inc of queued) {
      if (this.running || this.done) {
        this.queued.push(inc);
        continue;
      }
      this.handle(inc);
    }
  }

  private finish(how: "kill" | "detach", error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.running = false;
    this.target.release(how);
    this.onDone(error);
  }
}
