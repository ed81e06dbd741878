// Processes: a fork + exec + wait loop and a fork + wait loop (guest/bin/proc-exec spawnloop N
// DIR / forkloop N), timed under hartscope and qemu-riscv64 in the same run. Each child of the
// spawn loop execs exit42 (static glibc: start-up, stdio, atexit, exit). qemu-riscv64 hands execve
// to the host kernel, so it execs a host script that runs qemu-riscv64 on exit42 (what a host
// with binfmt_misc would do, plus one /bin/sh); hartscope execs exit42 inside its own run.
// Run: npx tsc -p . && node dist/bench/processes.js [N]

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GUEST_BIN, HARTSCOPE_JS, run } from "../test/differential/run-guest.js";
import { tool } from "../test/tools.js";

const n = Number(process.argv[2] ?? 100);
const qemu = tool("qemu");
const bins = mkdtempSync(join(tmpdir(), "hs-bench-proc-"));
const wrapper = join(bins, "exit42");
writeFileSync(wrapper, `#!/bin/sh\nexec '${qemu}' '${GUEST_BIN}exit42' "$@"\n`);
chmodSync(wrapper, 0o755);
const prog = `${GUEST_BIN}proc-exec`;
const env = { PATH: "/usr/bin:/bin", LANG: "C" };

async function time(label: string, cmd: string, args: string[]): Promise<number> {
  const r = await run(cmd, args, { prog, env });
  const line = r.stdout.toString().trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith(`${n} of ${n}`)) {
    throw new Error(
      `${label}: status ${r.status}, last line ${JSON.stringify(line)}: ${r.stderr.toString().slice(0, 300)}`,
    );
  }
  return r.wallMs;
}

try {
  for (const [what, hsArgs, qArgs] of [
    [
      "fork+exec+wait",
      ["spawnloop", String(n), GUEST_BIN.replace(/\/$/, "")],
      ["spawnloop", String(n), bins],
    ],
    ["fork+wait", ["forkloop", String(n)], ["forkloop", String(n)]],
  ] as const) {
    const hs = await time(`hartscope ${what}`, process.execPath, [
      HARTSCOPE_JS,
      "run",
      "--root",
      "/",
      prog,
      ...hsArgs,
    ]);
    const q = await time(`qemu ${what}`, qemu, [prog, ...qArgs]);
    console.log(
      `${what.padEnd(15)} x${n}: hartscope ${(hs / n).toFixed(2)} ms each (${hs.toFixed(0)} ms), ` +
        `qemu-riscv64 ${(q / n).toFixed(2)} ms each (${q.toFixed(0)} ms); hartscope/qemu = ${(hs / q).toFixed(2)}`,
    );
  }
} finally {
  rmSync(bins, { recursive: true, force: true });
}
