// Builds small RISC-V programs with Debian's cross toolchain for tests (tools.ts finds it).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../temp-dir.js";
import { tool } from "../tools.js";

let tmp: string | undefined;
let serial = 0;
/** Compiles `source` (C, or assembly if `ext` is "S") to a binary in a fresh temp dir; returns its path. */
export function build(source: string, flags: string[] = ["-static", "-O2"], ext = "c"): string {
  tmp ??= tempDir("hartscope-test-");
  const n = serial++;
  const src = join(tmp, `prog${n}.${ext}`);
  const out = join(tmp, `prog${n}`);
  writeFileSync(src, source);
  execFileSync(tool("cc"), [...flags, "-o", out, src], { stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

/** A file's bytes as a plain Uint8Array (Buffer.slice would alias instead of copying). */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Static riscv64 binaries committed under guest/bin/ (built by the guest helper), if any. */
export function guestBinaries(): string[] {
  const dir = new URL("../../../guest/bin/", import.meta.url).pathname;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        const b = readFileSync(p);
        return b.length > 64 && b[0] === 0x7f && b[1] === 0x45 && b[18] === 243;
      } catch {
        return false;
      }
    });
}

export const HELLO_C = `
#include <stdio.h>
int counter = 3;
__attribute__((noinline)) int square(int x) { return x * x; }
int main(int argc, char **argv) { printf("hello %d\\n", square(argc + counter)); return 0; }
`;
