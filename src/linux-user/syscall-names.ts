// Names of the riscv64 Linux syscalls by number: the asm-generic table (include/uapi/asm-generic/
// unistd.h) plus riscv's arch-specific ones (arch_specific_syscall = 244). Used for the
// "unimplemented syscall" message, tracing and --strict.

/** Numbers 0..243, five per line. */
const GENERIC =
  // 0
  (
    "io_setup io_destroy io_submit io_cancel io_getevents " +
    // 5
    "setxattr lsetxattr fsetxattr getxattr lgetxattr " +
    // 10
    "fgetxattr listxattr llistxattr flistxattr removexattr " +
    // 15
    "lremovexattr fremovexattr getcwd lookup_dcookie eventfd2 " +
    // 20
    "epoll_create1 epoll_ctl epoll_pwait dup dup3 " +
    // 25
    "fcntl inotify_init1 inotify_add_watch inotify_rm_watch ioctl " +
    // 30
    "ioprio_set ioprio_get flock mknodat mkdirat " +
    // 35
    "unlinkat symlinkat linkat renameat umount2 " +
    // 40
    "mount pivot_root nfsservctl statfs fstatfs " +
    // 45
    "truncate ftruncate fallocate faccessat chdir " +
    // 50
    "fchdir chroot fchmod fchmodat fchownat " +
    // 55
    "fchown openat close vhangup pipe2 " +
    // 60
    "quotactl getdents64 lseek read write " +
    // 65
    "readv writev pread64 pwrite64 preadv " +
    // 70
    "pwritev sendfile pselect6 ppoll signalfd4 " +
    // 75
    "vmsplice splice tee readlinkat newfstatat " +
    // 80
    "fstat sync fsync fdatasync sync_file_range " +
    // 85
    "timerfd_create timerfd_settime timerfd_gettime utimensat acct " +
    // 90
    "capget capset personality exit exit_group " +
    // 95
    "waitid set_tid_address unshare futex set_robust_list " +
    // 100
    "get_robust_list nanosleep getitimer setitimer kexec_load " +
    // 105
    "init_module delete_module timer_create timer_gettime timer_getoverrun " +
    // 110
    "timer_settime timer_delete clock_settime clock_gettime clock_getres " +
    // 115
    "clock_nanosleep syslog ptrace sched_setparam sched_setscheduler " +
    // 120
    "sched_getscheduler sched_getparam sched_setaffinity sched_getaffinity sched_yield " +
    // 125
    "sched_get_priority_max sched_get_priority_min sched_rr_get_interval restart_syscall kill " +
    // 130
    "tkill tgkill sigaltstack rt_sigsuspend rt_sigaction " +
    // 135
    "rt_sigprocmask rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigreturn " +
    // 140
    "setpriority getpriority reboot setregid setgid " +
    // 145
    "setreuid setuid setresuid getresuid setresgid " +
    // 150
    "getresgid setfsuid setfsgid times setpgid " +
    // 155
    "getpgid getsid setsid getgroups setgroups " +
    // 160
    "uname sethostname setdomainname getrlimit setrlimit " +
    // 165
    "getrusage umask prctl getcpu gettimeofday " +
    // 170
    "settimeofday adjtimex getpid getppid getuid " +
    // 175
    "geteuid getgid getegid gettid sysinfo " +
    // 180
    "mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify " +
    // 185
    "mq_getsetattr msgget msgctl msgrcv msgsnd " +
    // 190
    "semget semctl semtimedop semop shmget " +
    // 195
    "shmctl shmat shmdt socket socketpair " +
    // 200
    "bind listen accept connect getsockname " +
    // 205
    "getpeername sendto recvfrom setsockopt getsockopt " +
    // 210
    "shutdown sendmsg recvmsg readahead brk " +
    // 215
    "munmap mremap add_key request_key keyctl " +
    // 220
    "clone execve mmap fadvise64 swapon " +
    // 225
    "swapoff mprotect msync mlock munlock " +
    // 230
    "mlockall munlockall mincore madvise remap_file_pages " +
    // 235
    "mbind get_mempolicy set_mempolicy migrate_pages move_pages " +
    // 240
    "rt_tgsigqueueinfo perf_event_open accept4 recvmmsg"
  ).split(" ");

const LATER: Record<number, string> = {
  258: "riscv_hwprobe",
  259: "riscv_flush_icache",
  260: "wait4",
  261: "prlimit64",
  262: "fanotify_init",
  263: "fanotify_mark",
  264: "name_to_handle_at",
  265: "open_by_handle_at",
  266: "clock_adjtime",
  267: "syncfs",
  268: "setns",
  269: "sendmmsg",
  270: "process_vm_readv",
  271: "process_vm_writev",
  272: "kcmp",
  273: "finit_module",
  274: "sched_setattr",
  275: "sched_getattr",
  276: "renameat2",
  277: "seccomp",
  278: "getrandom",
  279: "memfd_create",
  280: "bpf",
  281: "execveat",
  282: "userfaultfd",
  283: "membarrier",
  284: "mlock2",
  285: "copy_file_range",
  286: "preadv2",
  287: "pwritev2",
  288: "pkey_mprotect",
  289: "pkey_alloc",
  290: "pkey_free",
  291: "statx",
  292: "io_pgetevents",
  293: "rseq",
  294: "kexec_file_load",
  424: "pidfd_send_signal",
  425: "io_uring_setup",
  426: "io_uring_enter",
  427: "io_uring_register",
  428: "open_tree",
  429: "move_mount",
  430: "fsopen",
  431: "fsconfig",
  432: "fsmount",
  433: "fspick",
  434: "pidfd_open",
  435: "clone3",
  436: "close_range",
  437: "openat2",
  438: "pidfd_getfd",
  439: "faccessat2",
  440: "process_madvise",
  441: "epoll_pwait2",
  442: "mount_setattr",
  443: "quotactl_fd",
  444: "landlock_create_ruleset",
  445: "landlock_add_rule",
  446: "landlock_restrict_self",
  447: "memfd_secret",
  448: "process_mrelease",
  449: "futex_waitv",
  450: "set_mempolicy_home_node",
  451: "cachestat",
  452: "fchmodat2",
  453: "map_shadow_stack",
  454: "futex_wake",
  455: "futex_wait",
  456: "futex_requeue",
  457: "statmount",
  458: "listmount",
  459: "lsm_get_self_attr",
  460: "lsm_set_self_attr",
  461: "lsm_list_modules",
  462: "mseal",
};

/** Syscalls riscv64 does not have although the generic table lists them (no __ARCH_WANT_RENAMEAT). */
const NOT_ON_RISCV64 = new Set([38]);

/** The riscv64 name of syscall `nr`, or undefined if riscv64 has no syscall with that number. */
export function syscallName(nr: number): string | undefined {
  if (NOT_ON_RISCV64.has(nr)) return undefined;
  if (nr >= 0 && nr < GENERIC.length) return GENERIC[nr];
  return LATER[nr];
}

/** Every riscv64 syscall as [number, name], ascending. */
export function allSyscalls(): [number, string][] {
  const out: [number, string][] = [];
  for (let nr = 0; nr < 463; nr++) {
    const name = syscallName(nr);
    if (name) out.push([nr, name]);
  }
  return out;
}

let byName: Map<string, number> | undefined;

/** Syscall number for a name (the syscall table, the tracer, tests). */
export function syscallNumber(name: string): number | undefined {
  // built once: the syscall table looks up every handler's name at start-up
  byName ??= new Map(allSyscalls().map(([nr, n]) => [n, nr]));
  return byName.get(name);
}
