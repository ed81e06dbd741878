// Interrupt wiring of the full system: level-triggered lines from devices into an interrupt
// controller (the PLIC), and the pins by which the PLIC and the CLINT drive each hart's pending bits.
//
// Every signal here is a level, never an edge: a device holds its line high while it wants service
// (a UART with data to read, a virtio device with unacknowledged used buffers), and the controllers
// hold a hart's pin high while the condition lasts (mtime >= mtimecmp, a claimable source above the
// threshold). The hart side makes mip's read-only bits follow the pins.

/** Bit numbers in mip/mie (Privileged ISA, "Machine Interrupt Registers (mip and mie)"). */
export const Irq = {
  /** supervisor software interrupt */
  SSIP: 1,
  /** machine software interrupt: the CLINT's msip */
  MSIP: 3,
  /** supervisor timer interrupt */
  STIP: 5,
  /** machine timer interrupt: the CLINT's mtime >= mtimecmp */
  MTIP: 7,
  /** supervisor external interrupt: the PLIC's S-mode context */
  SEIP: 9,
  /** machine external interrupt: the PLIC's M-mode context */
  MEIP: 11,
} as const;

/** The interrupt inputs of the harts, driven by the CLINT and the PLIC; the hart side implements it. */
export interface HartInterruptPins {
  /** Hart `hart`'s pending bit `bit` (an Irq value) is now `level`. Called only on changes. */
  set(hart: number, bit: number, level: boolean): void;
}

/** An interrupt controller with numbered level-triggered inputs (the PLIC's sources). */
export interface InterruptController {
  /** Input `source` is now at `level`. */
  setSourceLevel(source: number, level: boolean): void;
}

/** What a device drives: its interrupt line, high while it wants service. */
export interface InterruptLine {
  set(level: boolean): void;
}

/** One device's interrupt line into a controller's input. */
export class IrqLine implements InterruptLine {
  private high = false;

  constructor(
    private readonly controller: InterruptController,
    readonly source: number,
  ) {}

  get level(): boolean {
    return this.high;
  }

  /** Drive the line; the controller hears only changes. */
  set(level: boolean): void {
    if (level === this.high) return;
    this.high = level;
    this.controller.setSourceLevel(this.source, level);
  }
}

/**
 * The pins' levels as a mip-shaped bit mask per hart: a HartInterruptPins the hart side can read
 * (`mask(hart)` is the hardware-driven part of mip), with an optional listener for changes so a
 * waiting hart (WFI) can be woken.
 */
export class PinLevels implements HartInterruptPins {
  private readonly bits: Uint32Array;

  constructor(
    harts: number,
    private readonly onChange?: (hart: number, bit: number, level: boolean) => void,
  ) {
    this.bits = new Uint32Array(harts);
  }

  set(hart: number, bit: number, level: boolean): void {
    const old = this.bits[hart]!;
    const now = level ? old | (1 << bit) : old & ~(1 << bit);
    if (now === old) return;
    this.bits[hart] = now;
    this.onChange?.(hart, bit, level);
  }

  /** Hart `hart`'s pending bits driven by the pins, as in mip. */
  mask(hart: number): number {
    return this.bits[hart]!;
  }
}
