// QEMU virt's test finisher ("sifive,test1", at 0x100000 on virt): the guest ends the run by writing
// a status to offset 0. The low 16 bits say what happens, the high 16 bits carry an exit code:
//   0x5555  pass (power off)          0x3333  fail with exit code (value >> 16)
//   0x7777  reset
// Other values and offsets are ignored; reads return 0. OpenSBI's system reset and Linux's
// syscon-poweroff/syscon-reboot nodes drive it with these values.

import type { Device } from "../bus.js";

export const SIFIVE_TEST_BASE = 0x100000;
export const SIFIVE_TEST_SIZE = 0x1000;

export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;

export type Finish = { kind: "pass" } | { kind: "fail"; code: number } | { kind: "reset" };

export class SifiveTest implements Device {
  readonly name = "sifive_test";

  /** `finish` is told what the guest asked for; the machine ends (or resets) the run with it. */
  constructor(private readonly finish: (what: Finish) => void) {}

  read(_offset: number, _size: number): bigint {
    return 0n;
  }

  write(offset: number, _size: number, value: bigint): boolean {
    if (offset !== 0) return true;
    const v = Number(value & 0xffffffffn);
    const status = v & 0xffff;
    if (status === FINISHER_PASS) this.finish({ kind: "pass" });
    else if (status === FINISHER_FAIL) this.finish({ kind: "fail", code: v >>> 16 });
    else if (status === FINISHER_RESET) this.finish({ kind: "reset" });
    return true;
  }
}
