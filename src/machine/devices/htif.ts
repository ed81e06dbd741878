// HTIF, the host-target interface of Spike and QEMU's spike machine: two 64-bit words in the guest's
// memory, `tohost` and `fromhost`, at the addresses of the ELF's symbols of those names. Bare-metal
// tests (riscv-tests, many others) end by writing tohost:
//
//   bits 63:56 device, 55:48 command, 47:0 payload
//   device 0, command 0, payload odd:   exit with code payload >> 1 — 1 is a pass, (n << 1) | 1 fails
//                                       test case n (riscv-tests' TESTNUM)
//   device 0, command 0, payload even:  a syscall-proxy request (a pointer to a frame of arguments
//                                       for the host's libc); refused, with a message saying so
//   device 1, command 1:                console output of the payload's low byte; fromhost answers
//                                       device 1, command 1 (the host's acknowledgement)
// Anything else is refused likewise. A request is taken when the whole word has been written: by an
// 8-byte store, or by a 4-byte store to its upper half (riscv-tests write the lower half first, then
// the upper), as QEMU's HTIF does. The host then clears tohost to 0, as Spike's does.
//
// The words live in RAM in the ELF, but a device cannot share a page with RAM on the bus, so the
// HTIF takes the whole page(s) holding them: the other bytes of those pages behave as memory (not
// executable: code there would take fetch access faults). `addRamExcept` lays RAM out around them
// and `load` puts the ELF's bytes into them.

import { PAGE_SIZE } from "../../hart/page.js";
import type { Bus, Device } from "../bus.js";
import type { PhysicalMemory } from "../physical-memory.js";

export type HtifFinish =
  | { kind: "pass"; exitCode: 0; message: string }
  | { kind: "fail"; exitCode: number; testCase: number; message: string }
  | { kind: "unsupported"; message: string };

export interface HtifOptions {
  /** physical address of the ELF's `tohost` (8-byte aligned) */
  tohost: number;
  /** physical address of `fromhost` (default: tohost + 64, as riscv-tests lay them out) */
  fromhost?: number;
  /** told what the guest asked for: a pass, a failure, or a request the host refuses */
  finish: (what: HtifFinish) => void;
  /** the console's output (device 1); default: requests to it are refused */
  output?: (bytes: Uint8Array) => void;
}

interface Span {
  base: number;
  size: number;
}

const U64 = (1n << 64n) - 1n;

export class Htif {
  readonly tohost: number;
  readonly fromhost: number;
  /** the pages to map: each with its device */
  readonly pages: readonly (Span & { device: Device })[];
  private readonly finish: (what: HtifFinish) => void;
  private readonly output: ((bytes: Uint8Array) => void) | undefined;
  /** the pages' bytes, by page base */
  private readonly memory = new Map<number, Uint8Array>();

  constructor(options: HtifOptions) {
    this.tohost = options.tohost;
    this.fromhost = options.fromhost ?? options.tohost + 64;
    for (const [name, pa] of [
      ["tohost", this.tohost],
      ["fromhost", this.fromhost],
    ] as const) {
      if (!Number.isSafeInteger(pa) || pa < 0 || pa % 8 !== 0) {
        throw new RangeError(`htif: ${name} at 0x${pa.toString(16)} is not an 8-byte aligned address`);
      }
    }
    this.finish = options.finish;
    this.output = options.output;
    const bases = [...new Set([this.tohost, this.fromhost].map((pa) => pa - (pa % PAGE_SIZE)))].sort(
      (a, b) => a - b,
    );
    this.pages = bases.map((base) => {
      const bytes = new Uint8Array(PAGE_SIZE);
      this.memory.set(base, bytes);
      return { base, size: PAGE_SIZE, device: new HtifPage(this, base, bytes) };
    });
  }

  /** Map the pages on the bus (RAM must leave them free: see addRamExcept). */
  map(bus: Bus): void {
    for (const p of this.pages) bus.addDevice(p.base, p.size, p.device);
  }

  /** Whether physical pa is in one of the HTIF's pages. */
  covers(pa: number): boolean {
    return this.memory.has(pa - (pa % PAGE_SIZE));
  }

