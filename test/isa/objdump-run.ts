// Runs the real riscv64-linux-gnu-objdump over instruction words, for differential tests.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hexAddr } from "../../src/isa/disasm.js";
import { tempDir } from "../temp-dir.js";
import { tool } from "../tools.js";

export interface Listed {
  pc: number;
  raw: number;
  text: string;
}

/**
 * Assembles `words` (16-bit if (w & 3) !== 3, else 32-bit) with `.insn` into one object file, one
 * after the other from address 0, and returns objdump's text for each. `march` (e.g.
 * "rv64gc_zba_zbb") goes into the object's RISC-V attributes, which is where objdump takes the
 * extensions it decodes from.
 */
export function objdumpWords(words: readonly number[], priv?: [number, number], march?: string): Listed[] {
  const dir = tempDir("hartscope-objdump-");
  const lines = [".text", ".globl _start", "_start:"];
  if (priv) lines.unshift(`.attribute priv_spec, ${priv[0]}`, `.attribute priv_spec_minor, ${priv[1]}`);
  for (const w of words) {
    lines.push(
      (w & 3) === 3
        ? `.insn 0x${(w >>> 0).toString(16).padStart(8, "0")}`
        : `.insn 0x${(w & 0xffff).toString(16).padStart(4, "0")}`,
    );
  }
  writeFileSync(join(dir, "w.S"), `${lines.join("\n")}\n`);
  const arch = march ? [`-march=${march}`] : [];
  execFileSync(tool("cc"), [...arch, "-c", "-o", join(dir, "w.o"), join(dir, "w.S")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const out = execFileSync(tool("objdump"), ["-d", join(dir, "w.o")], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const result: Listed[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]+)\s*\t(.*)$/.exec(line);
    if (m) result.push({ pc: Number.parseInt(m[1]!, 16), raw: Number.parseInt(m[2]!, 16), text: m[3]! });
  }
  if (result.length !== words.length)
    throw new Error(`objdump listed ${result.length} of ${words.length} words`);
  return result;
}

/** How objdump labels a target in an object whose only symbol is _start at 0. */
export function startRelative(addr: number): string {
  return addr === 0 ? "_start" : `_start+0x${hexAddr(addr)}`;
}
