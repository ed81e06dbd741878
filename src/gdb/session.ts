// One gdb connection: the remote serial protocol's packets (the GDB manual, "Remote Protocol") in
// all-stop mode, answered from a DebugTarget. What it does not answer gets the empty reply, which
// tells gdb the packet is not supported (gdb then does without: watchpoints by single-stepping).
// A packet that names something wrongly gets an error reply (E01, or E14 for memory) and one line
// on the log naming the packet, so that a client's bug is visible from hartscope's side too.

import { SIGKILL } from "../linux-user/signals.js";
import { framePacket, fromHex, hexNumber, type Incoming, MAX_PACKET, toHex } from "./packets.js";
import { readAll, writeAll } from "./registers.js";
import { gdbSignal, linuxSignal } from "./signals.js";
import type { DebugTarget, ResumeAction, StopEvent } from "./target.js";

/** What the transport does after a packet. */
export type After = "none" | "resume" | "kill" | "detach";

const E_ARGS = "E01";
/** EFAULT, as gdbserver answers a memory access it cannot make */
const E_FAULT = "E14";

const hex = (n: number) => n.toString(16);
const hex2 = (n: number) => n.toString(16).padStart(2, "0");

export class GdbSession {
  private noAck = false;
  /** the thread `g`, `p`, `G`, `P` and the legacy resumes use (Hg, Hc; 0 and -1: the stopped one) */
  private gThread = 0;
  private cThread = 0;
  private lastStop: StopEvent;

  constructor(
    private readonly target: DebugTarget,
    private readonly send: (bytes: Buffer) => void,
    private readonly log: (line: string) => void,
    first: StopEvent,
  ) {
    this.lastStop = first;
  }

  /** Handle what arrived while the machine is stopped. */
  receive(inc: Incoming): After {
    if (inc.kind === "interrupt") return "none"; // already stopped
    if (inc.kind === "bad-checksum") {
      this.log(`bad checksum ${inc.got} (expected ${hex2(inc.expected)}) on packet '${printable(inc.data)}'`);
      if (!this.noAck) this.send(Buffer.from("-"));
      return "none";
    }
    if (!this.noAck) this.send(Buffer.from("+"));
    const text = inc.data.toString("latin1");
    let reply: string | Buffer;
    let after: After = "none";
    try {
      const r = this.answer(text, inc.data);
      if (r === "resume" || r === "kill" || r === "detach") {
        after = r;
        if (r === "resume") return after;
        // (k has no reply in the manual; gdbserver's, which gdb reads, is the process killed)
        reply = r === "detach" ? "OK" : `X${hex2(gdbSignal(SIGKILL))}`;
      } else reply = r;
    } catch (e) {
      if (!(e instanceof BadPacket)) throw e;
      this.log(`bad packet '${printable(inc.data)}': ${e.message}`);
      reply = e.reply;
    }
    this.reply(reply);
    if (text === "QStartNoAckMode") this.noAck = true;
    return after;
  }

  /** The machine stopped after a resume: tell gdb. */
  stopped(ev: StopEvent): void {
    this.lastStop = ev;
    if (ev.kind === "stopped") this.gThread = this.cThread = 0;
    this.reply(stopReply(ev));
  }

  private reply(data: string | Buffer): void {
    this.send(framePacket(data));
  }

  /** The thread a 0 or -1 thread id stands for: the one that stopped, or the first. */
  private thread(id: number): number {
    if (id > 0) return id;
    const ev = this.lastStop;
    if (ev.kind === "stopped" && this.target.registers(ev.tid) !== undefined) return ev.tid;
    return this.target.threads()[0] ?? 0;
  }

