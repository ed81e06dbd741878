// An NS16550A UART (National Semiconductor PC16550D datasheet) as QEMU virt has it: at 0x1000_0000,
// registers one byte apart (reg-shift 0), interrupt on PLIC source 10.
//
//   0  RBR (read) / THR (write); DLL while LCR.DLAB    4  MCR
//   1  IER; DLM while LCR.DLAB                          5  LSR
//   2  IIR (read) / FCR (write)                         6  MSR
//   3  LCR                                              7  SCR
//
// Transmission is instantaneous in virtual time: a byte written to THR goes to the output callback at
// once, so THR and the transmitter are always empty (LSR.THRE and LSR.TEMT stay set). Received bytes
// come from an input queue the host feeds (the console); they move into the receive FIFO (16 bytes,
// or the single RBR when FIFOs are off) as the guest reads room free, so input is never lost to an
// overrun. The divisor latches are kept but set no baud rate: nothing here takes time.
//
// Interrupts, by the datasheet's priorities (IIR bits 3:1):
//   1. 0x6 receiver line status: an overrun (only loopback can overrun), cleared by reading LSR;
//   2. 0x4 received data at or above the FIFO trigger level, cleared by reading below it; with less
//      (FIFO mode) it is 0xC, the character timeout — which, having no character times, fires at once;
//   3. 0x2 THR empty: set when THR empties (so after each THR write) or when IER.ETBEI is turned on
//      while it is empty; cleared by reading IIR while it is the interrupt IIR reports, or writing THR;
//   4. 0x0 modem status: a change of CTS/DSR/RI/DCD (loopback only), cleared by reading MSR.
// The line to the PLIC is high while IIR reports one (OUT2 does not gate it, as in QEMU). In loopback
// (MCR bit 4) THR's bytes come back to the receiver and MSR reflects MCR's outputs.
//
// Accesses of 2, 4 or 8 bytes act on that many consecutive registers, lowest first; offsets past the
// eight registers are refused (an access fault).

import type { Device } from "../bus.js";
import type { InterruptLine } from "../interrupts.js";
import { VIRT } from "./virt-map.js";

export const UART0_BASE = VIRT.uart0.base;
export const UART0_SIZE = VIRT.uart0.size;

export const UART_RBR = 0;
export const UART_THR = 0;
export const UART_DLL = 0;
export const UART_IER = 1;
export const UART_DLM = 1;
export const UART_IIR = 2;
export const UART_FCR = 2;
export const UART_LCR = 3;
export const UART_MCR = 4;
export const UART_LSR = 5;
export const UART_MSR = 6;
export const UART_SCR = 7;

export const IER_RDI = 0x01;
export const IER_THRI = 0x02;
export const IER_RLSI = 0x04;
export const IER_MSI = 0x08;

export const IIR_NO_INT = 0x01;
export const IIR_RLSI = 0x06;
export const IIR_RDI = 0x04;
export const IIR_RX_TIMEOUT = 0x0c;
export const IIR_THRI = 0x02;
export const IIR_MSI = 0x00;
export const IIR_FIFOS = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_ERRORS = 0x1e;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

const FIFO_SIZE = 16;
/** FCR bits 7:6: the receive FIFO's trigger level */
const TRIGGER = [1, 4, 8, 14];

export interface UartOptions {
  /** the transmitted bytes (a console's output) */
  output: (bytes: Uint8Array) => void;
  /** the interrupt line (PLIC source 10 on virt) */
  irq?: InterruptLine;
}

/** A FIFO of bytes: an array and a read index, compacted now and then. */
class ByteQueue {
  private items: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(b: number): void {
    this.items.push(b);
  }

  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const b = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return b;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class Ns16550a implements Device {
  readonly name = "uart0";
  private readonly output: (bytes: Uint8Array) => void;
  private readonly irq: InterruptLine | undefined;
  /** bytes the host sent that the receiver has not taken yet */
  private readonly input = new ByteQueue();
  private readonly rx = new ByteQueue();
  private ier = 0;
  private lcr = 0;
  private mcr = MCR_OUT2;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fifoEnabled = false;
  private trigger = 1;
  /** LSR's error bits (OE, PE, FE, BI) */
  private lsrErrors = 0;
  /** the THR-empty interrupt is pending */
  private thrPending = false;
  /** MSR's line bits (CTS, DSR, RI, DCD): a console host is connected and ready */
  private msrLines = MSR_DCD | MSR_DSR | MSR_CTS;
  /** MSR's change bits */
  private msrDeltas = 0;
  /** the interrupt line's level, as last driven */
  private irqLevel = false;

  constructor(options: UartOptions) {
    this.output = options.output;
    this.irq = options.irq;
  }

  /** Bytes from the host (the console's input), received in order as the guest reads. */
  receive(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    for (const b of bytes) this.input.push(b);
    this.fill();
    this.update();
  }

  /** Host bytes not yet in the receive FIFO. */
  get inputQueued(): number {
    return this.input.length;
  }

  read(offset: number, size: number): bigint | undefined {
    if (offset + size > 8) return undefined;
    let value = 0n;
    for (let k = 0; k < size; k++) value |= BigInt(this.readRegister(offset + k)) << BigInt(8 * k);
    return value;
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (offset + size > 8) return false;
    for (let k = 0; k < size; k++) this.writeRegister(offset + k, Number((value >> BigInt(8 * k)) & 0xffn));
    return true;
  }

  private readRegister(reg: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case UART_RBR: {
        if (dlab) return this.dll;
        const b = this.rx.shift() ?? 0;
        this.fill();
        this.update();
        return b;
      }
      case UART_IER:
        return dlab ? this.dlm : this.ier;
      case UART_IIR: {
        const iir = this.iir();
        if ((iir & 0x0f) === IIR_THRI) {
          this.thrPending = false;
          this.update();
        }
        return iir;
      }
      case UART_LCR:
        return this.lcr;
      case UART_MCR:
        return this.mcr;
      case UART_LSR: {
        const lsr = this.lsr();
        if (this.lsrErrors !== 0) {
          this.lsrErrors = 0;
          this.update();
        }
        return lsr;
      }
      case UART_MSR: {
        const msr = this.msrLines | this.msrDeltas;
        if (this.msrDeltas !== 0) {
          this.msrDeltas = 0;
          this.update();
        }
        return msr;
      }
      default:
        return this.scr;
    }
  }

