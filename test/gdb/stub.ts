// Helpers for the gdb stub's tests: `hartscope run -g 0` as a child process (the port it prints),
// a bare remote-protocol client (packets framed and checked here, independently of src/gdb), and
// gdb-multiarch in batch mode against hartscope or qemu-riscv64 -g.

import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GUEST_BIN, HARTSCOPE } from "../linux-user/guest.js";
import { tool } from "../tools.js";

export interface Ended {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Children still running: a failed test leaves a stub waiting for gdb, which after() ends. */
const running = new Set<ChildProcess>();

/** Kill every child still running (node:test's after()). */
export function killChildren(): void {
  for (const p of running) p.kill("SIGKILL");
}

/** A child process whose output is collected; `ended` resolves when it exits. */
function child(
  cmd: string,
  args: string[],
): { proc: ChildProcess; ended: Promise<Ended>; stderr: () => string } {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  proc.on("exit", () => running.delete(proc));
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (b) => {
    stdout += b;
  });
  proc.stderr!.on("data", (b) => {
    stderr += b;
  });
  const ended = new Promise<Ended>((resolve) =>
    proc.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { proc, ended, stderr: () => stderr };
}

/** `hartscope run [runArgs] -g 0 guest/bin/PROG ARGS`, once it waits for gdb: its port. */
export function startStub(prog: string, args: string[] = [], runArgs: string[] = []) {
  return startHartscope(["run", ...runArgs, "-g", "0", GUEST_BIN + prog, ...args]);
}

/** hartscope with `args` (which ask for gdb on port 0), once it waits for gdb: its port. */
export async function startHartscope(args: string[]) {
  const c = child(process.execPath, [HARTSCOPE, ...args]);
  const port = await new Promise<number>((resolve, reject) => {
    const look = () => {
      const m = /waiting for gdb on 127\.0\.0\.1:(\d+)/.exec(c.stderr());
      if (m !== null) resolve(Number(m[1]));
    };
    c.proc.stderr!.on("data", look);
    c.ended.then((e) => reject(new Error(`hartscope ended before it listened: ${e.stderr}`)));
  });
  return { port, ended: c.ended, proc: c.proc };
}

const sum = (s: string) =>
  [...Buffer.from(s, "latin1")]
    .reduce((a, b) => (a + b) & 0xff, 0)
    .toString(16)
    .padStart(2, "0");

/** A bare remote-protocol client: sends packets, returns replies (acks dropped, checksums checked). */
export class RspClient {
  private buffered = "";
  private waiting: (() => void) | undefined;
  private closed = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (b) => {
      this.buffered += b.toString("latin1");
      this.waiting?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new RspClient(s)));
      s.once("error", reject);
    });
  }

  /** Send `data` as a packet (with a wrong checksum if `badSum`). */
  send(data: string, badSum = false): void {
    const cs = badSum ? (Number.parseInt(sum(data), 16) ^ 0xff).toString(16).padStart(2, "0") : sum(data);
    this.socket.write(Buffer.from(`$${data}#${cs}`, "latin1"));
  }

  /** Bytes as they are (an interrupt: "\x03"). */
  raw(bytes: string): void {
    this.socket.write(Buffer.from(bytes, "latin1"));
  }

  /** The next reply packet's data, or the next bare '-' (a request to send again). */
  async next(timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.buffered = this.buffered.replace(/^\++/, "");
      if (this.buffered.startsWith("-")) {
        this.buffered = this.buffered.slice(1);
        return "-";
      }
      const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(this.buffered);
      if (m !== null) {
        this.buffered = this.buffered.slice(m[0].length);
        if (m[2] !== sum(m[1]!)) throw new Error(`reply '${m[1]}' has checksum ${m[2]}, not ${sum(m[1]!)}`);
        return m[1]!;
      }
      if (this.closed) throw new Error(`connection closed (unread: '${this.buffered}')`);
      if (Date.now() > end) throw new Error(`no reply in ${timeoutMs} ms (unread: '${this.buffered}')`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
      this.waiting = undefined;
    }
  }

  /** Send a packet and return its reply. */
  async ask(data: string): Promise<string> {
    this.send(data);
    return this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A TCP port nobody listens on now (for qemu-riscv64 -g, which cannot pick one itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

export interface GdbRun {
  /** what gdb printed (stdout and stderr) */
  gdb: string;
  /** the debugged program's run */
  program: Ended;
}

/**
 * gdb-multiarch -batch with `commands` against guest/bin/PROG ARGS run by `server` (hartscope run -g,
 * or qemu-riscv64 -g); `runArgs` go to hartscope (--sysroot) and `qemuArgs` to qemu (-L).
 */
export async function underGdb(
  server: "hartscope" | "qemu",
  prog: string,
  args: string[],
  commands: string[],
  opts: { runArgs?: string[]; qemuArgs?: string[] } = {},
): Promise<GdbRun> {
  let port: number;
  let program: Promise<Ended>;
  if (server === "hartscope") {
    const stub = await startStub(prog, args, opts.runArgs);
    port = stub.port;
    program = stub.ended;
  } else {
    port = await freePort();
    program = child(tool("qemu"), [
      ...(opts.qemuArgs ?? []),
      "-g",
      String(port),
      GUEST_BIN + prog,
      ...args,
    ]).ended;
  }
  const gdb = await gdbBatch(port, GUEST_BIN + prog, commands);
  return { gdb, program: await program };
}

/**
 * gdb-multiarch -batch on `file` (none: gdb asks the stub which), connected to 127.0.0.1:`port`,
 * running `commands`: what it printed.
 */
export async function gdbBatch(port: number, file: string | undefined, commands: string[]): Promise<string> {
  const script = join(tmpdir(), `hartscope-gdb-${process.pid}-${port}.gdb`);
  writeFileSync(
    script,
    [
      "set pagination off",
      "set confirm off",
      "set width 0",
      // qemu may not listen yet: gdb retries until it does
      "set tcp auto-retry on",
      "set tcp connect-timeout 30",
      `target remote 127.0.0.1:${port}`,
      ...commands,
      "",
    ].join("\n"),
  );
  const g = await child(tool("gdb"), ["-nx", "-batch", "-x", script, ...(file === undefined ? [] : [file])])
    .ended;
  return g.stdout + g.stderr;
}

/**
 * gdb's output with what differs between qemu-riscv64 and hartscope by design taken out: thread and
 * process names (qemu's multiprocess ids, hartscope's tids), and stack addresses (qemu's stack ends
 * at 0x40_0080_0000, hartscope's at 0x40_0000_0000 as Linux's does on Sv39).
 */
export function normalized(gdb: string): string {
  return gdb
    .replace(/Thread 1\.\d+ \(CPU#\d+ \[running\]\)/g, "Thread N")
    .replace(/Thread \d+/g, "Thread N")
    .replace(/\((?:process \d+|Remote target)\)/g, "(inferior)")
    .replace(/0x(?:4000[0-8][0-9a-f]{5}|3f[0-9a-f]{8})\b/g, "STACK");
}
