// The machine's privileged behaviours, checked by the project's own bare-metal kernels
// (guest/conformance/: trigger CSRs and breakpoints, misaligned accesses, CSR access rules per
// mode, exact counters and their overflow, PMP address rules, A/D updates, WFI, interrupt
// priority). Each runs as `hartscope system --bios none --kernel K` on the interpreter and on the
// block compiler, and reports through HTIF: exit 0 when it wrote 1 to tohost, else the failing
// case on stderr.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { hartscope } from "../linux-user/guest.js";

const BIN = fileURLToPath(new URL("../../../guest/conformance/bin/", import.meta.url));
const kernels = readdirSync(BIN).sort();

test("the conformance kernels are built", () => {
  for (const k of [
    "triggers",
    "misaligned",
    "csr-access",
    "counters",
    "pmp",
    "ad-bits",
    "wfi",
    "interrupts",
    "reservation",
  ]) {
    assert.ok(kernels.includes(k), `guest/conformance/bin/${k} (sh guest/conformance/build.sh)`);
  }
});

for (const name of kernels) {
  for (const jit of ["off", "on"] as const) {
    test(`conformance ${name} (${jit === "on" ? "block compiler" : "interpreter"})`, () => {
      const r = hartscope([
        "system",
        "--bios",
        "none",
        "--kernel",
        join(BIN, name),
        "--jit",
        jit,
        "--timeout",
        "10",
      ]);
      assert.equal(r.status, 0, `${name}: ${r.stderr.trim()}`);
      assert.equal(r.stderr, "");
    });
  }
}
