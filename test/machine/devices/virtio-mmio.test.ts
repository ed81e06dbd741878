// The virtio-mmio transport: an empty slot, access sizes, queue configuration rules, and malformed
// rings. Each malformed case (a descriptor or ring outside RAM, a loop, an index past the table, an
// available index that jumped, a readable descriptor after a writable one, an indirect descriptor,
// an address past 2^53, a request too short for its header or status, a bad queue size or alignment)
// must leave the host running and the device flagged DEVICE_NEEDS_RESET with a configuration-change
// interrupt, say why exactly once, ignore further notifications, and work again after a reset.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { virtioSlot } from "../../../src/machine/devices/virt-map.js";
import { VirtioBlk } from "../../../src/machine/devices/virtio-blk.js";
import {
  INT_CONFIG_CHANGE,
  INT_USED_BUFFER,
  REG,
  STATUS,
  VIRTIO_MMIO_MAGIC,
  VIRTIO_VENDOR,
  type VirtioDevice,
  VirtioMmio,
} from "../../../src/machine/devices/virtio-mmio.js";
import { VirtioRng } from "../../../src/machine/devices/virtio-rng.js";
import {
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
} from "../../../src/machine/devices/virtqueue.js";
import { tempDir } from "../../temp-dir.js";
import { Driver, type QueueLayout, queueAt, RAM, RAM_SIZE, ramBus } from "./virtio-driver.js";

const dir = tempDir("hs-virtio-mmio-");
const disk = join(dir, "disk.img");
writeFileSync(disk, new Uint8Array(8 * 512).fill(0x5c));

const Q = queueAt(RAM + 0x1000, 8);
const BUF = RAM + 0x8000;

function rig(device: VirtioDevice, q: QueueLayout = Q) {
  const { bus, mem } = ramBus();
  const slot = virtioSlot(1);
  const warnings: string[] = [];
  const line: boolean[] = [];
  const transport = new VirtioMmio({
    dma: mem,
    device,
    irq: { set: (l) => line.push(l) },
    warn: (m) => warnings.push(m),
    base: slot.base,
  });
  bus.addDevice(slot.base, slot.size, transport);
  return { bus, mem, transport, warnings, line, d: new Driver(bus, mem, slot.base, q) };
}

test("an empty slot answers the magic value, version 2 and DeviceID 0, and ignores writes", () => {
  const { bus } = ramBus();
  const slot = virtioSlot(7);
  bus.addDevice(slot.base, slot.size, new VirtioMmio({ dma: ramBus().mem }));
  const r = (o: number) => bus.readDevice(slot.base + o, 4);
  assert.equal(r(REG.MagicValue), BigInt(VIRTIO_MMIO_MAGIC));
  assert.equal(r(REG.Version), 2n);
  assert.equal(r(REG.DeviceID), 0n);
  assert.equal(r(REG.VendorID), BigInt(VIRTIO_VENDOR));
  assert.equal(bus.writeDevice(slot.base + REG.Status, 4, 7n), true);
  assert.equal(r(REG.Status), 0n);
  assert.equal(r(REG.QueueNumMax), 0n);
  assert.equal(r(REG.DeviceFeatures), 0n);
  assert.equal(bus.readDevice(slot.base + REG.Config, 8), 0n);
});

test("control registers take 32-bit accesses only; queue registers are fixed while the queue is ready", () => {
  const { bus, d } = rig(new VirtioRng(1));
  const base = virtioSlot(1).base;
  for (const size of [1, 2, 8]) {
    assert.equal(bus.readDevice(base + REG.Status, size), undefined);
    assert.equal(bus.writeDevice(base + REG.Status, size, 1n), false);
  }
  d.init(0n);
  d.w(REG.QueueNum, 4);
  d.w(REG.QueueDescLow, 0x1234);
  assert.equal(d.r(REG.QueueNum), 8);
  assert.equal(d.r(REG.QueueDescLow), Q.desc >>> 0);
  assert.equal(d.r(REG.QueueReady), 1);
  assert.equal(d.r(REG.SHMLenLow), 0xffff_ffff, "no shared memory");
  d.w(REG.Status, 0);
  assert.equal(d.r(REG.QueueReady), 0, "reset");
  assert.equal(d.r(REG.QueueNum), 0);
  assert.equal(d.r(REG.Status), 0);
});

type Case = {
  name: string;
  device?: "blk" | "rng";
  /** set the queue up (default: the driver's init) and break something; true if it broke at setup */
  act: (d: Driver) => void;
  message: RegExp;
};

