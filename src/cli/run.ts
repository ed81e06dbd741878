// `hartscope run`: run a static (or, with --sysroot, dynamic) riscv64 Linux program like
// qemu-riscv64 does, and return the exit status a shell would see.

import { statSync } from "node:fs";
import { parseElf } from "../elf/elf.js";
import { type ExitStatus, LinuxProcess } from "../linux-user/process.js";
import { runProcess, UserRun } from "../linux-user/scheduler.js";
import { readProgram, UsageError } from "./errors.js";
import { serveGdbOption } from "./gdb-option.js";
import { type JitChoice, jitStatsLine, machineJit } from "./jit-option.js";
import { err } from "./output.js";

/** jit, jitHot: --jit and --jit-hot (hart/jit/; off runs the interpreter alone) */
export interface RunOptions extends JitChoice {
  stats: boolean;
  strict: boolean;
  root: string;
  sysroot?: string;
  quantum: number;
  wallClock: boolean;
  seed: number;
  prog: string;
  args: string[];
  /** environment as NAME=VALUE strings; default: the host's */
  env?: string[];
  /** -g PORT: serve gdb on this TCP port of the loopback interface (0: any free one) */
  gdb?: number;
}

/**
 * The guest's environment options, as qemu-riscv64's -E and -U: applied in order on top of the
 * host's environment, or of an empty one with --clear-env (wherever it stands on the line).
 */
export const ENV_VALUE_OPTIONS: readonly string[] = ["-E", "-U"];
export const ENV_FLAGS: readonly string[] = ["--clear-env"];

export interface EnvEdits {
  clear: boolean;
  /** [name, value] to set, or [name] to unset, in command-line order */
  edits: [string, string?][];
}

export const noEnvEdits = (): EnvEdits => ({ clear: false, edits: [] });

/** Record `-E NAME=VALUE` or `-U NAME`; a name must be non-empty and hold no '='. */
export function envOption(e: EnvEdits, opt: string, v: string): void {
  if (opt === "-E") {
    const eq = v.indexOf("=");
    if (eq < 0) throw new UsageError(`-E ${v}: expected NAME=VALUE (for an empty value: -E ${v}=)`);
    if (eq === 0) throw new UsageError(`-E ${v}: the variable's name is empty`);
    e.edits.push([v.slice(0, eq), v.slice(eq + 1)]);
  } else {
    if (v === "") throw new UsageError("-U needs a variable's name (got '')");
    if (v.includes("=")) throw new UsageError(`-U ${v}: a name holds no '=' (-U takes NAME alone)`);
    e.edits.push([v]);
  }
}

/** The guest's environment as NAME=VALUE strings: the host's (or none), edited in order. */
export function guestEnvironment(e: EnvEdits, host: NodeJS.ProcessEnv): string[] {
  const vars = new Map<string, string>();
  if (!e.clear) for (const [k, v] of Object.entries(host)) if (v !== undefined) vars.set(k, v);
  for (const [k, v] of e.edits) {
    if (v === undefined) vars.delete(k);
    else vars.set(k, v);
  }
  return [...vars].map(([k, v]) => `${k}=${v}`);
}

export const DEFAULT_QUANTUM = 10_000;
export const MIN_QUANTUM = 64;

function requireDir(opt: string, dir: string): void {
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${opt} ${dir}: not a directory`);
}

/** The exit status a shell sees for how the guest ended: its code, or 128 + the signal. */
export function shellStatus(s: ExitStatus): number {
  if (s.hostCode !== undefined) return s.hostCode;
  if (s.signal !== undefined) return 128 + s.signal;
  return s.code ?? 0;
}

export function runCommand(o: RunOptions): number | Promise<number> {
  requireDir("--root", o.root);
  if (o.sysroot !== undefined) requireDir("--sysroot", o.sysroot);
  const bytes = readProgram(o.prog);
  const elf = parseElf(bytes, o.prog);
  const p = new LinuxProcess({
    root: o.root,
    sysroot: o.sysroot,
    quantum: o.quantum,
    wallClock: o.wallClock,
    seed: o.seed,
    strict: o.strict,
    warn: err,
    jit: machineJit(o),
  });
  const env = o.env ?? Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  p.exec(elf, o.prog, [o.prog, ...o.args], env);
  // bench/startup.ts reads this: the moment the guest's first instruction is about to run
  if (process.env.HARTSCOPE_STARTUP_TIME) {
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    err(
      `hartscope: first guest instruction at ${performance.now().toFixed(1)} ms after process start (${cpuMs.toFixed(1)} ms of CPU)`,
    );
  }
  const start = process.hrtime.bigint();
  if (o.gdb !== undefined) return runUnderGdb(p, o.gdb).then((status) => ended(o, p, status, start));
  return ended(o, p, runProcess(p), start);
}

/** The run under gdb (gdb/): it starts stopped, before the first instruction. */
async function runUnderGdb(p: LinuxProcess, port: number): Promise<ExitStatus> {
  const { UserTarget } = await import("../gdb/user-target.js");
  const run = new UserRun(p);
  await serveGdbOption(new UserTarget(run, p), port);
  // gdb is gone (detached, killed the program, or saw it end): the rest runs on
  while (run.turn());
  return run.status();
}

/** Report how the run ended (and --stats); the shell's status. */
function ended(o: RunOptions, p: LinuxProcess, status: ExitStatus, start: bigint): number {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (status.message) err(`hartscope: ${status.message}`);
  if (o.stats) {
    const n = p.clock.retired;
    const mips = seconds > 0 ? n / seconds / 1e6 : 0;
    err(`hartscope: retired ${n} instructions in ${seconds.toFixed(3)} s (${mips.toFixed(1)} MIPS)`);
    if (o.jit) err(jitStatsLine(p.mem, n));
  }
  return shellStatus(status);
}
