// hartscope run -g at the protocol's level, with a bare client (stub.ts): what gdb would rarely
// send — bad packets, unmapped memory, unknown threads —, gdb's Ctrl-C while the program runs,
// and a debugger that vanishes without a word.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { after, test } from "node:test";
import { parseElf } from "../../src/elf/elf.js";
import { GUEST_BIN, HARTSCOPE, hartscope } from "../linux-user/guest.js";
import { skipWithout } from "../tools.js";
import { gdbBatch, killChildren, RspClient, startStub } from "./stub.js";

after(killChildren);

const needGdb = { skip: skipWithout("gdb") };

/** Bytes of the `g` packet: x0..x31 and pc, f0..f31 (8 each), fflags, frm, fcsr (4 each). */
const G_BYTES = 65 * 8 + 3 * 4;
const TID = "3e8"; // the first process's pid and main thread: 1000

/** debuggee's global `counter`, from its symbol table (as gdb finds it) */
const COUNTER = (() => {
  const elf = parseElf(readFileSync(`${GUEST_BIN}debuggee`), "debuggee");
  const sym = elf.symbols.find((s) => s.name === "counter");
  if (sym === undefined) throw new Error("debuggee has no symbol 'counter'");
  return Number(sym.value);
})();

test("gdb stub: bad packets get an error reply and a line naming the packet; the program is unharmed", async () => {
  const stub = await startStub("hello");
  const c = await RspClient.connect(stub.port);
  assert.match(
    await c.ask("qSupported:multiprocess+;swbreak+"),
    /PacketSize=[0-9a-f]+;.*qXfer:features:read\+/,
  );
  assert.equal(await c.ask("?"), `T05thread:${TID};`, "stopped before the first instruction");
  assert.equal(await c.ask("qfThreadInfo"), `m${TID}`);
  assert.equal(await c.ask("qsThreadInfo"), "l");
  assert.equal((await c.ask("g")).length, 2 * G_BYTES);
  // thread names as Linux keeps them (the program's, inherited by its threads)
  assert.match(
    await c.ask("qXfer:threads:read::0,fff"),
    new RegExp(`^l<\\?xml.*<thread id="${TID}" name="hello"/>`, "s"),
  );
  const pc = await c.ask("p20");
  assert.match(pc, /^[0-9a-f]{16}$/);
  // the target description names the registers gdb's RISC-V support looks for
  const xml = await c.ask("qXfer:features:read:target.xml:0,ffff");
  assert.match(xml, /^l<\?xml/);
  assert.match(xml, /<feature name="org.gnu.gdb.riscv.cpu">/);
  assert.match(xml, /name="fcsr" bitsize="32" type="int" regnum="68"/);

  assert.equal(await c.ask("m10000,zz"), "E01");
  assert.equal(await c.ask("m0,8"), "E14", "page 0 is not mapped");
  assert.equal(await c.ask("M0,2:0102"), "E14");
  assert.equal(await c.ask("M10000,2:01"), "E01", "one byte for two");
  assert.equal(await c.ask("Z0,0,2"), "E01", "a breakpoint where nothing is mapped");
  // (a thread that ended meanwhile: gdb asks, and is told, without a line on the log)
  assert.equal(await c.ask("Hg7777"), "E01", "no such thread");
  assert.equal(await c.ask("T7777"), "E01");
  assert.equal(await c.ask("vCont;x"), "E01");
  assert.equal(await c.ask("p99"), "E01", "no register 0x99");
  assert.equal(await c.ask("Z2,10000,8"), "", "watchpoints: gdb single-steps for them");
  assert.equal(await c.ask("qNoSuchThing"), "", "unknown packets: not supported");
  c.send("g", true);
  assert.equal(await c.next(), "-", "a wrong checksum asks for the packet again");
  assert.equal(await c.ask("k"), "X09");
  c.close();
  const end = await stub.ended;
  assert.equal(end.status, 137, end.stderr);
  assert.equal(end.stdout, "", "killed before its first instruction");
  for (const line of [
    "hartscope: gdb: bad packet 'm10000,zz': length 'zz' is not a hex number",
    "hartscope: gdb: breakpoint at 0x0: cannot probe 0x0: not mapped executable",
    "hartscope: gdb: bad packet 'p99': no register 0x99",
    "hartscope: gdb: bad packet 'vCont;x': unknown action 'x'",
    "hartscope: gdb: bad checksum",
  ]) {
    assert.ok(end.stderr.includes(line), `${line}\nin\n${end.stderr}`);
  }
});

