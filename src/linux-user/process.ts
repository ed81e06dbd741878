// A Linux user process on hartscope: one address space, file table, signal actions and a set of
// threads, each thread a hart of the run's machine (src/machine/) with its own registers. Every
// process of a run (the first, and those fork/vfork/clone make) lives in one Kernel (kernel.ts):
// one machine, one pool of frames, one clock, one scheduler over every thread of every process.

import { join } from "node:path";
import type { ElfFile } from "../elf/elf.js";
import type { Hart } from "../hart/hart.js";
import type { JitOptions } from "../hart/jit/hart-jit.js";
import { HartState } from "../hart/state.js";
import type { Machine } from "../machine/machine.js";
import type { Prng } from "../machine/prng.js";
import { hostGid, hostUid } from "./abi.js";
import { AddressSpace, PROT_EXEC, PROT_READ } from "./address-space.js";
import type { GuestClock } from "./clock.js";
import { imageMapped } from "./events.js";
import { FdTable, HostFile } from "./files.js";
import { Kernel } from "./kernel.js";
import { MMAP_BASE, PAGE } from "./layout.js";
import { LoadError, type LoadedProgram, loadProgram } from "./loader.js";
import {
  type AltStack,
  NSIG,
  SIG_DFL,
  SIGRETURN_CODE,
  type SigAction,
  type SigInfo,
  SS_DISABLE,
} from "./signals.js";
import { GuestFs } from "./vfs.js";
import { VmaList } from "./vma.js";

export interface ProcessOptions {
  /** host directory the guest sees as / */
  root: string;
  /** host directory holding the dynamic loader and libraries */
  sysroot?: string;
  /** instructions a thread runs before the scheduler switches to the next */
  quantum: number;
  /** host time instead of virtual time */
  wallClock: boolean;
  /** seed of getrandom, AT_RANDOM and /dev/urandom */
  seed: number;
  /** unimplemented syscalls end the run */
  strict: boolean;
  /** where hartscope's own messages go (stderr) */
  warn: (line: string) => void;
  /** size of the pool guest pages come from (default: the address space's own default) */
  memoryBytes?: number;
  /** host descriptors the guest gets as 0, 1, 2 (default: hartscope's own) */
  stdio?: [number, number, number];
  /** stop the run after this many instructions (tests, fuzzing) */
  maxInstructions?: number;
  /** the block compiler: false for the interpreter alone, or its tuning (default: on) */
  jit?: Partial<JitOptions> | false;
}

/** Why a thread is not runnable. */
export interface Wait {
  /** for the deadlock report */
  what: string;
  /** CLOCK_MONOTONIC ns at which the wait ends with `timeoutResult` */
  deadline?: number;
  timeoutResult?: number;
  /** called at the deadline, before the syscall returns timeoutResult */
  onTimeout?: () => void;
  /** an SA_RESTART handler restarts the syscall instead of failing it with EINTR */
  restartable?: boolean;
  /** a blocked read/write: when this turns true the syscall is executed again */
  ready?: () => boolean;
  /**
   * a futex wait: woken by FUTEX_WAKE of the same key with a matching bitset. The key is `shared`
   * (a host offset) for memory mapped MAP_SHARED, the same in every process; else `mem` and `addr`.
   */
  futex?: { addr: number; bitset: number; shared: number; mem: AddressSpace };
  /** signals do not end it (a vfork parent waiting for its child) */
  uninterruptible?: boolean;
  /** rt_sigsuspend: only a signal ends it */
  suspend?: boolean;
  /** order of arrival, so futex waiters wake first-come first-served */
  seq?: number;
}

/** A syscall that has started and not yet returned to the guest (for the syscall-return hooks). */
export interface SyscallInProgress {
  nr: number;
  /** address of its ecall: a thread resuming there restarts the syscall */
  pc: number;
}

/** A signal waiting for delivery; `report` describes a fault for the fatal message. */
export interface PendingSignal extends SigInfo {
  report?: string;
  /** raised by the instruction itself (fault, ebreak): delivered before anything else */
  sync?: boolean;
}

