// virtio-blk behind the virtio-mmio transport, driven through the bus with requests built in guest
// RAM: the transport's identity and feature negotiation, capacity in the configuration space, reads
// into multi-segment buffers, writes read back, the image file unchanged in copy-on-write mode and
// changed in write-through mode, flush, get-id, unsupported requests, requests outside the disk,
// read-only disks, the used ring's lengths, the interrupt and its acknowledgement.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { virtioSlot } from "../../../src/machine/devices/virt-map.js";
import {
  SECTOR,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VirtioBlk,
  type VirtioBlkOptions,
} from "../../../src/machine/devices/virtio-blk.js";
import {
  INT_USED_BUFFER,
  REG,
  STATUS,
  VIRTIO_F_VERSION_1,
  VIRTIO_MMIO_MAGIC,
  VirtioMmio,
} from "../../../src/machine/devices/virtio-mmio.js";
import { VIRTQ_AVAIL_F_NO_INTERRUPT } from "../../../src/machine/devices/virtqueue.js";
import { tempDir } from "../../temp-dir.js";
import { type Buf, Driver, queueAt, RAM, ramBus } from "./virtio-driver.js";

const dir = tempDir("hs-virtio-blk-");

const SECTORS = 64;
/** Sector s of the test image: bytes (s * 7 + i) & 0xff. */
function sectorContent(s: number): Uint8Array {
  return Uint8Array.from({ length: SECTOR }, (_, i) => (s * 7 + i) & 0xff);
}

let images = 0;
function image(extra = 0): string {
  const path = join(dir, `disk${images++}.img`);
  const bytes = new Uint8Array(SECTORS * SECTOR + extra);
  for (let s = 0; s < SECTORS; s++) bytes.set(sectorContent(s), s * SECTOR);
  writeFileSync(path, bytes);
  return path;
}

const Q = queueAt(RAM + 0x1000, 16);
const HDR = RAM + 0x2000;
const STATUS_AT = RAM + 0x2100;
const DATA = RAM + 0x4000;

function rig(options: Partial<VirtioBlkOptions> = {}) {
  const { bus, mem } = ramBus();
  const path = options.path ?? image();
  const blk = new VirtioBlk({ path, ...options });
  const line: boolean[] = [];
  const warnings: string[] = [];
  const slot = virtioSlot(0);
  const transport = new VirtioMmio({
    dma: mem,
    device: blk,
    irq: { set: (l) => line.push(l) },
    warn: (m) => warnings.push(m),
    base: slot.base,
  });
  bus.addDevice(slot.base, slot.size, transport);
  const d = new Driver(bus, mem, slot.base, Q);
  /** A request: header, data buffers, status byte; returns the status and the used entry. */
  const request = (type: number, sector: number, data: Buf[]) => {
    const h = new Uint8Array(16);
    const v = new DataView(h.buffer);
    v.setUint32(0, type, true);
    v.setBigUint64(8, BigInt(sector), true);
    mem.write(HDR, h);
    mem.write(STATUS_AT, Uint8Array.of(0xee));
    const head = d.offer([{ addr: HDR, len: 16 }, ...data, { addr: STATUS_AT, len: 1, write: true }]);
    const before = d.usedIdx();
    d.notify();
    assert.equal(d.usedIdx(), (before + 1) & 0xffff, "one chain used");
    const used = d.used(before);
    assert.equal(used.id, head);
    return { status: mem.read(STATUS_AT, 1)[0]!, len: used.len };
  };
  return { bus, mem, blk, transport, d, line, warnings, path, request };
}

test("identity, features offered, capacity in the configuration space (any access size)", () => {
  const { bus, d, blk, path } = rig();
  const base = virtioSlot(0).base;
  assert.equal(d.r(REG.MagicValue), VIRTIO_MMIO_MAGIC);
  assert.equal(d.r(REG.Version), 2);
  assert.equal(d.r(REG.DeviceID), 2);
  d.w(REG.DeviceFeaturesSel, 0);
  const lowBits = d.r(REG.DeviceFeatures);
  d.w(REG.DeviceFeaturesSel, 1);
  assert.equal(d.r(REG.DeviceFeatures), 1, "VIRTIO_F_VERSION_1");
  assert.equal(BigInt(lowBits) & VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_FLUSH);
  assert.equal(BigInt(lowBits) & VIRTIO_BLK_F_RO, 0n);
  assert.equal(blk.capacity, SECTORS);
  assert.equal(bus.readDevice(base + REG.Config, 8), BigInt(SECTORS));
  assert.equal(bus.readDevice(base + REG.Config, 4), BigInt(SECTORS));
  assert.equal(bus.readDevice(base + REG.Config + 4, 4), 0n);
  assert.equal(bus.readDevice(base + REG.Config, 1), BigInt(SECTORS));
  assert.equal(bus.readDevice(base + REG.Config + 20, 4), 512n, "blk_size");
  d.w(REG.QueueSel, 0);
  assert.equal(d.r(REG.QueueNumMax), 256);
  d.w(REG.QueueSel, 1);
  assert.equal(d.r(REG.QueueNumMax), 0, "one queue");
  for (const size of [1, 2, 8]) assert.equal(bus.readDevice(base + REG.MagicValue, size), undefined);
  blk.close();
  // a partial last sector is not part of the disk
  const odd = new VirtioBlk({ path: image(100) });
  assert.equal(odd.capacity, SECTORS);
  odd.close();
  assert.throws(
    () => new VirtioBlk({ path: join(dir, "missing.img") }),
    /cannot open disk image .*missing\.img/,
  );
  assert.ok(path);
});

