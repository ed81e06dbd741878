// The programs guest/debian/build.sh builds from Debian's source packages (static riscv64, cached
// outside the repository) and the inputs the differential tests and bench/real-programs.ts give
// them: jq's own test suite, a few MB of real text (the C sources of the unpacked packages).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { missingTools, UNDER_CI } from "../tools.js";
import { hartscopeBuilt } from "./run-guest.js";

/** $HARTSCOPE_CACHE/debian (default ~/.cache/hartscope/debian): bin/ the programs, src/ their sources. */
export const DEBIAN_CACHE = join(
  process.env.HARTSCOPE_CACHE ?? join(homedir(), ".cache", "hartscope"),
  "debian",
);

/** The names build.sh takes, each the program it installs in bin/. */
export type DebianProgram = "busybox" | "jq" | "zstd" | "lz4" | "lua";

/** Where build.sh puts `name`. */
export function debianBin(name: DebianProgram): string {
  return join(DEBIAN_CACHE, "bin", name);
}

/** The command that builds them. */
export function buildCommand(names: readonly DebianProgram[]): string {
  return `sh guest/debian/build.sh ${names.join(" ")}`;
}

/**
 * For `describe(..., { skip })`: why the test cannot run here (no qemu, hartscope not built, a
 * program not built), or false. Under CI a missing program or qemu is not a reason to skip: the
 * test runs and fails naming it (test/tools.ts).
 */
export function skipReason(names: readonly DebianProgram[]): string | false {
  if (UNDER_CI) return false;
  const tools = missingTools("qemu");
  if (tools) return tools;
  if (!hartscopeBuilt()) return "hartscope is not built (npx tsc -p .)";
  const missing = names.filter((n) => !existsSync(debianBin(n)));
  if (missing.length > 0) return `no ${missing.map(debianBin).join(", ")} (${buildCommand(missing)})`;
  return false;
}

/** Throws, naming the build command, when a program is missing (the path under CI, where nothing skips). */
export function requireBin(name: DebianProgram): string {
  const p = debianBin(name);
  if (!existsSync(p)) throw new Error(`no ${p}: build it with ${buildCommand([name])}`);
  return p;
}

/** The unpacked source directory of a Debian source package (src/PACKAGE-VERSION). */
export function debianSource(pkg: string): string {
  const dir = join(DEBIAN_CACHE, "src");
  const found = existsSync(dir)
    ? readdirSync(dir).find((d) => d.startsWith(`${pkg}-`) && statSync(join(dir, d)).isDirectory())
    : undefined;
  if (found === undefined) throw new Error(`no unpacked source of ${pkg} in ${dir} (guest/debian/build.sh)`);
  return join(dir, found);
}

function filesUnder(dir: string, suffixes: readonly string[], out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, suffixes, out);
    else if (e.isFile() && suffixes.some((s) => e.name.endsWith(s))) out.push(p);
  }
  return out;
}

/**
 * `bytes` of real text: the .c and .h files of Debian's busybox source, in byte order of their
 * paths, concatenated and cut at `bytes` (busybox's source holds about 15 MB of them). The same
 * package version gives the same text on every machine.
 */
export function realText(bytes: number): Buffer {
  const src = debianSource("busybox");
  const files = filesUnder(src, [".c", ".h"], []).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Buffer[] = [];
  let n = 0;
  for (const f of files) {
    if (n >= bytes) break;
    const b = readFileSync(f);
    parts.push(b);
    n += b.length;
  }
  if (n < bytes) throw new Error(`${src}: only ${n} bytes of C source, ${bytes} wanted`);
  return Buffer.concat(parts).subarray(0, bytes);
}

/** One case of a jq test file: the lines of a block, comments included. */
export type JqCase = string[];

/**
 * The cases of a jq --run-tests file. jq reads a case as the lines up to the next blank line, after
 * skipping blank lines and lines starting with '#' (src/jq_test.c); a block of only comments is no case.
 */
export function parseJqTests(text: string): JqCase[] {
  const cases: JqCase[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.some((l) => !l.startsWith("#"))) cases.push(block);
    block = [];
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") flush();
    else block.push(line);
  }
  flush();
  return cases;
}

/** The test file holding `cases`, one blank line between each. */
export function jqTestFile(cases: readonly JqCase[]): string {
  return `${cases.map((c) => c.join("\n")).join("\n\n")}\n`;
}

/** Every `stride`-th case, starting with the first (stride 1: all). */
export function everyNth<T>(items: readonly T[], stride: number): T[] {
  return items.filter((_, i) => i % stride === 0);
}

/** jq's closing line of --run-tests: "P of N tests passed (M malformed)". */
export function parseJqSummary(
  stdout: string,
): { passed: number; total: number; malformed: number } | undefined {
  const m = /^(\d+) of (\d+) tests passed \((\d+) malformed\)$/m.exec(stdout);
  if (!m) return undefined;
  return { passed: Number(m[1]), total: Number(m[2]), malformed: Number(m[3]) };
}