export class Thread {
  /** the hart's registers */
  readonly state: HartState;
  /** blocked signals */
  sigmask = 0n;
  pending: PendingSignal[] = [];
  altstack: AltStack = { sp: 0, size: 0, flags: SS_DISABLE };
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits */
  // (-0: a double from the start, as addresses pass 2^30 — see CodeCache.retired)
  clearChildTid = -0;
  robustList = -0;
  wait?: Wait;
  /** rt_sigsuspend's saved mask, restored by the handler's sigreturn */
  suspendMask?: bigint;
  name = "";
  exited = false;
  /** the syscall it waits in, or that completed and has not returned to the guest yet */
  syscall?: SyscallInProgress;

  constructor(
    readonly tid: number,
    readonly hart: Hart,
    /** the process it belongs to */
    readonly process: LinuxProcess,
  ) {
    this.state = hart.state;
  }

  /** Finish a blocked or running syscall with `result` in a0 and continue after the ecall. */
  complete(result: number): void {
    this.wait = undefined;
    this.state.setX(10, result);
    this.state.pc = this.state.pc + 4;
  }
}

export interface ExitStatus {
  /** exit status (0..255) when the program exited */
  code?: number;
  /** signal that killed it */
  signal?: number;
  /** hartscope's one-line explanation (fatal signal, deadlock, strict mode) */
  message?: string;
  /** hartscope's own exit code when the run ended for a reason of its own */
  hostCode?: number;
}

/** An interval timer (setitimer): fires `signal` when its clock reaches `deadline`. */
export interface IntervalTimer {
  signal: number;
  /** ITIMER_REAL counts CLOCK_MONOTONIC; ITIMER_VIRTUAL and ITIMER_PROF count CPU time (instructions) */
  cpu: boolean;
  /** ns on its clock; undefined when disarmed */
  deadline?: number;
  /** ns between firings; 0 for one shot */
  interval: number;
}

export const GUEST_PID = 1000;
export const GUEST_PPID = 999;

/** What fork/clone gives the child of its parent's (clone(2) flags decide). */
export interface ForkRequest {
  /** CLONE_VM: the same address space (vfork, posix_spawn), else a copy-on-write copy */
  shareMemory: boolean;
  /** CLONE_FILES: the same descriptor table, else a copy sharing the open file descriptions */
  shareFiles: boolean;
  /** CLONE_SIGHAND: the same signal actions, else a copy */
  shareSignals: boolean;
  /** CLONE_PARENT: the child's parent is the caller's parent */
  sibling: boolean;
  /** the signal the parent gets when the child ends (clone's low byte; SIGCHLD for fork) */
  exitSignal: number;
}

export class LinuxProcess {
  readonly pid: number;
  /** the parent's pid (GUEST_PPID for the first process, which has none in the run) */
  ppid: number;
  parent: LinuxProcess | undefined;
  /** its parent ended and the first process took it over (it stands for init: orphaned groups) */
  adopted = false;
  readonly children: LinuxProcess[] = [];
  /** process group and session (setpgid, setsid) */
  pgid: number;
  sid: number;
  readonly uid = hostUid();
  readonly gid = hostGid();
  /** the address space (execve gives a new one; CLONE_VM children share their parent's) */
  mem: AddressSpace;
  /** the run's processes, scheduler, machine, clock */
  readonly kernel: Kernel;
  /** the harts of the threads, the memory they run on, virtual time and the probes */
  readonly machine: Machine;
  vmas: VmaList;
  fds: FdTable;
  readonly fs: GuestFs;
  readonly clock: GuestClock;
  readonly prng: Prng;
  readonly threads: Thread[] = [];
  /** index 1..64 */
  sigactions: SigAction[] = [];
  /** the signal the parent gets when this process ends (0: none) */
  exitSignal = 17;
  /** the process has ended and its parent has not waited for it yet */
  zombie = false;
  /** job control: stopped by a stop signal (no thread of it runs) until SIGCONT or SIGKILL */
  stopped = false;
  /** the signal that stopped it (wait status, waitid's si_status) */
  stopSignal = 0;
  /** a stop or continue the parent has not collected with WUNTRACED / WCONTINUED yet */
  waitEvent: "stopped" | "continued" | undefined;
  /** a vfork parent's thread waits until this process execs or ends */
  vforkParent: Thread | undefined;
  // (-0: addresses, as Thread.clearChildTid)
  brkStart = -0;
  brk = -0;
  /** address of the rt_sigreturn trampoline (no vDSO: hartscope provides the code) */
  trampoline = -0;
  umask = 0o022;
  readonly rlimits = new Map<number, [bigint, bigint]>();
  /** syscalls already reported as unimplemented (run-wide) */
  readonly warned: Set<number>;
  exit?: ExitStatus;
  /** exit status of the main thread if it left with exit() while others ran on */
  leaderExitCode?: number;

