// Debian's U-Boot (package u-boot-qemu) on `hartscope system`, driven through the UART as a user
// drives it: OpenSBI fw_jump or fw_dynamic hands the S-mode U-Boot over on 1 and 4 harts, and the
// M-mode U-Boot runs as the firmware itself. Each run waits for "Hit any key to stop autoboot",
// types a key, then commands at the "=> " prompt, and ends with `poweroff` (the finisher's pass:
// status 0). The answers are compared with qemu-system-riscv64 -M virt, which runs the same images
// with the same console input.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FullSystem, type Outcome } from "../../src/system/system.js";
import { skipWithout, tool } from "../tools.js";

const MEMORY = 128 << 20;
/** a bound on the instructions (all harts) between two console answers, so a hang fails the test */
const MAX_INSTRUCTIONS = 600_000_000;
const PROMPT = "=> ";
const AUTOBOOT = "Hit any key to stop autoboot";

/** Firmware images: bios, and the kernel (the S-mode U-Boot) when there is one. */
function images(setup: "fw_jump" | "fw_dynamic" | "m-mode"): { bios: string; kernel?: string } {
  const uboot = tool("uboot");
  if (setup === "m-mode") return { bios: join(uboot, "qemu-riscv64/u-boot.bin") };
  return {
    bios: join(tool("opensbi"), `${setup}.bin`),
    kernel: join(uboot, "qemu-riscv64_smode/u-boot.bin"),
  };
}

/** A FullSystem with its UART as a console: read up to some text, type a line. */
class Console {
  readonly sys: FullSystem;
  private pending = "";
  /** everything the UART sent so far */
  text = "";

  constructor(bios: string, kernel: string | undefined, harts: number, scheduleSeed?: number) {
    this.sys = new FullSystem({
      memory: MEMORY,
      harts,
      scheduleSeed,
      bios: { path: bios, bytes: readFileSync(bios) },
      kernel: kernel === undefined ? undefined : { path: kernel, bytes: readFileSync(kernel) },
      output: (b) => {
        const s = Buffer.from(b).toString("latin1");
        this.pending += s;
        this.text += s;
      },
    });
  }

  /** Run until the output holds `marker`; returns the output up to and including it. */
  until(marker: string): string {
    const start = this.sys.retired;
    for (;;) {
      const at = this.pending.indexOf(marker);
      if (at >= 0) {
        const got = this.pending.slice(0, at + marker.length);
        this.pending = this.pending.slice(at + marker.length);
        return got;
      }
      const r = this.sys.step(1 << 16);
      if (r !== undefined) {
        assert.fail(
          `the run ended (${JSON.stringify(r)}) waiting for ${JSON.stringify(marker)}:\n${this.text}`,
        );
      }
      if (this.sys.retired - start > MAX_INSTRUCTIONS) {
        assert.fail(`no ${JSON.stringify(marker)} after ${MAX_INSTRUCTIONS} instructions:\n${this.text}`);
      }
    }
  }

  type(s: string): void {
    this.sys.uart.receive(Buffer.from(s, "latin1"));
  }

  /** Type a command and return its answer (without the echo and the next prompt). */
  command(line: string): string {
    this.type(`${line}\r`);
    const got = this.until(PROMPT);
    return normalize(got.slice(0, -PROMPT.length)).replace(`${line}\n`, "");
  }

  /** Stop autoboot and wait for the prompt: the banner up to it. */
  toPrompt(): string {
    const banner = this.until(AUTOBOOT);
    this.type(" ");
    this.until(PROMPT);
    return normalize(banner);
  }

  /** `poweroff`: the run's outcome. */
  powerOff(): Outcome {
    this.type("poweroff\r");
    const start = this.sys.retired;
    for (;;) {
      const r = this.sys.step(1 << 16);
      if (r === "idle") assert.fail(`idle after poweroff:\n${this.text}`);
      if (r !== undefined) return r;
      if (this.sys.retired - start > MAX_INSTRUCTIONS)
        assert.fail(`poweroff did not end the run:\n${this.text}`);
    }
  }
}

