// The physical side of a machine: RAM regions and devices by physical address range.
//
// RAM is backed by one WebAssembly.Memory (hart/ram.ts), each region by a range of host offsets in
// it, so harts translate a RAM page to a host offset and compiled code reaches it directly. Host page
// 0 belongs to no region: it is the harts' bounce buffer. Devices answer reads and writes of 1, 2, 4
// and 8 bytes at offsets in their range; the harts reach them through the MMU's slow path
// (GuestMemory.ioLoad/ioStore), never through a TLB, so MMIO may use BigInt.
//
// Regions never overlap (adding one that would is an error naming both). RAM is page-aligned, so a
// page is all RAM or has none, and a TLB entry for a RAM page can never cover a device. Lookups are
// binary searches over the regions sorted by base. Physical addresses are numbers below 2^53.

import { PAGE_SIZE } from "../hart/page.js";
import { guestBytes, mib, reserveRam } from "../hart/ram.js";

/**
 * A memory-mapped device. It sees naturally aligned accesses of 1, 2, 4 or 8 bytes inside its range
 * only (others are access faults before they reach it); offsets are from its base.
 */
export interface Device {
  readonly name: string;
  /** The `size`-byte value at `offset` (bits above size * 8 are ignored); undefined refuses (access fault). */
  read(offset: number, size: number): bigint | undefined;
  /** Write the `size`-byte value (zero-extended) at `offset`; false refuses (access fault). */
  write(offset: number, size: number, value: bigint): boolean | undefined;
}

export interface RamRegion {
  readonly kind: "ram";
  readonly name: string;
  /** physical address of the first byte */
  readonly base: number;
  readonly size: number;
  /** host offset (in the bus's memory) of the first byte */
  readonly host: number;
}

export interface DeviceRegion {
  readonly kind: "device";
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly device: Device;
}

export type Region = RamRegion | DeviceRegion;

export interface BusOptions {
  /** bytes of host memory to reserve for all RAM regions plus the bounce page; default 4 GiB or less (ram.ts) */
  hostBytes?: number;
}

export class Bus {
  readonly memory: WebAssembly.Memory;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** host offset of the bounce buffer: host page 0, outside every RAM region */
  readonly bounce = 0;
  /** bumped whenever the map changes */
  generation = 0;
  /** sorted by base, non-overlapping */
  private readonly list: Region[] = [];
  /** the next free host offset for RAM */
  private nextHost = PAGE_SIZE;

  constructor(options: BusOptions = {}) {
    this.memory = reserveRam(options.hostBytes);
    this.bytes = new Uint8Array(this.memory.buffer);
    this.view = new DataView(this.memory.buffer);
  }

  /** The regions, in address order. */
  get regions(): readonly Region[] {
    return this.list;
  }

  /** Host bytes not yet given to RAM regions. */
  get hostBytesLeft(): number {
    return guestBytes(this.memory) - this.nextHost; // below the engines' zone (ram.ts)
  }

  /** Add `size` bytes of RAM (zeroed) at physical `base`; both page-aligned. */
  addRam(name: string, base: number, size: number): RamRegion {
    checkRange(name, base, size);
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) {
      throw new RangeError(
        `bus: RAM "${name}" at ${span(base, size)} is not page-aligned (base and size must be multiples of ${PAGE_SIZE})`,
      );
    }
    this.checkFree(name, base, size);
    if (size > this.hostBytesLeft) {
      throw new RangeError(
        `bus: no room for RAM "${name}" (${mib(size)} MiB): ${mib(this.hostBytesLeft)} MiB of the host reservation left`,
      );
    }
    const region: RamRegion = { kind: "ram", name, base, size, host: this.nextHost };
    this.insert(region);
    this.nextHost += size;
    return region;
  }

  /** Map `device` at physical [base, base + size). */
  addDevice(base: number, size: number, device: Device): DeviceRegion {
    checkRange(device.name, base, size);
    const region: DeviceRegion = { kind: "device", name: device.name, base, size, device };
    this.insert(region);
    return region;
  }

  /** The region holding physical address pa, or undefined. */
  find(pa: number): Region | undefined {
    const list = this.list;
    // the last region whose base is <= pa
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.base <= pa) lo = mid + 1;
      else hi = mid - 1;
    }
    const r = list[hi];
    return r !== undefined && pa < r.base + r.size ? r : undefined;
  }

  /**
   * A device read of `size` bytes at physical pa: its value zero-extended, or undefined when no
   * device answers there (nothing mapped, RAM, misaligned, past the device's end, or refused).
   */
  readDevice(pa: number, size: number): bigint | undefined {
    const r = this.deviceAccess(pa, size);
    if (r === undefined) return undefined;
    const v = r.device.read(pa - r.base, size);
    return v === undefined ? undefined : BigInt.asUintN(size * 8, v);
  }

  /** A device write of the low `size` bytes of value at physical pa; false when no device answers. */
  writeDevice(pa: number, size: number, value: bigint): boolean {
    const r = this.deviceAccess(pa, size);
    if (r === undefined) return false;
    return r.device.write(pa - r.base, size, BigInt.asUintN(size * 8, value)) !== false;
  }

  /** The device region for an access, if it is a naturally aligned one inside a device's range. */
  private deviceAccess(pa: number, size: number): DeviceRegion | undefined {
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
      throw new RangeError(`bus: device access of ${size} bytes at 0x${pa.toString(16)}`);
    }
    if (pa % size !== 0) return undefined;
    const r = this.find(pa);
    if (r === undefined || r.kind !== "device" || pa + size > r.base + r.size) return undefined;
    return r;
  }

  /** Where a region at `base` goes in the sorted list (after every region below it). */
  private slot(base: number): number {
    const list = this.list;
    let at = 0;
    while (at < list.length && list[at]!.base < base) at++;
    return at;
  }

  /** Throw unless [base, base + size) is free: regions are sorted and disjoint, so only the neighbours can overlap. */
  private checkFree(name: string, base: number, size: number): void {
    const at = this.slot(base);
    for (const other of [this.list[at - 1], this.list[at]]) {
      if (other !== undefined && base < other.base + other.size && other.base < base + size) {
        throw new RangeError(
          `bus: "${name}" at ${span(base, size)} overlaps "${other.name}" at ${span(other.base, other.size)}`,
        );
      }
    }
  }

  private insert(region: Region): void {
    this.checkFree(region.name, region.base, region.size);
    this.list.splice(this.slot(region.base), 0, region);
    this.generation++;
  }
}

function checkRange(name: string, base: number, size: number): void {
  if (
    !Number.isSafeInteger(base) ||
    base < 0 ||
    !Number.isSafeInteger(size) ||
    size <= 0 ||
    !Number.isSafeInteger(base + size)
  ) {
    throw new RangeError(
      `bus: bad range for "${name}": base 0x${base.toString(16)}, size 0x${size.toString(16)}`,
    );
  }
}

/** [base, end) in hex, for messages. */
function span(base: number, size: number): string {
  return `[0x${base.toString(16)}, 0x${(base + size).toString(16)})`;
}
