// Processes: fork/vfork/clone without CLONE_THREAD (forkProcess, called by clone), execve,
// wait4/waitid, getppid, process groups and sessions, and kill/tkill/tgkill between processes.

import { readFileSync, type Stats, statSync } from "node:fs";
import { basename } from "node:path";
import { ElfError, parseElf } from "../../elf/elf.js";
import { E2BIG, EACCES, ECHILD, EINVAL, ELOOP, ENOENT, ENOEXEC, EPERM, ESRCH, hostErrno } from "../errno.js";
import { execFailed, execStarts, execSucceeded, processCreated, threadCreated } from "../events.js";
import { WouldBlock } from "../files.js";
import { CLD_EXITED, CLD_KILLED, MAX_PROCESSES, waitStatus } from "../kernel.js";
import { LoadError } from "../loader.js";
import type { LinuxProcess, Thread } from "../process.js";
import { sendToProcess, sendToThread } from "../signal-delivery.js";
import {
  CLD_CONTINUED,
  CLD_STOPPED,
  NSIG,
  SI_TKILL,
  SI_USER,
  SIG_DFL,
  SIG_IGN,
  SIGCHLD,
  SIGCONT,
} from "../signals.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_FILES,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_SIGHAND,
  CLONE_VFORK,
  CLONE_VM,
  type CloneArgs,
  startClonedThread,
} from "./clone.js";
import type { Handler, Sys, SyscallResult } from "./context.js";

/** CLONE_NEWNS ... CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME: namespaces are not emulated */
const CLONE_NEW_ANY =
  0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80;

const WNOHANG = 1;
/** wait4's WUNTRACED is waitid's WSTOPPED */
const WUNTRACED = 2;
const WEXITED = 4;
const WCONTINUED = 8;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
const P_PID = 1;
const P_PGID = 2;

/** Most bytes of argv and envp strings execve takes (Linux: a quarter of the stack limit). */
const ARG_MAX = 2 << 20;
/** Nested #! interpreters Linux follows (fs/exec.c: 4 more binprm rounds; we count the scripts). */
const MAX_SCRIPT_DEPTH = 4;

/**
 * clone without CLONE_THREAD: a new process (fork when flags are just SIGCHLD, vfork with
 * CLONE_VM|CLONE_VFORK). Returns the child's pid in the parent; the child returns 0.
 */
export function forkProcess(c: Sys, a: CloneArgs): SyscallResult {
  const p = c.p;
  const f = a.flags;
  if (f & CLONE_NEW_ANY) return -EPERM;
  if (f & CLONE_SIGHAND && !(f & CLONE_VM)) return -EINVAL;
  const exitSignal = a.exitSignal ?? f & 0xff;
  if (exitSignal > NSIG) return -EINVAL;
  const limit = Math.min(MAX_PROCESSES, Number(p.rlimit(6)[0]));
  if (p.kernel.processes.size >= limit) return -11; // EAGAIN
  const { child, thread } = p.forkChild(c.t, {
    shareMemory: (f & CLONE_VM) !== 0,
    shareFiles: (f & CLONE_FILES) !== 0,
    shareSignals: (f & CLONE_SIGHAND) !== 0,
    sibling: (f & CLONE_PARENT) !== 0,
    exitSignal,
  });
  startClonedThread(thread.state, c.t.state.pc, a);
  if (f & CLONE_PARENT_SETTID) c.mem.writeU32(a.parentTid, child.pid);
  if (f & CLONE_CHILD_SETTID) child.mem.writeU32(a.childTid, child.pid);
  if (f & CLONE_CHILD_CLEARTID) thread.clearChildTid = a.childTid;
  threadCreated(p, c.t, thread);
  processCreated(p, c.t, child.pid);
  if (f & CLONE_VFORK) {
    // The parent waits until the child execs or ends (it may be running on the parent's stack).
    child.vforkParent = c.t;
    c.t.wait = { what: `vfork (child ${child.pid} has not exec'd or exited)`, uninterruptible: true };
    return undefined;
  }
  return child.pid;
}

/** The children of `p` a wait for `pid` (wait4's convention) covers. */
function waitedFor(p: LinuxProcess, pid: number): LinuxProcess[] {
  if (pid > 0) return p.children.filter((q) => q.pid === pid);
  if (pid === -1) return [...p.children];
  const group = pid === 0 ? p.pgid : -pid;
  return p.children.filter((q) => q.pgid === group);
}

