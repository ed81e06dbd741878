// Process-wide information: ids, uname, limits, sysinfo, prctl, scheduling, randomness.

import { Struct } from "../abi.js";
import { EINVAL, ESRCH } from "../errno.js";
import type { Handler, Sys } from "./context.js";

const RLIM_NLIMITS = 16;
const PR_SET_PDEATHSIG = 1;
const PR_GET_PDEATHSIG = 2;
const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
const PR_SET_NAME = 15;
const PR_GET_NAME = 16;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_GET_NO_NEW_PRIVS = 39;
const PR_SET_VMA = 0x53564d41;

export const UNAME = {
  sysname: "Linux",
  nodename: "hartscope",
  release: "6.1.0",
  version: "#1 SMP hartscope",
  machine: "riscv64",
  domainname: "(none)",
};

function isSelf(c: Sys, pid: number): boolean {
  return pid === 0 || pid === c.p.pid;
}

function writeRlimit(c: Sys, addr: number, lim: [bigint, bigint]): void {
  c.mem.write(addr, new Struct(16).u64(0, lim[0]).u64(8, lim[1]).bytes);
}

function readRlimit(c: Sys, addr: number): [bigint, bigint] {
  const b = c.mem.read(addr, 16);
  const v = new DataView(b.buffer, b.byteOffset, 16);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

function setRlimit(c: Sys, resource: number, lim: [bigint, bigint]): number {
  if (lim[0] > lim[1]) return -EINVAL;
  c.p.rlimits.set(resource, lim);
  return 0;
}

export const processSyscalls: Record<string, Handler> = {
  getpid: (c) => c.p.pid,
  gettid: (c) => c.t.tid,
  getuid: (c) => c.p.uid,
  geteuid: (c) => c.p.uid,
  getgid: (c) => c.p.gid,
  getegid: (c) => c.p.gid,
  getpriority: () => 20, // nice 0, as the syscall encodes it (20 - nice)
  setpriority: () => 0,

  getresuid(c) {
    for (let i = 0; i < 3; i++) if (c.ulong(i) !== 0) c.mem.writeU32(c.ulong(i), c.p.uid);
    return 0;
  },
  getresgid(c) {
    for (let i = 0; i < 3; i++) if (c.ulong(i) !== 0) c.mem.writeU32(c.ulong(i), c.p.gid);
    return 0;
  },
  getgroups: () => 0,
  setgroups: () => -1, // EPERM
  // Changing to the ids we already have succeeds; anything else needs privileges we do not emulate.
  setuid: (c) => (c.uint(0) === c.p.uid ? 0 : -1),
  setgid: (c) => (c.uint(0) === c.p.gid ? 0 : -1),
  setreuid: (c) => ([c.int(0), c.int(1)].every((x) => x === -1 || x === c.p.uid) ? 0 : -1),
  setregid: (c) => ([c.int(0), c.int(1)].every((x) => x === -1 || x === c.p.gid) ? 0 : -1),
  setresuid: (c) => ([c.int(0), c.int(1), c.int(2)].every((x) => x === -1 || x === c.p.uid) ? 0 : -1),
  setresgid: (c) => ([c.int(0), c.int(1), c.int(2)].every((x) => x === -1 || x === c.p.gid) ? 0 : -1),
  setfsuid: (c) => c.p.uid,
  setfsgid: (c) => c.p.gid,
  capget(c) {
    // header {version, pid}; data: three {effective, permitted, inheritable} pairs, all empty
    if (c.ulong(1) !== 0) c.mem.write(c.ulong(1), new Uint8Array(24));
    return 0;
  },

  uname(c) {
    const s = new Struct(390);
    Object.values(UNAME).forEach((v, i) => {
      s.str(65 * i, v, 65);
    });
    c.mem.write(c.ulong(0), s.bytes);
    return 0;
  },

  sethostname: () => -1,
  setdomainname: () => -1,

  sysinfo(c) {
    const s = new Struct(112);
    s.u64(0, Math.floor(c.p.clock.monotonicNs() / 1e9));
    s.u64(32, 4 * 2 ** 30)
      .u64(40, 3 * 2 ** 30)
      .u64(48, 0)
      .u64(56, 0)
      .u64(64, 0)
      .u64(72, 0);
    s.u16(80, c.p.threads.length);
    s.u32(104, 1);
    c.mem.write(c.ulong(0), s.bytes);
    return 0;
  },

  prlimit64(c) {
    const pid = c.int(0);
    const resource = c.uint(1);
    if (!isSelf(c, pid)) return -ESRCH;
    if (resource >= RLIM_NLIMITS) return -EINVAL;
    const old = c.p.rlimit(resource);
    let next: [bigint, bigint] | undefined;
    if (c.ulong(2) !== 0) next = readRlimit(c, c.ulong(2));
    if (c.ulong(3) !== 0) writeRlimit(c, c.ulong(3), old);
    return next ? setRlimit(c, resource, next) : 0;
  },

  getrlimit(c) {
    const resource = c.uint(0);
    if (resource >= RLIM_NLIMITS) return -EINVAL;
    writeRlimit(c, c.ulong(1), c.p.rlimit(resource));
    return 0;
  },

  setrlimit(c) {
    const resource = c.uint(0);
    if (resource >= RLIM_NLIMITS) return -EINVAL;
    return setRlimit(c, resource, readRlimit(c, c.ulong(1)));
  },

  prctl(c) {
    const option = c.int(0);
    switch (option) {
      case PR_SET_NAME:
        c.t.name = c.mem.readCString(c.ulong(1), 16).slice(0, 15);
        return 0;
      case PR_GET_NAME: {
        const b = new Uint8Array(16);
        b.set(new TextEncoder().encode(c.t.name).subarray(0, 15));
        c.mem.write(c.ulong(1), b);
        return 0;
      }
      case PR_GET_DUMPABLE:
        return 1;
      case PR_SET_DUMPABLE:
      case PR_SET_PDEATHSIG:
      case PR_SET_NO_NEW_PRIVS:
      case PR_SET_VMA:
        return 0;
      case PR_GET_PDEATHSIG:
        c.mem.writeU32(c.ulong(1), 0);
        return 0;
      case PR_GET_NO_NEW_PRIVS:
        return 0;
      default:
        return -EINVAL;
    }
  },

  personality: (c) => (c.uint(0) === 0xffffffff ? 0 : 0),

  getcpu(c) {
    if (c.ulong(0) !== 0) c.mem.writeU32(c.ulong(0), 0);
    if (c.ulong(1) !== 0) c.mem.writeU32(c.ulong(1), 0);
    return 0;
  },

  sched_getaffinity(c) {
    const len = c.uint(1);
    if (len < 8 || len % 8 !== 0) return -EINVAL;
    if (!isSelf(c, c.int(0)) && !c.p.thread(c.int(0))) return -ESRCH;
    c.mem.write(c.ulong(2), new Struct(8).u64(0, 1).bytes);
    return 8;
  },
  sched_setaffinity: () => 0,
  sched_getscheduler: () => 0, // SCHED_OTHER
  sched_setscheduler: () => -1, // EPERM
  sched_getparam(c) {
    c.mem.writeU32(c.ulong(1), 0);
    return 0;
  },
  sched_setparam: () => 0,
  sched_get_priority_max: (c) => (c.int(0) === 1 || c.int(0) === 2 ? 99 : 0),
  sched_get_priority_min: (c) => (c.int(0) === 1 || c.int(0) === 2 ? 1 : 0),

  getrandom(c) {
    const flags = c.uint(2);
    if (flags & ~7) return -EINVAL;
    const n = Math.min(c.ulong(1), 1 << 25);
    c.mem.write(c.ulong(0), c.p.prng.bytes(n));
    return n;
  },

  // rseq: glibc registers it when the kernel has it and copes with ENOSYS (hartscope has no
  // preemption to notify about).
  rseq: () => -38,
};
