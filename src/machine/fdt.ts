// The device tree the firmware and the kernel read to find the machine: a flattened devicetree blob
// (Devicetree Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format", version 17) built
// from the same addresses as the devices (devices/virt-map.ts).
//
// `virtDeviceTree` writes what QEMU 7.2's `virt` machine writes for the same harts, memory, boot
// arguments and initrd — the same nodes, properties, values, phandle numbers and order (compare
// `qemu-system-riscv64 -machine virt,dumpdtb=x.dtb` through `dtc -I dtb -O dts`) — except:
//   - devices hartscope does not emulate are absent: /pmu, /fw-cfg, /flash, /platform-bus,
//     /soc/rtc (goldfish), /soc/pci;
//   - `riscv,isa` names what the harts implement (rv64imafdc, Zicsr, Zifencei, Zba, Zbb), not QEMU's
//     default CPU (which adds H, Zbc, Zbs, Sstc, Zihintpause);
//   - /chosen/rng-seed, random in QEMU, comes from the run's seed (so runs are reproducible), and
//     only when one is given.

import { TIMEBASE_NS } from "../hart/csr.js";
import { FINISHER_PASS, FINISHER_RESET } from "./devices/sifive-test.js";
import {
  VIRT,
  VIRT_IRQ,
  VIRT_PLIC_SOURCES,
  VIRT_UART_CLOCK,
  VIRTIO_SLOTS,
  virtioSlot,
} from "./devices/virt-map.js";
import { Irq } from "./interrupts.js";

// ---- the blob format ----

const FDT_MAGIC = 0xd00dfeed;
const FDT_VERSION = 17;
const FDT_LAST_COMP_VERSION = 16;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;
const HEADER_BYTES = 40;

/** A node of a device tree under construction: properties and children in the order added. */
export class FdtNode {
  readonly props: [name: string, value: Uint8Array][] = [];
  readonly children: FdtNode[] = [];

  constructor(
    /** node name with its unit address, e.g. "cpu@0"; "" for the root */
    readonly name: string,
  ) {}

  /** Add a property; returns this node. */
  prop(name: string, value: Uint8Array = new Uint8Array(0)): this {
    this.props.push([name, value]);
    return this;
  }

  /** Add a child node and return it. */
  child(name: string): FdtNode {
    const node = new FdtNode(name);
    this.children.push(node);
    return node;
  }
}

/** A property value of 32-bit big-endian cells. */
export function cells(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`fdt: cell value ${v}`);
    view.setUint32(4 * i, v);
  });
  return out;
}

/** A 64-bit value as two cells (high, low). */
export function cells64(v: number): [number, number] {
  return [Math.floor(v / 2 ** 32), v >>> 0];
}

/** A property value of NUL-terminated strings (a string list when more than one). */
export function strings(...list: string[]): Uint8Array {
  return new TextEncoder().encode(list.map((s) => `${s}\0`).join(""));
}

export interface FdtOptions {
  /** memory reservation block entries */
  reserve?: readonly { address: number; size: number }[];
  /** the boot hart's id (boot_cpuid_phys) */
  bootCpu?: number;
  /** free bytes after the blob, counted in totalsize, for software that edits the tree in place */
  padding?: number;
}

