// The guest's environment options (-E NAME=VALUE, -U NAME, --clear-env) against qemu-riscv64's
// -E and -U: sys-env prints the HS_* variables it was given, so both must print the same.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRunArgs } from "../../src/cli/main.js";
import { parseTraceArgs } from "../../src/cli/trace.js";
import { hartscope } from "../linux-user/guest.js";
import { describeDifference, differentialSkip, GUEST_BIN, runHartscope, runQemu } from "./run-guest.js";

const skip = differentialSkip();
const HOST = { PATH: "/usr/bin:/bin", LANG: "C", HOME: "/nonexistent", HS_KEEP: "kept", HS_DROP: "dropped" };

async function same(hsOptions: string[], qemuOptions: string[], qemuEnv: NodeJS.ProcessEnv): Promise<string> {
  const prog = `${GUEST_BIN}sys-env`;
  const [q, hs] = await Promise.all([
    runQemu({ prog, env: qemuEnv, qemuArgs: qemuOptions }),
    runHartscope({ prog, env: HOST }, hsOptions),
  ]);
  assert.equal(q.status, 0, q.stderr.toString());
  assert.equal(hs.status, 0, hs.stderr.toString());
  assert.ok(q.stdout.equals(hs.stdout), describeDifference("stdout", q.stdout, hs.stdout));
  return hs.stdout.toString();
}

test("-E sets and replaces, -U removes, in order, as qemu-riscv64's -E and -U", { skip }, async () => {
  const opts = [
    "-E",
    "HS_NEW=a=b c",
    "-E",
    "HS_KEEP=changed",
    "-U",
    "HS_DROP",
    "-E",
    "HS_EMPTY=",
    "-U",
    "HS_NONE",
  ];
  const out = await same(opts, opts, HOST);
  assert.match(out, /HS_ variables: 3\n {2}HS_EMPTY=\n {2}HS_KEEP=changed\n {2}HS_NEW=a=b c\n/);
});

test("--clear-env starts from an empty environment (qemu run with an empty host environment)", {
  skip,
}, async () => {
  const out = await same(["--clear-env", "-E", "HS_GREETING=hi"], ["-E", "HS_GREETING=hi"], {});
  assert.match(out, /HS_ variables: 1\n {2}HS_GREETING=hi\ngetenv HS_GREETING: hi\n/);
});

test("the environment options build the guest's environment exactly; trace takes them too", () => {
  const host = { A: "1", B: "2", C: "3" };
  assert.equal(parseRunArgs(["prog"], host).env, undefined, "no option: the host's, read at run time");
  assert.deepEqual(parseRunArgs(["-E", "B=x", "-U", "A", "-E", "D=4", "-E=E=5", "prog"], host).env, [
    "B=x",
    "C=3",
    "D=4",
    "E=5",
  ]);
  assert.deepEqual(parseRunArgs(["-E", "X=", "--clear-env", "prog"], host).env, ["X="]);
  assert.deepEqual(parseRunArgs(["--clear-env", "prog"], host).env, []);
  const t = parseTraceArgs(
    ["-n", "BEGIN { exit(0); }", "--clear-env", "-E", "Q=1", "prog", "arg"],
    parseRunArgs,
  );
  assert.deepEqual(t.run.env, ["Q=1"]);
  assert.deepEqual(t.run.args, ["arg"]);
});

test("bad environment options are one clear line and status 1", () => {
  const cases: [string[], RegExp][] = [
    [["-E", "FOO"], /-E FOO: expected NAME=VALUE/],
    [["-E", "=x"], /-E =x: the variable's name is empty/],
    [["-E", ""], /-E : expected NAME=VALUE/],
    [["-U", ""], /-U needs a variable's name/],
    [["-U", "A=1"], /-U A=1: a name holds no '='/],
    [["-E"], /-E needs a value/], // the program is left off: -E would take it as its value
    [["--clear-env=1"], /--clear-env takes no value/],
  ];
  for (const [args, msg] of cases) {
    const r = hartscope([
      "run",
      ...args,
      ...(args.length > 1 || args[0] !== "-E" ? [`${GUEST_BIN}hello`] : []),
    ]);
    assert.equal(r.status, 1, args.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
  }
});
