// Start-up: how long a small command takes under hartscope, next to node doing nothing and to
// qemu-riscv64. Two measures, each the median of N rounds (the commands interleaved in a round,
// so a machine whose speed drifts affects them alike):
//
// - from outside: wall time from spawn to exit (the parent's clock around spawnSync);
// - from inside, from the process's start (node's performance.timeOrigin): until node runs the
//   first line of a script (`node -e`), and until hartscope runs the guest's first instruction
//   (HARTSCOPE_STARTUP_TIME=1 makes `hartscope run` print that moment, with the CPU time used by
//   then). The goal of start-up work: the second within 50 ms of the first.
//
//   npm run bench:startup            (builds first)
//   node dist/bench/startup.js [--runs N]

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "hartscope.js");
const HELLO = join(ROOT, "guest", "bin", "hello");
const EXIT42 = join(ROOT, "guest", "bin", "exit42");
const QEMU = process.env.HARTSCOPE_TEST_QEMU ?? "qemu-riscv64";
const GOAL_MS = 50;

interface Command {
  label: string;
  file: string;
  args: string[];
  /** exit status the command must end with */
  status: number;
}

const NODE_NOTHING: Command = { label: "node -e 0", file: process.execPath, args: ["-e", "0"], status: 0 };
const HS_HELLO: Command = {
  label: "hartscope run hello",
  file: process.execPath,
  args: [BIN, "run", HELLO],
  status: 0,
};
const HS_EXIT42: Command = {
  label: "hartscope run exit42",
  file: process.execPath,
  args: [BIN, "run", EXIT42],
  status: 42,
};
const QEMU_HELLO: Command = { label: "qemu-riscv64 hello", file: QEMU, args: [HELLO], status: 0 };

/** Node's time and CPU time from its start to its script's first line. */
const NODE_FIRST_LINE = [
  "-e",
  'const c = process.cpuUsage(); process.stdout.write(performance.now() + " " + (c.user + c.system) / 1000)',
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function spawn(file: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(file, args, {
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 20,
  });
}

/** Wall milliseconds from spawn to exit. */
function wall(c: Command): number {
  const t0 = process.hrtime.bigint();
  const r = spawn(c.file, c.args);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`${c.label}: ${r.error.message}`);
  if (r.status !== c.status) throw new Error(`${c.label}: exit status ${r.status}, expected ${c.status}`);
  return ms;
}

interface Inside {
  wallMs: number;
  cpuMs: number;
}

function nodeFirstLine(): Inside {
  const r = spawn(process.execPath, NODE_FIRST_LINE);
  const [w, c] = r.stdout.split(" ").map(Number);
  return { wallMs: w!, cpuMs: c! };
}

/** hartscope's own account of its start-up: the first guest instruction, and how it loaded. */
function hartscopeFirstInstruction(prog: string): Inside & { how: string } {
  const r = spawn(process.execPath, [BIN, "run", prog], { ...process.env, HARTSCOPE_STARTUP_TIME: "1" });
  const m = /first guest instruction at ([\d.]+) ms after process start \(([\d.]+) ms of CPU\)/.exec(
    r.stderr,
  );
  if (!m) throw new Error(`hartscope run ${prog}: no start-up time in ${JSON.stringify(r.stderr)}`);
  const how = /hartscope: start-up: (.*)/.exec(r.stderr)?.[1] ?? "?";
  return { wallMs: Number(m[1]), cpuMs: Number(m[2]), how };
}

function qemuAvailable(): boolean {
  const r = spawnSync(QEMU, ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

function main(): void {
  let runs = 15;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: startup.js [--runs N])`);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");
  const commands = [NODE_NOTHING, HS_HELLO, HS_EXIT42];
  if (qemuAvailable()) commands.push(QEMU_HELLO);
  else console.log(`(${QEMU} not found: no qemu figures)`);

  // warm-up: the OS's file cache, and hartscope's code cache written by a first run
  for (const c of commands) wall(c);
  const how = hartscopeFirstInstruction(HELLO).how;

  const walls = new Map<Command, number[]>(commands.map((c) => [c, []]));
  const nodeIn: Inside[] = [];
  const helloIn: Inside[] = [];
  const exitIn: Inside[] = [];
  for (let r = 0; r < runs; r++) {
    for (const c of commands) walls.get(c)!.push(wall(c));
    nodeIn.push(nodeFirstLine());
    helloIn.push(hartscopeFirstInstruction(HELLO));
    exitIn.push(hartscopeFirstInstruction(EXIT42));
  }

  const med = (c: Command) => median(walls.get(c)!);
  const base = med(NODE_NOTHING);
  const fmt = (ms: number) => ms.toFixed(1).padStart(8);
  console.log(`start-up, median of ${runs} runs; hartscope loaded from: ${how}`);
  console.log("\nwall time, spawn to exit (ms)             median   - node -e 0   / node -e 0");
  for (const c of commands) {
    const m = med(c);
    const rel = c === NODE_NOTHING ? "" : `${fmt(m - base)}     ${(m / base).toFixed(2).padStart(6)}x`;
    console.log(`  ${c.label.padEnd(38)} ${fmt(m)} ${rel}`);
  }
  if (commands.includes(QEMU_HELLO)) {
    const q = med(QEMU_HELLO);
    console.log(`  qemu's time / hartscope's (hello): ${(q / med(HS_HELLO)).toFixed(3)}`);
  }

  const nodeWall = median(nodeIn.map((x) => x.wallMs));
  const nodeCpu = median(nodeIn.map((x) => x.cpuMs));
  console.log("\nfrom process start, measured inside (ms)    wall      CPU   - node's: wall      CPU");
  console.log(`  node -e: the script's first line          ${fmt(nodeWall)} ${fmt(nodeCpu)}`);
  for (const [label, xs] of [
    ["hello: the guest's first instruction", helloIn],
    ["exit42: the guest's first instruction", exitIn],
  ] as const) {
    const w = median(xs.map((x) => x.wallMs));
    const c = median(xs.map((x) => x.cpuMs));
    const d = w - nodeWall;
    console.log(
      `  ${label.padEnd(40)} ${fmt(w)} ${fmt(c)}         ${fmt(d)} ${fmt(c - nodeCpu)}  (goal: wall within ${GOAL_MS}: ${d <= GOAL_MS ? "met" : "not met"})`,
    );
  }
}

main();
