// QEMU's `virt` platform: where its devices sit and which PLIC sources they raise (QEMU 7.2,
// hw/riscv/virt.c's memory map, as its generated device tree shows it). The devices, the machine's
// wiring and the device tree (fdt.ts) all take their addresses from here.

import { SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE } from "./sifive-test.js";

export interface Span {
  readonly base: number;
  readonly size: number;
}

export const VIRT = {
  test: { base: SIFIVE_TEST_BASE, size: SIFIVE_TEST_SIZE },
  clint: { base: 0x0200_0000, size: 0x1_0000 },
  /** room for 1024 contexts (512 harts × M and S), whatever the hart count */
  plic: { base: 0x0c00_0000, size: 0x60_0000 },
  uart0: { base: 0x1000_0000, size: 0x100 },
  /** the first of VIRTIO_SLOTS transports, each VIRTIO_STRIDE apart */
  virtio: { base: 0x1000_1000, size: 0x1000 },
  /** RAM starts here; its size is the machine's choice */
  dram: { base: 0x8000_0000, size: 0 },
} as const satisfies Record<string, Span>;

export const VIRTIO_SLOTS = 8;
export const VIRTIO_STRIDE = 0x1000;

/** PLIC sources (`interrupts` in the device tree). */
export const VIRT_IRQ = {
  /** virtio-mmio slot i raises VIRT_IRQ.virtio + i */
  virtio: 1,
  uart0: 10,
} as const;

/** Number of PLIC sources (riscv,ndev): 1..96 are valid, 0 means "none". */
export const VIRT_PLIC_SOURCES = 96;
/** Priorities are 0..7 (QEMU virt's 3 priority bits). */
export const VIRT_PLIC_PRIORITY_MAX = 7;

/** The UART's input clock (clock-frequency), QEMU's 3.6864 MHz. */
export const VIRT_UART_CLOCK = 3_686_400;

/** Address of virtio-mmio slot `i`. */
export function virtioSlot(i: number): Span {
  return { base: VIRT.virtio.base + i * VIRTIO_STRIDE, size: VIRT.virtio.size };
}
