// What D predefines, as hartscope has it: the built-in variables (Dynamic Tracing Guide, "Built-in
// Variables", with their D types), the uregs[] register names, and the names of the functions —
// actions, subroutines and aggregating functions — whose arguments the checker knows.

import { type DType, I32, I64, STRING, U32, U64 } from "./types.js";

/** Built-in scalar variables and their D types (pid_t, id_t, processorid_t and int are 32-bit). */
export const BUILTIN_VARIABLES: ReadonlyMap<string, DType> = new Map<string, DType>([
  ...Array.from({ length: 10 }, (_, i): [string, DType] => [`arg${i}`, I64]),
  ["probeprov", STRING],
  ["probemod", STRING],
  ["probefunc", STRING],
  ["probename", STRING],
  ["execname", STRING],
  ["cpu", I32],
  ["pid", I32],
  ["ppid", I32],
  ["tid", I32],
  ["timestamp", U64],
  ["vtimestamp", U64],
  ["walltimestamp", I64],
  ["errno", I32],
  ["ustackdepth", U32],
]);

/** Built-ins of DTrace that hartscope does not provide, with what to say instead. */
export const UNSUPPORTED_BUILTINS: ReadonlyMap<string, string> = new Map([
  ["args", "args[] (typed probe arguments) is not supported: use arg0..arg9"],
  ["curthread", "curthread is not supported"],
  ["curpsinfo", "curpsinfo is not supported"],
  ["curlwpsinfo", "curlwpsinfo is not supported"],
  ["curcpu", "curcpu is not supported: use cpu"],
  ["caller", "caller is not supported"],
  ["ucaller", "ucaller is not supported: use uregs[R_RA]"],
  ["stackdepth", "stackdepth is not supported"],
  ["regs", "regs[] is not supported: use uregs[]"],
  ["epid", "epid is not supported"],
  ["id", "id is not supported"],
  ["uid", "uid is not supported"],
  ["gid", "gid is not supported"],
  ["cwd", "cwd is not supported"],
  ["zonename", "zonename is not supported"],
]);

/**
 * The index of each register in uregs[]: x0..x31 are 0..31 (R_X0..R_X31, or their ABI names),
 * the pc is 32. The names are int constants, as DTrace's regs.d defines R_* for its machines.
 */
export const REGISTER_CONSTANTS: ReadonlyMap<string, number> = (() => {
  const abi = [
    "ZERO",
    "RA",
    "SP",
    "GP",
    "TP",
    "T0",
    "T1",
    "T2",
    "S0",
    "S1",
    "A0",
    "A1",
    "A2",
    "A3",
    "A4",
    "A5",
    "A6",
    "A7",
    "S2",
    "S3",
    "S4",
    "S5",
    "S6",
    "S7",
    "S8",
    "S9",
    "S10",
    "S11",
    "T3",
    "T4",
    "T5",
    "T6",
  ];
  const m = new Map<string, number>();
  for (let i = 0; i < 32; i++) {
    m.set(`R_X${i}`, i);
    m.set(`R_${abi[i]}`, i);
  }
  m.set("R_FP", 8);
  m.set("R_PC", 32);
  return m;
})();

/** uregs[] has x0..x31 and the pc. */
export const UREGS_COUNT = 33;

export type AggFunc =
  | "count"
  | "sum"
  | "min"
  | "max"
  | "avg"
  | "stddev"
  | "quantize"
  | "lquantize"
  | "llquantize";

export const AGGREGATING_FUNCTIONS: ReadonlySet<string> = new Set<AggFunc>([
  "count",
  "sum",
  "min",
  "max",
  "avg",
  "stddev",
  "quantize",
  "lquantize",
  "llquantize",
]);

/** Actions: statements that record or do something and have no value. */
export type ActionName =
  | "trace"
  | "printf"
  | "printa"
  | "exit"
  | "clear"
  | "trunc"
  | "normalize"
  | "denormalize";

export const ACTIONS: ReadonlySet<string> = new Set<ActionName>([
  "trace",
  "printf",
  "printa",
  "exit",
  "clear",
  "trunc",
  "normalize",
  "denormalize",
]);

/** Subroutines: functions with a value. ustack() is also a statement of its own (it records the stack). */
export type SubroutineName =
  | "ustack"
  | "copyin"
  | "copyinstr"
  | "strlen"
  | "strjoin"
  | "substr"
  | "basename"
  | "lltostr";

export const SUBROUTINES: ReadonlySet<string> = new Set<SubroutineName>([
  "ustack",
  "copyin",
  "copyinstr",
  "strlen",
  "strjoin",
  "substr",
  "basename",
  "lltostr",
]);

/** Functions of DTrace that hartscope does not provide, with what to say instead. */
export const UNSUPPORTED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ["stack", "stack() records a kernel stack, which a user-mode guest does not have: use ustack()"],
  ["jstack", "jstack() is not supported: use ustack()"],
  ["tracemem", "tracemem() is not supported: use trace(copyin(addr, size))"],
  ["speculation", "speculative tracing is not supported"],
  ["speculate", "speculative tracing is not supported"],
  ["commit", "speculative tracing is not supported"],
  ["discard", "speculative tracing is not supported"],
  ["raise", "raise() is not supported"],
  ["system", "system() is not supported"],
  ["stop", "stop() is not supported"],
  ["panic", "panic() is not supported"],
  ["breakpoint", "breakpoint() is not supported"],
  ["chill", "chill() is not supported"],
  ["copyout", "copyout() is not supported: the tracer never writes guest memory"],
  ["copyoutstr", "copyoutstr() is not supported: the tracer never writes guest memory"],
  ["alloca", "alloca() is not supported"],
  ["bcopy", "bcopy() is not supported"],
  ["ftruncate", "ftruncate() is not supported"],
  ["freopen", "freopen() is not supported"],
  ["setopt", "setopt() is not supported"],
  ["sizeof", "sizeof is not supported"],
]);

/** Every function name, for "did you mean" suggestions. */
export const ALL_FUNCTIONS: readonly string[] = [...ACTIONS, ...SUBROUTINES, ...AGGREGATING_FUNCTIONS];
