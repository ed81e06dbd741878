// The device tree generator: the blob's format checked by dtc reading it back (header fields, the
// memory reservation block, strings shared between properties, padding), and virt's tree compared,
// node by node and property by property in order, with the one QEMU 7.2 generates for the same
// configuration (qemu-system-riscv64 -machine virt,dumpdtb=...), allowing only the documented
// differences: devices hartscope does not emulate, the ISA string, the random seed.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import {
  cells,
  FdtNode,
  flatten,
  HARTSCOPE_ISA,
  strings,
  type VirtConfig,
  virtDeviceTree,
} from "../../src/machine/fdt.js";
import { Prng } from "../../src/machine/prng.js";
import { tempDir } from "../temp-dir.js";
import { skippedWithout, tool, UNDER_CI } from "../tools.js";

const dir = tempDir("hs-fdt-");

let files = 0;
/** dtc's DTS for a blob, and its warnings. */
function decompile(blob: Uint8Array): { dts: string; warnings: string[] } {
  const path = join(dir, `t${files++}.dtb`);
  writeFileSync(path, blob);
  const r = spawnSync(tool("dtc"), ["-I", "dtb", "-O", "dts", path], { encoding: "utf8" });
  assert.equal(r.status, 0, `dtc: ${r.stderr}`);
  const warnings = r.stderr
    .split("\n")
    .filter((l) => l.includes("Warning"))
    .map((l) => l.replace(/^[^:]*: /, ""));
  return { dts: r.stdout, warnings };
}

interface DtsNode {
  path: string;
  props: [string, string | undefined][];
}