const CASES: Case[] = [
  {
    name: "a buffer outside RAM",
    act: (d) => d.offer([{ addr: 0x1000, len: 16, write: true }]),
    message: /DMA write to \[0x1000, 0x1010\) is not in RAM/,
  },
  {
    name: "a buffer running past RAM's end",
    act: (d) => d.offer([{ addr: RAM + RAM_SIZE - 8, len: 16, write: true }]),
    message: /DMA write to \[0x800ffff8, 0x80100008\) is not in RAM/,
  },
  {
    name: "a loop in a chain",
    act: (d) => {
      d.setDesc(0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
      d.setDesc(1, BUF + 16, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
      d.publish(0);
    },
    message: /queue 0, chain 0: longer than the queue's 8 entries \(a loop\?\)/,
  },
  {
    name: "a next index past the table",
    act: (d) => {
      d.setDesc(2, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 9);
      d.publish(2);
    },
    message: /queue 0, chain 2: descriptor index 9 past the table's 8 entries/,
  },
  {
    name: "a head index past the table",
    act: (d) => d.publish(8),
    message: /queue 0, chain 8: descriptor index 8 past the table's 8 entries/,
  },
  {
    name: "an available index that moved by more than the queue holds",
    act: (d) => d.setAvailIdx(9),
    message: /queue 0: the available index moved from 0 to 9, more than its 8 entries/,
  },
  {
    name: "a readable descriptor after a writable one",
    act: (d) => {
      d.setDesc(0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
      d.setDesc(1, BUF + 16, 16, 0, 0);
      d.publish(0);
    },
    message: /descriptor 1 is device-readable after a device-writable one/,
  },
  {
    name: "an indirect descriptor (not negotiated)",
    act: (d) => {
      d.setDesc(0, BUF, 32, VIRTQ_DESC_F_INDIRECT, 0);
      d.publish(0);
    },
    message: /descriptor 0 is indirect, which was not negotiated/,
  },
  {
    name: "an address past 2^53",
    act: (d) => {
      d.setDesc(0, 0xffff_ffff_ffff_f000n, 16, VIRTQ_DESC_F_WRITE, 0);
      d.publish(0);
    },
    message: /descriptor 0 at 0xfffffffffffff000 is past physical memory/,
  },
  {
    name: "a chain of more than 64 MiB",
    act: (d) => {
      d.setDesc(0, BUF, 0x300_0000, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
      d.setDesc(1, BUF, 0x300_0000, VIRTQ_DESC_F_WRITE, 0);
      d.publish(0);
    },
    message: /chain 0: more than 67108864 bytes/,
  },
  {
    name: "a block request shorter than its header",
    device: "blk",
    act: (d) =>
      d.offer([
        { addr: BUF, len: 8 },
        { addr: BUF + 64, len: 1, write: true },
      ]),
    message: /virtio-blk\): request 0: 8 readable bytes \(the header takes 16\) and 1 writable/,
  },
  {
    name: "a block request without room for its status",
    device: "blk",
    act: (d) => d.offer([{ addr: BUF, len: 16 }]),
    message: /request 0: 16 readable bytes .* and 0 writable \(the status takes 1\)/,
  },
];

for (const c of CASES) {
  test(`malformed: ${c.name} → DEVICE_NEEDS_RESET, said once; a reset recovers`, () => {
    const device = c.device === "blk" ? new VirtioBlk({ path: disk }) : new VirtioRng(7);
    const { d, warnings, line, mem } = rig(device);
    d.init(0n);
    c.act(d);
    d.notify();
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, c.message);
    assert.match(
      warnings[0]!,
      /^virtio_mmio@10002000 \(virtio-(blk|rng)\): .*; the device stops until the driver resets it$/,
    );
    assert.equal(d.r(REG.Status) & STATUS.DEVICE_NEEDS_RESET, STATUS.DEVICE_NEEDS_RESET);
    assert.equal(d.r(REG.InterruptStatus) & INT_CONFIG_CHANGE, INT_CONFIG_CHANGE);
    assert.deepEqual(line, [true]);
    // the driver's status writes keep the flag; notifications do nothing more
    d.w(REG.Status, d.r(REG.Status) | STATUS.FAILED);
    assert.equal(d.r(REG.Status) & STATUS.DEVICE_NEEDS_RESET, STATUS.DEVICE_NEEDS_RESET);
    d.notify();
    assert.equal(warnings.length, 1);
    assert.equal(d.usedIdx(), 0);

    // after a reset the device works again
    mem.write(Q.device, new Uint8Array(4));
    mem.write(Q.driver, new Uint8Array(4));
    d.availIdx = 0;
    d.nextDesc = 0;
    d.init(0n);
    assert.equal(d.r(REG.Status) & STATUS.DEVICE_NEEDS_RESET, 0);
    assert.equal(d.r(REG.InterruptStatus), 0);
    if (c.device === "blk") {
      mem.write(BUF, new Uint8Array(16)); // IN, sector 0
      d.offer([
        { addr: BUF, len: 16 },
        { addr: BUF + 512, len: 512, write: true },
        { addr: BUF + 64, len: 1, write: true },
      ]);
    } else {
      d.offer([{ addr: BUF, len: 16, write: true }]);
    }
    d.notify();
    assert.equal(d.usedIdx(), 1);
    assert.equal(d.r(REG.InterruptStatus), INT_USED_BUFFER);
    assert.equal(warnings.length, 1);
    if (device instanceof VirtioBlk) {
      assert.deepEqual(mem.read(BUF + 512, 512), new Uint8Array(512).fill(0x5c));
      device.close();
    }
  });
}

for (const [name, layout, size, message] of [
  ["a queue size that is not a power of 2", Q, 6, /queue 0: size 6 \(a power of 2 up to 64\)/],
  ["a queue size above QueueNumMax", queueAt(RAM + 0x1000, 128), 128, /size 128 \(a power of 2 up to 64\)/],
  [
    "a descriptor table not 16-byte aligned",
    queueAt(RAM + 0x1008, 8),
    8,
    /descriptor table at 0x80001008 is not 16-byte aligned/,
  ],
] as const) {
  test(`malformed at setup: ${name}`, () => {
    const { d, warnings } = rig(new VirtioRng(1), { ...layout, size });
    d.init(0n);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, message);
    assert.equal(d.r(REG.QueueReady), 0);
    assert.equal(d.r(REG.Status) & STATUS.DEVICE_NEEDS_RESET, STATUS.DEVICE_NEEDS_RESET);
  });
}

test("malformed: rings outside RAM are found at the first notification", () => {
  const { d, warnings } = rig(new VirtioRng(1), queueAt(0x4000_0000, 8));
  d.init(0n);
  assert.equal(d.r(REG.QueueReady), 1);
  d.notify();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /DMA read of \[0x40000082, 0x40000084\) is not in RAM/);
});