  private answer(p: string, raw: Buffer): string | Buffer | "resume" | "kill" | "detach" {
    const t = this.target;
    switch (p[0]) {
      case "?":
        return stopReply(this.lastStop);
      case "g":
        return toHex(readAll(this.state(this.gThread)));
      case "G": {
        const bytes = fromHex(p.slice(1));
        if (bytes === undefined || !writeAll(this.state(this.gThread), bytes))
          throw new BadPacket("expected every register's bytes in hex, as g gives them");
        return "OK";
      }
      case "p": {
        const n = number(p.slice(1), "register number");
        const bytes = t.readRegister(this.thread(this.gThread), n);
        if (bytes === undefined) throw new BadPacket(`no register 0x${hex(n)}`);
        return toHex(bytes);
      }
      case "P": {
        const [n, v] = split(p.slice(1), "=", "P n=value");
        const bytes = fromHex(v);
        const regnum = number(n, "register number");
        if (bytes === undefined || !t.writeRegister(this.thread(this.gThread), regnum, bytes))
          throw new BadPacket(`no register 0x${hex(regnum)} of ${v.length / 2} bytes`);
        return "OK";
      }
      case "m": {
        const [a, l] = split(p.slice(1), ",", "m addr,length");
        const length = Math.min(number(l, "length"), MAX_PACKET / 2);
        const bytes = t.readMemory(number(a, "address"), length, this.thread(this.gThread));
        return bytes.length === 0 && length > 0 ? E_FAULT : toHex(bytes);
      }
      case "M": {
        const [where, data] = split(p.slice(1), ":", "M addr,length:bytes");
        const [a, l] = split(where, ",", "M addr,length:bytes");
        const bytes = fromHex(data);
        if (bytes === undefined || bytes.length !== number(l, "length"))
          throw new BadPacket("the bytes are not `length` bytes of hex");
        return t.writeMemory(number(a, "address"), bytes, this.thread(this.gThread)) ? "OK" : E_FAULT;
      }
      case "X": {
        const colon = raw.indexOf(0x3a);
        if (colon < 0) throw new BadPacket("expected X addr,length:bytes");
        const [a, l] = split(raw.subarray(1, colon).toString("latin1"), ",", "X addr,length:bytes");
        const bytes = raw.subarray(colon + 1);
        if (bytes.length !== number(l, "length")) throw new BadPacket("the bytes are not `length` long");
        if (bytes.length === 0) return "OK"; // gdb's probe for X support
        return t.writeMemory(number(a, "address"), Uint8Array.from(bytes), this.thread(this.gThread))
          ? "OK"
          : E_FAULT;
      }
      case "Z":
      case "z":
        return this.breakpoint(p);
      case "H": {
        const id = threadId(p.slice(2));
        if (id > 0 && t.registers(id) === undefined) return E_ARGS;
        if (p[1] === "g") this.gThread = id;
        else this.cThread = id;
        return "OK";
      }
      case "T":
        return t.registers(threadId(p.slice(1))) !== undefined ? "OK" : E_ARGS;
      case "c":
      case "s":
      case "C":
      case "S":
        return this.legacyResume(p);
      case "k":
        return "kill";
      case "D":
        return "detach";
      case "v":
        return this.vPacket(p);
      case "q":
      case "Q":
        return this.query(p);
      default:
        return "";
    }
  }

  private state(id: number) {
    const s = this.target.registers(this.thread(id));
    if (s === undefined) throw new BadPacket(`no thread ${hex(id)}`);
    return s;
  }

  private breakpoint(p: string): string {
    const [type, a, kind] = p.slice(1).split(",");
    // software and hardware breakpoints are the same marks here; watchpoints are gdb's to do
    if (type !== "0" && type !== "1") return "";
    if (a === undefined || kind === undefined) throw new BadPacket(`expected ${p[0]}${type},addr,kind`);
    const addr = number(a, "address");
    if (p[0] === "z") {
      this.target.clearBreakpoint(addr);
      return "OK";
    }
    const why = this.target.setBreakpoint(addr);
    if (why === undefined) return "OK";
    this.log(`breakpoint at 0x${hex(addr)}: ${why}`);
    return E_ARGS;
  }

  private legacyResume(p: string): "resume" {
    const step = p[0] === "s" || p[0] === "S";
    let rest = p.slice(1);
    let signal = 0;
    if (p[0] === "C" || p[0] === "S") {
      const [sig, addr] = rest.split(";");
      signal = this.signalOf(sig!);
      rest = addr ?? "";
    }
    const tid = this.thread(this.cThread);
    if (rest !== "") this.state(tid).pc = number(rest, "address");
    this.target.resume([{ tid, step, signal }]);
    return "resume";
  }

  private signalOf(s: string): number {
    const sig = linuxSignal(number(s, "signal"));
    if (sig === undefined) throw new BadPacket(`signal ${s} has no Linux number`);
    return sig;
  }

  private vPacket(p: string): string | "resume" | "kill" {
    if (p === "vCont?") return "vCont;c;C;s;S";
    if (p === "vMustReplyEmpty") return "";
    if (p.startsWith("vKill")) return "kill";
    if (!p.startsWith("vCont;")) return "";
    const actions: ResumeAction[] = [];
    for (const part of p.slice(6).split(";")) {
      const [what, id] = part.split(":");
      const tid = id === undefined ? -1 : threadId(id);
      const op = what![0];
      if (op !== "c" && op !== "s" && op !== "C" && op !== "S")
        throw new BadPacket(`unknown action '${what}'`);
      const signal = op === "C" || op === "S" ? this.signalOf(what!.slice(1)) : 0;
      actions.push({ tid: tid === 0 ? this.thread(0) : tid, step: op === "s" || op === "S", signal });
    }
    this.target.resume(actions);
    return "resume";
  }

