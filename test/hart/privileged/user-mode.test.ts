// A new HartState is a user-mode hart as Linux sets one up, and the privileged architecture costs it
// nothing: its MMU asks the memory directly (no walk, no PMP), and what user code can reach reads as
// on Linux (counters, the FP unit); a reset puts the same hart in the full system's M-mode instead.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Hart } from "../../../src/hart/hart.js";
import { HartState, MSTATUS } from "../../../src/hart/state.js";
import { AddressSpace, PROT_READ, PROT_WRITE } from "../../../src/linux-user/address-space.js";
import { RAM } from "./board.js";

test("a new state: privilege U, FS on, counters enabled, and translation left to the memory", () => {
  const mem = new AddressSpace(1 << 24);
  mem.map(0x10000, 0x1000, PROT_READ | PROT_WRITE);
  const hart = new Hart(new HartState(), mem, { jit: false });
  assert.equal(hart.priv, 0);
  assert.equal(hart.mmu.xlate.active, false, "no privileged translation on the user-mode path");
  assert.equal(hart.mmu.epoch, 0);
  assert.equal((hart.state.r[MSTATUS]! >> 13) & 3, 3, "FS Dirty");
  assert.equal(hart.mmu.translate(0x10000, 0, 0), mem.translate(0x10000, 0, 0));
  assert.equal(hart.pendingInterrupt(), -1);
  assert.equal(hart.timerDeadline(), Number.POSITIVE_INFINITY);
  hart.reset(RAM);
  assert.equal(hart.priv, 3);
  assert.equal(hart.state.pc, RAM);
  assert.equal((hart.state.r[MSTATUS]! >> 13) & 3, 0, "FS Off after reset");
  assert.equal(hart.mmu.xlate.active, false, "M-mode without PMP locks is bare too");
  const copy = new Hart(hart.state.clone(), mem, { jit: false });
  assert.equal(copy.priv, 3, "a snapshot of the state carries the privilege mode");
});
