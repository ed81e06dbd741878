// virtio-rng behind the transport: buffers filled to their end, segment by segment, with the seeded
// PRNG's stream — the same bytes for the same seed, run after run, and other bytes for another seed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { virtioSlot } from "../../../src/machine/devices/virt-map.js";
import { REG, VirtioMmio } from "../../../src/machine/devices/virtio-mmio.js";
import { VirtioRng } from "../../../src/machine/devices/virtio-rng.js";
import { Prng } from "../../../src/machine/prng.js";
import { Driver, queueAt, RAM, ramBus } from "./virtio-driver.js";

const BUF = RAM + 0x8000;

/** 300 + 700 bytes of entropy in one chain, then 64 in another, from a device seeded with `seed`. */
function draw(seed: number): { first: Uint8Array; second: Uint8Array; lens: number[] } {
  const { bus, mem } = ramBus();
  const slot = virtioSlot(3);
  bus.addDevice(slot.base, slot.size, new VirtioMmio({ dma: mem, device: new VirtioRng(seed) }));
  const d = new Driver(bus, mem, slot.base, queueAt(RAM + 0x1000, 8));
  assert.equal(d.r(REG.DeviceID), 4);
  d.w(REG.QueueSel, 0);
  assert.equal(d.r(REG.QueueNumMax), 64);
  d.init(0n);
  mem.write(BUF, new Uint8Array(2048).fill(0xaa));
  d.offer([
    { addr: BUF, len: 300, write: true },
    { addr: BUF + 1024, len: 700, write: true },
  ]);
  d.notify();
  d.offer([{ addr: BUF + 1900, len: 64, write: true }]);
  d.notify();
  const first = new Uint8Array(1000);
  first.set(mem.read(BUF, 300));
  first.set(mem.read(BUF + 1024, 700), 300);
  assert.equal(mem.read(BUF + 300, 1)[0], 0xaa, "nothing written between the segments");
  return { first, second: mem.read(BUF + 1900, 64), lens: [d.used(0).len, d.used(1).len] };
}

test("virtio-rng fills each buffer from the seeded PRNG: the same bytes for the same seed", () => {
  const a = draw(42);
  assert.deepEqual(a.lens, [1000, 64]);
  const prng = new Prng(42);
  assert.deepEqual(a.first, prng.bytes(1000));
  assert.deepEqual(a.second, prng.bytes(64));
  assert.deepEqual(draw(42), a, "reproducible");
  const b = draw(43);
  assert.notDeepEqual(b.first, a.first);
  assert.deepEqual(b.first, new Prng(43).bytes(1000));
});
