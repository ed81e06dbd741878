// The project's S-mode kernels for paging, a context switch and instructions across pages, on the
// built-in SBI firmware: on 1 and 4 harts, several schedule seeds, and compared with
// qemu-system-riscv64 with OpenSBI.

import assert from "node:assert/strict";
import { test } from "node:test";
import { hartscope } from "../linux-user/guest.js";
import { boot, kernel, kernelPart, needQemuOpensbi, qemuVirt } from "./kernels.js";

const PAGING = (harts: number, straddleTval: string) => `== S-mode kernel: paging ==
read through the mapping = 1
A after a read = 1
D after a read = 0
D after a write = 1
the frame holds the write = 1
page fault: scause=13 stval=BASE+0x1000
unmapped page, read after the fault = 1
page fault: scause=15 stval=BASE+0x2000
read-only page, written after the fault = 1
page fault: scause=13 stval=BASE+0x3000
user page, read with SUM after the fault = 1
page fault: scause=12 stval=BASE+0x4000
ran code on a page made executable after the fault
straddling instruction: 0x100 + 0x123 = 547
page fault: scause=12 stval=BASE+${straddleTval}
again with its second page unmapped = 803
faults = 5
${harts > 1 ? "another hart read the old frame = 1\nthen, after remote_sfence_vma, the new one = 1\n" : ""}done
`;

/**
 * The fault of a 32-bit instruction whose second page was unmapped by SFENCE.VMA: at the
 * instruction itself, with stval the first byte of the missing page (+0x6000), as QEMU and the spec
 * give it (an SFENCE.VMA drops instructions decoded across page boundaries).
 */
const HARTSCOPE_STRADDLE_TVAL = "0x6000";

const THREADS = `== S-mode kernel: threads ==
thread A's result is right = 1
thread B's result is right = 1
the threads were switched more than once = 1
`;

for (const harts of [1, 4]) {
  for (const scheduleSeed of [undefined, 1, 2]) {
    const how = `${harts} harts, ${scheduleSeed === undefined ? "fixed quantum" : `seed ${scheduleSeed}`}`;
    test(`paging: A/D, page faults, a straddling instruction, remote sfence.vma (${how})`, () => {
      const r = boot("paging", { sbi: true, harts, scheduleSeed, quantum: 1000 });
      assert.deepEqual(r.outcome, { status: 0 });
      assert.equal(r.text.replace(/\r\n/g, "\n"), PAGING(harts, HARTSCOPE_STRADDLE_TVAL));
    });
    test(`threads: a timer-driven context switch keeps every register (${how})`, () => {
      const r = boot("threads", { sbi: true, harts, scheduleSeed, quantum: 1000 });
      assert.deepEqual(r.outcome, { status: 0 });
      assert.equal(r.text.replace(/\r\n/g, "\n"), THREADS);
    });
  }
}

test("paging and threads print what they print on QEMU with OpenSBI", { skip: needQemuOpensbi }, () => {
  for (const harts of [1, 4]) {
    const q = qemuVirt("paging", ["-smp", String(harts)]);
    assert.equal(q.status, 0);
    assert.equal(kernelPart(q.stdout), PAGING(harts, "0x6000"));
    const h = hartscope(["system", "--kernel", kernel("paging"), "--smp", String(harts)]);
    assert.equal(h.status, 0);
    assert.equal(kernelPart(h.stdout), PAGING(harts, HARTSCOPE_STRADDLE_TVAL));
    const qt = qemuVirt("threads", ["-smp", String(harts)]);
    assert.equal(qt.status, 0);
    assert.equal(kernelPart(qt.stdout), THREADS);
  }
});