  /** setitimer's ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
  readonly itimers: IntervalTimer[] = [
    { signal: 14, cpu: false, interval: 0 },
    { signal: 26, cpu: true, interval: 0 },
    { signal: 27, cpu: true, interval: 0 },
  ];
  /** some mapping is MAP_SHARED over a file (see syncSharedMappings) */
  hasSharedFileMappings = false;
  /** sched_yield was called: end the running thread's quantum */
  yieldRequested = false;
  /** what readlink("/proc/self/exe") gives, and the host file behind it */
  exeGuestPath = "";
  exeHostPath = "";
  program?: LoadedProgram;

  /**
   * The first process of a run (a new Kernel), or, with `parent`, a child made by fork/clone
   * (`forkChild`). Call exec before running the first.
   */
  constructor(
    readonly options: ProcessOptions,
    parent?: { process: LinuxProcess; request: ForkRequest },
  ) {
    if (parent === undefined) {
      this.mem = new AddressSpace(options.memoryBytes);
      this.kernel = new Kernel(options, this.mem);
      this.pid = GUEST_PID;
      this.ppid = GUEST_PPID;
      this.pgid = this.sid = this.pid;
      this.vmas = new VmaList();
      this.fds = new FdTable();
      this.fs = new GuestFs(options.root, options.sysroot);
      for (let s = 0; s <= NSIG; s++) this.sigactions.push({ handler: SIG_DFL, flags: 0, mask: 0n });
      const stdio = options.stdio ?? [0, 1, 2];
      stdio.forEach((host, fd) => {
        this.fds.install(HostFile.std(host, fd), false);
      });
    } else {
      const from = parent.process;
      const r = parent.request;
      this.kernel = from.kernel;
      this.pid = this.kernel.newId();
      this.parent = r.sibling ? from.parent : from;
      this.ppid = r.sibling ? from.ppid : from.pid;
      this.pgid = from.pgid;
      this.sid = from.sid;
      this.exitSignal = r.exitSignal;
      if (r.shareMemory) {
        this.mem = from.mem;
        this.vmas = from.vmas;
        this.mem.users++;
      } else {
        this.mem = from.mem.fork();
        this.vmas = from.vmas.copy();
      }
      this.fds = r.shareFiles ? from.fds : from.fds.copy();
      this.fs = from.fs.copy();
      this.sigactions = r.shareSignals ? from.sigactions : from.sigactions.map((a) => ({ ...a }));
      this.brkStart = from.brkStart;
      this.brk = from.brk;
      this.trampoline = from.trampoline;
      this.umask = from.umask;
      for (const [k, v] of from.rlimits) this.rlimits.set(k, v);
      this.hasSharedFileMappings = from.hasSharedFileMappings;
      this.exeGuestPath = from.exeGuestPath;
      this.exeHostPath = from.exeHostPath;
      this.program = from.program;
      this.parent?.children.push(this);
    }
    this.machine = this.kernel.machine;
    this.clock = this.kernel.clock;
    this.prng = this.kernel.prng;
    this.warned = this.kernel.warned;
    this.kernel.processes.set(this.pid, this);
  }

  /** fork/vfork/clone without CLONE_THREAD: a new process whose first thread copies `caller`'s registers. */
  forkChild(caller: Thread, request: ForkRequest): { child: LinuxProcess; thread: Thread } {
    const child = new LinuxProcess(this.options, { process: this, request });
    const thread = child.addThread(child.pid, caller.state.clone());
    thread.sigmask = caller.sigmask;
    thread.name = caller.name;
    if (!request.shareMemory) thread.altstack = { ...caller.altstack };
    return { child, thread };
  }

