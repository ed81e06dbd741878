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

/**
 * The 244 tests the full-system issue names: rv64 "p" (machine-mode, physical) and "v" (user mode
 * under the env's demand-paging kernel) variants of the unprivileged suites, "p" of rv64mi/rv64si.
 * One that is not in DIR counts as failed ("not built").
 */
const USER_SUITES: Record<string, string[]> = {
  rv64ui: [
    ...["add", "addi", "addiw", "addw", "and", "andi", "auipc", "beq", "bge", "bgeu", "blt", "bltu", "bne"],
    ...["fence_i", "jal", "jalr", "lb", "lbu", "ld", "ld_st", "lh", "lhu", "lui", "lw", "lwu", "ma_data"],
    ...["or", "ori", "sb", "sd", "sh", "simple", "sll", "slli", "slliw", "sllw", "slt", "slti", "sltiu"],
    ...["sltu", "sra", "srai", "sraiw", "sraw", "srl", "srli", "srliw", "srlw", "st_ld", "sub", "subw"],
    ...["sw", "xor", "xori"],
  ],
  rv64um: [
    "div",
    "divu",
    "divuw",
    "divw",
    "mul",
    "mulh",
    "mulhsu",
    "mulhu",
    "mulw",
    "rem",
    "remu",
    "remuw",
    "remw",
  ],
  rv64ua: [
    ...["amoadd_d", "amoadd_w", "amoand_d", "amoand_w", "amomax_d", "amomax_w", "amomaxu_d", "amomaxu_w"],
    ...["amomin_d", "amomin_w", "amominu_d", "amominu_w", "amoor_d", "amoor_w", "amoswap_d", "amoswap_w"],
    ...["amoxor_d", "amoxor_w", "lrsc"],
  ],
  rv64uf: ["fadd", "fclass", "fcmp", "fcvt", "fcvt_w", "fdiv", "fmadd", "fmin", "ldst", "move", "recoding"],
  rv64ud: [
    "fadd",
    "fclass",
    "fcmp",
    "fcvt",
    "fcvt_w",
    "fdiv",
    "fmadd",
    "fmin",
    "ldst",
    "move",
    "recoding",
    "structural",
  ],
  rv64uc: ["rvc"],
};
const MACHINE_SUITES: Record<string, string[]> = {
  rv64mi: [
    ...["breakpoint", "csr", "mcsr", "illegal", "ma_fetch", "ma_addr", "scall", "sbreak", "zicntr"],
    ...["ld-misaligned", "lw-misaligned", "lh-misaligned", "sh-misaligned", "sw-misaligned", "sd-misaligned"],
    ...["instret_overflow", "pmpaddr"],
  ],
  rv64si: ["csr", "dirty", "icache-alias", "ma_fetch", "scall", "wfi", "sbreak"],
};
export const EXPECTED: readonly string[] = [
  ...Object.entries(USER_SUITES).flatMap(([s, ts]) => ts.flatMap((t) => [`${s}-p-${t}`, `${s}-v-${t}`])),
  ...Object.entries(MACHINE_SUITES).flatMap(([s, ts]) => ts.map((t) => `${s}-p-${t}`)),
];

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
  if (only === "") {
    for (const t of EXPECTED.filter((e) => !tests.includes(e))) {
      failed++;
      process.stdout.write(`FAIL  ${t.padEnd(32)} not built (not in ${dir})\n`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
