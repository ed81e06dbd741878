// QEMU virt's devices on a bus, wired: the CLINT and the PLIC driving the harts' pins, the UART and
// the eight virtio-mmio transports on their PLIC sources, the sifive_test finisher. The machine that
// runs a full system calls this once and keeps the result; the device tree (fdt.ts) describes the
// same layout.

import type { Bus } from "../bus.js";
import type { EventQueue } from "../events.js";
import { type HartInterruptPins, IrqLine } from "../interrupts.js";
import { Clint } from "./clint.js";
import { Ns16550a } from "./ns16550a.js";
import { Plic } from "./plic.js";
import { type Finish, SifiveTest } from "./sifive-test.js";
import { VIRT, VIRT_IRQ, VIRTIO_SLOTS, virtioSlot } from "./virt-map.js";
import { type VirtioDevice, VirtioMmio } from "./virtio-mmio.js";
import type { DmaMemory } from "./virtqueue.js";

export interface VirtDevicesOptions {
  bus: Bus;
  /** guest RAM for the virtio devices' DMA (the machine's PhysicalMemory) */
  dma: DmaMemory;
  harts: number;
  /** the harts' interrupt inputs */
  pins: HartInterruptPins;
  /** the machine's event queue and virtual time (ns), for the CLINT's timer */
  events: EventQueue;
  now: () => number;
  /** the UART's transmitted bytes */
  output: (bytes: Uint8Array) => void;
  /** what the guest asked of the finisher */
  finish: (what: Finish) => void;
  /** devices for virtio slots 0, 1, ... (at most 8); the other slots are empty */
  virtio?: readonly VirtioDevice[];
  /** a virtio device that stopped says why here */
  warn?: (message: string) => void;
}

export interface VirtDevices {
  clint: Clint;
  plic: Plic;
  uart: Ns16550a;
  test: SifiveTest;
  /** all eight transports, slot by slot */
  virtio: VirtioMmio[];
}

export function attachVirtDevices(o: VirtDevicesOptions): VirtDevices {
  const given = o.virtio ?? [];
  if (given.length > VIRTIO_SLOTS) {
    throw new RangeError(`virt: ${given.length} virtio devices (${VIRTIO_SLOTS} slots)`);
  }
  const test = new SifiveTest(o.finish);
  const clint = new Clint({ harts: o.harts, pins: o.pins, events: o.events, now: o.now });
  const plic = new Plic({ harts: o.harts, pins: o.pins });
  const uart = new Ns16550a({ output: o.output, irq: new IrqLine(plic, VIRT_IRQ.uart0) });
  const virtio = Array.from({ length: VIRTIO_SLOTS }, (_, i) => {
    const slot = virtioSlot(i);
    return new VirtioMmio({
      dma: o.dma,
      irq: new IrqLine(plic, VIRT_IRQ.virtio + i),
      device: given[i],
      warn: o.warn,
      base: slot.base,
    });
  });
  o.bus.addDevice(VIRT.test.base, VIRT.test.size, test);
  o.bus.addDevice(VIRT.clint.base, VIRT.clint.size, clint);
  o.bus.addDevice(VIRT.plic.base, VIRT.plic.size, plic);
  o.bus.addDevice(VIRT.uart0.base, VIRT.uart0.size, uart);
  for (const [i, t] of virtio.entries()) o.bus.addDevice(virtioSlot(i).base, VIRT.virtio.size, t);
  return { clint, plic, uart, test, virtio };
}