  private writeRegister(reg: number, v: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case UART_THR:
        if (dlab) this.dll = v;
        else this.transmit(v);
        break;
      case UART_IER: {
        if (dlab) {
          this.dlm = v;
          break;
        }
        const changed = (this.ier ^ v) & IER_THRI;
        this.ier = v & 0x0f;
        // enabling the THR-empty interrupt while THR is empty raises it at once
        if (changed !== 0) this.thrPending = (this.ier & IER_THRI) !== 0;
        break;
      }
      case UART_FCR: {
        const enable = (v & FCR_ENABLE) !== 0;
        // changing FCR[0] clears both FIFOs; FCR[1] clears the receiver's
        if (enable !== this.fifoEnabled || (v & FCR_CLEAR_RX) !== 0) this.rx.clear();
        this.fifoEnabled = enable;
        this.trigger = enable ? TRIGGER[v >> 6]! : 1;
        this.fill();
        break;
      }
      case UART_LCR:
        this.lcr = v;
        break;
      case UART_MCR:
        this.setMcr(v & 0x1f);
        break;
      case UART_LSR:
      case UART_MSR:
        break; // read-only (factory test registers on the real part)
      default:
        this.scr = v;
    }
    this.update();
  }

  private transmit(b: number): void {
    if ((this.mcr & MCR_LOOP) !== 0) {
      if (this.rx.length >= this.capacity()) this.lsrErrors |= LSR_OE;
      else this.rx.push(b);
    } else {
      this.output(Uint8Array.of(b));
    }
    // THR went to the transmitter at once: empty again
    this.thrPending = (this.ier & IER_THRI) !== 0;
  }

  private setMcr(v: number): void {
    this.mcr = v;
    let lines = MSR_DCD | MSR_DSR | MSR_CTS;
    if ((v & MCR_LOOP) !== 0) {
      // loopback: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD (datasheet, MCR bit 4)
      lines =
        (v & MCR_RTS ? MSR_CTS : 0) |
        (v & MCR_DTR ? MSR_DSR : 0) |
        (v & MCR_OUT1 ? MSR_RI : 0) |
        (v & MCR_OUT2 ? MSR_DCD : 0);
    }
    const changed = lines ^ this.msrLines;
    if (changed & MSR_CTS) this.msrDeltas |= MSR_DCTS;
    if (changed & MSR_DSR) this.msrDeltas |= MSR_DDSR;
    if (changed & MSR_DCD) this.msrDeltas |= MSR_DDCD;
    if (changed & MSR_RI && (lines & MSR_RI) === 0) this.msrDeltas |= MSR_TERI; // trailing edge
    this.msrLines = lines;
    if ((v & MCR_LOOP) === 0) this.fill();
  }

  private capacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  /** Move host input into the receiver while it has room (not in loopback: the input is cut off). */
  private fill(): void {
    if ((this.mcr & MCR_LOOP) !== 0) return;
    const room = this.capacity();
    while (this.rx.length < room && this.input.length > 0) this.rx.push(this.input.shift()!);
  }

  private lsr(): number {
    return (this.rx.length > 0 ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
  }

  /** IIR: the highest-priority pending interrupt (datasheet table 4), FIFO bits on top. */
  private iir(): number {
    const fifos = this.fifoEnabled ? IIR_FIFOS : 0;
    const ier = this.ier;
    if (ier & IER_RLSI && this.lsrErrors !== 0) return fifos | IIR_RLSI;
    if (ier & IER_RDI && this.rx.length > 0) {
      return fifos | (this.rx.length >= this.trigger ? IIR_RDI : IIR_RX_TIMEOUT);
    }
    if (ier & IER_THRI && this.thrPending) return fifos | IIR_THRI;
    if (ier & IER_MSI && this.msrDeltas !== 0) return fifos | IIR_MSI;
    return fifos | IIR_NO_INT;
  }

  private update(): void {
    const level = (this.iir() & IIR_NO_INT) === 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq?.set(level);
  }
}
