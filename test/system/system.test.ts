// `hartscope system` on the project's bare-metal kernels (guest/kernels/): UART output compared with
// qemu-system-riscv64 -M virt -bios none, M-mode traps and the CLINT's timer, harts taking turns
// under an LR/SC spinlock, the finisher's and HTIF's exit statuses, console input, and bad input.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { FullSystem } from "../../src/system/system.js";
import { hartscope } from "../linux-user/guest.js";
import { tempDir } from "../temp-dir.js";
import { skipWithout, tool, UNDER_CI } from "../tools.js";
import { qemuText } from "./kernels.js";

const KERNELS = fileURLToPath(new URL("../../../guest/kernels/bin/", import.meta.url));
const kernel = (name: string): string => join(KERNELS, name);

/** The kernel's UART output and outcome on an in-process FullSystem. */
function boot(name: string, harts = 1, jit: false | undefined = undefined) {
  const chunks: Uint8Array[] = [];
  const sys = new FullSystem({
    memory: 128 << 20,
    harts,
    kernel: { path: name, bytes: readFileSync(kernel(name)) },
    output: (b) => chunks.push(b.slice()),
    jit,
  });
  const outcome = sys.runToEnd();
  return { sys, outcome, text: Buffer.concat(chunks).toString("latin1") };
}

/** qemu-system-riscv64 -M virt -bios none -kernel K -nographic: its output and exit status. */
function qemuVirt(name: string, harts = 1): { status: number | null; stdout: string } {
  const r = spawnSync(
    tool("qemuSystem"),
    ["-M", "virt", "-bios", "none", "-smp", String(harts), "-kernel", kernel(name), "-nographic"],
    { input: "", encoding: "utf8", timeout: 60_000 },
  );
  if (r.error) throw r.error;
  return { status: r.status, stdout: qemuText(r.stdout) };
}

const needQemuSystem = skipWithout("qemuSystem");

for (const [engine, jit] of [
  ["interpreter", false],
  ["block compiler", undefined],
] as const) {
  test(`hello: the UART's output, the device tree at a1, the finisher's pass (${engine})`, () => {
    const { outcome, text, sys } = boot("hello", 1, jit);
    assert.deepEqual(outcome, { status: 0 });
    assert.equal(text, "Hello from a RISC-V virt machine\ndevice tree magic: 0xd00dfeed\n");
    // QEMU's place for the tree with 128 MiB: the last 2 MiB boundary below the top
    assert.equal(sys.dtbAddress, 0x87e0_0000);
  });

  test(`traps: ecall and illegal instruction through mtvec, the CLINT timer wakes WFI (${engine})`, () => {
    const { outcome, text, sys } = boot("traps", 1, jit);
    assert.deepEqual(outcome, { status: 0 });
    assert.equal(
      text,
      "trap: mcause=0xb mtval=0x0 (ecall from M)\n" +
        "trap: mcause=0x2 mtval=0xffffffff\n" +
        "trap: mcause=0x8000000000000007 mtval=0x0 (interrupt)\n" +
        "the timer fired after its deadline\n",
    );
    // the 1 ms wait passed as idle virtual time, not as a million instructions
    assert.ok(sys.machine.now() >= 1_000_000, `virtual time ${sys.machine.now()}`);
    assert.ok(sys.retired < 200_000, `retired ${sys.retired}`);
  });

  for (const n of [2, 4]) {
    test(`smp${n}: ${n} harts take turns under an LR/SC spinlock (${engine})`, () => {
      const { outcome, text } = boot(`smp${n}`, n, jit);
      assert.deepEqual(outcome, { status: 0 });
      const lines: string[] = [];
      for (let round = 0; round < 3; round++) {
        for (let h = 0; h < n; h++) lines.push(`hart ${h} round ${round}`);
      }
      assert.equal(text, `${lines.join("\n")}\nall ${n} harts done\n`);
    });
  }
}

for (const [name, harts] of [
  ["hello", 1],
  ["traps", 1],
  ["smp2", 2],
  ["smp4", 4],
] as const) {
  test(`${name} prints what qemu-system-riscv64 -M virt prints`, { skip: needQemuSystem }, () => {
    const q = qemuVirt(name, harts);
    const h = hartscope(["system", "--bios", "none", "--kernel", kernel(name), "--smp", String(harts)]);
    assert.equal(q.status, 0);
    assert.equal(h.stderr, "");
    assert.equal(h.stdout, q.stdout);
    assert.equal(h.status, 0);
  });
}

test("HTIF: tohost = 1 exits 0, (3 << 1) | 1 exits 1 naming test case 3", () => {
  const pass = hartscope(["system", "--bios", "none", "--kernel", kernel("htif-pass")]);
  assert.deepEqual(pass, { status: 0, stdout: "ending through tohost\n", stderr: "" });
  const fail = hartscope(["system", "--bios", "none", "--kernel", kernel("htif-fail")]);
  assert.equal(fail.status, 1);
  assert.equal(fail.stdout, "ending through tohost\n");
  assert.match(fail.stderr, /^hartscope: .*test case 3 failed.*\n$/);
});

