// Boot-time benchmark: wall time from start to U-Boot's prompt under `hartscope system` and under
// qemu-system-riscv64 -M virt, the same firmware (Debian's OpenSBI fw_jump + U-Boot for S-mode) and
// options, on 1 and 4 harts. Both are driven the same way through their console: a key as soon as
// "Hit any key to stop autoboot" appears (so the countdown, which depends on each one's clock, is
// not part of the time), the time taken when the "=> " prompt follows, then `poweroff`.
//
//   npm run build && node dist/bench/boot.js [--reps N] [--smp 1,4] [--firmware fw_jump|fw_dynamic|m-mode]
//
// Prints both times (median of REPS), their ratio (goal: at most 1.5) and hartscope's MIPS to the prompt.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const HARTSCOPE = fileURLToPath(new URL("../../bin/hartscope.js", import.meta.url));
const OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic";
const UBOOT = "/usr/lib/u-boot";
const TARGET_RATIO = 1.5;
const TIMEOUT_MS = 600_000;

/** Firmware setups by name: what --bios and --kernel get (the same for both emulators). */
const FIRMWARE: Record<string, { bios: string; kernel?: string }> = {
  fw_jump: { bios: `${OPENSBI}/fw_jump.bin`, kernel: `${UBOOT}/qemu-riscv64_smode/u-boot.bin` },
  fw_dynamic: { bios: `${OPENSBI}/fw_dynamic.bin`, kernel: `${UBOOT}/qemu-riscv64_smode/u-boot.bin` },
  "m-mode": { bios: `${UBOOT}/qemu-riscv64/u-boot.bin` },
};

interface Timing {
  /** ms from spawn to the prompt */
  promptMs: number;
  /** ms from spawn to exit (after poweroff) */
  totalMs: number;
  status: number | null;
  /** hartscope's --stats line, if any */
  stats: string;
}

/** Spawn, drive the console to the prompt, poweroff; resolve with the times. */
function drive(child: ChildProcessWithoutNullStreams, start: bigint): Promise<Timing> {
  return new Promise((resolve, reject) => {
    let out = "";
    let errText = "";
    let state: "boot" | "stopped" | "prompt" = "boot";
    let promptMs = Number.NaN;
    const elapsed = (): number => Number(process.hrtime.bigint() - start) / 1e6;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no prompt after ${TIMEOUT_MS / 1000} s; output:\n${out.slice(-2000)}\n${errText}`));
    }, TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("latin1");
      if (state === "boot" && out.includes("Hit any key to stop autoboot")) {
        state = "stopped";
        child.stdin.write(" ");
        out = "";
      } else if (state === "stopped" && out.includes("=> ")) {
        state = "prompt";
        promptMs = elapsed();
        child.stdin.write("poweroff\r");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      errText += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      if (state !== "prompt") {
        reject(
          new Error(`ended (status ${status}) before the prompt; output:\n${out.slice(-2000)}\n${errText}`),
        );
        return;
      }
      const stats = /retired .*/.exec(errText)?.[0] ?? "";
      resolve({ promptMs, totalMs: elapsed(), status, stats });
    });
  });
}

function runHartscope(fw: string, smp: number): Promise<Timing> {
  const f = FIRMWARE[fw]!;
  const args = [HARTSCOPE, "system", "--bios", f.bios, "--smp", String(smp), "--memory", "128M", "--stats"];
  if (f.kernel) args.push("--kernel", f.kernel);
  const start = process.hrtime.bigint();
  return drive(spawn(process.execPath, args), start);
}

function runQemu(fw: string, smp: number): Promise<Timing> {
  const f = FIRMWARE[fw]!;
  const args = ["-M", "virt", "-nographic", "-m", "128M", "-smp", String(smp), "-bios", f.bios];
  if (f.kernel) args.push("-kernel", f.kernel);
  const start = process.hrtime.bigint();
  return drive(spawn(process.env.HARTSCOPE_TEST_QEMU_SYSTEM || "qemu-system-riscv64", args), start);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let reps = 1;
  let smps = [1, 4];
  let firmwares = ["fw_jump"];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--reps") reps = Number(argv[++i]);
    else if (a === "--smp") smps = argv[++i]!.split(",").map(Number);
    else if (a === "--firmware") firmwares = argv[++i]!.split(",");
    else throw new Error(`unknown option ${a} (--reps N, --smp 1,4, --firmware fw_jump,fw_dynamic,m-mode)`);
  }
  for (const fw of firmwares) {
    const f = FIRMWARE[fw];
    if (f === undefined) throw new Error(`unknown firmware ${fw} (${Object.keys(FIRMWARE).join(", ")})`);
    for (const p of [f.bios, f.kernel]) {
      if (p !== undefined && !existsSync(p))
        throw new Error(`${p} not found (Debian packages opensbi, u-boot-qemu)`);
    }
  }
  console.log("firmware    harts  hartscope(s)  qemu(s)  ratio  hartscope to prompt");
  let worst = 0;
  for (const fw of firmwares) {
    for (const smp of smps) {
      const hs: number[] = [];
      const qs: number[] = [];
      let stats = "";
      for (let r = 0; r < reps; r++) {
        const h = await runHartscope(fw, smp);
        hs.push(h.promptMs);
        stats = h.stats;
        qs.push((await runQemu(fw, smp)).promptMs);
      }
      const h = median(hs) / 1000;
      const q = median(qs) / 1000;
      worst = Math.max(worst, h / q);
      console.log(
        `${fw.padEnd(11)} ${String(smp).padStart(5)}  ${h.toFixed(2).padStart(12)}  ${q.toFixed(2).padStart(7)}  ${(h / q).toFixed(2).padStart(5)}  ${stats}`,
      );
    }
  }
  console.log(
    `worst ratio ${worst.toFixed(2)} (goal ≤ ${TARGET_RATIO}): ${worst <= TARGET_RATIO ? "met" : "not met"}`,
  );
}

main().catch((e: unknown) => {
  console.error(`bench/boot: ${(e as Error).message}`);
  process.exitCode = 1;
});