/** The blob for `root`: header, memory reservation block, structure block, strings block. */
export function flatten(root: FdtNode, options: FdtOptions = {}): Uint8Array {
  const strs = new Map<string, number>();
  const strBytes: number[] = [];
  const nameOffset = (name: string) => {
    let off = strs.get(name);
    if (off === undefined) {
      off = strBytes.length;
      strs.set(name, off);
      strBytes.push(...new TextEncoder().encode(name), 0);
    }
    return off;
  };
  const struct: number[] = [];
  const word = (v: number) => struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const bytes = (b: Uint8Array) => {
    struct.push(...b);
    while (struct.length % 4 !== 0) struct.push(0);
  };
  const emit = (node: FdtNode) => {
    word(FDT_BEGIN_NODE);
    bytes(new TextEncoder().encode(`${node.name}\0`));
    for (const [name, value] of node.props) {
      word(FDT_PROP);
      word(value.length);
      word(nameOffset(name));
      bytes(value);
    }
    for (const child of node.children) emit(child);
    word(FDT_END_NODE);
  };
  emit(root);
  word(FDT_END);

  const reserve = options.reserve ?? [];
  const rsvOffset = HEADER_BYTES; // 8-byte aligned
  const structOffset = rsvOffset + 16 * (reserve.length + 1);
  const stringsOffset = structOffset + struct.length;
  const end = stringsOffset + strBytes.length;
  const total = end + (options.padding ?? 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const header = [
    FDT_MAGIC,
    total,
    structOffset,
    stringsOffset,
    rsvOffset,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    options.bootCpu ?? 0,
    strBytes.length,
    struct.length,
  ];
  for (const [i, v] of header.entries()) view.setUint32(4 * i, v);
  reserve.forEach((r, i) => {
    view.setBigUint64(rsvOffset + 16 * i, BigInt(r.address));
    view.setBigUint64(rsvOffset + 16 * i + 8, BigInt(r.size));
  });
  out.set(struct, structOffset);
  out.set(strBytes, stringsOffset);
  return out;
}

// ---- QEMU virt's tree ----

/** What the harts implement, as `riscv,isa` spells it. */
export const HARTSCOPE_ISA = "rv64imafdc_zicsr_zifencei_zba_zbb";

export interface VirtConfig {
  /** number of harts (1..512) */
  harts: number;
  /** RAM at VIRT.dram.base */
  ramSize: number;
  /** /chosen/bootargs (the kernel's command line; absent when empty) */
  bootargs?: string;
  /** /chosen/linux,initrd-start and -end: physical [start, end) */
  initrd?: { start: number; end: number };
  /** /chosen/rng-seed: bytes for the kernel's early entropy */
  rngSeed?: Uint8Array;
  /** each cpu's `riscv,isa` (default: HARTSCOPE_ISA) */
  isa?: string;
  /** each cpu's `mmu-type` (default: "riscv,sv48", as QEMU's rv64) */
  mmuType?: string;
  /** the UART (and /chosen/stdout-path pointing at it); default true */
  uart?: boolean;
  /** the sifive_test finisher with its poweroff and reboot nodes; default true */
  test?: boolean;
  /** how many virtio-mmio slots to describe (default all 8, as QEMU describes them, empty or not) */
  virtioSlots?: number;
  /** see FdtOptions.padding */
  padding?: number;
}

const hex = (n: number) => n.toString(16);

/** The device tree blob of QEMU 7.2's `virt` machine for `config` (differences: see the file's header). */
export function virtDeviceTree(config: VirtConfig): Uint8Array {
  return flatten(virtTree(config), { padding: config.padding });
}

/** The tree itself, before flattening. */
export function virtTree(config: VirtConfig): FdtNode {
  const n = config.harts;
  if (!Number.isInteger(n) || n < 1 || n > 512) throw new RangeError(`fdt: ${n} harts (1..512)`);
  if (!Number.isSafeInteger(config.ramSize) || config.ramSize <= 0) {
    throw new RangeError(`fdt: RAM size ${config.ramSize}`);
  }
  const slots = config.virtioSlots ?? VIRTIO_SLOTS;
  // phandles as QEMU numbers them: cpus from the last (cpu and its interrupt controller), then the
  // PLIC, then the finisher
  const cpuPhandle = (h: number) => 2 * (n - 1 - h) + 1;
  const intcPhandle = (h: number) => cpuPhandle(h) + 1;
  const plicPhandle = 2 * n + 1;
  const testPhandle = 2 * n + 2;
  const reg = (base: number, size: number) => cells(...cells64(base), ...cells64(size));
  const uartPath = `/soc/serial@${hex(VIRT.uart0.base)}`;

  const root = new FdtNode("")
    .prop("#address-cells", cells(2))
    .prop("#size-cells", cells(2))
    .prop("compatible", strings("riscv-virtio"))
    .prop("model", strings("riscv-virtio,qemu"));

  const chosen = root.child("chosen");
  if (config.initrd) {
    chosen.prop("linux,initrd-end", address(config.initrd.end));
    chosen.prop("linux,initrd-start", address(config.initrd.start));
  }
  if (config.rngSeed) chosen.prop("rng-seed", config.rngSeed);
  if (config.bootargs) chosen.prop("bootargs", strings(config.bootargs)); // none when empty, as QEMU
  if (config.uart ?? true) chosen.prop("stdout-path", strings(uartPath));

  if (config.test ?? true) {
    for (const [name, value] of [
      ["poweroff", FINISHER_PASS],
      ["reboot", FINISHER_RESET],
    ] as const) {
      root
        .child(name)
        .prop("value", cells(value))
        .prop("offset", cells(0))
        .prop("regmap", cells(testPhandle))
        .prop("compatible", strings(`syscon-${name}`));
    }
  }

  root
    .child(`memory@${hex(VIRT.dram.base)}`)
    .prop("device_type", strings("memory"))
    .prop("reg", reg(VIRT.dram.base, config.ramSize));

  const cpus = root
    .child("cpus")
    .prop("#address-cells", cells(1))
    .prop("#size-cells", cells(0))
    .prop("timebase-frequency", cells(1e9 / TIMEBASE_NS));
  for (let h = 0; h < n; h++) {
    const cpu = cpus
      .child(`cpu@${hex(h)}`)
      .prop("phandle", cells(cpuPhandle(h)))
      .prop("device_type", strings("cpu"))
      .prop("reg", cells(h))
      .prop("status", strings("okay"))
      .prop("compatible", strings("riscv"))
      .prop("riscv,isa", strings(config.isa ?? HARTSCOPE_ISA))
      .prop("mmu-type", strings(config.mmuType ?? "riscv,sv48"));
    cpu
      .child("interrupt-controller")
      .prop("#interrupt-cells", cells(1))
      .prop("interrupt-controller")
      .prop("compatible", strings("riscv,cpu-intc"))
      .prop("phandle", cells(intcPhandle(h)));
  }
  const cluster = cpus.child("cpu-map").child("cluster0");
  for (let h = 0; h < n; h++) cluster.child(`core${h}`).prop("cpu", cells(cpuPhandle(h)));

  const soc = root
    .child("soc")
    .prop("#address-cells", cells(2))
    .prop("#size-cells", cells(2))
    .prop("compatible", strings("simple-bus"))
    .prop("ranges");
  if (config.uart ?? true) {
    soc
      .child(`serial@${hex(VIRT.uart0.base)}`)
      .prop("interrupts", cells(VIRT_IRQ.uart0))
      .prop("interrupt-parent", cells(plicPhandle))
      .prop("clock-frequency", cells(VIRT_UART_CLOCK))
      .prop("reg", reg(VIRT.uart0.base, VIRT.uart0.size))
      .prop("compatible", strings("ns16550a"));
  }
  if (config.test ?? true) {
    soc
      .child(`test@${hex(VIRT.test.base)}`)
      .prop("phandle", cells(testPhandle))
      .prop("reg", reg(VIRT.test.base, VIRT.test.size))
      .prop("compatible", strings("sifive,test1", "sifive,test0", "syscon"));
  }
  for (let i = slots - 1; i >= 0; i--) {
    const slot = virtioSlot(i);
    soc
      .child(`virtio_mmio@${hex(slot.base)}`)
      .prop("interrupts", cells(VIRT_IRQ.virtio + i))
      .prop("interrupt-parent", cells(plicPhandle))
      .prop("reg", reg(slot.base, slot.size))
      .prop("compatible", strings("virtio,mmio"));
  }
  const perHart = (bits: number[]) =>
    cells(...Array.from({ length: n }, (_, h) => bits.flatMap((b) => [intcPhandle(h), b])).flat());
  soc
    .child(`plic@${hex(VIRT.plic.base)}`)
    .prop("phandle", cells(plicPhandle))
    .prop("riscv,ndev", cells(VIRT_PLIC_SOURCES))
    .prop("reg", reg(VIRT.plic.base, VIRT.plic.size))
    .prop("interrupts-extended", perHart([Irq.MEIP, Irq.SEIP]))
    .prop("interrupt-controller")
    .prop("compatible", strings("sifive,plic-1.0.0", "riscv,plic0"))
    .prop("#address-cells", cells(0))
    .prop("#interrupt-cells", cells(1));
  soc
    .child(`clint@${hex(VIRT.clint.base)}`)
    .prop("interrupts-extended", perHart([Irq.MSIP, Irq.MTIP]))
    .prop("reg", reg(VIRT.clint.base, VIRT.clint.size))
    .prop("compatible", strings("sifive,clint0", "riscv,clint0"));
  return root;
}

/** An address in /chosen: one cell when it fits (as QEMU writes it), two otherwise. */
function address(pa: number): Uint8Array {
  return pa <= 0xffff_ffff ? cells(pa) : cells(...cells64(pa));
}
