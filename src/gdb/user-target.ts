// The user-mode machine as gdb sees it (`hartscope run -g PORT`): the run's first process, its
// threads as gdb's threads, all-stop. Breakpoints are instruction probes (marks on decoded
// instructions, nothing written into the guest) whose hook stops the hart before the instruction;
// a signal the process is about to act on stops the run first, as ptrace's signal-delivery stop
// does, and gdb's resume says whether it is delivered (C sig) or discarded (c): a fault discarded
// runs its instruction again. Single steps run one instruction of the stepped thread; the other
// threads run their turns meanwhile, unless the resume holds them (a vCont naming only the stepped
// thread, as gdb steps over a breakpoint). Other processes of the run (forked children) are not
// debugged: they run on, and breakpoints do not stop them.

import { resolve } from "node:path";
import type { HartState } from "../hart/state.js";
import { GuestFault } from "../linux-user/address-space.js";
import type { DebugWatch, SignalVerdict } from "../linux-user/debug-watch.js";
import type { LinuxProcess, PendingSignal, Thread } from "../linux-user/process.js";
import { threadName } from "../linux-user/procfs.js";
import type { UserRun } from "../linux-user/scheduler.js";
import { killProcess, sendToThread } from "../linux-user/signal-delivery.js";
import { SI_USER, SIGINT, SIGKILL, SIGTRAP } from "../linux-user/signals.js";
import { Breakpoints } from "./breakpoints.js";
import { readRegister, targetXml, writeRegister } from "./registers.js";
import { type DebugTarget, type ResumeAction, readPages, type StopEvent } from "./target.js";

export class UserTarget implements DebugTarget, DebugWatch {
  /** DebugWatch: the run is paused for gdb */
  stopped = true;
  private event: StopEvent;
  private readonly breakpoints: Breakpoints;
  private pass: ReadonlySet<number> = new Set();
  /** what becomes of the signal a thread stopped with, once gdb resumed it */
  private readonly verdicts = new Map<Thread, SignalVerdict>();
  /** the thread the last stop reported with a signal still pending (see `signal`) */
  private signalled: Thread | undefined;
  private stepping: { thread: Thread; retired: number } | undefined;
  /** the threads the last resume named, when it did not resume every thread (vCont;s:1 alone) */
  private only: ReadonlySet<Thread> | undefined;

  constructor(
    private readonly run: UserRun,
    private readonly p: LinuxProcess,
  ) {
    p.kernel.debug = this;
    this.breakpoints = new Breakpoints(p.machine.probes, (view) => {
      // a forked child runs the same code: only the debugged process stops
      if (this.stopped || this.thread(view.id) === undefined) return false;
      this.stop({ kind: "stopped", tid: view.id, signal: SIGTRAP, swbreak: true });
      return true;
    });
    // before the first instruction, as a program gdb starts stops after its exec
    this.event = { kind: "stopped", tid: p.threads[0]!.tid, signal: SIGTRAP };
  }

  /** The stop before the first instruction. */
  first(): StopEvent {
    return this.event;
  }

  threads(): number[] {
    return this.live().map((t) => t.tid);
  }

  threadName(tid: number): string | undefined {
    const t = this.thread(tid);
    return t && threadName(t);
  }

  registers(tid: number): HartState | undefined {
    return this.thread(tid)?.state;
  }

  readRegister(tid: number, regnum: number): Uint8Array | undefined {
    const s = this.registers(tid);
    return s && readRegister(s, regnum);
  }

  writeRegister(tid: number, regnum: number, bytes: Uint8Array): boolean {
    const s = this.registers(tid);
    return s !== undefined && writeRegister(s, regnum, bytes);
  }

  targetXml(): string {
    return targetXml();
  }

  readMemory(addr: number, length: number): Uint8Array {
    return readPages(addr, length, (at, n) => {
      try {
        return this.p.mem.read(at, n);
      } catch (e) {
        if (e instanceof GuestFault) return undefined;
        throw e;
      }
    });
  }

  writeMemory(addr: number, bytes: Uint8Array): boolean {
    try {
      this.p.mem.write(addr, bytes);
      return true;
    } catch (e) {
      if (e instanceof GuestFault) return false;
      throw e;
    }
  }

  setBreakpoint(addr: number): string | undefined {
    return this.breakpoints.set(addr, this.p.threads[0]?.tid);
  }

  clearBreakpoint(addr: number): void {
    this.breakpoints.clear(addr);
  }