/** dtc's DTS output as nodes in order, each with its properties in order (values as dtc prints them). */
function parseDts(dts: string): DtsNode[] {
  const nodes: DtsNode[] = [];
  const stack: DtsNode[] = [];
  for (const raw of dts.split("\n")) {
    const line = raw.trim();
    if (line === "" || line === "/dts-v1/;") continue;
    const open = line.match(/^(\S+) \{$/);
    const valued = line.match(/^(\S+) = (.*);$/);
    const flag = line.match(/^(\S+);$/);
    if (open) {
      const parent = stack[stack.length - 1];
      const path = parent === undefined ? "/" : `${parent.path === "/" ? "" : parent.path}/${open[1]}`;
      const node = { path, props: [] };
      nodes.push(node);
      stack.push(node);
    } else if (line === "};") {
      stack.pop();
    } else if (valued) {
      stack[stack.length - 1]!.props.push([valued[1]!, valued[2]!]);
    } else if (flag) {
      stack[stack.length - 1]!.props.push([flag[1]!, undefined]);
    } else {
      throw new Error(`unexpected DTS line: ${raw}`);
    }
  }
  return nodes;
}

test("flatten: a blob dtc reads back exactly, with reservations, shared strings and padding", (t) => {
  if (skippedWithout(t, "dtc")) return;
  const root = new FdtNode("").prop("#address-cells", cells(2)).prop("model", strings("a", "b"));
  root.child("empty");
  root.child("x@10").prop("reg", cells(0x10, 4)).prop("flag").prop("model", strings("c"));
  const blob = flatten(root, {
    reserve: [{ address: 0x8000_0000, size: 0x20_0000 }],
    padding: 100,
    bootCpu: 3,
  });
  const v = new DataView(blob.buffer);
  assert.equal(v.getUint32(0), 0xd00dfeed);
  assert.equal(v.getUint32(4), blob.length);
  assert.equal(v.getUint32(20), 17, "version");
  assert.equal(v.getUint32(24), 16, "last compatible version");
  assert.equal(v.getUint32(28), 3, "boot_cpuid_phys");
  const strs = v.getUint32(12);
  const strsSize = v.getUint32(32);
  assert.equal(
    new TextDecoder().decode(blob.subarray(strs, strs + strsSize)),
    "#address-cells\0model\0reg\0flag\0",
    "each property name once",
  );
  assert.equal(blob.length - (strs + strsSize), 100, "the padding");
  assert.equal(
    decompile(blob).dts,
    [
      "/dts-v1/;",
      "",
      "/memreserve/\t0x0000000080000000 0x0000000000200000;",
      "/ {",
      "\t#address-cells = <0x02>;",
      '\tmodel = "a\\0b";',
      "",
      "\tempty {",
      "\t};",
      "",
      "\tx@10 {",
      "\t\treg = <0x10 0x04>;",
      "\t\tflag;",
      '\t\tmodel = "c";',
      "\t};",
      "};",
      "",
    ].join("\n"),
  );
});

// What QEMU 7.2 has and hartscope does not emulate.
const NOT_EMULATED = [
  /^\/pmu$/,
  /^\/fw-cfg@10100000$/,
  /^\/flash@20000000$/,
  /^\/platform-bus@4000000$/,
  /^\/soc\/rtc@101000$/,
  /^\/soc\/pci@30000000$/,
];

/** Values allowed to differ: the ISA string (ours is what the harts implement), the seed. */
function normalize(nodes: DtsNode[]): DtsNode[] {
  return nodes
    .filter((n) => !NOT_EMULATED.some((re) => re.test(n.path)))
    .map((n) => ({
      path: n.path,
      props: n.props.map(([name, value]): [string, string | undefined] =>
        name === "riscv,isa" || name === "rng-seed" ? [name, "<allowed to differ>"] : [name, value],
      ),
    }));
}

interface Case {
  harts: number;
  ramMiB: number;
  bootargs?: string;
  initrd?: boolean;
}

const CASES: Case[] = [
  { harts: 1, ramMiB: 128 },
  { harts: 2, ramMiB: 256, bootargs: "console=ttyS0 earlycon=sbi root=/dev/vda rw", initrd: true },
  { harts: 4, ramMiB: 1024 },
  { harts: 8, ramMiB: 2048, bootargs: "" },
];

/** QEMU's DTS for a case (and the initrd range it chose), or undefined when skipped. */
function qemuDts(
  t: TestContext,
  c: Case,
): { dts: string; warnings: string[]; initrd?: [number, number] } | undefined {
  if (skippedWithout(t, "qemuSystem", "dtc")) return undefined;
  const version = spawnSync(tool("qemuSystem"), ["--version"], { encoding: "utf8" }).stdout;
  if (!/version 7\.2\./.test(version)) {
    const why = `the reference is QEMU 7.2's virt machine; ${tool("qemuSystem")} is ${version.split("\n")[0]}`;
    if (UNDER_CI) throw new Error(why);
    t.skip(why);
    return undefined;
  }
  const out = join(dir, `qemu${files++}.dtb`);
  const args = ["-machine", `virt,dumpdtb=${out}`, "-smp", `${c.harts}`, "-m", `${c.ramMiB}M`];
  args.push("-nographic", "-nodefaults");
  if (c.bootargs !== undefined || c.initrd) {
    const kernel = join(dir, "kernel.bin");
    writeFileSync(kernel, new Prng(1).bytes(4096));
    args.push("-kernel", kernel);
  }
  if (c.bootargs !== undefined) args.push("-append", c.bootargs);
  if (c.initrd) {
    const initrd = join(dir, "initrd.bin");
    writeFileSync(initrd, new Prng(2).bytes(10_000));
    args.push("-initrd", initrd);
  }
  const r = spawnSync(tool("qemuSystem"), args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `qemu-system-riscv64 ${args.join(" ")}: ${r.stderr}`);
  const { dts, warnings } = decompile(readFileSync(out));
  const start = dts.match(/linux,initrd-start = <(0x[0-9a-f]+)>/);
  const end = dts.match(/linux,initrd-end = <(0x[0-9a-f]+)>/);
  return { dts, warnings, initrd: start && end ? [Number(start[1]), Number(end[1])] : undefined };
}

for (const c of CASES) {
  const what = `${c.harts} hart(s), ${c.ramMiB} MiB${c.bootargs !== undefined ? ", bootargs" : ""}${c.initrd ? ", initrd" : ""}`;
  test(`virt's device tree matches QEMU 7.2's node by node (${what})`, (t) => {
    const ref = qemuDts(t, c);
    if (ref === undefined) return;
    if (c.initrd) assert.ok(ref.initrd, "QEMU placed the initrd");
    const config: VirtConfig = {
      harts: c.harts,
      ramSize: c.ramMiB * 2 ** 20,
      bootargs: c.bootargs,
      initrd: ref.initrd && { start: ref.initrd[0], end: ref.initrd[1] },
      rngSeed: new Prng(9).bytes(32),
    };
    const ours = decompile(virtDeviceTree(config));
    const expected = normalize(parseDts(ref.dts));
    const actual = normalize(parseDts(ours.dts));
    assert.deepEqual(
      actual.map((n) => n.path),
      expected.map((n) => n.path),
      "the same nodes in the same order",
    );
    for (const [i, node] of actual.entries()) assert.deepEqual(node, expected[i], node.path);
    assert.match(ours.dts, new RegExp(`riscv,isa = "${HARTSCOPE_ISA}";`));
    for (const w of ours.warnings) assert.ok(ref.warnings.includes(w), `dtc warns about ours only: ${w}`);
  });
}

test("virt's tree without a UART or finisher, fewer virtio slots, an initrd above 4 GiB", (t) => {
  if (skippedWithout(t, "dtc")) return;
  const { dts } = decompile(
    virtDeviceTree({
      harts: 1,
      ramSize: 8 * 2 ** 30,
      uart: false,
      test: false,
      virtioSlots: 2,
      initrd: { start: 0x1_8000_0000, end: 0x1_8100_0000 },
      isa: "rv64imac",
      mmuType: "riscv,sv39",
    }),
  );
  const nodes = parseDts(dts);
  const paths = nodes.map((n) => n.path);
  assert.ok(!paths.some((p) => /serial|test@|poweroff|reboot/.test(p)), paths.join(" "));
  assert.deepEqual(
    paths.filter((p) => p.includes("virtio")),
    ["/soc/virtio_mmio@10002000", "/soc/virtio_mmio@10001000"],
  );
  const chosen = nodes.find((n) => n.path === "/chosen")!;
  assert.deepEqual(chosen.props, [
    ["linux,initrd-end", "<0x01 0x81000000>"],
    ["linux,initrd-start", "<0x01 0x80000000>"],
  ]);
  assert.match(dts, /reg = <0x00 0x80000000 0x02 0x00>;/);
  assert.match(dts, /riscv,isa = "rv64imac";/);
  assert.match(dts, /mmu-type = "riscv,sv39";/);
  assert.throws(() => virtDeviceTree({ harts: 0, ramSize: 1 << 20 }), /fdt: 0 harts \(1\.\.512\)/);
});
