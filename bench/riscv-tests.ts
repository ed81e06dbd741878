// Runs every riscv-tests binary in a directory under `hartscope system --bios none --kernel TEST`
// (and, with --qemu, under qemu-system-riscv64 -M spike, whose HTIF reads the ELF's `tohost`) and
// prints one line per test and `N passed, N failed`. A test passes when it writes 1 to tohost
// (hartscope exits 0); a failing one writes (n << 1) | 1, which hartscope names on stderr.
// The binaries come from bench/riscv-tests/build.sh (they are built outside the repository).
//   npx tsc -p . && node dist/bench/riscv-tests.js [DIR] [--jit on|off|both] [--qemu] [--only SUBSTR]
//   DIR defaults to ~/.cache/hartscope/riscv-tests/build

import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface Outcome {
  pass: boolean;
  detail: string;
}

const repo = resolve(fileURLToPath(import.meta.url), "../../..");
const hartscopeBin = process.env.HARTSCOPE_BIN ?? join(repo, "bin/hartscope.js");

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Outcome> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").slice(-1)[0] ?? "";
      if (signal) done({ pass: false, detail: `killed after ${timeoutMs / 1000}s` });
      else done({ pass: code === 0, detail: code === 0 ? "" : `exit ${code}: ${last.slice(0, 160)}` });
    });
  });
}

function hartscope(test: string, jit: boolean): Promise<Outcome> {
  const args = [hartscopeBin, "system", "--bios", "none", "--kernel", test, "--timeout", "10"];
  return run(process.execPath, args, { ...process.env, HARTSCOPE_JIT: jit ? "on" : "off" }, 60_000);
}

function qemu(test: string): Promise<Outcome> {
  const args = ["-M", "spike", "-nographic", "-bios", "none", "-kernel", test];
  return run("qemu-system-riscv64", args, process.env, 30_000);
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

async function main(argv: string[]): Promise<number> {
  let dir = join(homedir(), ".cache/hartscope/riscv-tests/build");
  let modes: boolean[] = [true];
  let withQemu = false;
  let only = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--jit") {
      const v = argv[++i];
      modes = v === "both" ? [true, false] : [v !== "off"];
    } else if (a === "--qemu") withQemu = true;
    else if (a === "--only") only = argv[++i] ?? "";
    else dir = a;
  }
  if (!existsSync(dir)) {
    process.stderr.write(`riscv-tests: no directory ${dir} (build it with bench/riscv-tests/build.sh)\n`);
    return 2;
  }
  const tests = readdirSync(dir)
    .filter((f) => /^rv64[a-z]+-[pv]-/.test(f) && !f.endsWith(".err") && f.includes(only))
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
  let passed = 0;
  let failed = 0;
  const lines = new Map<string, string>();
  const width = Math.max(1, Math.min(4, availableParallelism()));
  await pool(tests, width, async (t) => {
    const path = join(dir, t);
    const cols: string[] = [];
    let ok = true;
    for (const jit of modes) {
      const o = await hartscope(path, jit);
      ok &&= o.pass;
      const label = modes.length > 1 ? (jit ? "jit " : "interp ") : "";
      cols.push(`${label}${o.pass ? "pass" : `FAIL (${o.detail})`}`);
    }
    if (withQemu) {
      const q = await qemu(path);
      cols.push(`qemu ${q.pass ? "pass" : `FAIL (${q.detail})`}`);
    }
    if (ok) passed++;
    else failed++;
    lines.set(t, `${ok ? "pass" : "FAIL"}  ${t.padEnd(32)} ${cols.join("  ")}`);
  });
  for (const t of tests) process.stdout.write(`${lines.get(t)}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