test("feature negotiation: FEATURES_OK sticks only with VERSION_1 and offered bits", () => {
  const { d, blk } = rig();
  const status = STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK;
  for (const [features, ok] of [
    [0n, false],
    [VIRTIO_BLK_F_FLUSH, false],
    [VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_RO, false],
    [VIRTIO_F_VERSION_1 | (1n << 40n), false],
    [VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH, true],
  ] as const) {
    d.run([
      [REG.Status, 0],
      [REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER],
      [REG.DriverFeaturesSel, 0],
      [REG.DriverFeatures, Number(features & 0xffff_ffffn)],
      [REG.DriverFeaturesSel, 1],
      [REG.DriverFeatures, Number(features >> 32n)],
      [REG.Status, status],
    ]);
    assert.equal(
      d.r(REG.Status),
      ok ? status : status & ~STATUS.FEATURES_OK,
      `features 0x${features.toString(16)}`,
    );
  }
  blk.close();
});

test("reads fill multi-segment buffers; writes read back; copy-on-write leaves the file unchanged", () => {
  const { d, mem, blk, path, request } = rig();
  const original = readFileSync(path);
  d.init(VIRTIO_BLK_F_FLUSH);
  assert.equal(d.r(REG.Status) & STATUS.DRIVER_OK, STATUS.DRIVER_OK);

  // sectors 3..5 into a 512-byte buffer and a 1024-byte one elsewhere
  let r = request(VIRTIO_BLK_T_IN, 3, [
    { addr: DATA, len: 512, write: true },
    { addr: DATA + 0x3000, len: 1024, write: true },
  ]);
  assert.deepEqual(r, { status: VIRTIO_BLK_S_OK, len: 1536 + 1 });
  assert.deepEqual(mem.read(DATA, 512), sectorContent(3));
  assert.deepEqual(mem.read(DATA + 0x3000, 512), sectorContent(4));
  assert.deepEqual(mem.read(DATA + 0x3200, 512), sectorContent(5));

  // write sectors 10..11 (one segment spanning a 4 KiB copy-on-write block boundary: 7..8 next)
  const fresh = Uint8Array.from({ length: 1024 }, (_, i) => (i * 13 + 5) & 0xff);
  mem.write(DATA + 0x8000, fresh);
  r = request(VIRTIO_BLK_T_OUT, 10, [{ addr: DATA + 0x8000, len: 1024 }]);
  assert.deepEqual(r, { status: VIRTIO_BLK_S_OK, len: 1 });
  r = request(VIRTIO_BLK_T_OUT, 7, [{ addr: DATA + 0x8000, len: 1024 }]);
  assert.equal(r.status, VIRTIO_BLK_S_OK);
  r = request(VIRTIO_BLK_T_IN, 6, [{ addr: DATA + 0xa000, len: 6 * 512, write: true }]);
  assert.equal(r.status, VIRTIO_BLK_S_OK);
  const back = mem.read(DATA + 0xa000, 6 * 512);
  assert.deepEqual(back.subarray(0, 512), sectorContent(6));
  assert.deepEqual(back.subarray(512, 1536), fresh);
  assert.deepEqual(back.subarray(1536, 2048), sectorContent(9));
  assert.deepEqual(back.subarray(2048, 3072), fresh);
  assert.equal(blk.overlayBytes, 2 * 4096, "sectors 7..8 and 10..11 are in two 4 KiB blocks");

  r = request(VIRTIO_BLK_T_FLUSH, 0, []);
  assert.deepEqual(r, { status: VIRTIO_BLK_S_OK, len: 1 });
  assert.deepEqual(readFileSync(path), original, "the image file is unchanged");
  blk.close();
});

test("write-through: writes reach the file", () => {
  const { d, mem, blk, path, request } = rig({ writeThrough: true });
  d.init(VIRTIO_BLK_F_FLUSH);
  const fresh = Uint8Array.from({ length: 512 }, (_, i) => 255 - (i & 0xff));
  mem.write(DATA, fresh);
  assert.equal(request(VIRTIO_BLK_T_OUT, 63, [{ addr: DATA, len: 512 }]).status, VIRTIO_BLK_S_OK);
  assert.equal(request(VIRTIO_BLK_T_FLUSH, 0, []).status, VIRTIO_BLK_S_OK);
  const file = readFileSync(path);
  assert.deepEqual(new Uint8Array(file.subarray(63 * 512)), fresh);
  assert.deepEqual(new Uint8Array(file.subarray(62 * 512, 63 * 512)), sectorContent(62));
  assert.equal(blk.overlayBytes, 0);
  blk.close();
});

