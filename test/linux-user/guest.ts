// Helpers for tests that run real riscv64 programs: build C sources with Debian's cross
// toolchain (cached by content), run them under hartscope (as a child process, like a user) and
// under qemu-riscv64 (the reference).

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { skipWithout, tool } from "../tools.js";

/** bin/hartscope.js, seen from dist/test/linux-user/ */
export const HARTSCOPE = fileURLToPath(new URL("../../../bin/hartscope.js", import.meta.url));
export const GUEST_BIN = fileURLToPath(new URL("../../../guest/bin/", import.meta.url));

/** For `test(..., { skip })`: a reason when the cross compiler is missing (never under CI; see tools.ts). */
export const needCC = skipWithout("cc");
/** For `test(..., { skip })`: a reason when qemu-riscv64 is missing (never under CI). */
export const needQemu = skipWithout("qemu");
/** Both: for a test that builds a program and compares its run with qemu's. */
export const needCCAndQemu = skipWithout("cc", "qemu");

const cacheDir = join(tmpdir(), "hartscope-test-builds");

/** Compile C source to a riscv64 binary (static by default); cached by source and flags. */
export function buildC(name: string, source: string, flags: string[] = ["-static", "-O2"]): string {
  const cc = tool("cc"); // even when cached: the tests that build are the tests that need a compiler
  const key = createHash("sha256").update(source).update(flags.join(" ")).digest("hex").slice(0, 16);
  const dir = join(cacheDir, `${name}-${key}`);
  const out = join(dir, name);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `${name}.c`);
  writeFileSync(src, source);
  const tmp = `${out}.${process.pid}.tmp`;
  // Libraries go after the source, where the linker looks for what it still needs.
  const libs = flags.filter((f) => f.startsWith("-l"));
  const opts = flags.filter((f) => !f.startsWith("-l"));
  execFileSync(cc, [...opts, "-o", tmp, src, ...libs], { stdio: ["ignore", "ignore", "pipe"] });
  renameSync(tmp, out);
  return out;
}

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  timeout?: number;
}

/** Exit status as a shell reports it: the code, or 128 + signal number when killed. */
function shellStatus(r: ReturnType<typeof spawnSync>): number {
  if (r.status !== null) return r.status;
  if (r.signal) return 128 + (constants.signals[r.signal as keyof typeof constants.signals] ?? 0);
  return -1;
}

function run(cmd: string, args: string[], o: RunOpts): Result {
  const r = spawnSync(cmd, args, {
    cwd: o.cwd,
    input: o.input ?? "",
    env: o.env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    timeout: o.timeout ?? 60_000,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: shellStatus(r), stdout: r.stdout, stderr: r.stderr };
}

/** `hartscope ARGS...` as a child process. */
export function hartscope(args: string[], o: RunOpts = {}): Result {
  return run(process.execPath, [HARTSCOPE, ...args], o);
}

/** `qemu-riscv64 ARGS...`; a signal death is reported as 128 + signal, as a shell would. */
export function qemu(args: string[], o: RunOpts = {}): Result {
  return run(tool("qemu"), args, o);
}
