// The virtio-mmio transport, version 2 (Virtual I/O Device (VIRTIO) Version 1.2, 4.2 "Virtio Over
// MMIO"), as QEMU virt has eight of them from 0x1000_1000, 0x1000 apart, on PLIC sources 1..8. A slot
// with no device answers DeviceID 0, which drivers take as "nothing here".
//
// Control registers take 32-bit accesses only (4.2.2.2: others are refused, an access fault); the
// device-specific configuration from 0x100 takes any size. A notification (QueueNotify) is served at
// once: the device takes every available chain of that queue before the write returns, so requests
// complete in no virtual time. The interrupt line is high while InterruptStatus is not zero.
//
// When the driver breaks the protocol (a malformed ring, a descriptor out of RAM, a request the
// device cannot parse), the device sets DEVICE_NEEDS_RESET in Status, raises a configuration-change
// interrupt (2.1.2), says why once through `warn`, and ignores its queues until the driver resets it
// by writing 0 to Status. The host never sees an exception from the guest's data.

import type { Device } from "../bus.js";
import type { InterruptLine } from "../interrupts.js";
import { type DescriptorChain, type DmaMemory, VirtioError, Virtqueue } from "./virtqueue.js";

export const VIRTIO_MMIO_MAGIC = 0x7472_6976; // "virt"
export const VIRTIO_MMIO_VERSION = 2;
/** QEMU's vendor id ("QEMU"), which drivers ignore */
export const VIRTIO_VENDOR = 0x554d_4551;

export const REG = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  SHMSel: 0x0ac,
  SHMLenLow: 0x0b0,
  SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8,
  SHMBaseHigh: 0x0bc,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/** Device status bits (2.1 "Device Status Field"). */
export const STATUS = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** InterruptStatus bits (4.2.2). */
export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

/** Reserved feature bits (6 "Reserved Feature Bits"). */
export const VIRTIO_F_VERSION_1 = 1n << 32n;

/** A device behind the transport: its id, features, queues, configuration space and requests. */
export interface VirtioDevice {
  /** the device type (5 "Device Types"): 2 block, 4 entropy */
  readonly deviceId: number;
  /** a short name for messages */
  readonly kind: string;
  /** device-specific feature bits offered (the transport adds VIRTIO_F_VERSION_1) */
  readonly features: bigint;
  /** QueueNumMax of each of its queues */
  readonly queueSizes: readonly number[];
  /** the configuration space's current bytes */
  config(): Uint8Array;
  /** serve one chain from queue `queue`; returns the bytes written into it (throw VirtioError if malformed) */
  handle(queue: number, chain: DescriptorChain, features: bigint): number;
  /** the driver reset the device */
  reset?(): void;
}

export interface VirtioMmioOptions {
  /** guest RAM, for the queues and the buffers */
  dma: DmaMemory;
  /** the slot's interrupt line */
  irq?: InterruptLine;
  /** the device in this slot; none: an empty slot (DeviceID 0) */
  device?: VirtioDevice;
  /** says once why the device stopped (a broken driver or guest) */
  warn?: (message: string) => void;
  /** where it is, for messages */
  base?: number;
}

export class VirtioMmio implements Device {
  readonly name: string;
  readonly device: VirtioDevice | undefined;
  private readonly dma: DmaMemory;
  private readonly irq: InterruptLine | undefined;
  private readonly warn: (message: string) => void;
  private readonly queues: Virtqueue[];
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private interruptStatus = 0;
  private status = 0;
  private irqLevel = false;
  /** why the device stopped, once it did */
  private brokenBy: string | undefined;

  constructor(options: VirtioMmioOptions) {
    this.device = options.device;
    this.dma = checkedDma(options.dma);
    this.irq = options.irq;
    this.warn = options.warn ?? (() => {});
    const where = options.base === undefined ? "" : `@${options.base.toString(16)}`;
    this.name = `virtio_mmio${where}${this.device ? ` (${this.device.kind})` : ""}`;
    this.queues = (this.device?.queueSizes ?? []).map((n) => new Virtqueue(n));
  }