/** What a wait asks to hear of (wait4's WUNTRACED/WCONTINUED, waitid's WEXITED/WSTOPPED/WCONTINUED). */
interface WaitWanted {
  exited: boolean;
  stopped: boolean;
  continued: boolean;
}

type Report = "exited" | "stopped" | "continued";

/** What `q` has to tell a wait asking for `w`, in Linux's order: exit, then stop, then continue. */
function reportOf(q: LinuxProcess, w: WaitWanted): Report | undefined {
  if (q.zombie) return w.exited ? "exited" : undefined;
  if (w.stopped && q.stopped && q.waitEvent === "stopped") return "stopped";
  if (w.continued && q.waitEvent === "continued") return "continued";
  return undefined;
}

/**
 * Wait for one of `candidates()` to end (or stop, or continue, as `w` asks): run `take` on the
 * first with something to report (oldest child first, as Linux walks its children); ECHILD when
 * there are none; 0 with WNOHANG; else block until one has (a signal interrupts, SA_RESTART restarts).
 */
function waitFor(
  candidates: () => LinuxProcess[],
  options: number,
  w: WaitWanted,
  take: (q: LinuxProcess, report: Report) => number,
  nothingYet: () => number,
): SyscallResult {
  const list = candidates();
  if (list.length === 0) return -ECHILD;
  for (const q of list) {
    const r = reportOf(q, w);
    if (r !== undefined) return take(q, r);
  }
  if (options & WNOHANG) return nothingYet();
  return new WouldBlock(
    `wait for child ${list.length === 1 ? list[0]!.pid : `processes ${list.map((q) => q.pid).join(", ")}`}`,
    () => {
      const now = candidates();
      return now.length === 0 || now.some((q) => reportOf(q, w) !== undefined);
    },
    undefined,
    0,
    undefined,
    true,
  );
}

/** Read a NULL-terminated array of string pointers (argv, envp). */
function readStrings(c: Sys, addr: number): string[] | number {
  const out: string[] = [];
  if (addr === 0) return out;
  let bytes = 0;
  for (let i = 0; ; i++) {
    const ptr = c.mem.readU64(addr + 8 * i);
    if (ptr === 0) return out;
    const s = c.mem.readCString(ptr, ARG_MAX);
    bytes += s.length + 1;
    if (bytes > ARG_MAX) return -E2BIG;
    out.push(s);
  }
}

/** The first line of a `#!` script: interpreter and its one optional argument (fs/binfmt_script.c). */
function scriptInterpreter(bytes: Uint8Array): { interp: string; arg?: string } | undefined {
  const head = Buffer.from(bytes.subarray(0, 256)).toString("latin1");
  const nl = head.indexOf("\n");
  const line = (nl < 0 ? head : head.slice(0, nl))
    .slice(2)
    .replace(/^[ \t]+/, "")
    .replace(/[ \t\r]+$/, "");
  if (line === "") return undefined;
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return undefined;
  return { interp: m[1]!, arg: m[2] === undefined || m[2] === "" ? undefined : m[2] };
}

/**
 * execve's work after the arguments are read: find the file inside the root, follow `#!`
 * scripts, load the riscv64 ELF (static, static-pie, or dynamic with --sysroot). Returns the new
 * image's first thread, or -errno with the process unchanged.
 */
function execImage(
  p: LinuxProcess,
  t: Thread,
  path: string,
  argv: string[],
  envp: string[],
  depth: number,
): Thread | number {
  // /proc/self/exe is the running program (busybox re-execs itself through it)
  const self = p.fs.lexical(p.fs.cwd, path) === "/proc/self/exe";
  const r = self
    ? { host: p.exeHostPath, guest: p.exeGuestPath, stat: statQuiet(p.exeHostPath) }
    : p.fs.resolve(p.fs.cwd, path, true);
  if (typeof r === "number") return r;
  if (r.stat === undefined) return -ENOENT;
  if (!r.stat.isFile()) return -EACCES;
  if ((r.stat.mode & 0o111) === 0) return -EACCES;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(r.host);
  } catch (e) {
    return hostErrno(e);
  }
  if (bytes[0] === 0x23 && bytes[1] === 0x21) {
    // #! interpreter [arg]
    if (depth >= MAX_SCRIPT_DEPTH) return -ELOOP;
    const s = scriptInterpreter(bytes);
    if (s === undefined) return -ENOEXEC;
    const next = [s.interp, ...(s.arg === undefined ? [] : [s.arg]), path, ...argv.slice(1)];
    const res = execImage(p, t, s.interp, next, envp, depth + 1);
    if (res === -ENOENT) {
      p.warnOnce(
        -1_000_000 - depth,
        `hartscope: execve ${path}: interpreter ${s.interp} not found inside the root`,
      );
    }
    return res;
  }
  if (!(bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46)) {
    // Neither ELF nor script: the shell that asked runs it itself (it gets ENOEXEC, as from Linux).
    return -ENOEXEC;
  }
  let elf: ReturnType<typeof parseElf>;
  try {
    elf = parseElf(bytes, r.guest);
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    p.options.warn(`hartscope: execve ${path}: cannot run it: ${e.message}`);
    return -ENOEXEC;
  }
  try {
    return p.exec(elf, r.host, argv, envp);
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    p.options.warn(`hartscope: execve ${path}: ${e.message}`);
    return e.exitCode === 127 ? -ENOENT : -ENOEXEC;
  }
}

