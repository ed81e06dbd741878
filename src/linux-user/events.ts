// What user-mode Linux tells a tracer about its processes: thread creation, start and exit,
// signals sent, discarded and handled, machine faults, program exit, and ELF objects mapped
// (the tracer's proc provider and its probes in shared objects). The registry belongs to a
// machine's probe seam (one per machine, made when the first hook registers); the Linux code
// fires it with one-line calls, and with nothing registered each call costs a map lookup.
//
// Probe names and arguments are DTrace's proc provider's, as far as they apply to hartscope
// (no lwpsinfo_t/psinfo_t: a thread is named by its tid, a process by its pid):
//   start          the first thread of a process, before its first instruction       (no args)
//   lwp-start      a thread, before its first instruction (after start for the first)  (no args)
//   lwp-create     in the creating thread: arg0 = new tid, arg1 = pid
//   lwp-exit       in the exiting thread (exit, or the process ending under it)        (no args)
//   signal-send    in the sender (the faulting thread for the kernel's own signals):
//                  arg0 = target tid, arg1 = target pid, arg2 = signal
//   signal-discard the signal was ignored: arg0 = tid, arg1 = pid, arg2 = signal
//   signal-clear   a pending signal taken by sigtimedwait/sigwaitinfo: arg0 = signal
//   signal-handle  in the thread, its handler about to run (pc = handler):
//                  arg0 = signal, arg1 = the siginfo's address, arg2 = handler address
//   fault          a machine fault (illegal instruction, bad access, ebreak):
//                  arg0 = fault code (Solaris <sys/fault.h>: FLTILL 1, FLTBPT 3, FLTACCESS 5,
//                  FLTBOUNDS 6, FLTPAGE 11), arg1 = the faulting address
//   exit           the process ends: arg0 = CLD_EXITED 1 / CLD_KILLED 2 / CLD_DUMPED 3,
//                  arg1 = the exit status or the signal
//
// For processes (fork, execve; issue 9) the same registry has fire functions ready:
//   create         in the parent, after the child exists: arg0 = child pid (fire `processCreated`;
//                  lwp-create for the child's first thread fires first, as in DTrace)
//   exec           before the new image loads: arg0 = the guest address of the path (`execStarts`)
//   exec-success   after it loaded, in the new image's first thread (`execSucceeded`)
//   exec-failure   arg0 = errno (`execFailed`)
//   exit           as above, for every process (`processExits`)
// and `imageMapped` for the new image's program and interpreter once execve has mapped them (the
// tracer places probes of a module it knows by name wherever it is mapped). Instruction probes are
// marks per memory (machine/probes.ts): a process with its own address space needs them set in its
// memory too before a probe placed earlier fires there, so each module load says which process
// (and, for an mmap, which hart) it happened in, and `pidOf` names the process of a hart.

import { closeSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import type { Hart } from "../hart/hart.js";
import type { HartView } from "../hart/probe-sink.js";
import { HostFile, type OpenFile } from "./files.js";
import type { LinuxProcess, PendingSignal, Thread } from "./process.js";
import { defaultAction, SIGBUS, SIGILL, SIGKILL, SIGSEGV, SIGTRAP } from "./signals.js";

export const PROC_EVENTS = [
  "create",
  "exec",
  "exec-failure",
  "exec-success",
  "exit",
  "fault",
  "lwp-create",
  "lwp-exit",
  "lwp-start",
  "signal-clear",
  "signal-discard",
  "signal-handle",
  "signal-send",
  "start",
] as const;
export type ProcEvent = (typeof PROC_EVENTS)[number];

/** The view is the thread the event happens in; args as listed above. */
export type ProcHook = (view: HartView, args: readonly bigint[]) => void;

/** An ELF object mapped into a process: its program, interpreter or a shared object. */
export interface ModuleLoad {
  /** the path the guest knows it by */
  readonly path: string;
  /** the host file it was read from, when there is one */
  readonly hostPath: string | undefined;
  /** the module name probes use: the file's name */
  readonly name: string;
  /** what is added to the ELF's addresses */
  readonly bias: number;
  /** the process it is mapped in */
  readonly pid: number;
  /**
   * "exec": execve mapped it (the program, its interpreter) into a new image whose first thread
   * has not started yet (exec-success follows); "mmap": the process mapped it itself (ld.so)
   */
  readonly via: "exec" | "mmap";
  /** the hart of the thread that mapped it ("mmap"), whose memory it is in */
  readonly hart: number | undefined;
}
export type ModuleHook = (m: ModuleLoad) => void;

export interface EventRegistration {
  remove(): void;
}

/** Solaris fault codes (<sys/fault.h>), as DTrace's fault probe gives them. */
export const FLTILL = 1;
export const FLTBPT = 3;
export const FLTACCESS = 5;
export const FLTBOUNDS = 6;
export const FLTPAGE = 11;
/** si_code values of SIGCHLD, as proc:::exit's arg0 */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;

export class LinuxEvents {
  private readonly hooks = new Map<ProcEvent, ProcHook[]>();
  private modules: ModuleHook[] = [];
  /** harts whose lwp-start has fired */
  private readonly started = new WeakSet<Hart>();
  /** mapped ELF objects seen, by "pid.image:path@bias" (once per place in each image of a process) */
  private readonly loaded = new Set<string>();
  /** how many images each process has had (execve starts a new one) */
  private readonly images = new Map<number, number>();
  /** the process of each hart (a thread's), as threads start and execve makes them */
  private readonly hartPids = new Map<number, number>();

  on(event: ProcEvent, hook: ProcHook): EventRegistration {
    this.hooks.set(event, [...(this.hooks.get(event) ?? []), hook]);
    return {
      remove: () => {
        const now = (this.hooks.get(event) ?? []).filter((h) => h !== hook);
        if (now.length > 0) this.hooks.set(event, now);
        else this.hooks.delete(event);
      },
    };
  }

  /** Hook every ELF object mapped from now on. */
  onModuleLoad(hook: ModuleHook): EventRegistration {
    this.modules = [...this.modules, hook];
    return {
      remove: () => {
        this.modules = this.modules.filter((h) => h !== hook);
      },
    };
  }

  listens(event: ProcEvent): boolean {
    return this.hooks.has(event);
  }

  get listensToModules(): boolean {
    return this.modules.length > 0;
  }

  fire(event: ProcEvent, hart: Hart, args: readonly bigint[]): void {
    const hooks = this.hooks.get(event);
    if (hooks === undefined) return;
    const view = hart.view();
    for (const h of hooks) h(view, args);
  }

  /** Once per hart: whether this is its first start. */
  firstStart(hart: Hart): boolean {
    if (this.started.has(hart)) return false;
    this.started.add(hart);
    return true;
  }

  /** The process whose thread runs on hart `id`, if known. */
  pidOf(hartId: number): number | undefined {
    return this.hartPids.get(hartId);
  }

  /** Hart `hartId` runs a thread of process `pid`. */
  threadOf(hartId: number, pid: number): void {
    this.hartPids.set(hartId, pid);
  }

  /** Process `pid` has a new image (execve): what was mapped in the old one is forgotten. */
  newImage(pid: number): void {
    this.images.set(pid, (this.images.get(pid) ?? 0) + 1);
  }

  moduleLoaded(m: ModuleLoad): void {
    const key = `${m.pid}.${this.images.get(m.pid) ?? 0}:${m.path}@${m.bias}`;
    if (this.loaded.has(key)) return;
    this.loaded.add(key);
    for (const h of this.modules) h(m);
  }
}

const registries = new WeakMap<object, LinuxEvents>();

/** The registry of a machine's probe seam (`machine.probes`), made on first use. */
export function linuxEvents(seam: object): LinuxEvents {
  let r = registries.get(seam);
  if (r === undefined) {
    r = new LinuxEvents();
    registries.set(seam, r);
  }
  return r;
}

const of = (p: LinuxProcess): LinuxEvents | undefined => registries.get(p.machine.probes);
const big = BigInt;

// ---- fire calls (one line each in the Linux code) ----

/** clone made `child` (threads.ts). */
export function threadCreated(p: LinuxProcess, parent: Thread, child: Thread): void {
  const e = of(p);
  if (e === undefined) return;
  e.threadOf(parent.hart.id, p.pid);
  e.threadOf(child.hart.id, child.process.pid);
  e.fire("lwp-create", parent.hart, [big(child.tid), big(p.pid)]);
}

/** The thread is about to run its first instruction (scheduler: retired is still 0). */
export function threadStarts(p: LinuxProcess, t: Thread): void {
  const e = of(p);
  if (e === undefined) return;
  e.threadOf(t.hart.id, p.pid);
  if (!e.firstStart(t.hart)) return;
  if (t.tid === p.pid) e.fire("start", t.hart, []);
  e.fire("lwp-start", t.hart, []);
}

/** The thread leaves (exit, or the process ends with it still there). */
export function threadExits(p: LinuxProcess, t: Thread): void {
  of(p)?.fire("lwp-exit", t.hart, []);
}

/** A signal queued for `target`, by the running thread (or the kernel, in the running thread). */
export function signalSent(p: LinuxProcess, target: Thread, signo: number): void {
  const e = of(p);
  if (e === undefined || !e.listens("signal-send")) return;
  e.fire("signal-send", p.machine.current() ?? target.hart, [big(target.tid), big(p.pid), big(signo)]);
}

/** A signal dropped because it is ignored. */
export function signalDiscarded(p: LinuxProcess, t: Thread, signo: number): void {
  of(p)?.fire("signal-discard", t.hart, [big(t.tid), big(p.pid), big(signo)]);
}

/** A pending signal taken by rt_sigtimedwait instead of being delivered. */
export function signalCleared(p: LinuxProcess, t: Thread, signo: number): void {
  of(p)?.fire("signal-clear", t.hart, [big(signo)]);
}

/** The handler's frame is pushed: the thread's pc is the handler, a1 the siginfo. */
export function signalHandled(p: LinuxProcess, t: Thread, signo: number): void {
  const e = of(p);
  if (e === undefined || !e.listens("signal-handle")) return;
  e.fire("signal-handle", t.hart, [big(signo), BigInt.asUintN(64, t.state.getXBig(11)), big(t.state.pc)]);
}

/** A machine fault of `t` turned into the kernel's signal `sig` (fault, then signal-send). */
export function threadFaulted(p: LinuxProcess, t: Thread, sig: PendingSignal): void {
  const e = of(p);
  if (e === undefined) return;
  e.fire("fault", t.hart, [big(faultCode(sig)), BigInt.asUintN(64, big(sig.addr ?? 0))]);
  e.fire("signal-send", t.hart, [big(t.tid), big(p.pid), big(sig.signo)]);
}

function faultCode(sig: PendingSignal): number {
  switch (sig.signo) {
    case SIGILL:
      return FLTILL;
    case SIGTRAP:
      return FLTBPT;
    case SIGBUS:
      return FLTACCESS;
    case SIGSEGV:
      return FLTBOUNDS;
    case SIGKILL:
      return FLTPAGE; // no page frame left for it (the OOM killer)
    default:
      return 0;
  }
}

/**
 * The process has ended (p.exit is set): lwp-exit for each thread still there, then exit in the
 * thread that ended it (`last`, else the first thread left).
 */
export function processExits(p: LinuxProcess, last: Thread | undefined): void {
  const e = of(p);
  if (e === undefined || p.exit === undefined) return;
  const left = p.threads.filter((t) => !t.exited);
  for (const t of left) e.fire("lwp-exit", t.hart, []);
  const where = last ?? left[0];
  if (where === undefined) return;
  const x = p.exit;
  let reason = CLD_EXITED;
  let status = x.code ?? 0;
  if (x.code === undefined) {
    reason = CLD_KILLED;
    status = x.signal ?? 0;
    // Linux reports a core dump only when one was written: the core limit allows it
    if (x.signal !== undefined && defaultAction(x.signal) === "core" && p.rlimit(4)[0] > 0n)
      reason = CLD_DUMPED;
  }
  e.fire("exit", where.hart, [big(reason), big(status)]);
}

/** For processes (issue 9): `child` was created by `parent` (fork, vfork, clone without CLONE_VM). */
export function processCreated(p: LinuxProcess, parent: Thread, childPid: number): void {
  const e = of(p);
  if (e === undefined) return;
  e.threadOf(parent.hart.id, p.pid);
  e.fire("create", parent.hart, [big(childPid)]);
}

/** For execve (issue 9): before the new image loads. */
export function execStarts(p: LinuxProcess, t: Thread, pathAddress: number): void {
  of(p)?.fire("exec", t.hart, [big(pathAddress)]);
}

/** For execve (issue 9): the new image runs (in its first thread). */
export function execSucceeded(p: LinuxProcess, t: Thread): void {
  const e = of(p);
  if (e === undefined) return;
  e.threadOf(t.hart.id, p.pid);
  e.fire("exec-success", t.hart, []);
}

/** For execve (issue 9): it failed with `errno`. */
export function execFailed(p: LinuxProcess, t: Thread, errno: number): void {
  of(p)?.fire("exec-failure", t.hart, [big(errno)]);
}

// ---- ELF objects mapped ----

/** An ELF image the kernel mapped itself (execve's program and interpreter) at `bias`. */
export function imageMapped(p: LinuxProcess, path: string, hostPath: string | undefined, bias: number): void {
  const e = of(p);
  if (e === undefined) return;
  // the program comes first: a new image of the process
  if (path === p.exeGuestPath && hostPath === p.exeHostPath) e.newImage(p.pid);
  if (!e.listensToModules) return;
  e.moduleLoaded({ path, hostPath, name: basename(path), bias, pid: p.pid, via: "exec", hart: undefined });
}

const PAGE = 4096;
const headers = new Map<string, { phdrs: { offset: number; vaddr: number; flags: number }[] } | null>();

/** The first page of a host file (ELF and program headers are there), undefined if unreadable. */
function fileStart(hostPath: string): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(hostPath, "r");
    const b = new Uint8Array(PAGE);
    return b.subarray(0, readSync(fd, b, 0, PAGE, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The PT_LOAD headers of the ELF file at hostPath (cached), or null when it is not one. */
function loadHeaders(hostPath: string) {
  let h = headers.get(hostPath);
  if (h !== undefined) return h;
  h = null;
  const b = fileStart(hostPath);
  if (b !== undefined && b.length >= 64 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const phoff = Number(v.getBigUint64(32, true));
    const phnum = v.getUint16(56, true);
    const phdrs: { offset: number; vaddr: number; flags: number }[] = [];
    for (let i = 0; i < phnum && phoff + (i + 1) * 56 <= b.length; i++) {
      const at = phoff + i * 56;
      if (v.getUint32(at, true) !== 1) continue; // PT_LOAD
      phdrs.push({
        flags: v.getUint32(at + 4, true),
        offset: Number(v.getBigUint64(at + 8, true)),
        vaddr: Number(v.getBigUint64(at + 16, true)),
      });
    }
    h = { phdrs };
  }
  headers.set(hostPath, h);
  return h;
}

/**
 * mmap put `len` bytes of a file at `at` from file offset `offset` (memory.ts): when that is the
 * executable PT_LOAD of an ELF object (ld.so mapping a library), its module has loaded at
 * at - the segment's page. Costs a lookup when nothing listens.
 */
export function fileMapped(
  p: LinuxProcess,
  at: number,
  prot: number,
  offset: number,
  path: string,
  file: OpenFile | undefined,
): void {
  const e = of(p);
  if (e === undefined || !e.listensToModules || (prot & 4) === 0 || !(file instanceof HostFile)) return;
  const hostPath = file.hostPath;
  if (hostPath === undefined) return;
  const h = loadHeaders(hostPath);
  if (h === null) return;
  const seg = h.phdrs.find((s) => s.flags & 1 && s.offset - (s.offset % PAGE) === offset);
  if (seg === undefined) return;
  const bias = at - (seg.vaddr - (seg.vaddr % PAGE));
  const hart = p.machine.current()?.id;
  e.moduleLoaded({ path, hostPath, name: basename(path), bias, pid: p.pid, via: "mmap", hart });
}