test("get-id, unsupported types, requests outside the disk or of partial sectors, read-only disks", () => {
  const { d, mem, blk, request } = rig({ serial: "hartscope-disk-0123456789" });
  d.init(0n);
  let r = request(VIRTIO_BLK_T_GET_ID, 0, [{ addr: DATA, len: 20, write: true }]);
  assert.deepEqual(r, { status: VIRTIO_BLK_S_OK, len: 21 });
  assert.equal(Buffer.from(mem.read(DATA, 20)).toString(), "hartscope-disk-01234");
  r = request(11 /* DISCARD */, 0, [{ addr: DATA, len: 16 }]);
  assert.deepEqual(r, { status: VIRTIO_BLK_S_UNSUPP, len: 1 });
  r = request(VIRTIO_BLK_T_IN, 63, [{ addr: DATA, len: 1024, write: true }]);
  assert.deepEqual(r, { status: VIRTIO_BLK_S_IOERR, len: 1 }, "past the last sector");
  r = request(VIRTIO_BLK_T_IN, 0, [{ addr: DATA, len: 100, write: true }]);
  assert.equal(r.status, VIRTIO_BLK_S_IOERR, "not whole sectors");
  r = request(VIRTIO_BLK_T_OUT, 2 ** 60, [{ addr: DATA, len: 512 }]);
  assert.equal(r.status, VIRTIO_BLK_S_IOERR);
  assert.equal(d.r(REG.Status) & STATUS.DEVICE_NEEDS_RESET, 0, "errors in requests are not broken rings");
  blk.close();

  const ro = rig({ readOnly: true });
  d.w(REG.DeviceFeaturesSel, 0);
  ro.d.w(REG.DeviceFeaturesSel, 0);
  assert.equal(BigInt(ro.d.r(REG.DeviceFeatures)) & VIRTIO_BLK_F_RO, VIRTIO_BLK_F_RO);
  ro.d.init(VIRTIO_BLK_F_RO);
  assert.equal(ro.request(VIRTIO_BLK_T_OUT, 0, [{ addr: DATA, len: 512 }]).status, VIRTIO_BLK_S_IOERR);
  assert.equal(
    ro.request(VIRTIO_BLK_T_IN, 0, [{ addr: DATA, len: 512, write: true }]).status,
    VIRTIO_BLK_S_OK,
  );
  ro.blk.close();
});

test("the interrupt: raised for used buffers, dropped by InterruptACK, not raised under NO_INTERRUPT", () => {
  const { d, line, blk, request } = rig();
  d.init(0n);
  assert.deepEqual(line, []);
  request(VIRTIO_BLK_T_IN, 1, [{ addr: DATA, len: 512, write: true }]);
  assert.deepEqual(line, [true]);
  assert.equal(d.r(REG.InterruptStatus), INT_USED_BUFFER);
  request(VIRTIO_BLK_T_IN, 2, [{ addr: DATA, len: 512, write: true }]);
  assert.deepEqual(line, [true], "still high");
  d.w(REG.InterruptACK, INT_USED_BUFFER);
  assert.equal(d.r(REG.InterruptStatus), 0);
  assert.deepEqual(line, [true, false]);
  d.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
  request(VIRTIO_BLK_T_IN, 3, [{ addr: DATA, len: 512, write: true }]);
  assert.deepEqual(line, [true, false]);
  assert.equal(d.r(REG.InterruptStatus), 0);
  // several chains made available before one notification are all served, in order
  d.setAvailFlags(0);
  const heads = [4, 5, 6].map((s) =>
    d.offer([
      { addr: HDR + 0x10 * (s - 3), len: 16 },
      { addr: DATA + 0x200 * s, len: 512, write: true },
      { addr: STATUS_AT + s, len: 1, write: true },
    ]),
  );
  for (const s of [4, 5, 6]) {
    const h = new Uint8Array(16);
    new DataView(h.buffer).setBigUint64(8, BigInt(s), true);
    d.mem.write(HDR + 0x10 * (s - 3), h);
  }
  const before = d.usedIdx();
  d.notify();
  assert.equal(d.usedIdx(), before + 3);
  assert.deepEqual(
    [0, 1, 2].map((k) => d.used(before + k).id),
    heads,
  );
  for (const s of [4, 5, 6]) assert.deepEqual(d.mem.read(DATA + 0x200 * s, 512), sectorContent(s));
  assert.deepEqual(line, [true, false, true]);
  blk.close();
});
