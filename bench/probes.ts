// What a probe firing costs: a real program (guest/bin/hashtab) run in-process three ways — no
// probe, a probe with an empty hook on a hot function's first instruction, and the same on every
// instruction of that function — with the block compiler on and off. The cost of a firing is the
// extra wall time over the firings counted.
//
//   npm run build && node dist/bench/probes.js [--reps N] [--words N]

import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseElf } from "../src/elf/elf.js";
import { LinuxProcess } from "../src/linux-user/process.js";
import { runProcess } from "../src/linux-user/scheduler.js";

const GUEST_BIN = fileURLToPath(new URL("../../guest/bin/", import.meta.url));
const PROGRAM = "hashtab";
const FUNCTION = "make_word";

interface Sample {
  ms: number;
  firings: number;
}

function runOnce(words: number, jit: boolean, probeAll: boolean | undefined): Sample {
  const path = join(GUEST_BIN, PROGRAM);
  const elf = parseElf(readFileSync(path), path);
  const fn = elf.symbols.find((s) => s.name === FUNCTION);
  if (fn === undefined) throw new Error(`${PROGRAM}: no symbol ${FUNCTION}`);
  const fds = [openSync("/dev/null", "r"), openSync("/dev/null", "w"), openSync("/dev/null", "w")];
  const p = new LinuxProcess({
    root: "/",
    quantum: 10_000,
    wallClock: false,
    seed: 1,
    strict: false,
    warn: () => {},
    stdio: fds as [number, number, number],
    jit: jit ? {} : false,
  });
  p.exec(elf, path, [PROGRAM, String(words)], []);
  let firings = 0;
  if (probeAll !== undefined) {
    const start = Number(fn.value);
    const code = p.mem.read(start, Number(fn.size));
    // each instruction of the function (2 or 4 bytes by its low bits), or the first only
    for (let off = 0; off < code.length; off += (code[off]! & 3) === 3 ? 4 : 2) {
      p.machine.probes.onInstruction(start + off, () => {
        firings++;
      });
      if (!probeAll) break;
    }
  }
  const t0 = performance.now();
  const status = runProcess(p);
  const ms = performance.now() - t0;
  for (const fd of fds) closeSync(fd);
  if (status.code !== 0) throw new Error(`${PROGRAM} failed: ${JSON.stringify(status)}`);
  return { ms, firings };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function main(argv: string[]): void {
  let reps = 3;
  let words = 100_000;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--reps") reps = Number(argv[++i]);
    else if (argv[i] === "--words") words = Number(argv[++i]);
    else throw new Error(`unknown argument '${argv[i]}' (use --reps N, --words N)`);
  }
  process.stdout.write(
    `${PROGRAM} ${words}: probes on ${FUNCTION}, ${reps} repetitions, median wall time\n\n`,
  );
  process.stdout.write("engine        probes                  wall      firings   ns per firing\n");
  for (const jit of [true, false]) {
    const base = median(Array.from({ length: reps }, () => runOnce(words, jit, undefined).ms));
    const engine = jit ? "compiled" : "interpreted";
    process.stdout.write(`${engine.padEnd(12)}  ${"none".padEnd(22)}  ${(base / 1000).toFixed(3)} s\n`);
    for (const all of [false, true]) {
      const runs = Array.from({ length: reps }, () => runOnce(words, jit, all));
      const ms = median(runs.map((r) => r.ms));
      const firings = runs[0]!.firings;
      const per = ((ms - base) * 1e6) / firings;
      const what = all ? "every instruction" : "entry";
      process.stdout.write(
        `${engine.padEnd(12)}  ${what.padEnd(22)}  ${(ms / 1000).toFixed(3)} s  ${String(firings).padStart(9)}   ${per.toFixed(0).padStart(6)}\n`,
      );
    }
  }
}

main(process.argv.slice(2));
