// A Linux user process on hartscope: one address space, file table, signal actions and a set of
// threads, each thread a hart of the process's machine (src/machine/) with its own registers.

import type { ElfFile } from "../elf/elf.js";
import type { Hart } from "../hart/hart.js";
import type { JitOptions } from "../hart/jit/hart-jit.js";
import { HartState } from "../hart/state.js";
import { Machine } from "../machine/machine.js";
import { Prng } from "../machine/prng.js";
import { hostGid, hostUid } from "./abi.js";
import { AddressSpace, PROT_EXEC, PROT_READ } from "./address-space.js";
import { GuestClock } from "./clock.js";
import { FdTable, HostFile } from "./files.js";
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
  /** a futex wait: woken by FUTEX_WAKE on addr with a matching bitset */
  futex?: { addr: number; bitset: number };
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
  clearChildTid = 0;
  robustList = 0;
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

export class LinuxProcess {
  readonly pid = GUEST_PID;
  readonly ppid = GUEST_PPID;
  readonly uid = hostUid();
  readonly gid = hostGid();
  readonly mem: AddressSpace;
  /** the harts of the threads, the memory they run on, virtual time and the probes */
  readonly machine: Machine;
  readonly vmas = new VmaList();
  readonly fds = new FdTable();
  readonly fs: GuestFs;
  readonly clock: GuestClock;
  readonly prng: Prng;
  readonly threads: Thread[] = [];
  /** index 1..64 */
  readonly sigactions: SigAction[] = [];
  private nextTid = GUEST_PID + 1;
  brkStart = 0;
  brk = 0;
  /** address of the rt_sigreturn trampoline (no vDSO: hartscope provides the code) */
  trampoline = 0;
  umask = 0o022;
  readonly rlimits = new Map<number, [bigint, bigint]>();
  /** syscalls already reported as unimplemented */
  readonly warned = new Set<number>();
  exit?: ExitStatus;
  /** exit status of the main thread if it left with exit() while others ran on */
  leaderExitCode?: number;
  /** counter for Wait.seq */
  waitSeq = 0;
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

  constructor(readonly options: ProcessOptions) {
    this.mem = new AddressSpace(options.memoryBytes);
    // rdtime reads the system timer, the same for every thread: CLOCK_MONOTONIC's
    this.machine = new Machine(this.mem, { jit: options.jit, time: () => this.clock.timerTicks() });
    this.fs = new GuestFs(options.root, options.sysroot);
    this.clock = new GuestClock(options.wallClock, this.machine);
    this.prng = new Prng(options.seed);
    for (let s = 0; s <= NSIG; s++) this.sigactions.push({ handler: SIG_DFL, flags: 0, mask: 0n });
    const stdio = options.stdio ?? [0, 1, 2];
    stdio.forEach((host, fd) => {
      this.fds.install(HostFile.std(host, fd), false);
    });
  }

  /** execve: load `elf` (read from host path `exe`) with argv/envp and create the main thread. */
  exec(elf: ElfFile, exe: string, argv: string[], envp: string[]): Thread {
    const random = this.prng.bytes(16);
    const ids = { uid: this.uid, euid: this.uid, gid: this.gid, egid: this.gid };
    const prog = loadProgram(this.mem, this.vmas, {
      elf,
      argv,
      envp,
      execfn: argv[0] ?? exe,
      random,
      sysroot: this.options.sysroot,
      ids,
    });
    this.program = prog;
    this.brkStart = this.brk = prog.brk;
    this.trampoline = this.mem.findFree(PAGE, MMAP_BASE);
    if (this.trampoline < 0) throw new LoadError("no room for the signal trampoline page");
    this.mem.map(this.trampoline, PAGE, PROT_READ | PROT_EXEC);
    this.mem.write(this.trampoline, SIGRETURN_CODE);
    this.vmas.add(this.trampoline, this.trampoline + PAGE, PROT_READ | PROT_EXEC, "[vdso]");
    this.exeHostPath = exe;
    this.exeGuestPath = this.fs.guestPathOf(exe) ?? exe;

    const state = new HartState();
    state.pc = prog.entry;
    state.setX(2, prog.stack.sp);
    const t = new Thread(this.pid, this.machine.addHart(state, this.pid));
    this.threads.push(t);
    return t;
  }

  /** A new thread running a copy of `parent`'s registers (clone with CLONE_VM|CLONE_THREAD). */
  spawnThread(parent: Thread): Thread {
    const tid = this.nextTid++;
    const t = new Thread(tid, this.machine.addHart(parent.state.clone(), tid));
    t.sigmask = parent.sigmask;
    this.threads.push(t);
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
