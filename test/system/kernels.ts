// Shared by the full-system tests: the project's kernels (guest/kernels/bin), booting one in
// process, and qemu-system-riscv64 running the same kernel for comparison.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FullSystem, type SystemConfig } from "../../src/system/system.js";
import { skipWithout, tool, UNDER_CI } from "../tools.js";

export const KERNELS = fileURLToPath(new URL("../../../guest/kernels/bin/", import.meta.url));
export const kernel = (name: string): string => join(KERNELS, name);

export const needQemuSystem = skipWithout("qemuSystem");
/** QEMU's -bios default is Debian's OpenSBI (package opensbi), which CI installs. */
const OPENSBI = "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin";
export const needQemuOpensbi =
  needQemuSystem ||
  (UNDER_CI || existsSync(OPENSBI) ? false : `${OPENSBI} not found (Debian package opensbi)`);

/** Boot a kernel in process: its UART output, outcome and the system. */
export function boot(name: string, config: Partial<SystemConfig> = {}, input?: string) {
  const chunks: Uint8Array[] = [];
  const sys = new FullSystem({
    memory: 128 << 20,
    harts: 1,
    kernel: { path: name, bytes: readFileSync(kernel(name)) },
    output: (b) => chunks.push(b.slice()),
    timeoutNs: 2e9, // a kernel that hangs fails in seconds
    ...config,
  });
  if (input !== undefined) sys.uart.receive(input);
  const outcome = sys.runToEnd();
  return { sys, outcome, text: Buffer.concat(chunks).toString("latin1") };
}

/**
 * qemu-system-riscv64's stdout with CR LF as LF. A CR left at the very end is its line's LF lost:
 * QEMU can exit on the guest's power-off before its UART's last byte reaches stdout (seen once in
 * CI: "done\r" for the kernel's "done\r\n" and shutdown).
 */
export function qemuText(stdout: string): string {
  return stdout.replace(/\r\n/g, "\n").replace(/\r$/, "\n");
}

/**
 * qemu-system-riscv64 -M virt -kernel K -nographic with `args`: stdout (qemuText) and status.
 * `-accel tcg,thread=single` runs the harts in turns: with a thread per hart, QEMU 7.2 sometimes
 * never lets a hart that retries a breakpoint see another hart's patch.
 */
export function qemuVirt(name: string, args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(
    tool("qemuSystem"),
    ["-M", "virt", "-accel", "tcg,thread=single", ...args, "-kernel", kernel(name), "-nographic"],
    { input: "", encoding: "utf8", timeout: 60_000 },
  );
  if (r.error) throw r.error;
  return { status: r.status, stdout: qemuText(r.stdout) };
}

/** The S-mode kernel's lines: from its first ("== ...") on, the firmware's banner left out. */
export const kernelPart = (s: string): string => {
  const t = s.replace(/\r\n/g, "\n");
  const i = t.indexOf("== ");
  return i < 0 ? t : t.slice(i);
};
