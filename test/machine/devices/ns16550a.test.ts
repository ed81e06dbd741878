// The NS16550A through the bus: reset values, THR to the output, DLAB and the divisor latches,
// received bytes from the host queue through RBR (one at a time without FIFOs, 16 with), FIFO
// trigger levels and the character timeout, IIR priorities (line status > received data > THR empty >
// modem status) and how each is cleared, the interrupt line, loopback with its overrun and MSR
// changes, and wide accesses.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Bus } from "../../../src/machine/bus.js";
import {
  FCR_CLEAR_RX,
  FCR_ENABLE,
  IER_MSI,
  IER_RDI,
  IER_RLSI,
  IER_THRI,
  IIR_FIFOS,
  IIR_MSI,
  IIR_NO_INT,
  IIR_RDI,
  IIR_RLSI,
  IIR_RX_TIMEOUT,
  IIR_THRI,
  LCR_DLAB,
  LSR_DR,
  LSR_OE,
  LSR_TEMT,
  LSR_THRE,
  MCR_DTR,
  MCR_LOOP,
  MCR_OUT1,
  MCR_OUT2,
  MCR_RTS,
  MSR_CTS,
  MSR_DCD,
  MSR_DCTS,
  MSR_DDCD,
  MSR_DDSR,
  MSR_DSR,
  MSR_RI,
  MSR_TERI,
  Ns16550a,
  UART_DLL,
  UART_DLM,
  UART_FCR,
  UART_IER,
  UART_IIR,
  UART_LCR,
  UART_LSR,
  UART_MCR,
  UART_MSR,
  UART_RBR,
  UART_SCR,
  UART_THR,
  UART0_BASE,
  UART0_SIZE,
} from "../../../src/machine/devices/ns16550a.js";

function rig() {
  const out: number[] = [];
  const line: boolean[] = [];
  const uart = new Ns16550a({ output: (b) => out.push(...b), irq: { set: (l) => line.push(l) } });
  const bus = new Bus({ hostBytes: 1 << 20 });
  bus.addDevice(UART0_BASE, UART0_SIZE, uart);
  const rd = (reg: number) => Number(bus.readDevice(UART0_BASE + reg, 1));
  const wr = (reg: number, v: number) => assert.ok(bus.writeDevice(UART0_BASE + reg, 1, BigInt(v)));
  /** the line's level now (false before it was ever driven) */
  const level = () => line[line.length - 1] ?? false;
  return { uart, bus, out, line, level, rd, wr };
}

test("reset values; THR goes to the output at once, THR and transmitter always empty", () => {
  const { out, rd, wr } = rig();
  assert.equal(rd(UART_IER), 0);
  assert.equal(rd(UART_IIR), IIR_NO_INT);
  assert.equal(rd(UART_LCR), 0);
  assert.equal(rd(UART_MCR), MCR_OUT2);
  assert.equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
  assert.equal(rd(UART_MSR), MSR_DCD | MSR_DSR | MSR_CTS);
  for (const c of "ok\n") wr(UART_THR, c.charCodeAt(0));
  assert.equal(Buffer.from(out).toString(), "ok\n");
  assert.equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
  wr(UART_SCR, 0x5a);
  assert.equal(rd(UART_SCR), 0x5a);
});

test("DLAB: offsets 0 and 1 are the divisor latches; nothing is transmitted or received through them", () => {
  const { uart, out, rd, wr } = rig();
  wr(UART_LCR, LCR_DLAB | 3);
  wr(UART_DLL, 0x01);
  wr(UART_DLM, 0x02);
  uart.receive("x");
  assert.equal(rd(UART_DLL), 0x01);
  assert.equal(rd(UART_DLM), 0x02);
  assert.deepEqual(out, []);
  wr(UART_LCR, 3);
  assert.equal(rd(UART_LCR), 3);
  assert.equal(rd(UART_IER), 0, "IER untouched by the DLM write");
  assert.equal(rd(UART_RBR), "x".charCodeAt(0));
  wr(UART_LCR, LCR_DLAB);
  assert.equal(rd(UART_DLL), 0x01);
});

test("without FIFOs: one byte in RBR at a time, the rest waits in the host queue (never overrun)", () => {
  const { uart, rd } = rig();
  uart.receive("abc");
  assert.equal(uart.inputQueued, 2);
  assert.equal(rd(UART_LSR) & LSR_DR, LSR_DR);
  let got = "";
  while (rd(UART_LSR) & LSR_DR) got += String.fromCharCode(rd(UART_RBR));
  assert.equal(got, "abc");
  assert.equal(rd(UART_LSR), LSR_THRE | LSR_TEMT, "no overrun");
  assert.equal(uart.inputQueued, 0);
});