test("gdb stub: Ctrl-C stops a program that never stops, which goes on after it", async () => {
  const stub = await startStub("debuggee", ["spin"]);
  const c = await RspClient.connect(stub.port);
  assert.equal(await c.ask("QStartNoAckMode"), "OK");
  const counter = async () => {
    // `counter` is a global of debuggee: its address from the symbol gdb would read
    const reply = await c.ask(`m${COUNTER.toString(16)},8`);
    return Buffer.from(reply, "hex").readBigUInt64LE();
  };
  c.send("vCont;c");
  await new Promise((r) => setTimeout(r, 300));
  c.raw("\x03");
  assert.equal(await c.next(), `T02thread:${TID};`, "SIGINT, as gdb names an interrupt");
  const first = await counter();
  assert.ok(first > 1000n, `the loop ran: counter ${first}`);
  assert.equal(await counter(), first, "stopped means stopped");
  c.send("c");
  await new Promise((r) => setTimeout(r, 200));
  c.raw("\x03");
  assert.match(await c.next(), /^T02thread:/);
  assert.ok((await counter()) > first, "and goes on after it");
  c.send("k");
  c.close();
  assert.equal((await stub.ended).status, 137);
});

for (const jit of ["on", "off"]) {
  test(`gdb stub: a breakpoint placed in a loop that is already running compiled stops it exactly (--jit ${jit})`, async () => {
    // debuggee spin: 10580 ld a5,0(a4); 10582 addi a5,a5,1; 10584 sd a5,0(a4); 10586 j 10580
    const stub = await startStub("debuggee", ["spin"], ["--jit", jit]);
    const c = await RspClient.connect(stub.port);
    const counter = async () =>
      Buffer.from(await c.ask(`m${COUNTER.toString(16)},8`), "hex").readBigUInt64LE();
    const a5 = async () => Buffer.from(await c.ask("pf"), "hex").readBigUInt64LE();
    c.send("c");
    await new Promise((r) => setTimeout(r, 300));
    c.raw("\x03");
    assert.match(await c.next(), /^T02thread:/);
    assert.equal(await c.ask("Z0,10584,2"), "OK");
    let last = 0n;
    for (let round = 0; round < 3; round++) {
      c.send("c");
      assert.equal(await c.next(), `T05thread:${TID};swbreak:;`);
      assert.equal(await c.ask("p20"), Buffer.from([0x84, 0x05, 0x01, 0, 0, 0, 0, 0]).toString("hex"));
      const n = await counter();
      // before the store: a5 holds the next value, memory the last
      assert.equal(await a5(), n + 1n, `round ${round}`);
      if (round > 0) assert.equal(n, last + 1n, "one iteration between two hits");
      last = n;
    }
    assert.equal(await c.ask("z0,10584,2"), "OK");
    c.send("c");
    await new Promise((r) => setTimeout(r, 100));
    c.raw("\x03");
    assert.match(await c.next(), /^T02thread:/);
    assert.ok((await counter()) > last + 1000n, "without the breakpoint it runs free again");
    c.send("k");
    c.close();
    await stub.ended;
  });
}
test("gdb stub: a debugger that disconnects without k or D leaves the program to run to its end", async () => {
  const stub = await startStub("debuggee");
  const c = await RspClient.connect(stub.port);
  assert.equal(await c.ask("?"), `T05thread:${TID};`);
  c.close();
  const end = await stub.ended;
  assert.equal(end.status, 42, end.stderr);
  assert.match(end.stdout, /^line 0: 10\n.*counter: 3\n$/s, "its output is all there");
});

test("gdb stub: a port in use, or out of range, is the command line's error", async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  const port = (busy.address() as AddressInfo).port;
  try {
    // (spawnSync would hold this process's event loop, and with it the listening socket: async)
    for (const args of [
      ["run", "-g", String(port), `${GUEST_BIN}hello`],
      ["system", "--bios", "none", "--kernel", `${GUEST_BIN}../kernels/bin/hello`, "-g", String(port)],
    ]) {
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [HARTSCOPE, ...args], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        c.stderr.on("data", (b) => {
          stderr += b;
        });
        c.on("close", (status) => resolve({ status, stderr }));
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(
        r.stderr,
        `hartscope: -g ${port}: cannot listen for gdb on 127.0.0.1:${port}: the port is in use\n`,
      );
    }
  } finally {
    busy.close();
  }
  const bad = hartscope(["run", "-g", "65536", `${GUEST_BIN}hello`]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, "hartscope: -g must be an integer from 0 to 65535 (got '65536')\n");
});

test(
  "gdb started without the program's file asks the stub for it (qXfer:exec-file:read)",
  needGdb,
  async () => {
    const stub = await startStub("debuggee");
    const gdb = await gdbBatch(stub.port, undefined, ["break add", "continue", "p limit", "kill"]);
    assert.match(gdb, /Breakpoint 1, add \(a=a@entry=0, b=b@entry=10\) at src\/debuggee\.c:15/);
    assert.match(gdb, /\$1 = 3/, "its symbols too");
    assert.equal((await stub.ended).status, 137);
  },
);