  /** Copy `data` to physical pa: into the HTIF's pages where it falls there, into RAM elsewhere. */
  load(mem: PhysicalMemory, pa: number, data: Uint8Array): void {
    for (let done = 0; done < data.length; ) {
      const at = pa + done;
      const page = at - (at % PAGE_SIZE);
      const n = Math.min(page + PAGE_SIZE - at, data.length - done);
      const piece = data.subarray(done, done + n);
      const bytes = this.memory.get(page);
      if (bytes !== undefined) bytes.set(piece, at - page);
      else mem.write(at, piece);
      done += n;
    }
  }

  /** The 64-bit word at physical pa (tohost or fromhost). */
  word(pa: number): bigint {
    const page = pa - (pa % PAGE_SIZE);
    const view = new DataView(this.memory.get(page)!.buffer);
    return view.getBigUint64(pa - page, true);
  }

  private setWord(pa: number, v: bigint): void {
    const page = pa - (pa % PAGE_SIZE);
    new DataView(this.memory.get(page)!.buffer).setBigUint64(pa - page, v & U64, true);
  }

  /** A store of `size` bytes at physical pa has been made to the page's bytes. */
  stored(pa: number, size: number): void {
    const whole = (size === 8 && pa === this.tohost) || (size === 4 && pa === this.tohost + 4);
    if (!whole) return;
    const v = this.word(this.tohost);
    if (v === 0n) return;
    this.setWord(this.tohost, 0n);
    this.request(v);
  }

  private request(v: bigint): void {
    const device = Number(v >> 56n);
    const command = Number((v >> 48n) & 0xffn);
    const payload = v & 0xffff_ffff_ffffn;
    const hex = `tohost = 0x${v.toString(16)}`;
    if (device === 0 && command === 0) {
      if ((payload & 1n) === 1n) {
        const code = payload >> 1n;
        if (code === 0n) this.finish({ kind: "pass", exitCode: 0, message: "HTIF: pass" });
        else {
          const testCase = Number(code);
          this.finish({
            kind: "fail",
            exitCode: 1,
            testCase,
            message: `HTIF: test case ${testCase} failed (${hex})`,
          });
        }
        return;
      }
      this.finish({
        kind: "unsupported",
        message: `HTIF: a syscall-proxy request (${hex}): the host runs no proxy kernel services; use the UART or the sifive_test finisher`,
      });
      return;
    }
    if (device === 1 && command === 1 && this.output !== undefined) {
      this.output(Uint8Array.of(Number(payload & 0xffn)));
      this.setWord(this.fromhost, (1n << 56n) | (1n << 48n));
      return;
    }
    this.finish({
      kind: "unsupported",
      message: `HTIF: device ${device} command ${command} is not supported (${hex})`,
    });
  }
}

/** One page of the HTIF: memory, with stores to tohost taken as requests. */
class HtifPage implements Device {
  readonly name = "htif";

  constructor(
    private readonly htif: Htif,
    private readonly base: number,
    private readonly bytes: Uint8Array,
  ) {}

  read(offset: number, size: number): bigint {
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(this.bytes[offset + k]!);
    return v;
  }

  write(offset: number, size: number, value: bigint): boolean {
    for (let k = 0; k < size; k++) this.bytes[offset + k] = Number((value >> BigInt(8 * k)) & 0xffn);
    this.htif.stored(this.base + offset, size);
    return true;
  }
}

/**
 * Add RAM for [base, base + size) except the page-aligned `holes` (the HTIF's pages): one region per
 * piece, named `name`, `name`.1, ... Returns the regions' spans.
 */
export function addRamExcept(
  bus: Bus,
  name: string,
  base: number,
  size: number,
  holes: readonly Span[],
): Span[] {
  const pieces: Span[] = [];
  let at = base;
  const end = base + size;
  for (const h of [...holes].sort((a, b) => a.base - b.base)) {
    if (h.base + h.size <= at || h.base >= end) continue;
    if (h.base > at) pieces.push({ base: at, size: h.base - at });
    at = Math.max(at, h.base + h.size);
  }
  if (at < end) pieces.push({ base: at, size: end - at });
  for (const [i, p] of pieces.entries()) bus.addRam(i === 0 ? name : `${name}.${i}`, p.base, p.size);
  return pieces;
}
