// AF_UNIX sockets. Socket pairs and named sockets (guest/src/sys-unix.c) under qemu-riscv64 and under `hartscope run`:
// stdout, stderr and status equal byte for byte, with the threads and processes that talk
// through them switched at several quanta. Each run binds its own path (SYS_UNIX_TAG): the runs
// go side by side in the repository root.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { UNDER_CI } from "../tools.js";
import {
  assertSameOutput,
  differentialSkip,
  GUEST_BIN,
  hartscopeBuilt,
  REPO_ROOT,
  type RunResult,
  type RunSpec,
  run,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const spec: RunSpec = {
  prog: `${GUEST_BIN}sys-unix`,
  env: { PATH: "/usr/bin:/bin", LANG: "C" },
  timeoutMs: 90_000,
};

const skip = differentialSkip();

describe("AF_UNIX socket pairs: hartscope run vs qemu-riscv64", { concurrency: 2 }, () => {
  let reference: Promise<Awaited<ReturnType<typeof runQemu>>> | undefined;
  const qemu = () => {
    reference ??= runQemu({ ...spec, env: { ...spec.env, SYS_UNIX_TAG: "qemu" } });
    return reference;
  };

  for (const quantum of [undefined, "64", "100000"]) {
    it(`sys-unix${quantum ? ` --quantum ${quantum}` : ""}`, { skip, timeout: 180_000 }, async () => {
      const opts = quantum === undefined ? [] : ["--quantum", quantum];
      const [q, hs] = await Promise.all([
        qemu(),
        runHartscope({ ...spec, env: { ...spec.env, SYS_UNIX_TAG: `hs${quantum ?? ""}` } }, opts),
      ]);
      assert.equal(q.status, 0, `qemu-riscv64: ${q.stderr}`);
      assert.match(q.stdout.toString(), /^sum: 500500$/m, "the reference run reached the threads part");
      assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr}`);
      assertSameOutput(q, hs);
    });
  }
});

// sendmsg/recvmsg, SCM_RIGHTS and SCM_CREDENTIALS, names, options and shutdown (guest/src/sys-msg.c):
// the same under hartscope as under qemu-riscv64 at several quanta and seeds. The part where qemu
// 7.2 is not Linux (control buffers too small, addresses of another family) is compared with the host's own kernel instead,
// the program built for the host with its C compiler (skipped when there is none).
const msgSpec: RunSpec = {
  prog: `${GUEST_BIN}sys-msg`,
  env: { PATH: "/usr/bin:/bin", LANG: "C" },
  timeoutMs: 90_000,
};
const SYS_MSG_SOURCE = `${REPO_ROOT}guest/src/sys-msg.c`;

/** The host's C compiler, when there is one that builds sys-msg.c for the host. */
function hostCompiler(): string | undefined {
  for (const cc of [process.env.CC, "cc", "gcc"]) {
    if (cc && spawnSync(cc, ["--version"], { stdio: "ignore" }).status === 0) return cc;
  }
  return undefined;
}

describe("AF_UNIX messages: hartscope run vs qemu-riscv64", { concurrency: 2 }, () => {
  let reference: Promise<RunResult> | undefined;
  const qemu = () => {
    reference ??= runQemu({ ...msgSpec, env: { ...msgSpec.env, SYS_MSG_TAG: "qemu" } });
    return reference;
  };

  for (const [quantum, seed] of [
    [undefined, undefined],
    ["64", "7"],
    ["997", "12345"],
    ["100000", undefined],
  ] as const) {
    const opts = [...(quantum ? ["--quantum", quantum] : []), ...(seed ? ["--seed", seed] : [])];
    it(`sys-msg ${opts.join(" ")}`, { skip, timeout: 180_000 }, async () => {
      const tag = `hs${quantum ?? ""}-${seed ?? ""}`;
      const [q, hs] = await Promise.all([
        qemu(),
        runHartscope({ ...msgSpec, env: { ...msgSpec.env, SYS_MSG_TAG: tag } }, opts),
      ]);
      assert.equal(q.status, 0, `qemu-riscv64: ${q.stderr}`);
      assert.match(q.stdout.toString(), /^child reads file: 4 "0123"$/m, "the reference run passed a file");
      assert.match(q.stdout.toString(), /^-- shutdown$/m, "the reference run reached the end");
      assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr}`);
      assertSameOutput(q, hs);
    });
  }

  const cc = hostCompiler();
  it("sys-msg linux (where qemu 7.2 is not Linux): hartscope vs the host's kernel", {
    skip: (!UNDER_CI && !hartscopeBuilt() && "hartscope is not built") || (!cc && "no host C compiler (cc)"),
  }, async () => {
    const dir = tempDir("sys-msg-");
    const exe = `${dir}/sys-msg-host`;
    const built = spawnSync(cc!, ["-O2", "-o", exe, SYS_MSG_SOURCE], { encoding: "utf8" });
    assert.equal(built.status, 0, `${cc} ${SYS_MSG_SOURCE}: ${built.stderr}`);
    const spec = { ...msgSpec, args: ["linux"] };
    const [host, hs] = await Promise.all([
      run(exe, spec.args, { ...spec, env: { ...spec.env, SYS_MSG_TAG: "host" } }),
      runHartscope({ ...spec, env: { ...spec.env, SYS_MSG_TAG: "hst" } }),
    ]);
    assert.equal(host.status, 0, `host run: ${host.stderr}`);
    assert.match(host.stdout.toString(), /^room for one: 2 "tr" flags CTRUNC/m, "the host run truncated");
    assert.equal(hs.status, host.status, `exit status; hartscope stderr: ${hs.stderr}`);
    assertSameOutput(host, hs);
  });

  it("socket(AF_INET) is refused with EAFNOSUPPORT, said once on stderr", {
    skip: !UNDER_CI && !hartscopeBuilt() && "hartscope is not built",
  }, async () => {
    const hs = await runHartscope({ ...msgSpec, args: ["inet"] });
    assert.equal(hs.status, 0, `hartscope stderr: ${hs.stderr}`);
    assert.equal(hs.stdout.toString(), "socket AF_INET: -1 EAFNOSUPPORT\n".repeat(2));
    assert.equal(hs.stderr.toString(), "hartscope: socket(AF_INET): no network in hartscope, EAFNOSUPPORT\n");
  });
});