test("every hart in WFI with nothing to wake it ends with a clear error", () => {
  const r = hartscope(["system", "--bios", "none", "--kernel", kernel("idle"), "--smp", "2"]);
  assert.equal(r.stdout, "sleeping\nsleeping\n");
  assert.equal(r.stderr, "hartscope: all harts wait for an interrupt that can never come\n");
  assert.equal(r.status, 1);
});

test("console: stdin reaches the UART; Ctrl-A X quits; --timeout stops a wait on virtual time", () => {
  const echo = hartscope(["system", "--bios", "none", "--kernel", kernel("echo")], { input: "hello world." });
  assert.deepEqual(echo, { status: 0, stdout: "echo ready\nHELLO WORLD\nbye\n", stderr: "" });
  const quit = hartscope(["system", "--bios", "none", "--kernel", kernel("echo")], { input: "hi\x01x" });
  assert.deepEqual(quit, {
    status: 0,
    stdout: "echo ready\nHI",
    stderr: "hartscope: terminated by Ctrl-A X\n",
  });
  const slow = hartscope(["system", "--bios", "none", "--kernel", kernel("echo"), "--timeout", "0.002"], {
    input: "a",
  });
  assert.equal(slow.status, 124);
  // when the input arrives depends on the host: the byte may or may not be in before the timeout
  assert.match(slow.stdout, /^echo ready\nA?$/);
  assert.match(
    slow.stderr,
    /^hartscope: timeout: 0\.002 s of virtual time passed \(\d+ instructions retired\)\n$/,
  );
});

test("--serial file:, --dtb-out, --stats", () => {
  const dir = tempDir("hartscope-system-");
  const serial = join(dir, "serial.txt");
  const dtb = join(dir, "virt.dtb");
  const r = hartscope([
    "system",
    "--bios",
    "none",
    "--kernel",
    kernel("hello"),
    `--serial=file:${serial}`,
    "--dtb-out",
    dtb,
    "--stats",
  ]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^hartscope: retired \d+ instructions in [\d.]+ s \([\d.]+ MIPS\), [\d.]+ s of virtual time\n(hartscope: jit .*\n)?$/,
  );
  assert.equal(
    readFileSync(serial, "latin1"),
    "Hello from a RISC-V virt machine\ndevice tree magic: 0xd00dfeed\n",
  );
  assert.equal(readFileSync(dtb).readUInt32BE(0), 0xd00dfeed);
});

test("bad input: one line naming what is wrong, and a shell-style status", () => {
  const dir = tempDir("hartscope-system-");
  const big = join(dir, "big.bin");
  writeFileSync(big, new Uint8Array(5 << 20));
  const cases: [string[], number, RegExp][] = [
    [[], 1, /^hartscope: system: nothing to boot/],
    [["--kernel", join(dir, "missing")], 127, /^hartscope: .*missing: no such file$/],
    [["--kernel", dir], 126, /^hartscope: .*: is a directory$/],
    [
      ["--kernel", kernel("hello"), "--smp", "9"],
      1,
      /^hartscope: --smp must be an integer from 1 to 8 \(got '9'\)$/,
    ],
    [["--kernel", kernel("hello"), "--smp", "0"], 1, /--smp must be an integer from 1 to 8/],
    [["--kernel", kernel("hello"), "--memory", "lots"], 1, /^hartscope: --memory: 'lots' is not a size/],
    [
      ["--kernel", kernel("hello"), "-m", "1M"],
      1,
      /^hartscope: --memory: 1M must be a multiple of 4 KiB from 4 MiB to 2 GiB$/,
    ],
    [
      ["--kernel", big, "-m", "4M"],
      1,
      /^hartscope: --kernel .*big\.bin: \[0x80000000, 0x80500000\) does not fit in RAM/,
    ],
    [
      ["--bios", big, "--kernel", kernel("hello")],
      1,
      /^hartscope: --kernel .*hello at 0x80000000 overlaps --bios .*big\.bin/,
    ],
    [["--kernel", kernel("hello"), "--timeout", "-1"], 1, /--timeout must be a positive number of seconds/],
    [["--kernel", kernel("hello"), "--serial", "tcp:1"], 1, /--serial must be stdio or file:PATH/],
    [
      ["--kernel", kernel("hello"), "--disk", join(dir, "nodisk")],
      127,
      /^hartscope: .*nodisk: no such file$/,
    ],
    [["--kernel", kernel("hello"), "--bogus"], 1, /^hartscope: unknown option '--bogus' for system/],
    [
      ["--bios", "default", "--kernel", kernel("sbi-base"), "--initrd", big, "-m", "8M"],
      1,
      /^hartscope: --initrd .*big\.bin: \[0x80600000, 0x80b00000\) does not fit in RAM .*\(try a larger --memory\)$/,
    ],
    [["--bios", "none"], 1, /^hartscope: system: nothing to boot/],
    [["--kernel", kernel("hello"), "--clock", "wall"], 1, /^hartscope: --clock must be virtual or realtime/],
  ];
  for (const [args, status, stderr] of cases) {
    const r = hartscope([
      "system",
      ...(args.length > 0 && !args.includes("--bios") ? ["--bios", "none"] : []),
      ...args,
    ]);
    assert.equal(r.stdout, "", args.join(" "));
    assert.match(r.stderr.trimEnd(), stderr, args.join(" "));
    assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
    assert.equal(r.status, status, args.join(" "));
  }
});

