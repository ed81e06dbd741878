// A minimal virtio-mmio driver for the tests: the initialization sequence (virtio 1.2, 3.1.1 and
// 4.2.3) as a list of register writes — run through the bus, or turned into machine code — and a
// split queue the test lays out in guest RAM, putting chains of descriptors on the available ring
// and reading the used ring back, as a guest driver would.

import { Bus } from "../../../src/machine/bus.js";
import { REG, STATUS, VIRTIO_F_VERSION_1 } from "../../../src/machine/devices/virtio-mmio.js";
import { VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from "../../../src/machine/devices/virtqueue.js";
import { PhysicalMemory } from "../../../src/machine/physical-memory.js";

export const RAM = 0x8000_0000;
export const RAM_SIZE = 0x10_0000;

/** A register write: offset from the transport's base, 32-bit value. */
export type Step = [offset: number, value: number];

export interface QueueLayout {
  size: number;
  desc: number;
  driver: number;
  device: number;
}

/** A queue of `size` entries at physical `at`: descriptor table, then driver area, then device area. */
export function queueAt(at: number, size: number): QueueLayout {
  const driver = at + 16 * size;
  const device = Math.ceil((driver + 6 + 2 * size) / 4) * 4;
  return { size, desc: at, driver, device };
}

/** Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue 0's setup and ready, DRIVER_OK. */
export function initSteps(q: QueueLayout, features: bigint, queue = 0): Step[] {
  const f = features | VIRTIO_F_VERSION_1;
  return [
    [REG.Status, 0],
    [REG.Status, STATUS.ACKNOWLEDGE],
    [REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER],
    [REG.DriverFeaturesSel, 0],
    [REG.DriverFeatures, Number(f & 0xffff_ffffn)],
    [REG.DriverFeaturesSel, 1],
    [REG.DriverFeatures, Number(f >> 32n)],
    [REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK],
    [REG.QueueSel, queue],
    [REG.QueueNum, q.size],
    [REG.QueueDescLow, q.desc >>> 0],
    [REG.QueueDescHigh, Math.floor(q.desc / 2 ** 32)],
    [REG.QueueDriverLow, q.driver >>> 0],
    [REG.QueueDriverHigh, Math.floor(q.driver / 2 ** 32)],
    [REG.QueueDeviceLow, q.device >>> 0],
    [REG.QueueDeviceHigh, Math.floor(q.device / 2 ** 32)],
    [REG.QueueReady, 1],
    [REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK],
  ];
}

export interface Buf {
  addr: number;
  len: number;
  /** device-writable */
  write?: boolean;
}

/** A bus with RAM_SIZE of RAM at RAM, and its physical memory. */
export function ramBus(): { bus: Bus; mem: PhysicalMemory } {
  const bus = new Bus({ hostBytes: 4 << 20 });
  bus.addRam("ram", RAM, RAM_SIZE);
  return { bus, mem: new PhysicalMemory(bus) };
}

export class Driver {
  /** the available ring's idx as this driver last published it */
  availIdx = 0;
  /** the next free descriptor */
  nextDesc = 0;

  constructor(
    readonly bus: Bus,
    readonly mem: PhysicalMemory,
    /** the transport's physical address */
    readonly base: number,
    readonly q: QueueLayout,
  ) {}

  r(offset: number): number {
    const v = this.bus.readDevice(this.base + offset, 4);
    if (v === undefined) throw new Error(`read of 0x${offset.toString(16)} refused`);
    return Number(v);
  }

  w(offset: number, value: number): void {
    if (!this.bus.writeDevice(this.base + offset, 4, BigInt(value >>> 0))) {
      throw new Error(`write of 0x${offset.toString(16)} refused`);
    }
  }

  run(steps: Step[]): void {
    for (const [offset, value] of steps) this.w(offset, value);
  }

  init(features: bigint): void {
    this.run(initSteps(this.q, features));
  }

  /** Write descriptor i. */
  setDesc(i: number, addr: number | bigint, len: number, flags: number, next: number): void {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(addr), true);
    v.setUint32(8, len, true);
    v.setUint16(12, flags, true);
    v.setUint16(14, next, true);
    this.mem.write(this.q.desc + 16 * i, b);
  }

  /** Lay `buffers` out as a chain from the next free descriptors and make it available; returns its head. */
  offer(buffers: Buf[]): number {
    const head = this.nextDesc;
    buffers.forEach((b, k) => {
      const i = (head + k) % this.q.size;
      const last = k === buffers.length - 1;
      const flags = (b.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT);
      this.setDesc(i, b.addr, b.len, flags, (i + 1) % this.q.size);
    });
    this.nextDesc = (head + buffers.length) % this.q.size;
    this.publish(head);
    return head;
  }

  /** Put `head` on the available ring and bump its idx. */
  publish(head: number): void {
    this.u16(this.q.driver + 4 + 2 * (this.availIdx % this.q.size), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.u16(this.q.driver + 2, this.availIdx);
  }

  setAvailFlags(flags: number): void {
    this.u16(this.q.driver, flags);
  }

  setAvailIdx(idx: number): void {
    this.availIdx = idx & 0xffff;
    this.u16(this.q.driver + 2, this.availIdx);
  }

  notify(queue = 0): void {
    this.w(REG.QueueNotify, queue);
  }

  /** The used ring's idx. */
  usedIdx(): number {
    const b = this.mem.read(this.q.device + 2, 2);
    return b[0]! | (b[1]! << 8);
  }

  /** Used ring entry k: the chain's head and the bytes written. */
  used(k: number): { id: number; len: number } {
    const v = new DataView(this.mem.read(this.q.device + 4 + 8 * (k % this.q.size), 8).buffer);
    return { id: v.getUint32(0, true), len: v.getUint32(4, true) };
  }

  private u16(pa: number, v: number): void {
    this.mem.write(pa, Uint8Array.of(v & 0xff, (v >> 8) & 0xff));
  }
}