  auxv(): Uint8Array | undefined {
    const pairs = this.p.program?.stack.auxv;
    if (pairs === undefined) return undefined;
    const out = new DataView(new ArrayBuffer(16 * pairs.length));
    pairs.forEach(([key, value], i) => {
      out.setBigUint64(16 * i, BigInt(key), true);
      out.setBigUint64(16 * i + 8, BigInt(value), true);
    });
    return new Uint8Array(out.buffer);
  }

  execFile(): string {
    return resolve(this.p.exeHostPath);
  }

  passSignals(signals: ReadonlySet<number>): void {
    this.pass = signals;
  }

  resume(actions: readonly ResumeAction[]): void {
    const actionOf = (t: Thread) => actions.find((a) => a.tid === t.tid) ?? actions.find((a) => a.tid === -1);
    // threads no action names stay stopped (vCont): gdb steps one thread over a breakpoint alone
    const resumed = new Set<Thread>();
    for (const t of this.live()) {
      const a = actionOf(t);
      if (a === undefined) continue;
      resumed.add(t);
      if (t === this.signalled) this.verdicts.set(t, a.signal !== 0 ? "deliver" : "discard");
      // a signal for a thread that did not stop with one: sent to it now (gdb's `signal SIG`)
      else if (a.signal !== 0) sendToThread(this.p, t, { signo: a.signal, code: SI_USER, pid: this.p.pid });
    }
    const step = actions.find((a) => a.step);
    const stepped = step === undefined ? undefined : this.thread(step.tid);
    this.stepping = stepped && { thread: stepped, retired: stepped.hart.retired };
    // (threads of other processes are not gdb's to hold)
    this.only = actions.some((a) => a.tid === -1) ? undefined : new Set([...resumed, ...this.others()]);
    this.signalled = undefined;
    this.stopped = false;
  }

  runFor(ms: number): StopEvent | undefined {
    const end = performance.now() + ms;
    for (;;) {
      const more = this.run.turn(this.stepping?.thread, this.only);
      if (this.stopped) return this.event;
      if (this.p.exit !== undefined || !more) return this.stop(this.exitEvent());
      const s = this.stepping;
      if (s !== undefined) {
        if (s.thread.hart.retired > s.retired)
          return this.stop({ kind: "stopped", tid: s.thread.tid, signal: SIGTRAP });
        // (a thread that exits mid-step has nothing left to step; the others go on)
        if (s.thread.exited) this.stepping = undefined;
      }
      if (performance.now() >= end) return undefined;
    }
  }

  interrupt(): StopEvent {
    const t = this.run.current?.process === this.p ? this.run.current : this.live()[0];
    return this.stop(t === undefined ? this.exitEvent() : { kind: "stopped", tid: t.tid, signal: SIGINT });
  }

  release(how: "kill" | "detach"): void {
    this.breakpoints.clearAll();
    if (how === "kill") killProcess(this.p, SIGKILL);
    // a signal gdb stopped the process with is delivered, as PTRACE_DETACH with it does
    else if (this.signalled !== undefined) this.verdicts.set(this.signalled, "deliver");
    this.p.kernel.debug = undefined;
    this.stepping = undefined;
    this.only = undefined;
    this.stopped = false;
  }

  /** DebugWatch: thread t is about to act on sig. */
  signal(t: Thread, sig: PendingSignal): SignalVerdict {
    if (t.process !== this.p) return "deliver";
    const verdict = this.verdicts.get(t);
    if (verdict !== undefined) {
      this.verdicts.delete(t);
      return verdict;
    }
    if (this.stopped) return "stop"; // asked again when t runs next
    if (this.pass.has(sig.signo)) return "deliver";
    this.stop({ kind: "stopped", tid: t.tid, signal: sig.signo });
    this.signalled = t;
    return "stop";
  }

  private stop(ev: StopEvent): StopEvent {
    this.stopped = true;
    this.event = ev;
    this.stepping = undefined;
    return ev;
  }

  private exitEvent(): StopEvent {
    const x = this.p.exit;
    if (x?.signal !== undefined) return { kind: "terminated", signal: x.signal };
    return { kind: "exited", code: x?.code ?? x?.hostCode ?? 0 };
  }

  private live(): Thread[] {
    return this.p.exit === undefined ? this.p.threads.filter((t) => !t.exited) : [];
  }

  /** threads of the run's other processes */
  private others(): Thread[] {
    return this.p.kernel.runnableThreads().filter((t) => t.process !== this.p);
  }

  private thread(tid: number): Thread | undefined {
    return this.live().find((t) => t.tid === tid);
  }
}