// Debian's OpenSBI (package opensbi) boots a payload of ours in S-mode, as on qemu-system-riscv64.
const OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic";
const needOpensbi = UNDER_CI
  ? false
  : existsSync(`${OPENSBI}/fw_jump.bin`)
    ? needQemuSystem
    : `${OPENSBI} not found (Debian package opensbi)`;
/** Lines of OpenSBI's banner that describe the hart's own features (hartscope has no H, 64 PMP entries, no HPM counters). */
const HART_FEATURES = /^Boot HART (Base ISA|PMP Count|MHPM Count|MIDELEG|MEDELEG) /;

for (const fw of ["fw_jump.bin", "fw_dynamic.bin", "fw_jump.elf"]) {
  test(`OpenSBI ${fw} starts an S-mode payload that prints through the SBI console`, {
    skip: needOpensbi,
  }, () => {
    const bios = `${OPENSBI}/${fw}`;
    if (!existsSync(bios)) throw new Error(`${bios} not found (Debian package opensbi); CI=true requires it`);
    const payload = kernel("sbi-hello.bin");
    // one hart: with more, QEMU's harts race for OpenSBI's boot-hart lottery and the banner varies
    const h = hartscope(["system", "--bios", bios, "--kernel", payload]);
    const q = spawnSync(tool("qemuSystem"), ["-M", "virt", "-bios", bios, "-kernel", payload, "-nographic"], {
      input: "",
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(h.stderr, "");
    assert.equal(h.status, 0); // the payload's SBI shutdown reaches the finisher
    assert.equal(q.status, 0);
    const lines = (s: string) =>
      s
        .replace(/\r/g, "")
        .split("\n")
        .filter((l) => !HART_FEATURES.test(l));
    assert.deepEqual(lines(h.stdout), lines(q.stdout));
    // OpenSBI's console turns \n into \r\n
    assert.match(h.stdout, /Hello from S-mode through the SBI console\r\n$/);
    // the device tree's address as OpenSBI reports handing it on (fw_dynamic passes a1's)
    const smp = hartscope(["system", "--smp", "4", "--bios", bios, "--kernel", payload]);
    assert.equal(smp.status, 0);
    assert.match(smp.stdout, /Domain0 HARTs +: 0\*,1\*,2\*,3\*\r\n/);
    assert.match(smp.stdout, /Hello from S-mode through the SBI console\r\n$/);
    if (fw.startsWith("fw_dynamic")) assert.match(h.stdout, /Domain0 Next Arg1 +: 0x0000000087e00000/);
  });
}

test("--disk: virtio-blk disks in the slots QEMU gives them (the last first), capacity in sectors", () => {
  const dir = tempDir("hartscope-system-");
  const a = join(dir, "a.img");
  const b = join(dir, "b.img");
  writeFileSync(a, new Uint8Array(8192));
  writeFileSync(b, new Uint8Array(1 << 20));
  const args = ["--bios", "none", "--kernel", kernel("virtio-probe")];
  const h = hartscope(["system", ...args, "--disk", a, "--disk", b]);
  const expected = "slot 6: version 2 device 2 capacity 2048\nslot 7: version 2 device 2 capacity 16\ndone\n";
  assert.deepEqual(h, { status: 0, stdout: expected, stderr: "" });
  assert.deepEqual(hartscope(["system", ...args]), { status: 0, stdout: "done\n", stderr: "" });
  if (needQemuSystem) return;
  // QEMU 7.2's transports are legacy (version 1) unless told otherwise
  const q = spawnSync(
    tool("qemuSystem"),
    [
      ...["-M", "virt", "-bios", "none", "-kernel", kernel("virtio-probe"), "-nographic"],
      ...["-global", "virtio-mmio.force-legacy=false"],
      ...["-drive", `file=${a},format=raw,if=none,id=d0`, "-device", "virtio-blk-device,drive=d0"],
      ...["-drive", `file=${b},format=raw,if=none,id=d1`, "-device", "virtio-blk-device,drive=d1"],
    ],
    { input: "", encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(q.stdout, expected);
});
