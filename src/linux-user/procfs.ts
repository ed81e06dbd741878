// /proc as programs read it (proc(5)): /proc/self and /proc/<pid> for every process of the run
// (exe, maps, fd/, stat, status, cmdline, environ) and /proc/cpuinfo, /proc/meminfo describing the
// emulated machine. Files are made when opened (a snapshot, as a read of Linux's seq files at
// offset 0 is); anything else under /proc is left to the file system as before.

import { openSync } from "node:fs";
import { basename } from "node:path";
import { S_IFDIR, type StatInfo, syntheticStat } from "./abi.js";
import { EACCES, ENOENT } from "./errno.js";
import { HostFile, MemoryFile, OpenFile } from "./files.js";
import type { Kernel } from "./kernel.js";
import { TASK_SIZE } from "./layout.js";
import { O_RDONLY } from "./open-flags.js";
import type { LinuxProcess, Thread } from "./process.js";
import type { Vma } from "./vma.js";

/** The ISA Linux prints for the harts hartscope emulates (RV64GC with Zba/Zbb). */
export const CPUINFO_ISA = "rv64imafdc_zicsr_zifencei_zba_zbb";

const PROC_PATH = /^\/proc\/(self|thread-self|\d+)(?:\/(.*))?$/;

/** The process a /proc/<who> component names, or undefined (no such process). */
function target(p: LinuxProcess, who: string): LinuxProcess | undefined {
  if (who === "self" || who === "thread-self") return p;
  return p.kernel.processes.get(Number(who));
}

/**
 * The file at guest absolute path `guest` (lexically normalized) if /proc makes it: an open file,
 * -errno, or undefined when /proc has nothing to say about the path.
 */
export function procFile(p: LinuxProcess, guest: string): OpenFile | number | undefined {
  if (guest === "/proc/cpuinfo") return text(guest, cpuinfo(), 0x1002);
  if (guest === "/proc/meminfo") return text(guest, meminfo(p), 0x1004);
  const m = PROC_PATH.exec(guest);
  if (!m) return undefined;
  const q = target(p, m[1]!);
  if (q === undefined) return -ENOENT;
  const rest = m[2] ?? "";
  const ino = 0x10000 + q.pid * 16;
  switch (rest) {
    case "":
      return new ProcDir(guest, ino, ["cmdline", "environ", "exe", "fd", "maps", "stat", "status"]);
    case "exe":
      if (q.exeHostPath === "") return -ENOENT;
      try {
        const fd = openSync(q.exeHostPath, "r");
        return new HostFile(fd, O_RDONLY, q.exeGuestPath, q.exeHostPath, true, false, true);
      } catch {
        return -EACCES;
      }
    case "maps":
      return text(guest, maps(q), ino + 1);
    case "stat":
      return text(guest, stat(p, q), ino + 2);
    case "status":
      return text(guest, status(q), ino + 3);
    case "cmdline":
      return text(guest, strings(q, "argv"), ino + 4);
    case "environ":
      return text(guest, strings(q, "envp"), ino + 5);
    case "fd":
      return new ProcDir(guest, ino + 6, [...fdNumbers(q)].map(String));
  }
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd) return q.fds.get(Number(fd[1])) ?? -ENOENT;
  return undefined;
}

/**
 * What readlink gives for a /proc path: the target, "" for a link that is not there (ENOENT), or
 * undefined when the path is not a /proc link.
 */
export function procLink(p: LinuxProcess, guest: string): string | undefined {
  if (guest === "/proc/self") return String(p.pid);
  if (guest === "/proc/thread-self") return `${p.pid}/task/${p.pid}`;
  const m = PROC_PATH.exec(guest);
  if (!m) return undefined;
  const q = target(p, m[1]!);
  if (q === undefined) return "";
  const rest = m[2] ?? "";
  if (rest === "exe") return q.exeGuestPath;
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd) return q.fds.get(Number(fd[1]))?.path ?? "";
  return undefined;
}

function text(path: string, s: string, ino: number): MemoryFile {
  return new MemoryFile(new TextEncoder().encode(s), path, ino);
}

function fdNumbers(q: LinuxProcess): number[] {
  const out: number[] = [];
  for (let fd = 0; fd < 1024; fd++) if (q.fds.get(fd)) out.push(fd);
  return out;
}

/**
 * pid, ppid and execname (comm) of the process thread `tid` belongs to, for a tracer's D
 * variables; undefined when no process of the run has had that thread. Thread ids are never reused
 * in a run and a thread never changes process, so each is looked up once.
 */