test("FIFO mode: 16 bytes deep, received-data interrupt at the trigger level, timeout below it", () => {
  const { uart, rd, wr, level } = rig();
  wr(UART_FCR, FCR_ENABLE | (1 << 6)); // trigger level 4
  wr(UART_IER, IER_RDI);
  assert.equal(rd(UART_IIR), IIR_FIFOS | IIR_NO_INT);
  assert.equal(level(), false);
  uart.receive("ab");
  assert.equal(rd(UART_IIR), IIR_FIFOS | IIR_RX_TIMEOUT);
  assert.equal(level(), true);
  uart.receive("cdefghijklmnopqrstu"); // 21 in all: 16 in the FIFO
  assert.equal(rd(UART_IIR), IIR_FIFOS | IIR_RDI);
  assert.equal(uart.inputQueued, 5);
  let got = "";
  for (let i = 0; i < 18; i++) got += String.fromCharCode(rd(UART_RBR));
  assert.equal(got, "abcdefghijklmnopqr");
  assert.equal(rd(UART_IIR), IIR_FIFOS | IIR_RX_TIMEOUT, "3 left, below the trigger level");
  wr(UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | (1 << 6));
  assert.equal(rd(UART_LSR) & LSR_DR, 0, "cleared: the queue was empty");
  assert.equal(rd(UART_IIR), IIR_FIFOS | IIR_NO_INT);
  assert.equal(level(), false);
  uart.receive("z");
  wr(UART_FCR, 0); // FIFOs off: cleared, and IIR's FIFO bits go
  assert.equal(rd(UART_IIR), IIR_NO_INT);
});

test("THR empty: raised by enabling it and by each THR write, cleared by reading IIR that reports it", () => {
  const { rd, wr, line, level } = rig();
  wr(UART_IER, IER_THRI);
  assert.equal(level(), true);
  assert.equal(rd(UART_IIR), IIR_THRI);
  assert.equal(level(), false);
  assert.equal(rd(UART_IIR), IIR_NO_INT);
  wr(UART_THR, 0x41);
  assert.equal(level(), true);
  wr(UART_IER, IER_THRI); // no change of ETBEI: nothing new
  assert.equal(rd(UART_IIR), IIR_THRI);
  wr(UART_IER, 0);
  wr(UART_THR, 0x42);
  assert.equal(rd(UART_IIR), IIR_NO_INT, "not enabled: not pending");
  assert.deepEqual(line, [true, false, true, false]);
});

test("priorities: received data hides THR empty until the data is read; line status over both", () => {
  const { uart, rd, wr, level } = rig();
  wr(UART_IER, IER_RDI | IER_THRI | IER_RLSI);
  uart.receive("q");
  assert.equal(rd(UART_IIR), IIR_RDI);
  assert.equal(rd(UART_IIR), IIR_RDI, "reading IIR does not clear received data");
  assert.equal(rd(UART_RBR), "q".charCodeAt(0));
  assert.equal(rd(UART_IIR), IIR_THRI, "the THR-empty interrupt was pending all along");
  assert.equal(level(), false);

  // loopback overruns the single RBR: a line-status interrupt, cleared by reading LSR
  wr(UART_MCR, MCR_LOOP);
  wr(UART_THR, 1);
  wr(UART_THR, 2);
  assert.equal(rd(UART_IIR), IIR_RLSI);
  assert.equal(rd(UART_LSR), LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT);
  assert.equal(rd(UART_LSR), LSR_DR | LSR_THRE | LSR_TEMT);
  assert.equal(rd(UART_IIR), IIR_RDI);
  assert.equal(rd(UART_RBR), 1, "the overrunning byte was lost");
});

test("loopback: THR comes back through RBR, MSR follows MCR with change bits and its interrupt", () => {
  const { uart, out, rd, wr, level } = rig();
  wr(UART_FCR, FCR_ENABLE);
  uart.receive("H"); // from the host, before loopback
  wr(UART_MCR, MCR_LOOP | MCR_OUT2);
  wr(UART_IER, IER_MSI);
  // CTS, DSR went low (RTS, DTR are 0): their change bits are set
  assert.equal(rd(UART_IIR), IIR_FIFOS | IIR_MSI);
  assert.equal(level(), true);
  assert.equal(rd(UART_MSR), MSR_DCD | MSR_DCTS | MSR_DDSR);
  assert.equal(level(), false);
  wr(UART_MCR, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT1);
  assert.equal(rd(UART_MSR), MSR_CTS | MSR_DSR | MSR_RI | MSR_DCTS | MSR_DDSR | MSR_DDCD);
  wr(UART_MCR, MCR_LOOP | MCR_RTS | MCR_DTR);
  assert.equal(rd(UART_MSR), MSR_CTS | MSR_DSR | MSR_TERI, "RI's trailing edge");
  assert.equal(rd(UART_RBR), "H".charCodeAt(0));
  uart.receive("I");
  for (const b of [7, 8, 9]) wr(UART_THR, b);
  assert.deepEqual(out, [], "nothing leaves the chip in loopback");
  assert.deepEqual([rd(UART_RBR), rd(UART_RBR), rd(UART_RBR)], [7, 8, 9]);
  assert.equal(rd(UART_LSR) & LSR_DR, 0, "host input waits while in loopback");
  wr(UART_MCR, MCR_OUT2);
  assert.equal(rd(UART_RBR), "I".charCodeAt(0));
  wr(UART_THR, 10);
  assert.deepEqual(out, [10]);
});

test("wide accesses cover consecutive registers; offsets past the eighth register are refused", () => {
  const { bus } = rig();
  bus.writeDevice(UART0_BASE + UART_SCR, 1, 0x77n);
  assert.equal(bus.readDevice(UART0_BASE + 4, 4), 0x77b0_6008n);
  assert.equal(bus.readDevice(UART0_BASE + 8, 1), undefined);
  assert.equal(bus.writeDevice(UART0_BASE + 0xfc, 4, 0n), false);
});
