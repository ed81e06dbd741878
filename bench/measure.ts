// One measured run of a program: wall time, CPU time (user and system) and peak memory (max RSS),
// taken by GNU time (Debian package `time`) from the kernel's rusage of the program and all it
// waited for. GNU time writes its figures to a file of its own, so the program's stderr is exactly
// what the program wrote (the benchmarks compare it with qemu's). On a machine shared with other
// work, wall time is noisy; CPU time is the steadier figure.
//
//   measure(cmd, args, opts)                   any command
//   measureQemu(spec) / measureHartscope(spec, options)   the commands run-guest.ts runs

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hartscopeCommand, qemuCommand, type RunSpec } from "../test/differential/run-guest.js";

export const GNU_TIME = "/usr/bin/time";

export interface MeasureOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** the program (and all it started) is killed after this long; `timedOut` then says so */
  timeoutMs?: number;
}

export interface Measurement {
  /** from spawning GNU time to its exit, measured here (GNU time's own figure has 10 ms steps) */
  wallMs: number;
  /** CPU time in user and kernel mode (rusage: 10 ms steps) */
  userMs: number;
  sysMs: number;
  /** peak resident set size, KiB (rusage ru_maxrss) */
  maxRssKiB: number;
  /** what a shell sees: the exit code, or 128 + the signal that ended it */
  status: number;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
}

export class MeasureError extends Error {}

/** Whether GNU time is installed (Debian: apt install time). */
export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

let dir: string | undefined;
let serial = 0;

/** A fresh file for GNU time's figures, in a directory removed when the process exits. */
function figuresFile(): string {
  if (dir === undefined) {
    const d = mkdtempSync(join(tmpdir(), "hs-measure-"));
    dir = d;
    process.once("exit", () => rmSync(d, { recursive: true, force: true }));
  }
  return join(dir, `${process.pid}-${serial++}.txt`);
}

// elapsed, user, system seconds; max RSS KiB; exit status — the last line GNU time writes (a line
// "Command exited with non-zero status N" or "Command terminated by signal N" may come before it)
const FORMAT = "%e %U %S %M %x";
const FIGURES = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+) (-?\d+)$/;

/** Run `cmd args` under GNU time and resolve to its figures, output and status. */
export function measure(
  cmd: string,
  args: readonly string[],
  opts: MeasureOptions = {},
): Promise<Measurement> {
  if (!haveGnuTime()) {
    return Promise.reject(new MeasureError(`${GNU_TIME} is not installed (Debian: apt install time)`));
  }
  const file = figuresFile();
  return new Promise((resolve, reject) => {
    const start = performance.now();
    // its own process group, so that a timeout kills the program too, not only GNU time
    const child = spawn(GNU_TIME, ["-o", file, "-f", FORMAT, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, "SIGKILL");
            } catch {
              // already gone
            }
          }, opts.timeoutMs)
        : undefined;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(new MeasureError(`cannot run ${GNU_TIME}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      const wallMs = performance.now() - start;
      if (timer) clearTimeout(timer);
      let text = "";
      try {
        text = readFileSync(file, "utf8");
        rmSync(file, { force: true });
      } catch {
        // GNU time was killed before writing (a timeout): no figures
      }
      const last = text.trimEnd().split("\n").at(-1) ?? "";
      const m = FIGURES.exec(last);
      const stderr = Buffer.concat(err);
      if (m === null && !timedOut) {
        const why = last || stderr.toString("utf8").trim().split("\n").at(-1) || `status ${code ?? signal}`;
        reject(new MeasureError(`${GNU_TIME} ${cmd}: no figures (${why})`));
        return;
      }
      resolve({
        wallMs,
        userMs: m ? Number(m[2]) * 1000 : Number.NaN,
        sysMs: m ? Number(m[3]) * 1000 : Number.NaN,
        maxRssKiB: m ? Number(m[4]) : Number.NaN,
        // GNU time exits with the program's status, or 128 + the signal that ended it
        status: code ?? 128 + 9,
        stdout: Buffer.concat(out),
        stderr,
        timedOut,
      });
    });
    child.stdin.on("error", () => {}); // a program that exits without reading its stdin
    child.stdin.end(opts.stdin ?? "");
  });
}

const options = (spec: RunSpec): MeasureOptions => ({
  stdin: spec.stdin,
  env: spec.env,
  cwd: spec.cwd,
  timeoutMs: spec.timeoutMs,
});

/** The program under qemu-riscv64, as runQemu runs it. */
export function measureQemu(spec: RunSpec): Promise<Measurement> {
  const [cmd, args] = qemuCommand(spec);
  return measure(cmd, args, options(spec));
}

/** The program under `hartscope run [OPTIONS]`, as runHartscope runs it. */
export function measureHartscope(spec: RunSpec, runOptions: readonly string[] = []): Promise<Measurement> {
  const [cmd, args] = hartscopeCommand(spec, runOptions);
  return measure(cmd, args, options(spec));
}

/** Milliseconds of CPU, user + system. */
export const cpuMs = (m: Measurement): number => m.userMs + m.sysMs;