  /** Why the device stopped (DEVICE_NEEDS_RESET), or undefined while it works. */
  get broken(): string | undefined {
    return this.brokenBy;
  }

  /** Device feature bits as offered. */
  get offered(): bigint {
    return this.device === undefined ? 0n : this.device.features | VIRTIO_F_VERSION_1;
  }

  /** The features the driver accepted (valid once FEATURES_OK is set). */
  get negotiated(): bigint {
    return this.driverFeatures;
  }

  read(offset: number, size: number): bigint | undefined {
    if (offset >= REG.Config) return this.readConfig(offset - REG.Config, size);
    if (size !== 4) return undefined;
    return BigInt(this.readRegister(offset) >>> 0);
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (offset >= REG.Config) return true; // no device here takes configuration writes
    if (size !== 4) return false;
    const v = Number(value & 0xffff_ffffn);
    try {
      this.writeRegister(offset, v);
    } catch (e) {
      if (!(e instanceof VirtioError)) throw e;
      this.fail(e.message);
    }
    this.updateIrq();
    return true;
  }

  private readRegister(offset: number): number {
    const q = this.queues[this.queueSel];
    switch (offset) {
      case REG.MagicValue:
        return VIRTIO_MMIO_MAGIC;
      case REG.Version:
        return VIRTIO_MMIO_VERSION;
      case REG.DeviceID:
        return this.device?.deviceId ?? 0;
      case REG.VendorID:
        return VIRTIO_VENDOR;
    }
    if (this.device === undefined) return 0;
    switch (offset) {
      case REG.DeviceFeatures:
        return this.deviceFeaturesSel > 1
          ? 0
          : Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & 0xffff_ffffn);
      case REG.QueueNumMax:
        return q?.maxSize ?? 0;
      case REG.QueueReady:
        return q?.ready ? 1 : 0;
      case REG.InterruptStatus:
        return this.interruptStatus;
      case REG.Status:
        return this.status;
      case REG.QueueNum:
        return q?.size ?? 0;
      case REG.QueueDescLow:
        return low(q?.desc);
      case REG.QueueDescHigh:
        return high(q?.desc);
      case REG.QueueDriverLow:
        return low(q?.driver);
      case REG.QueueDriverHigh:
        return high(q?.driver);
      case REG.QueueDeviceLow:
        return low(q?.device);
      case REG.QueueDeviceHigh:
        return high(q?.device);
      case REG.SHMLenLow:
      case REG.SHMLenHigh:
      case REG.SHMBaseLow:
      case REG.SHMBaseHigh:
        return 0xffff_ffff; // no shared memory regions (4.2.2: length all ones)
      case REG.ConfigGeneration:
        return 0; // the configuration never changes under the driver
      default:
        return 0;
    }
  }

  private writeRegister(offset: number, v: number): void {
    if (this.device === undefined) return;
    const q = this.queues[this.queueSel];
    switch (offset) {
      case REG.DeviceFeaturesSel:
        this.deviceFeaturesSel = v;
        return;
      case REG.DriverFeaturesSel:
        this.driverFeaturesSel = v;
        return;
      case REG.DriverFeatures: {
        if (this.driverFeaturesSel > 1 || this.status & STATUS.FEATURES_OK) return;
        const shift = BigInt(32 * this.driverFeaturesSel);
        this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(v) << shift);
        return;
      }
      case REG.QueueSel:
        this.queueSel = v;
        return;
      case REG.Status:
        this.setStatus(v);
        return;
      case REG.InterruptACK:
        this.interruptStatus &= ~v;
        return;
      case REG.QueueNotify:
        this.notify(v & 0xffff);
        return;
    }
    // queue configuration: of an existing queue, while it is not in use (4.2.3.2)
    if (q === undefined || q.ready) {
      if (offset === REG.QueueReady && q !== undefined && v === 0) q.ready = false;
      return;
    }
    switch (offset) {
      case REG.QueueNum:
        q.size = v;
        return;
      case REG.QueueReady:
        if (v & 1) {
          q.check(this.queueSel);
          q.ready = true;
        }
        return;
      case REG.QueueDescLow:
        q.desc = setLow(q.desc, v);
        return;
      case REG.QueueDescHigh:
        q.desc = setHigh(q.desc, v);
        return;
      case REG.QueueDriverLow:
        q.driver = setLow(q.driver, v);
        return;
      case REG.QueueDriverHigh:
        q.driver = setHigh(q.driver, v);
        return;
      case REG.QueueDeviceLow:
        q.device = setLow(q.device, v);
        return;
      case REG.QueueDeviceHigh:
        q.device = setHigh(q.device, v);
        return;
    }
  }

  private setStatus(v: number): void {
    if (v === 0) {
      this.reset();
      return;
    }
    // FEATURES_OK sticks only for features the device offered, VERSION_1 among them (3.1.1)
    if (v & STATUS.FEATURES_OK && !(this.status & STATUS.FEATURES_OK)) {
      const ok =
        (this.driverFeatures & ~this.offered) === 0n && (this.driverFeatures & VIRTIO_F_VERSION_1) !== 0n;
      if (!ok) v &= ~STATUS.FEATURES_OK;
    }
    this.status = (v & ~STATUS.DEVICE_NEEDS_RESET) | (this.status & STATUS.DEVICE_NEEDS_RESET);
  }

  private reset(): void {
    this.status = 0;
    this.interruptStatus = 0;
    this.driverFeatures = 0n;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.queueSel = 0;
    this.brokenBy = undefined;
    for (const q of this.queues) q.reset();
    this.device?.reset?.();
  }

  private notify(index: number): void {
    const q = this.queues[index];
    const device = this.device;
    if (device === undefined || q === undefined || !q.ready || this.brokenBy !== undefined) return;
    const features = this.driverFeatures;
    if (q.process(index, this.dma, (chain) => device.handle(index, chain, features))) {
      this.interruptStatus |= INT_USED_BUFFER;
    }
  }

  /** The driver broke the protocol: stop, flag DEVICE_NEEDS_RESET, and say why (once). */
  private fail(reason: string): void {
    if (this.brokenBy !== undefined) return;
    this.brokenBy = reason;
    this.status |= STATUS.DEVICE_NEEDS_RESET;
    this.interruptStatus |= INT_CONFIG_CHANGE;
    this.warn(`${this.name}: ${reason}; the device stops until the driver resets it`);
  }

  private readConfig(offset: number, size: number): bigint {
    const config = this.device?.config() ?? new Uint8Array(0);
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(config[offset + k] ?? 0);
    return v;
  }

  private updateIrq(): void {
    const level = this.interruptStatus !== 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq?.set(level);
  }
}

/** DMA whose failures (nothing but RAM is reachable) are the guest's fault: VirtioErrors. */
function checkedDma(mem: DmaMemory): DmaMemory {
  const guard = <T>(what: string, pa: number, length: number, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const end = pa + length;
      throw new VirtioError(`DMA ${what} [0x${pa.toString(16)}, 0x${end.toString(16)}) is not in RAM`);
    }
  };
  return {
    read: (pa, length) => guard("read of", pa, length, () => mem.read(pa, length)),
    write: (pa, data) => guard("write to", pa, data.length, () => mem.write(pa, data)),
  };
}

function low(v: bigint | undefined): number {
  return v === undefined ? 0 : Number(v & 0xffff_ffffn);
}

function high(v: bigint | undefined): number {
  return v === undefined ? 0 : Number(v >> 32n);
}

function setLow(old: bigint, v: number): bigint {
  return (old & ~0xffff_ffffn) | BigInt(v >>> 0);
}

function setHigh(old: bigint, v: number): bigint {
  return (old & 0xffff_ffffn) | (BigInt(v >>> 0) << 32n);
}