  /**
   * Load `elf` (read from host path `exe`) with argv/envp into a new address space; the process
   * keeps its old one until this succeeds (a LoadError leaves it as it was). Then the old image
   * goes — every thread, the address space (unless a vfork parent still uses it) — and the main
   * thread (tid = pid) starts at the new entry. Returns that thread.
   */
  exec(elf: ElfFile, exe: string, argv: string[], envp: string[]): Thread {
    const random = this.prng.bytes(16);
    const ids = { uid: this.uid, euid: this.uid, gid: this.gid, egid: this.gid };
    const mem =
      this.threads.length === 0 && this.program === undefined ? this.mem : this.kernel.newAddressSpace();
    const vmas = mem === this.mem ? this.vmas : new VmaList();
    let prog: LoadedProgram;
    let trampoline: number;
    try {
      prog = loadProgram(mem, vmas, {
        elf,
        argv,
        envp,
        execfn: argv[0] ?? exe,
        random,
        sysroot: this.options.sysroot,
        ids,
      });
      trampoline = mem.findFree(PAGE, MMAP_BASE);
      if (trampoline < 0) throw new LoadError("no room for the signal trampoline page");
      mem.map(trampoline, PAGE, PROT_READ | PROT_EXEC);
      mem.write(trampoline, SIGRETURN_CODE);
      vmas.add(trampoline, trampoline + PAGE, PROT_READ | PROT_EXEC, "[vdso]");
    } catch (e) {
      if (mem !== this.mem) mem.releaseAll();
      throw e;
    }
    // the point of no return: the old image goes
    for (const t of [...this.threads]) this.kernel.dropThread(t);
    if (mem !== this.mem) {
      this.kernel.letGoOf(this.mem);
      this.mem = mem;
      this.vmas = vmas;
    }
    this.program = prog;
    this.brkStart = this.brk = prog.brk;
    this.trampoline = trampoline;
    this.exeHostPath = exe;
    this.exeGuestPath = this.fs.guestPathOf(exe) ?? exe;
    this.hasSharedFileMappings = false;
    this.releaseVforkParent();
    imageMapped(this, this.exeGuestPath, exe, prog.main.bias);
    if (prog.interp !== undefined && elf.interpreter !== undefined) {
      const sysroot = this.options.sysroot;
      imageMapped(this, elf.interpreter, sysroot && join(sysroot, elf.interpreter), prog.interp.bias);
    }

    const state = new HartState();
    state.pc = prog.entry;
    state.setX(2, prog.stack.sp);
    return this.addThread(this.pid, state);
  }

  /** A vfork parent waiting for this process to exec or end goes on. */
  releaseVforkParent(): void {
    const t = this.vforkParent;
    if (t === undefined) return;
    this.vforkParent = undefined;
    if (t.wait?.what.startsWith("vfork") && !t.exited) t.complete(this.pid);
  }

  /** A thread of this process on a new hart (on the process's address space). */
  addThread(tid: number, state: HartState): Thread {
    const t = new Thread(tid, this.machine.addHart(state, tid, this.mem), this);
    this.threads.push(t);
    this.kernel.hartThreads.set(t.hart, t);
    return t;
  }

  /** A new thread running a copy of `parent`'s registers (clone with CLONE_VM|CLONE_THREAD). */
  spawnThread(parent: Thread): Thread {
    const t = this.addThread(this.kernel.newId(), parent.state.clone());
    t.sigmask = parent.sigmask;
    return t;
  }

  thread(tid: number): Thread | undefined {
    return this.threads.find((t) => t.tid === tid && !t.exited);
  }

  /** The thread running on `hart`. */
  threadOf(hart: Hart): Thread | undefined {
    return this.threads.find((t) => t.hart === hart);
  }

  /** Limits for prlimit64/getrlimit, as Linux defaults them (RLIM_INFINITY = ~0). */
  rlimit(resource: number): [bigint, bigint] {
    const inf = 0xffff_ffff_ffff_ffffn;
    const set = this.rlimits.get(resource);
    if (set) return set;
    switch (resource) {
      case 3: // RLIMIT_STACK
        return [8n << 20n, inf];
      case 4: // RLIMIT_CORE
        return [0n, inf];
      case 6: // RLIMIT_NPROC
        return [4096n, 4096n];
      case 7: // RLIMIT_NOFILE
        return [1024n, 1024n];
      case 8: // RLIMIT_MEMLOCK
        return [8n << 20n, 8n << 20n];
      case 14: // RLIMIT_RTPRIO
      case 13: // RLIMIT_NICE
        return [0n, 0n];
      case 11: // RLIMIT_SIGPENDING
        return [4096n, 4096n];
      case 12: // RLIMIT_MSGQUEUE
        return [819200n, 819200n];
      default:
        return [inf, inf];
    }
  }

  warnOnce(key: number, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.warn(line);
  }
}
