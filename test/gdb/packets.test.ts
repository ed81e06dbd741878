// The remote protocol's framing (src/gdb/packets.ts) and gdb's signal numbers (src/gdb/signals.ts).

import assert from "node:assert/strict";
import { test } from "node:test";
import { checksum, framePacket, fromHex, hexNumber, PacketReader } from "../../src/gdb/packets.js";
import { gdbSignal, linuxSignal } from "../../src/gdb/signals.js";

const bytes = (s: string) => Buffer.from(s, "latin1");

test("packets: checksums, acks and interrupts between packets, data split anywhere", () => {
  assert.equal(checksum(bytes("qSupported")), 0x37);
  const stream = bytes("+$qSupported#37+\x03$g#67-$m10,4#2e");
  // the same stream fed whole and a byte at a time gives the same events
  for (const chunk of [stream.length, 1, 3]) {
    const r = new PacketReader();
    const got = [];
    for (let i = 0; i < stream.length; i += chunk) got.push(...r.feed(stream.subarray(i, i + chunk)));
    assert.deepEqual(
      got.map((e) => (e.kind === "packet" ? e.data.toString("latin1") : e.kind)),
      ["qSupported", "interrupt", "g", "m10,4"],
      `chunks of ${chunk}`,
    );
  }
});

test("packets: a wrong checksum is reported with what it should have been", () => {
  const [e] = new PacketReader().feed(bytes("$g#00"));
  assert.deepEqual(e, { kind: "bad-checksum", data: bytes("g"), expected: 0x67, got: "00" });
  const [f] = new PacketReader().feed(bytes("$g#zz"));
  assert.equal(f?.kind, "bad-checksum");
});

test("packets: '}' escapes are undone on the way in and made on the way out", () => {
  // X's binary data: 0x23 '#', 0x24 '$', 0x7d '}', 0x2a '*' are sent escaped
  const data = Buffer.from([0x58, 0x23, 0x24, 0x7d, 0x2a, 0x00, 0xff]);
  const framed = framePacket(data);
  assert.equal(
    framed.toString("latin1"),
    `$X}\x03}\x04}]}\x0a\x00\xff#${checksum(framed.subarray(1, -3)).toString(16).padStart(2, "0")}`,
  );
  const [back] = new PacketReader().feed(framed);
  assert.equal(back?.kind, "packet");
  assert.deepEqual(back?.kind === "packet" ? [...back.data] : [], [...data]);
});

test("hex: numbers and bytes, refusing what is not hex", () => {
  assert.equal(hexNumber("3ffffff878"), 0x3ffffff878);
  assert.equal(hexNumber("zz"), undefined);
  assert.equal(hexNumber(""), undefined);
  assert.equal(hexNumber("ffffffffffffffff"), undefined, "past 2^53: not exact");
  assert.deepEqual([...fromHex("00ff10")!], [0, 255, 16]);
  assert.equal(fromHex("abc"), undefined);
  assert.equal(fromHex("zz"), undefined);
});

test("signals: Linux's numbers as gdb numbers them, and back", () => {
  // gdb's signals.def: SIGBUS 10, SIGUSR1 30, SIGUSR2 31, SIGCHLD 20, SIGSTOP 17, SIGSYS 12,
  // SIGIO 23, SIGPWR 32; real-time 32 is 77, 33..63 are 45..75, 64 is 78
  const pairs: [number, number][] = [
    [5, 5],
    [7, 10],
    [10, 30],
    [11, 11],
    [12, 31],
    [17, 20],
    [18, 19],
    [19, 17],
    [20, 18],
    [23, 16],
    [29, 23],
    [30, 32],
    [31, 12],
    [32, 77],
    [33, 45],
    [63, 75],
    [64, 78],
  ];
  for (const [linux, gdb] of pairs) {
    assert.equal(gdbSignal(linux), gdb, `Linux ${linux}`);
    assert.equal(linuxSignal(gdb), linux, `gdb ${gdb}`);
  }
  for (let s = 1; s <= 64; s++)
    if (s !== 16) assert.equal(linuxSignal(gdbSignal(s)), s, `round trip of ${s}`);
  // gdb's own signals Linux lacks (SIGLOST 29 is Linux's SIGIO only one way; SIGEMT 7, SIGCANCEL 76)
  for (const g of [7, 76, 143]) assert.equal(linuxSignal(g), undefined, `gdb ${g}`);
});
