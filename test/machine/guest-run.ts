// Running a committed guest program (guest/bin/) in-process on a LinuxProcess and its machine,
// with the machine's JIT setting, so tests can register probes before the run and look at the
// machine after it.

import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ElfFile, parseElf } from "../../src/elf/elf.js";
import type { Hart } from "../../src/hart/hart.js";
import type { JitOptions } from "../../src/hart/jit/hart-jit.js";
import { type ExitStatus, LinuxProcess } from "../../src/linux-user/process.js";
import { runProcess } from "../../src/linux-user/scheduler.js";
import { tempDir } from "../temp-dir.js";

export const GUEST_BIN = fileURLToPath(new URL("../../../guest/bin/", import.meta.url));

/** Block-compiler tuning that compiles after a few executions, so short runs really run compiled. */
export const EAGER: Partial<JitOptions> = {
  interpretFirst: 0,
  hot: 10,
  warm: 3,
  growAt: 100,
  growPerInsn: 1,
};

/** The two engines every per-instruction test runs on. */
export const ENGINES: readonly { name: string; jit: Partial<JitOptions> | false }[] = [
  { name: "interpreted", jit: false },
  { name: "compiled", jit: EAGER },
];

export interface GuestOutcome {
  stdout: string;
  status: ExitStatus;
  /** the exit status as JSON, to compare runs */
  exit: string;
  p: LinuxProcess;
  /** the main thread's hart */
  main: Hart;
}

export interface GuestOptions {
  jit?: Partial<JitOptions> | false;
  quantum?: number;
  /** called after exec, before the run: register probes here */
  setup?: (p: LinuxProcess, symbol: (name: string) => number) => void;
}

const elfs = new Map<string, ElfFile>();

/** The address of `name` in guest/bin/`program`. */
export function symbolOf(program: string, name: string): number {
  const s = elfOf(program).symbols.find((x) => x.name === name);
  assert.ok(s, `${program}: no symbol ${name}`);
  return Number(s.value);
}

function elfOf(program: string): ElfFile {
  let elf = elfs.get(program);
  if (elf === undefined) {
    const path = join(GUEST_BIN, program);
    elf = parseElf(readFileSync(path), path);
    elfs.set(program, elf);
  }
  return elf;
}

/** Run guest/bin/`program` with `args` to completion; stdout is captured, stdin and stderr are /dev/null. */
export function runGuest(program: string, args: string[], o: GuestOptions = {}): GuestOutcome {
  const dir = tempDir("hs-machine-");
  const fds = [openSync("/dev/null", "r"), openSync(join(dir, "out"), "w"), openSync("/dev/null", "w")];
  try {
    const path = join(GUEST_BIN, program);
    const p = new LinuxProcess({
      root: "/",
      quantum: o.quantum ?? 10_000,
      wallClock: false,
      seed: 1,
      strict: false,
      warn: () => {},
      stdio: fds as [number, number, number],
      jit: o.jit ?? false,
    });
    const main = p.exec(elfOf(program), path, [program, ...args], []).hart;
    o.setup?.(p, (name) => symbolOf(program, name));
    const status = runProcess(p);
    return { stdout: readFileSync(join(dir, "out"), "utf8"), status, exit: JSON.stringify(status), p, main };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Regions the block compiler made on the hart's memory (0 when it never compiled). */
export function compiledRegions(hart: Hart): number {
  // the JIT's statistics: hart.jit.cache is shared by the harts of one memory
  return hart.jit?.cache.compiled ?? 0;
}