function statQuiet(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Send `sig` from the caller to process q (kill(2)); zombies take it and do nothing. */
function signalProcess(c: Sys, q: LinuxProcess, sig: number): void {
  if (q.zombie || sig === 0) return;
  sendToProcess(q, { signo: sig, code: SI_USER, pid: c.p.pid, uid: c.p.uid }, q === c.p ? c.t : undefined);
}

/** The live process with this pid (or a zombie when `zombies`). */
function processById(c: Sys, pid: number, zombies = false): LinuxProcess | undefined {
  const q = c.p.kernel.processes.get(pid);
  return q && (zombies || !q.zombie) ? q : undefined;
}

export const processesSyscalls: Record<string, Handler> = {
  getppid: (c) => c.p.ppid,

  execve(c) {
    const p = c.p;
    const t = c.t;
    const pathAddr = c.ulong(0);
    const path = c.path(pathAddr);
    if (typeof path === "number") return path;
    const argv = readStrings(c, c.ulong(1));
    if (typeof argv === "number") return argv;
    const envp = readStrings(c, c.ulong(2));
    if (typeof envp === "number") return envp;
    execStarts(p, t, pathAddr);
    const sigmask = t.sigmask;
    const pending = [...t.pending];
    const r = execImage(p, t, path, argv, envp, 0);
    if (typeof r === "number") {
      execFailed(p, t, -r);
      return r;
    }
    // The new image: handlers reset (ignored signals stay ignored), close-on-exec descriptors
    // close, the mask and pending signals stay (execve(2)).
    p.sigactions = p.sigactions.map((a) =>
      a.handler === SIG_IGN ? { ...a } : { handler: SIG_DFL, flags: 0, mask: 0n },
    );
    p.fds.closeOnExec();
    r.sigmask = sigmask;
    r.pending = pending;
    r.name = basename(path).slice(0, 15);
    for (const timer of p.itimers) if (timer.cpu) timer.deadline = undefined;
    execSucceeded(p, r);
    return undefined;
  },

  wait4(c) {
    const p = c.p;
    const pid = c.int(0);
    const statusAddr = c.ulong(1);
    const options = c.int(2);
    const rusage = c.ulong(3);
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | 0x20000000 | 0x40000000 | 0x80000000)) return -EINVAL;
    const wanted = {
      exited: true,
      stopped: (options & WUNTRACED) !== 0,
      continued: (options & WCONTINUED) !== 0,
    };
    return waitFor(
      () => waitedFor(p, pid),
      options,
      wanted,
      (q, report) => {
        // wait(2): stopped is sig << 8 | 0x7f, continued 0xffff
        const status =
          report === "exited" ? waitStatus(q) : report === "stopped" ? (q.stopSignal << 8) | 0x7f : 0xffff;
        if (statusAddr !== 0) c.mem.writeU32(statusAddr, status);
        if (rusage !== 0) c.mem.write(rusage, new Uint8Array(144));
        if (report === "exited") p.kernel.reap(q);
        else q.waitEvent = undefined;
        return q.pid;
      },
      () => 0,
    );
  },

  waitid(c) {
    const p = c.p;
    const idtype = c.int(0);
    const id = c.int(1);
    const infop = c.ulong(2);
    const options = c.int(3);
    if (
      options & ~(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | 0x20000000 | 0x40000000 | 0x80000000)
    )
      return -EINVAL;
    if ((options & (WEXITED | WUNTRACED | WCONTINUED)) === 0) return -EINVAL;
    let pid: number;
    if (idtype === P_ALL) pid = -1;
    else if (idtype === P_PID) pid = id > 0 ? id : Number.NaN;
    else if (idtype === P_PGID) pid = id > 0 ? -id : 0;
    else return -EINVAL;
    if (Number.isNaN(pid)) return -EINVAL;
    const wanted = {
      exited: (options & WEXITED) !== 0,
      stopped: (options & WUNTRACED) !== 0,
      continued: (options & WCONTINUED) !== 0,
    };
    return waitFor(
      () => waitedFor(p, pid),
      options,
      wanted,
      (q, report) => {
        if (infop !== 0) {
          const b = new Uint8Array(128);
          const v = new DataView(b.buffer);
          let code: number;
          let status: number;
          if (report === "exited") {
            const killed = q.exit!.code === undefined && q.exit!.signal !== undefined;
            code = killed ? CLD_KILLED : CLD_EXITED;
            status = killed ? q.exit!.signal! : (q.exit!.code ?? 0);
          } else if (report === "stopped") {
            code = CLD_STOPPED;
            status = q.stopSignal;
          } else {
            code = CLD_CONTINUED;
            status = SIGCONT;
          }
          v.setInt32(0, SIGCHLD, true);
          v.setInt32(8, code, true);
          v.setInt32(16, q.pid, true);
          v.setUint32(20, q.uid, true);
          v.setInt32(24, status, true);
          c.mem.write(infop, b);
        }
        if (!(options & WNOWAIT)) {
          if (report === "exited") p.kernel.reap(q);
          else q.waitEvent = undefined;
        }
        return 0;
      },
      () => {
        if (infop !== 0) c.mem.write(infop, new Uint8Array(128));
        return 0;
      },
    );
  },

  getpgid(c) {
    const pid = c.int(0);
    const q = pid === 0 ? c.p : processById(c, pid, true);
    return q ? q.pgid : -ESRCH;
  },

  getsid(c) {
    const pid = c.int(0);
    const q = pid === 0 ? c.p : processById(c, pid, true);
    return q ? q.sid : -ESRCH;
  },

  setpgid(c) {
    const p = c.p;
    const pid = c.int(0);
    let pgid = c.int(1);
    if (pgid < 0) return -EINVAL;
    const q = pid === 0 ? p : processById(c, pid);
    if (q === undefined || (q !== p && q.parent !== p)) return -ESRCH;
    if (q.sid === q.pid || q.sid !== p.sid) return -EPERM;
    if (pgid === 0) pgid = q.pid;
    if (pgid !== q.pid) {
      const exists = p.kernel.live().some((x) => x.pgid === pgid && x.sid === p.sid);
      if (!exists) return -EPERM;
    }
    q.pgid = pgid;
    return 0;
  },

  setsid(c) {
    const p = c.p;
    if (p.kernel.live().some((x) => x.pgid === p.pid)) return -EPERM;
    p.sid = p.pgid = p.pid;
    return p.pid;
  },

  kill(c) {
    const p = c.p;
    const pid = c.int(0);
    const sig = c.int(1);
    if (sig < 0 || sig > NSIG) return -EINVAL;
    let targets: LinuxProcess[];
    if (pid > 0) {
      const q = processById(c, pid, true);
      targets = q ? [q] : [];
    } else if (pid === -1) {
      targets = p.kernel.live().filter((q) => q !== p);
      if (targets.length === 0) return -ESRCH;
    } else {
      const group = pid === 0 ? p.pgid : -pid;
      targets = p.kernel.live().filter((q) => q.pgid === group);
    }
    if (targets.length === 0) return -ESRCH;
    for (const q of targets) signalProcess(c, q, sig);
    return 0;
  },

  tkill(c) {
    const tid = c.int(0);
    if (tid <= 0) return -EINVAL;
    return sendToTid(c, undefined, tid, c.int(1));
  },

  tgkill(c) {
    const tgid = c.int(0);
    const tid = c.int(1);
    if (tgid <= 0 || tid <= 0) return -EINVAL;
    return sendToTid(c, tgid, tid, c.int(2));
  },
};

/** tkill/tgkill: a signal to one thread of any process. */
function sendToTid(c: Sys, tgid: number | undefined, tid: number, sig: number): number {
  if (sig < 0 || sig > NSIG) return -EINVAL;
  let target: Thread | undefined;
  for (const q of c.p.kernel.live()) {
    if (tgid !== undefined && q.pid !== tgid) continue;
    target = q.thread(tid);
    if (target) break;
  }
  if (!target) return -ESRCH;
  if (sig === 0) return 0;
  sendToThread(target.process, target, { signo: sig, code: SI_TKILL, pid: c.p.pid, uid: c.p.uid });
  return 0;
}
