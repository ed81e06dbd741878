// Running a riscv64 Linux program under qemu-riscv64 (the reference) and under hartscope's CLI,
// capturing stdout, stderr and how it ended. Shared by the differential tests, the random
// instruction tests and the benchmark.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { skipWithout, tool, toolPath, UNDER_CI } from "../tools.js";

/** The repository root: this file is dist/test/differential/run-guest.js once built. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const GUEST_BIN = `${REPO_ROOT}guest/bin/`;
export const HARTSCOPE_JS = `${REPO_ROOT}bin/hartscope.js`;
/** Where Debian's cross libc lives: the sysroot for dynamically linked guests. */
export const DEBIAN_SYSROOT = "/usr/riscv64-linux-gnu";

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  /** What a shell would see: the exit code, or 128 + signal number when killed by a signal. */
  status: number;
  /** The host signal that ended the process, if any (qemu dies of the guest's fatal signal). */
  signal: NodeJS.Signals | null;
  wallMs: number;
  timedOut: boolean;
}

export interface RunSpec {
  prog: string;
  args?: readonly string[];
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** options for qemu-riscv64 only, e.g. ["-cpu", "rv64,zba=true"] for extensions it leaves off */
  qemuArgs?: readonly string[];
  /** run a dynamically linked program against this sysroot */
  sysroot?: string;
  timeoutMs?: number;
}

/**
 * qemu-riscv64's CPU with the Zba and Zbb extensions asked for by name (qemu 7.2's default CPU has
 * them too, but a program that uses them should not depend on a default).
 */
export const QEMU_ZBA_ZBB: readonly string[] = ["-cpu", "rv64,zba=true,zbb=true"];

/** The command for qemu-riscv64 (tools.ts: HARTSCOPE_TEST_QEMU or PATH), or null when it is not there. */
export function findQemu(): string | null {
  return toolPath("qemu") ?? null;
}

/** Whether hartscope's CLI has been built (bin/hartscope.js imports dist/src/cli/main.js). */
export function hartscopeBuilt(): boolean {
  return existsSync(`${REPO_ROOT}dist/src/cli/main.js`);
}

/**
 * Why a differential test skips here, or false: qemu-riscv64 is missing, or hartscope is not built.
 * Under CI neither skips — a missing tool fails the test (tools.ts), and `npm test` builds first.
 */
export function differentialSkip(): string | false {
  return skipWithout("qemu") || (!UNDER_CI && !hartscopeBuilt() && "hartscope is not built (npx tsc -p .)");
}

export function run(command: string, args: readonly string[], spec: RunSpec): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    // its own process group, so that a timeout kills what it started too: a grandchild left
    // spinning (a guest's forked child under qemu) would hold the output pipes open for ever
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    // (without a limit of its own, 10 minutes: a run never outlives the test run)
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, spec.timeoutMs ?? 600_000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const signo = signal ? (constants.signals[signal] ?? 0) : 0;
      resolve({
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        status: code ?? 128 + signo,
        signal,
        wallMs: performance.now() - start,
        timedOut,
      });
    });
    // A guest that exits without reading its stdin closes the pipe: not an error.
    child.stdin.on("error", () => {});
    child.stdin.end(spec.stdin ?? "");
  });
}

/** The command running the program under qemu-riscv64, with core dumps off (a guest killed by a signal would leave one). */
export function qemuCommand(spec: RunSpec): [string, string[]] {
  const qemu = tool("qemu");
  const qargs = [...(spec.qemuArgs ?? []), ...(spec.sysroot !== undefined ? ["-L", spec.sysroot] : [])];
  return ["sh", ["-c", 'ulimit -c 0; exec "$@"', "sh", qemu, ...qargs, spec.prog, ...(spec.args ?? [])]];
}

/** The command `node bin/hartscope.js run [OPTIONS] PROG ARGS...`. */
export function hartscopeCommand(spec: RunSpec, options: readonly string[] = []): [string, string[]] {
  const opts = [...options];
  if (spec.sysroot !== undefined) opts.push("--sysroot", spec.sysroot);
  return [process.execPath, [HARTSCOPE_JS, "run", ...opts, spec.prog, ...(spec.args ?? [])]];
}

/** Runs the program under qemu-riscv64 (qemuCommand). */
export function runQemu(spec: RunSpec): Promise<RunResult> {
  const [cmd, args] = qemuCommand(spec);
  return run(cmd, args, spec);
}

/** Runs the program under `node bin/hartscope.js run [OPTIONS] PROG ARGS...`. */
export function runHartscope(spec: RunSpec, options: readonly string[] = []): Promise<RunResult> {
  const [cmd, args] = hartscopeCommand(spec, options);
  return run(cmd, args, spec);
}

export interface Stats {
  instructions: number;
  seconds: number;
  mips: number;
}

/** Parses the line `hartscope: retired N instructions in S s (M MIPS)` that --stats prints. */
export function parseStats(stderr: string): Stats | undefined {
  const m = /^hartscope: retired (\d+) instructions in ([\d.]+) s \(([\d.]+) MIPS\)$/m.exec(stderr);
  if (!m) return undefined;
  return { instructions: Number(m[1]), seconds: Number(m[2]), mips: Number(m[3]) };
}

export interface JitStats {
  engine: string;
  regions: number;
  /** instructions in the compiled regions */
  compiledInsns: number;
  /** instructions compiled code retired, of `retired` */
  inCompiled: number;
  retired: number;
  /** when the engine counts them */
  compileMs?: number;
  compiledBytes?: number;
}

/** Parses the line `hartscope: jit ENGINE: R regions, ...` that --stats prints with the JIT on. */
export function parseJitStats(stderr: string): JitStats | undefined {
  const m =
    /^hartscope: jit (\w+): (\d+) regions, (\d+) instructions compiled, (\d+) of (\d+) instructions retired in compiled code \([\d.]+%\)(.*)$/m.exec(
      stderr,
    );
  if (!m) return undefined;
  const ms = /, compile ([\d.]+) ms/.exec(m[6]!);
  const bytes = /, (\d+) bytes of code/.exec(m[6]!);
  return {
    engine: m[1]!,
    regions: Number(m[2]),
    compiledInsns: Number(m[3]),
    inCompiled: Number(m[4]),
    retired: Number(m[5]),
    compileMs: ms ? Number(ms[1]) : undefined,
    compiledBytes: bytes ? Number(bytes[1]) : undefined,
  };
}

/** hartscope's stdout and stderr equal the reference's byte for byte (a failure shows where they part). */
export function assertSameOutput(reference: RunResult, hartscope: RunResult): void {
  assert.ok(
    hartscope.stdout.equals(reference.stdout),
    describeDifference("stdout", reference.stdout, hartscope.stdout),
  );
  assert.ok(
    hartscope.stderr.equals(reference.stderr),
    describeDifference("stderr", reference.stderr, hartscope.stderr),
  );
}

/** Where two outputs first differ, as a short human-readable report (line number and both lines). */
export function describeDifference(what: string, expected: Buffer, actual: Buffer): string {
  const a = expected.toString("latin1").split("\n");
  const b = actual.toString("latin1").split("\n");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const clip = (s: string | undefined) =>
    s === undefined ? "(end of output)" : JSON.stringify(s.length > 400 ? `${s.slice(0, 400)}...` : s);
  return [
    `${what} differs at line ${i + 1} (qemu ${expected.length} bytes, hartscope ${actual.length} bytes):`,
    `  qemu:      ${clip(a[i])}`,
    `  hartscope: ${clip(b[i])}`,
  ].join("\n");
}
