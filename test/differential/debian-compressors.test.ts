// Compressor round trips on real software and real text: zstd and lz4, built from Debian's source
// packages (guest/debian/build.sh zstd lz4), compress 3 MB of C source (debian-programs.ts
// realText) from a file under qemu-riscv64 and under hartscope, then decompress the result
// through a pipe under both. stdout (the compressed bytes, then the text), stderr and the exit
// status must be equal byte for byte, and the decompressed text equal to the input.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { type DebianProgram, realText, requireBin, skipReason } from "./debian-programs.js";
import { assertSameOutput, type RunResult, type RunSpec, runHartscope, runQemu } from "./run-guest.js";

const TIMEOUT_MS = 600_000;
const INPUT_BYTES = 3 << 20;

interface Compressor {
  name: DebianProgram;
  compress: string[];
  decompress: string[];
  /** the format's magic number, first bytes of the compressed stream */
  magic: Buffer;
}

const COMPRESSORS: readonly Compressor[] = [
  {
    name: "zstd",
    compress: ["-3", "-c"],
    decompress: ["-d", "-c"],
    magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
  },
  {
    name: "lz4",
    compress: ["-1", "-c"],
    decompress: ["-d", "-c"],
    magic: Buffer.from([0x04, 0x22, 0x4d, 0x18]),
  },
];

async function both(spec: RunSpec): Promise<{ hs: RunResult; qemu: RunResult }> {
  const [hs, qemu] = await Promise.all([runHartscope(spec, ["--root", "/"]), runQemu(spec)]);
  assert.equal(hs.timedOut, false, "hartscope timed out");
  assert.equal(
    hs.status,
    qemu.status,
    `exit status (hartscope stderr: ${hs.stderr.toString().slice(0, 500)})`,
  );
  assertSameOutput(qemu, hs);
  return { hs, qemu };
}

const skip = skipReason(COMPRESSORS.map((c) => c.name));

describe("Debian's zstd and lz4: round trips under qemu-riscv64 and hartscope", { skip }, () => {
  let dir = "";
  let input: Buffer = Buffer.alloc(0);
  let inputFile = "";
  if (!skip) {
    dir = tempDir("hs-compress-");
    input = realText(INPUT_BYTES);
    inputFile = join(dir, "input.txt");
    writeFileSync(inputFile, input);
  }

  for (const c of COMPRESSORS) {
    it(`${c.name} ${c.compress.join(" ")} of ${INPUT_BYTES >> 20} MB of C source, then ${c.decompress.join(" ")}`, async () => {
      const prog = requireBin(c.name);
      const env = { PATH: "/usr/bin:/bin", LANG: "C", HOME: dir };
      const packed = await both({
        prog,
        args: [...c.compress, inputFile],
        cwd: dir,
        env,
        timeoutMs: TIMEOUT_MS,
      });
      const z = packed.qemu.stdout;
      assert.equal(packed.qemu.status, 0, `${c.name} under qemu: ${packed.qemu.stderr.toString()}`);
      assert.ok(z.subarray(0, 4).equals(c.magic), `${c.name}'s output does not start with its magic number`);
      assert.ok(z.length < input.length / 2, `${c.name}: ${z.length} bytes from ${input.length}`);
      const unpacked = await both({
        prog,
        args: c.decompress,
        stdin: z,
        cwd: dir,
        env,
        timeoutMs: TIMEOUT_MS,
      });
      assert.equal(unpacked.qemu.status, 0);
      assert.ok(
        unpacked.hs.stdout.equals(input),
        `${c.name} -d under hartscope does not give the input back`,
      );
    });
  }
});
