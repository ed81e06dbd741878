// Signal numbers as the remote protocol writes them: gdb's own numbering (gdb's signals.def,
// "enum gdb_signal"), which differs from Linux's for SIGBUS, SIGUSR1/2, SIGCHLD, the stop signals
// and the real-time ones.

/** Linux's signal 1..31 (index) as gdb numbers it; 0: none. */
const FROM_LINUX = [
  0, 1 /*HUP*/, 2 /*INT*/, 3 /*QUIT*/, 4 /*ILL*/, 5 /*TRAP*/, 6 /*ABRT*/, 10 /*BUS*/, 8 /*FPE*/, 9 /*KILL*/,
  30 /*USR1*/, 11 /*SEGV*/, 31 /*USR2*/, 13 /*PIPE*/, 14 /*ALRM*/, 15 /*TERM*/, 143 /*STKFLT: unknown*/,
  20 /*CHLD*/, 19 /*CONT*/, 17 /*STOP*/, 18 /*TSTP*/, 21 /*TTIN*/, 22 /*TTOU*/, 16 /*URG*/, 24 /*XCPU*/,
  25 /*XFSZ*/, 26 /*VTALRM*/, 27 /*PROF*/, 28 /*WINCH*/, 23 /*IO*/, 32 /*PWR*/, 12 /*SYS*/,
] as const;

/** gdb's numbers of the real-time signals: 32 is 77, 33..63 are 45..75, 64 is 78. */
export function gdbSignal(linux: number): number {
  if (linux >= 0 && linux < 32) return FROM_LINUX[linux]!;
  if (linux === 32) return 77;
  if (linux <= 63) return linux + 12;
  if (linux === 64) return 78;
  return 143;
}

/** Linux's number of gdb's signal `g`, or undefined for one Linux does not have. */
export function linuxSignal(g: number): number | undefined {
  if (g === 0) return 0;
  const i = FROM_LINUX.indexOf(g as (typeof FROM_LINUX)[number]);
  if (i > 0 && g !== 143) return i;
  if (g === 77) return 32;
  if (g >= 45 && g <= 75) return g - 12;
  if (g === 78) return 64;
  return undefined;
}
