// The external programs tests compare against or build with (qemu-riscv64, Debian's riscv64 cross
// toolchain and binutils, the cross sysroot), found once per process.
//
// A missing tool is never a silent pass: outside CI the test that needs it is skipped with the
// reason; under CI (CI=true) the test runs and fails with an error naming the tool, because a CI
// machine that lacks it would otherwise report green without comparing anything.
//
// Each tool can be overridden through its environment variable (HARTSCOPE_TEST_QEMU=/path, ...);
// pointing one at a nonexistent path is how to check that tests fail rather than skip without it.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";

interface ToolSpec {
  /** the command run when the environment does not override it */
  command: string;
  /** environment variable overriding the command (a path or a name on PATH) */
  env: string;
  /** the Debian package that provides it */
  pkg: string;
  /** a directory, not a program: it is there when this file inside it exists */
  marker?: string;
}

const SPECS = {
  qemu: { command: "qemu-riscv64", env: "HARTSCOPE_TEST_QEMU", pkg: "qemu-user" },
  cc: { command: "riscv64-linux-gnu-gcc", env: "HARTSCOPE_TEST_CC", pkg: "gcc-riscv64-linux-gnu" },
  as: { command: "riscv64-linux-gnu-as", env: "HARTSCOPE_TEST_AS", pkg: "binutils-riscv64-linux-gnu" },
  ld: { command: "riscv64-linux-gnu-ld", env: "HARTSCOPE_TEST_LD", pkg: "binutils-riscv64-linux-gnu" },
  objdump: {
    command: "riscv64-linux-gnu-objdump",
    env: "HARTSCOPE_TEST_OBJDUMP",
    pkg: "binutils-riscv64-linux-gnu",
  },
  readelf: {
    command: "riscv64-linux-gnu-readelf",
    env: "HARTSCOPE_TEST_READELF",
    pkg: "binutils-riscv64-linux-gnu",
  },
  nm: { command: "riscv64-linux-gnu-nm", env: "HARTSCOPE_TEST_NM", pkg: "binutils-riscv64-linux-gnu" },
  qemuSystem: { command: "qemu-system-riscv64", env: "HARTSCOPE_TEST_QEMU_SYSTEM", pkg: "qemu-system-misc" },
  dtc: { command: "dtc", env: "HARTSCOPE_TEST_DTC", pkg: "device-tree-compiler" },
  gdb: { command: "gdb-multiarch", env: "HARTSCOPE_TEST_GDB", pkg: "gdb-multiarch" },
  // firmware: directories of Debian's packages, there when the file the tests boot is
  opensbi: {
    command: "/usr/lib/riscv64-linux-gnu/opensbi/generic",
    env: "HARTSCOPE_TEST_OPENSBI",
    pkg: "opensbi",
    marker: "fw_jump.bin",
  },
  uboot: {
    command: "/usr/lib/u-boot",
    env: "HARTSCOPE_TEST_UBOOT",
    pkg: "u-boot-qemu",
    marker: "qemu-riscv64_smode/u-boot.bin",
  },
  sysroot: {
    command: "/usr/riscv64-linux-gnu",
    env: "HARTSCOPE_TEST_SYSROOT",
    pkg: "libc6-dev-riscv64-cross",
    marker: "lib/ld-linux-riscv64-lp64d.so.1",
  },
} satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof SPECS;

/** The C compiler drives the assembler and the linker: needing it means needing all three. */
const IMPLIES: Partial<Record<ToolName, ToolName[]>> = { cc: ["cc", "as", "ld"] };

/** Whether this run is a CI run, where every tool is required. */
export const UNDER_CI = process.env.CI === "true";

const found = new Map<ToolName, string | null>();

function commandOf(name: ToolName): string {
  const spec: ToolSpec = SPECS[name];
  return process.env[spec.env] || spec.command;
}

function probe(name: ToolName): string | null {
  const spec: ToolSpec = SPECS[name];
  const command = commandOf(name);
  if (spec.marker) return existsSync(join(command, spec.marker)) ? command : null;
  const r = spawnSync(command, ["--version"], { stdio: "ignore", timeout: 30_000 });
  return r.status === 0 ? command : null;
}

/** The command (path or name on PATH) to run `name` with, or undefined when it is not there. */
export function toolPath(name: ToolName): string | undefined {
  let p = found.get(name);
  if (p === undefined) {
    p = probe(name);
    found.set(name, p);
  }
  return p ?? undefined;
}

function expand(names: readonly ToolName[]): ToolName[] {
  return [...new Set(names.flatMap((n) => IMPLIES[n] ?? [n]))];
}

/** Why `names` cannot be used ("X not found (...)"), or undefined when all are there. */
export function missingTools(...names: ToolName[]): string | undefined {
  const missing = expand(names).filter((n) => toolPath(n) === undefined);
  if (missing.length === 0) return undefined;
  return missing
    .map((n) => {
      const spec: ToolSpec = SPECS[n];
      const what = spec.marker ? `${commandOf(n)}/${spec.marker}` : commandOf(n);
      const how = process.env[spec.env]
        ? `from ${spec.env}`
        : `Debian package ${spec.pkg}; or set ${spec.env}`;
      return `${what} not found (${how})`;
    })
    .join("; ");
}

/**
 * The command for `name`; throws an error naming it when it is missing. Every use of a tool goes
 * through here, so a test that runs under CI without its tool fails with that message.
 */
export function tool(name: ToolName): string {
  const why = missingTools(name);
  if (why) throw new Error(UNDER_CI ? `${why}; CI=true requires it` : why);
  return toolPath(name)!;
}

/**
 * For `test(name, { skip: skipWithout("cc", "qemu") }, ...)`: the reason to skip when a tool is
 * missing outside CI; false when all are there, and false under CI, where the test then fails
 * at its first use of the missing tool (see `tool`).
 */
export function skipWithout(...names: ToolName[]): string | false {
  if (UNDER_CI) return false;
  return missingTools(...names) ?? false;
}

/**
 * Inside a test body: true when the test has been skipped for a missing tool (outside CI; return
 * then). Under CI a missing tool throws, failing the test with the tool's name.
 */
export function skippedWithout(t: TestContext, ...names: ToolName[]): boolean {
  const why = missingTools(...names);
  if (why === undefined) return false;
  if (UNDER_CI) throw new Error(`${why}; CI=true requires it`);
  t.skip(why);
  return true;
}