const normalize = (s: string): string => s.replace(/\r/g, "");

/**
 * qemu-system-riscv64 -M virt with the same images and input: stop autoboot, type `commands` one
 * per prompt, then poweroff. Its console output, \r removed, and exit status.
 */
function qemu(
  bios: string,
  kernel: string | undefined,
  harts: number,
  commands: string[],
): Promise<{ out: string; status: number | null }> {
  const args = ["-M", "virt", "-nographic", "-m", "128M", "-smp", String(harts), "-bios", bios];
  if (kernel !== undefined) args.push("-kernel", kernel);
  return new Promise((resolve, reject) => {
    const child = spawn(tool("qemuSystem"), args);
    let out = "";
    let pending = "";
    let stage = 0;
    const queue = [...commands, "poweroff"];
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      const s = chunk.toString("latin1");
      out += s;
      pending += s;
      if (stage === 0 && pending.includes(AUTOBOOT)) {
        stage = 1;
        pending = pending.slice(pending.indexOf(AUTOBOOT) + AUTOBOOT.length);
        child.stdin.write(" ");
      }
      if (stage === 1 && pending.includes(PROMPT)) {
        pending = pending.slice(pending.indexOf(PROMPT) + PROMPT.length);
        const next = queue.shift();
        if (next !== undefined) child.stdin.write(`${next}\r`);
      }
    });
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ out: normalize(out), status });
    });
  });
}

/** The answer to `command` in a qemu transcript (between its echo and the next prompt). */
function answerIn(transcript: string, command: string): string {
  const at = transcript.indexOf(`${PROMPT}${command}\n`);
  assert.ok(at >= 0, `qemu's transcript has no ${command}:\n${transcript}`);
  const from = at + PROMPT.length + command.length + 1;
  return transcript.slice(from, transcript.indexOf(PROMPT, from));
}

/** bdinfo lines that depend on the platform, not on the device tree's size or the hart's extensions. */
function stableBdinfo(answer: string): string[] {
  return answer
    .split("\n")
    .filter((l) => /^(DRAM bank|-> start|-> size|baudrate|relocaddr|reloc off|Build) /.test(l));
}

/** Lines of U-Boot's banner that do not name the hart's extensions or the devices only QEMU has. */
function stableBanner(banner: string): string[] {
  const from = banner.lastIndexOf("U-Boot 20");
  return banner
    .slice(from)
    .split("\n")
    .filter((l) => !/^(CPU|Core|Flash|Working FDT):/.test(l) && !l.startsWith("Working FDT"));
}

const needAll = skipWithout("opensbi", "uboot", "qemuSystem");

test("OpenSBI fw_jump + U-Boot (S-mode), 1 hart: prompt, version, bdinfo, md, poweroff; as on QEMU", {
  skip: needAll,
}, async () => {
  const { bios, kernel } = images("fw_jump");
  const commands = ["version", "bdinfo", "md 0x80200000 4"];
  // QEMU first: it runs on the clock, and this process does not read its output while it emulates
  const ref = await qemu(bios, kernel, 1, commands);
  const c = new Console(bios, kernel, 1);
  const banner = c.toPrompt();
  assert.match(banner, /OpenSBI v1\.\d+/);
  assert.match(banner, /Domain0 Next Mode\s+: S-mode/);
  assert.match(banner, /DRAM:\s+128 MiB/);
  const version = c.command("version");
  assert.match(version, /^U-Boot 20\d\d\.\d\d/);
  const bdinfo = c.command("bdinfo");
  assert.match(bdinfo, /-> size\s+= 0x0000000008000000/);
  // U-Boot's own first words at 0x8020_0000, where fw_jump put it
  const md = c.command("md 0x80200000 4");
  const first = readFileSync(kernel!).readUInt32LE(0).toString(16).padStart(8, "0");
  assert.match(md, new RegExp(`^80200000: ${first} `));
  assert.deepEqual(c.powerOff(), { status: 0 });

  assert.equal(ref.status, 0, ref.out);
  assert.deepEqual(
    stableBanner(banner),
    stableBanner(ref.out.slice(0, ref.out.indexOf(AUTOBOOT) + AUTOBOOT.length)),
  );
  assert.equal(version, answerIn(ref.out, "version"));
  assert.deepEqual(stableBdinfo(bdinfo), stableBdinfo(answerIn(ref.out, "bdinfo")));
  assert.ok(stableBdinfo(bdinfo).length >= 6, bdinfo);
  assert.equal(md, answerIn(ref.out, "md 0x80200000 4"));
});