export function processIdsOf(
  kernel: Kernel,
): (tid: number) => { pid: number; ppid: number; execname: string } | undefined {
  const known = new Map<number, LinuxProcess>();
  return (tid) => {
    let q = known.get(tid);
    if (q === undefined) {
      q = kernel.processes.get(tid);
      if (q === undefined)
        for (const p of kernel.processes.values())
          if (p.threads.some((t) => t.tid === tid)) {
            q = p;
            break;
          }
      if (q === undefined) return undefined;
      known.set(tid, q);
    }
    return { pid: q.pid, ppid: q.ppid, execname: comm(q) };
  };
}

/**
 * A thread's name as Linux keeps it (its task comm): its own, set by prctl(PR_SET_NAME), else the
 * process's (which a new thread inherits).
 */
export function threadName(t: Thread): string {
  return t.name.slice(0, 15) || comm(t.process);
}

/** The command name Linux keeps (task comm): the main thread's name, at most 15 bytes. */
function comm(q: LinuxProcess): string {
  const main = q.threads.find((t) => t.tid === q.pid) ?? q.threads[0];
  const name = main?.name || basename(q.exeGuestPath);
  return name.slice(0, 15);
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** proc(5) /proc/pid/maps: start-end perms offset dev inode path, path at column 74. */
export function maps(q: LinuxProcess): string {
  return q.vmas.list
    .map((v: Vma) => {
      const perms = `${v.prot & 1 ? "r" : "-"}${v.prot & 2 ? "w" : "-"}${v.prot & 4 ? "x" : "-"}${v.sharedFd === undefined ? "p" : "s"}`;
      const name = v.name.startsWith("[anon") ? "" : v.name;
      const head = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(v.offset, 8)} 00:00 0`;
      return name ? `${head.padEnd(73)}${name}\n` : `${head}\n`;
    })
    .join("");
}

/** State letter: the reading process runs, a zombie is Z, the others wait their turn (S). */
function state(reader: LinuxProcess, q: LinuxProcess): string {
  if (q.zombie) return "Z";
  if (q.stopped) return "T";
  return q === reader ? "R" : "S";
}

/** proc(5) /proc/pid/stat: 52 fields, the ones hartscope knows filled in, the rest 0. */
function stat(reader: LinuxProcess, q: LinuxProcess): string {
  const vsize = q.vmas.list.reduce((n, v) => n + (v.end - v.start), 0);
  const prog = q.program;
  const stack = prog?.stack;
  const exit = q.exit;
  const exitCode =
    exit === undefined ? 0 : exit.code === undefined ? (exit.signal ?? 0) : (exit.code & 0xff) << 8;
  const f: (number | string)[] = [
    q.pid,
    `(${comm(q)})`,
    state(reader, q),
    q.ppid,
    q.pgid,
    q.sid,
    0, // tty_nr
    -1, // tpgid
    0x400040, // flags: PF_EXITING-free user task (PF_FORKNOEXEC|PF_RANDOMIZE bits as commonly seen)
    0, // minflt
    0,
    0,
    0,
    0, // utime
    0,
    0,
    0,
    20, // priority
    0, // nice
    Math.max(1, q.threads.length),
    0, // itrealvalue
    0, // starttime
    vsize,
    Math.floor(q.mem.chargedBytes / 4096), // rss in pages
    "18446744073709551615", // rsslim
    prog?.main.bias ?? 0, // startcode (bias of the main image)
    prog?.brk ?? 0, // endcode (approximated by the initial break)
    prog?.stackTop ?? 0, // startstack
    0, // kstkesp
    0, // kstkeip
    0, // signal
    0, // blocked
    0, // sigignore
    0, // sigcatch
    0, // wchan
    0,
    0,
    q.exitSignal,
    0, // processor
    0, // rt_priority
    0, // policy
    0, // delayacct_blkio_ticks
    0, // guest_time
    0,
    0, // start_data
    0, // end_data
    q.brkStart,
    stack?.argvAddr ?? 0, // arg_start (the argv pointers here; see cmdline)
    stack?.envpAddr ?? 0,
    stack?.envpAddr ?? 0,
    stack?.auxvAddr ?? 0,
    exitCode,
  ];
  return `${f.join(" ")}\n`;
}

const STATE_NAMES: Record<string, string> = {
  R: "R (running)",
  S: "S (sleeping)",
  T: "T (stopped)",
  Z: "Z (zombie)",
};

/** proc(5) /proc/pid/status: the leading fields programs parse. */
function status(q: LinuxProcess): string {
  const kb = (n: number) => `${String(Math.floor(n / 1024)).padStart(8)} kB`;
  const vsize = q.vmas.list.reduce((n, v) => n + (v.end - v.start), 0);
  const ids = `${q.uid}\t${q.uid}\t${q.uid}\t${q.uid}`;
  const gids = `${q.gid}\t${q.gid}\t${q.gid}\t${q.gid}`;
  return [
    `Name:\t${comm(q)}`,
    `Umask:\t${q.umask.toString(8).padStart(4, "0")}`,
    `State:\t${STATE_NAMES[q.zombie ? "Z" : q.stopped ? "T" : "S"]}`,
    `Tgid:\t${q.pid}`,
    "Ngid:\t0",
    `Pid:\t${q.pid}`,
    `PPid:\t${q.ppid}`,
    "TracerPid:\t0",
    `Uid:\t${ids}`,
    `Gid:\t${gids}`,
    `FDSize:\t${Math.max(64, 2 ** Math.ceil(Math.log2(fdNumbers(q).length + 1)))}`,
    `VmSize:\t${kb(vsize)}`,
    `VmRSS:\t${kb(q.mem.chargedBytes)}`,
    `Threads:\t${Math.max(1, q.threads.length)}`,
    "",
  ].join("\n");
}

/** argv or envp as NUL-terminated strings, read from the process's own memory (as Linux does). */
function strings(q: LinuxProcess, which: "argv" | "envp"): string {
  const stack = q.program?.stack;
  if (stack === undefined || q.zombie) return "";
  let at = which === "argv" ? stack.argvAddr : stack.envpAddr;
  let out = "";
  try {
    for (let i = 0; i < 4096; i++, at += 8) {
      const b = q.mem.read(at, 8);
      const ptr = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
      if (ptr === 0) break;
      out += `${q.mem.readCString(ptr, 128 * 1024)}\0`;
    }
  } catch {
    // the program overwrote its arguments' pointers with something unmapped: what was read stands
  }
  return out;
}

/** /proc/cpuinfo as Linux prints it on RISC-V (arch/riscv/kernel/cpu.c): one user-mode hart. */
export function cpuinfo(): string {
  const mmu = TASK_SIZE <= 2 ** 38 ? "sv39" : "sv48";
  return `processor\t: 0\nhart\t\t: 0\nisa\t\t: ${CPUINFO_ISA}\nmmu\t\t: ${mmu}\nuarch\t\t: hartscope\n\n`;
}

/** /proc/meminfo for the emulated machine: MemTotal is the run's memory cap. */
export function meminfo(p: LinuxProcess): string {
  const total = p.mem.capBytes;
  let used = 0;
  for (const q of p.kernel.live()) used += q.mem.chargedBytes;
  const free = Math.max(0, total - used);
  const line = (name: string, bytes: number) =>
    `${`${name}:`.padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(8)} kB\n`;
  return (
    line("MemTotal", total) +
    line("MemFree", free) +
    line("MemAvailable", free) +
    line("Buffers", 0) +
    line("Cached", 0) +
    line("SwapTotal", 0) +
    line("SwapFree", 0)
  );
}

/** A /proc directory: a fixed list of names (getdents64 records, linux_dirent64). */
class ProcDir extends OpenFile {
  private pos = 0;
  constructor(
    path: string,
    private readonly ino: number,
    private readonly names: string[],
  ) {
    super(O_RDONLY, path);
  }
  override read(): number {
    return -21; // EISDIR
  }
  override stat(): StatInfo {
    return syntheticStat(S_IFDIR | 0o555, this.ino, 0);
  }
  override getdents(max: number): Uint8Array | number {
    const all = [".", "..", ...this.names];
    const out: number[] = [];
    while (this.pos < all.length) {
      const name = new TextEncoder().encode(all[this.pos]!);
      const reclen = (19 + name.length + 1 + 7) & ~7;
      if (out.length + reclen > max) {
        if (out.length === 0) return -22; // EINVAL
        break;
      }
      const rec = new Uint8Array(reclen);
      const dv = new DataView(rec.buffer);
      dv.setBigUint64(0, BigInt(this.ino + this.pos), true);
      dv.setBigInt64(8, BigInt(this.pos + 1), true);
      dv.setUint16(16, reclen, true);
      rec[18] = this.pos < 2 ? 4 : 0; // DT_DIR for . and .., DT_UNKNOWN otherwise
      rec.set(name, 19);
      out.push(...rec);
      this.pos++;
    }
    return new Uint8Array(out);
  }
  override seek(offset: number, whence: number): number {
    if (whence !== 0 || offset < 0) return -22;
    this.pos = offset;
    return offset;
  }
}