  private query(p: string): string | Buffer {
    const t = this.target;
    if (p.startsWith("qSupported"))
      return `PacketSize=${hex(MAX_PACKET)};qXfer:features:read+;qXfer:auxv:read+;qXfer:threads:read+;qXfer:exec-file:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+;QPassSignals+`;
    if (p === "QStartNoAckMode") return "OK";
    if (p === "qfThreadInfo") return `m${t.threads().map(hex).join(",")}`;
    if (p === "qsThreadInfo") return "l";
    if (p === "qC") return `QC${hex(this.thread(0))}`;
    // the process is hartscope's own: gdb kills it when it quits
    if (p.startsWith("qAttached")) return "0";
    if (p.startsWith("qSymbol")) return "OK";
    if (p.startsWith("QPassSignals:")) {
      const signals = new Set<number>();
      // (gdb lists its own signals too, some of which Linux does not have: those never come)
      for (const s of p.slice(13).split(";")) {
        const sig = s === "" ? undefined : linuxSignal(number(s, "signal"));
        if (sig !== undefined) signals.add(sig);
      }
      t.passSignals(signals);
      return "OK";
    }
    if (p.startsWith("qXfer:features:read:target.xml:")) return xfer(Buffer.from(t.targetXml()), p);
    if (p.startsWith("qXfer:threads:read::")) return xfer(Buffer.from(threadsXml(t), "utf8"), p);
    if (p.startsWith("qXfer:exec-file:read:")) {
      const file = t.execFile();
      return file === undefined ? E_ARGS : xfer(Buffer.from(file, "utf8"), p);
    }
    if (p.startsWith("qXfer:auxv:read::")) {
      const auxv = t.auxv();
      return auxv === undefined ? E_ARGS : xfer(Buffer.from(auxv), p);
    }
    return "";
  }
}

/** The threads as qXfer:threads:read lists them: ids, and names where the target has them. */
function threadsXml(t: DebugTarget): string {
  const attr = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = t.threads().map((tid) => {
    const name = t.threadName(tid);
    return `<thread id="${hex(tid)}"${name === undefined ? "" : ` name="${attr(name)}"`}/>`;
  });
  return `<?xml version="1.0"?>\n<threads>\n${rows.join("\n")}\n</threads>\n`;
}

/** A packet whose arguments are wrong: the reply, and why (for the log). */
class BadPacket extends Error {
  constructor(
    message: string,
    readonly reply = E_ARGS,
  ) {
    super(message);
  }
}

function number(s: string, what: string): number {
  const n = hexNumber(s);
  if (n === undefined) throw new BadPacket(`${what} '${s}' is not a hex number`);
  return n;
}

/** A thread id: hex, or -1 (every thread), or 0 (any). */
function threadId(s: string): number {
  if (s === "-1") return -1;
  return number(s, "thread id");
}

function split(s: string, sep: string, form: string): [string, string] {
  const i = s.indexOf(sep);
  if (i < 0) throw new BadPacket(`expected ${form}`);
  return [s.slice(0, i), s.slice(i + sep.length)];
}

/** qXfer's read: `m` and a part, or `l` and the last part (or nothing). */
function xfer(doc: Buffer, p: string): Buffer {
  const range = p.slice(p.lastIndexOf(":") + 1);
  const [o, l] = split(range, ",", "offset,length");
  const offset = number(o, "offset");
  const length = number(l, "length");
  const part = doc.subarray(offset, offset + length);
  return Buffer.concat([Buffer.from(offset + length >= doc.length ? "l" : "m"), part]);
}

export function stopReply(ev: StopEvent): string {
  switch (ev.kind) {
    case "stopped":
      return `T${hex2(gdbSignal(ev.signal))}thread:${hex(ev.tid)};${ev.swbreak ? "swbreak:;" : ""}`;
    case "exited":
      return `W${hex2(ev.code & 0xff)}`;
    case "terminated":
      return `X${hex2(gdbSignal(ev.signal))}`;
  }
}

/** A packet as a log line shows it: at most 80 characters, control bytes escaped. */
function printable(data: Buffer): string {
  const s = data.toString("latin1");
  const cut = s.length > 80 ? `${s.slice(0, 80)}...` : s;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\x${hex2(c.charCodeAt(0))}`);
}