test("U-Boot in S-mode cannot read OpenSBI's memory: PMP gives it a load access fault, as on QEMU", {
  skip: needAll,
}, () => {
  const { bios, kernel } = images("fw_jump");
  const c = new Console(bios, kernel, 1);
  c.toPrompt();
  c.type("md 0x80000000 4\r");
  const report = normalize(c.until("resetting ..."));
  assert.match(report, /Unhandled exception: Load access fault/);
  assert.match(report, /TVAL: 0000000080000000/);
});

for (const harts of [1, 4]) {
  test(`OpenSBI fw_dynamic + U-Boot, ${harts} hart${harts > 1 ? "s" : ""}: prompt, version, poweroff`, {
    skip: needAll,
  }, () => {
    const { bios, kernel } = images("fw_dynamic");
    const c = new Console(bios, kernel, harts);
    const banner = c.toPrompt();
    assert.match(banner, new RegExp(`Platform HART Count\\s+: ${harts}`));
    assert.match(c.command("version"), /^U-Boot 20\d\d\.\d\d/);
    assert.deepEqual(c.powerOff(), { status: 0 });
  });
}

test("OpenSBI fw_jump + U-Boot, 4 harts: the boot hart's banner, version, poweroff", {
  skip: needAll,
}, () => {
  const { bios, kernel } = images("fw_jump");
  const c = new Console(bios, kernel, 4);
  const banner = c.toPrompt();
  assert.match(banner, /Domain0 HARTs\s+: 0\*,1\*,2\*,3\*/);
  assert.match(c.command("version"), /^U-Boot 20\d\d\.\d\d/);
  assert.deepEqual(c.powerOff(), { status: 0 });
});

test("U-Boot as the M-mode firmware (qemu-riscv64): md reads its own first words; as on QEMU", {
  skip: needAll,
}, async () => {
  const { bios } = images("m-mode");
  const ref = await qemu(bios, undefined, 1, ["version", "md 0x80000000 4"]);
  const c = new Console(bios, undefined, 1);
  c.toPrompt();
  const version = c.command("version");
  const md = c.command("md 0x80000000 4");
  const first = readFileSync(bios).readUInt32LE(0).toString(16).padStart(8, "0");
  assert.match(md, new RegExp(`^80000000: ${first} `));
  assert.deepEqual(c.powerOff(), { status: 0 });
  assert.equal(ref.status, 0, ref.out);
  assert.equal(version, answerIn(ref.out, "version"));
  assert.equal(md, answerIn(ref.out, "md 0x80000000 4"));
});

test("U-Boot as the M-mode firmware on 4 harts, seeded schedule: prompt, version, poweroff", {
  skip: needAll,
}, () => {
  const { bios } = images("m-mode");
  // each turn's quantum drawn by a PRNG: U-Boot's secondary harts wait for the boot hart in its own
  // M-mode code whatever the interleaving
  for (const seed of [3, 11]) {
    const c = new Console(bios, undefined, 4, seed);
    c.toPrompt();
    assert.match(c.command("version"), /^U-Boot 20\d\d\.\d\d/);
    assert.deepEqual(c.powerOff(), { status: 0 });
  }
});
