// The built-in SBI firmware (src/system/sbi/): S-mode kernels of ours call every extension, start
// and stop harts, send IPIs, patch code another hart runs with remote fence.i, wait on timers and
// reboot; what they print is compared with the same kernel on qemu-system-riscv64 with OpenSBI
// (-bios default) where both firmwares must answer alike.

import assert from "node:assert/strict";
import { test } from "node:test";
import { hartscope } from "../linux-user/guest.js";
import { boot, kernel, kernelPart, needQemuOpensbi, qemuVirt } from "./kernels.js";

const SBI_BASE = `== S-mode kernel ==
a1 is the device tree = 1
spec version >= 1.0 = 1
probe BASE = 1
probe TIME = 1
probe IPI = 1
probe RFENCE = 1
probe HSM = 1
probe SRST = 1
probe legacy putchar = 1
probe legacy set_timer = 1
probe none 0x12345678 = 0
unknown extension: error = -2
unknown BASE function: error = -2
unknown TIME function: error = -2
get_status of a hart that does not exist: error = -3
get_status of this hart: error = 0
get_status of this hart: value = 0
hart_start of this hart: error = -6
send_ipi to a hart that does not exist: error = -3
remote_fence_i to a hart that does not exist: error = -3
system_reset of a reserved type: error = -3
system_reset with a reserved reason: error = -3
remote_fence_i to this hart = 0
remote_sfence_vma to every hart = 0
timer interrupt
the timer fired after its deadline
timer interrupt
the timer fired after its deadline
software interrupt
send_ipi to this hart: error = 0
software interrupt
send_ipi to every hart: error = 0
trap: scause=2 stval=0xffffffff
trap: scause=3
timer interrupts = 2
software interrupts = 2
shutting down
`;

/** sbi-smp's lines for one secondary hart. */
const secondaryLines = (h: number, nonRetentive: boolean) =>
  `-- another hart
status before hart_start = 1
hart_start: error = 0
a0 is its hartid = 1
a1 is the opaque value = 1
satp = 0
sstatus.SIE = 0
hart_start again: error = -6
status = 0
IPIs taken = 1
it ran the patched code
status in a retentive suspend = 4
hart_suspend returned = 0
${nonRetentive ? "non-retentive suspend resumed at its address with a1 = opaque\n" : ""}status after hart_stop = 1
hart_start after hart_stop: error = 0
it started and stopped again
`.repeat(h);

const smpExpected = (harts: number, nonRetentive = false) =>
  `== S-mode kernel ==\nharts = ${harts}\n${secondaryLines(harts - 1, nonRetentive)}done\n`;

for (const jit of [false, undefined] as const) {
  const engine = jit === false ? "interpreter" : "block compiler";
  test(`sbi-base: every extension's answers, timers, IPIs, redirected traps (${engine})`, () => {
    const { outcome, text, sys } = boot("sbi-base", { sbi: true, jit });
    assert.deepEqual(outcome, { status: 0 });
    // the firmware's console writes CR LF, as OpenSBI's
    assert.equal(text.replace(/\r\n/g, "\n"), SBI_BASE);
    assert.ok(!/[^\r]\n/.test(text), "every LF after a CR");
    // the kernel ran in S-mode: the firmware left M-mode set up as OpenSBI does
    const h = sys.harts()[0]!;
    assert.equal(h.priv, 1);
  });

  for (const harts of [1, 2, 4]) {
    test(`sbi-smp-nonret on ${harts} harts: HSM start/stop/suspend, IPIs, remote fence.i (${engine})`, () => {
      const { outcome, text } = boot("sbi-smp-nonret", { sbi: true, harts, jit });
      assert.deepEqual(outcome, { status: 0 });
      assert.equal(text.replace(/\r\n/g, "\n"), smpExpected(harts, true));
    });
  }
}

test("sbi-v2: SBI 2.0's ids, the debug console writing and reading, legacy getchar, a cold reboot", () => {
  const { outcome, text, sys } = boot("sbi-v2", { sbi: true, harts: 2 }, "xyz");
  assert.deepEqual(outcome, { status: 0 });
  assert.equal(sys.resets, 1);
  assert.equal(
    text.replace(/\r\n/g, "\n"),
    `== boot 1 ==
spec version 2.0
impl id 0x4853
mvendorid = 0
marchid = 0
mimpid = 0
probe DBCN = 1
written through DBCN
console_write: error = 0
console_write: bytes = 21
!
console_write above 2^64: error = -3
console_write outside RAM: error = -3
console_read: error = 0
console_read: bytes = 3
read: xyz
legacy getchar = -1
legacy getchar with nothing to read = -1
unknown DBCN function: error = -2
hart_suspend of a reserved type: error = -3
hart_suspend of a platform type: error = -2
hart_start at an address outside RAM: error = -5
rebooting
== boot 2 ==
hart = 0
another hart's status = 1
`,
  );
});

test("the CLI boots an S-mode kernel with the built-in firmware when no --bios is given", () => {
  // a raw image goes to 0x8020_0000 (where QEMU puts it after OpenSBI); legacy putchar and shutdown
  const r = hartscope(["system", "--kernel", kernel("sbi-hello.bin")]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "Hello from S-mode through the SBI console\r\n");
  assert.equal(r.status, 0);
  const d = hartscope(["system", "--bios", "default", "--kernel", kernel("sbi-base"), "--smp", "2"]);
  assert.equal(kernelPart(d.stdout), SBI_BASE);
  assert.equal(d.status, 0);
});

test("sbi-base prints what it prints on qemu-system-riscv64 with OpenSBI", { skip: needQemuOpensbi }, () => {
  const q = qemuVirt("sbi-base", []);
  assert.equal(q.status, 0);
  assert.equal(kernelPart(q.stdout), SBI_BASE);
});

for (const harts of [1, 2, 4]) {
  test(`sbi-smp on ${harts} harts prints what it prints on QEMU with OpenSBI`, {
    skip: needQemuOpensbi,
  }, () => {
    const h = hartscope(["system", "--kernel", kernel("sbi-smp"), "--smp", String(harts)]);
    assert.equal(h.stderr, "");
    assert.equal(h.status, 0);
    assert.equal(kernelPart(h.stdout), smpExpected(harts));
    const q = qemuVirt("sbi-smp", ["-smp", String(harts)]);
    assert.equal(q.status, 0);
    assert.equal(kernelPart(q.stdout), smpExpected(harts));
  });
}
