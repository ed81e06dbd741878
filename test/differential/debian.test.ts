// Differential test on real software built from Debian's source packages (guest/debian/build.sh,
// cached outside the repository): busybox's ash running pipelines, loops, command substitution,
// redirections, subshells and its own applets, under qemu-riscv64 and under hartscope; stdout,
// stderr and the exit status must be equal byte for byte.
//
// hartscope runs with a root holding /bin/busybox and a link per applet, PATH=/bin. qemu-riscv64
// hands execve to the host kernel (no binfmt_misc here), so its PATH is a directory of host
// scripts, one per applet, each `exec qemu-riscv64 busybox APPLET "$@"`: both shells run the same
// busybox applets. Both start in a directory named `work`.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { tool } from "../tools.js";
import { requireBin, skipReason } from "./debian-programs.js";
import { assertSameOutput, HARTSCOPE_JS, type RunResult, run } from "./run-guest.js";

const TIMEOUT_MS = 180_000;
const skip = skipReason(["busybox"]);

/** qemu-riscv64 by absolute path: the runs' PATH does not lead to it. */
function qemuPath(): string {
  const q = tool("qemu");
  if (isAbsolute(q)) return q;
  const w = spawnSync("sh", ["-c", 'command -v "$1"', "sh", q], { encoding: "utf8" });
  return w.stdout.trim() || q;
}

/** A script with the shell's constructs and common applets; ends with status 5. */
const SCRIPT = String.raw`# pipelines, loops, command substitution, redirections, subshells, functions, traps, statuses
set -u
greet() { echo "hello, $1"; }
greet world
for i in 1 2 3 4 5; do echo "line $i"; done > lines.txt
wc -l < lines.txt
cat lines.txt | grep -v 3 | sort -r | head -n 2
n=$(cat lines.txt | wc -l)
echo "count via substitution: $n"
echo "nested: $(echo "inner $(echo deep)")"
i=0
while [ $i -lt 4 ]; do i=$((i + 1)); printf '%s,' "$i"; done; echo
( cd /; echo "subshell pwd: $(pwd)" ); echo "outer dir kept: $(basename "$(pwd)")"
(exit 3); echo "subshell status: $?"
false | true; echo "pipeline status: $?"
x=outer; (x=inner; echo "in subshell: $x"); echo "after: $x"
echo to-stderr >&2
ls -1 nonexistent-file 2>/dev/null || echo "ls failed as expected"
{ echo one; echo two; } | tr a-z A-Z
echo "appended" >> lines.txt; tail -n 1 lines.txt
case "$(uname -m)" in riscv64) echo "arch ok";; *) echo "arch $(uname -m)";; esac
sh -c 'exit 7'; echo "child sh status: $?"
sh -c 'kill -TERM $$'; echo "killed child status: $?"
sleep 0 & wait $!; echo "background waited: $?"
seq 1 200 | awk '{s += $1} END {print "sum", s}'
echo "a b c" | { read -r p q r; echo "$r $q $p"; }
cat <<EOF | sed 's/^/> /'
here-doc with $n lines
EOF
for f in a b c; do echo "$f" > "file-$f"; done; ls file-* | xargs cat | tr -d '\n'; echo
find . -name 'file-*' | sort | head -n 1
rm file-*
trap 'echo trapped EXIT' EXIT
printf '%s\n' z y x | sort | tr '\n' ' '; echo
echo "md5: $(printf 'abc' | md5sum)"
rm lines.txt; [ -e lines.txt ] || echo "removed"
exit 5
`;

interface Case {
  name: string;
  args: string[];
}

const CASES: Case[] = [
  { name: "busybox sh -c 'echo a | wc -c'", args: ["sh", "-c", "echo a | wc -c"] },
  {
    name: "busybox sh script.sh (pipelines, loops, $(...), redirections, subshells)",
    args: ["sh", "script.sh"],
  },
  {
    name: "busybox gzip and bzip2 round trips through pipes",
    args: [
      "sh",
      "-c",
      "seq 1 5000 > data; for z in gzip bzip2; do $z -9 -c data > data.z; echo $z $(wc -c < data.z) $(md5sum < data.z); " +
        "$z -d -c data.z | cmp - data && echo $z round trip ok; done; seq 1 3000 | gzip | gunzip | tail -n 1",
    ],
  },
];

describe("Debian's busybox: qemu-riscv64 vs hartscope", { skip }, () => {
  let base = "";
  let applets: string[] = [];
  if (!skip) {
    base = tempDir("hs-busybox-");
    const root = join(base, "root");
    mkdirSync(join(root, "bin"), { recursive: true });
    const busybox = requireBin("busybox");
    copyFileSync(busybox, join(root, "bin", "busybox"));
    chmodSync(join(root, "bin", "busybox"), 0o755);
    const list = spawnSync(qemuPath(), [busybox, "--list"], { encoding: "utf8" });
    applets = list.stdout.split("\n").filter((a) => a !== "");
    const wrappers = join(base, "qemu-bin");
    mkdirSync(wrappers);
    for (const a of applets) {
      symlinkSync("busybox", join(root, "bin", a));
      const w = join(wrappers, a);
      writeFileSync(w, `#!/bin/sh\nexec '${qemuPath()}' '${join(root, "bin", "busybox")}' ${a} "$@"\n`);
      chmodSync(w, 0o755);
    }
  }

  it("builds with the applets the script uses", () => {
    for (const a of ["sh", "wc", "sort", "awk", "sed", "xargs", "find", "md5sum", "seq", "tr"]) {
      assert.ok(applets.includes(a), `busybox has no ${a}`);
    }
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const root = join(base, "root");
      const hsWork = join(root, "work");
      const qWork = join(base, "q", "work");
      for (const d of [hsWork, qWork]) {
        rmSync(d, { recursive: true, force: true });
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, "script.sh"), SCRIPT);
      }
      const [hs, qemu]: RunResult[] = await Promise.all([
        run(
          process.execPath,
          [HARTSCOPE_JS, "run", "--root", root, join(root, "bin", "busybox"), ...c.args],
          {
            prog: "busybox",
            cwd: hsWork,
            env: { PATH: "/bin", LANG: "C" },
            timeoutMs: TIMEOUT_MS,
          },
        ),
        run(qemuPath(), [join(root, "bin", "busybox"), ...c.args], {
          prog: "busybox",
          cwd: qWork,
          env: { PATH: join(base, "qemu-bin"), LANG: "C" },
          timeoutMs: TIMEOUT_MS,
        }),
      ]);
      assert.equal(
        hs.status,
        qemu.status,
        `exit status (hartscope stderr: ${hs.stderr.toString().slice(0, 500)})`,
      );
      assertSameOutput(qemu, hs);
    });
  }
});
