// printf() formats: every conversion, flag, width and precision against expected strings, then
// tens of thousands of integer conversions against the C library's printf itself (glibc, in a
// RISC-V program run under qemu-riscv64), wherever DTrace's rules and C's agree.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import {
  FormatError,
  INT8,
  INT16,
  INT32,
  INT64,
  type IntType,
  prepareFormat,
  STRING,
  type SymbolResolver,
  UINT8,
  UINT16,
  UINT32,
  UINT64,
  type Value,
  type ValueType,
} from "../../../src/trace/runtime/index.js";
import { build } from "../../elf/toolchain.js";
import { skipWithout, tool } from "../../tools.js";

const fmt = (f: string, types: ValueType[], args: Value[], symbols?: SymbolResolver) =>
  prepareFormat(f, types).format(args, { symbols });

test("integer conversions follow the argument's type", () => {
  assert.equal(fmt("%d", [INT64], [-1]), "-1");
  assert.equal(fmt("%i", [INT64], [-(1n << 63n)]), "-9223372036854775808");
  // %d of an unsigned type prints it unsigned, as DTrace's compiler arranges
  assert.equal(fmt("%d", [UINT64], [(1n << 64n) - 1n]), "18446744073709551615");
  assert.equal(fmt("%d", [UINT32], [-1]), "4294967295");
  assert.equal(fmt("%u", [INT32], [-1]), "4294967295");
  assert.equal(fmt("%u", [INT64], [-1]), "18446744073709551615");
  assert.equal(fmt("%x", [INT32], [-1]), "ffffffff");
  assert.equal(fmt("%x", [INT64], [-1]), "ffffffffffffffff");
  assert.equal(fmt("%x", [INT16], [-1]), "ffff");
  assert.equal(fmt("%x", [INT8], [-1]), "ff");
  assert.equal(fmt("%X", [INT64], [0xbeef]), "BEEF");
  assert.equal(fmt("%o", [INT64], [8]), "10");
  assert.equal(fmt("%d", [INT8], [-2]), "-2");
  assert.equal(fmt("%d", [UINT8], [254]), "254");
  assert.equal(fmt("%d %d %s", [INT32, INT64, STRING], [1, 2, "three"]), "1 2 three");
});

test("flags, width and precision", () => {
  assert.equal(fmt("[%5d]", [INT64], [42]), "[   42]");
  assert.equal(fmt("[%-5d]", [INT64], [42]), "[42   ]");
  assert.equal(fmt("[%05d]", [INT64], [-42]), "[-0042]");
  assert.equal(fmt("[%+d]", [INT64], [42]), "[+42]");
  assert.equal(fmt("[% d]", [INT64], [42]), "[ 42]");
  assert.equal(fmt("[%+u]", [INT64], [42]), "[42]");
  assert.equal(fmt("[%.3d]", [INT64], [7]), "[007]");
  assert.equal(fmt("[%8.3d]", [INT64], [-7]), "[    -007]");
  assert.equal(fmt("[%08.3d]", [INT64], [7]), "[     007]");
  assert.equal(fmt("[%#x]", [INT64], [255]), "[0xff]");
  assert.equal(fmt("[%#X]", [INT64], [255]), "[0XFF]");
  assert.equal(fmt("[%#x]", [INT64], [0]), "[0]");
  assert.equal(fmt("[%#010x]", [INT64], [255]), "[0x000000ff]");
  assert.equal(fmt("[%#o]", [INT64], [8]), "[010]");
  assert.equal(fmt("[%#o]", [INT64], [0]), "[0]");
  assert.equal(fmt("[%#.3o]", [INT64], [8]), "[010]");
  assert.equal(fmt("[%'d]", [INT64], [1234567]), "[1234567]");
  assert.equal(fmt("[%?d]", [INT64], [1]), "[               1]");
  assert.equal(fmt("100%%", [], []), "100%");
  assert.equal(fmt("%d%%", [INT64], [5]), "5%");
});

test("DTrace's own rules: a precision of 0 is ignored; '0' after '-' cancels it", () => {
  assert.equal(fmt("[%.0d]", [INT64], [0]), "[0]");
  assert.equal(fmt("[%.d]", [INT64], [0]), "[0]");
  assert.equal(fmt("[%-05d]", [INT64], [42]), "[00042]");
  assert.equal(fmt("[%0-5d]", [INT64], [42]), "[42   ]");
  assert.equal(fmt("[%.0s]", [STRING], ["abc"]), "[abc]");
});

test("dynamic width and precision come from the arguments, width first", () => {
  assert.equal(fmt("[%*d]", [INT32, INT64], [6, 42]), "[    42]");
  assert.equal(fmt("[%*d]", [INT32, INT64], [-6, 42]), "[42    ]");
  assert.equal(fmt("[%.*d]", [INT32, INT64], [4, 42]), "[0042]");
  assert.equal(fmt("[%*.*d]", [INT32, INT32, INT64], [7, 4, 42]), "[   0042]");
  assert.equal(fmt("[%.*d]", [INT32, INT64], [-1, 42]), "[42]");
  assert.equal(fmt("[%*s]", [INT64, STRING], [5, "ab"]), "[   ab]");
});

test("size prefixes convert the argument to their size", () => {
  assert.equal(fmt("%hd", [INT64], [70000]), "4464");
  assert.equal(fmt("%hhd", [INT64], [200]), "-56");
  assert.equal(fmt("%hu", [INT64], [-1]), "65535");
  assert.equal(fmt("%hx", [INT64], [0x12345]), "2345");
  assert.equal(fmt("%ld", [INT32], [-5]), "-5");
  assert.equal(fmt("%lx", [INT32], [-1]), "ffffffffffffffff");
  assert.equal(fmt("%llu", [INT64], [-1]), "18446744073709551615");
  assert.equal(fmt("%lld", [UINT64], [(1n << 64n) - 1n]), "-1");
});

test("%c, %s and %p", () => {
  assert.equal(fmt("[%c]", [INT8], [65]), "[A]");
  assert.equal(fmt("[%3c]", [INT32], [0x142]), "[  B]");
  assert.equal(fmt("[%-3c]", [INT32], [67]), "[C  ]");
  assert.equal(fmt("[%s]", [STRING], ["hello"]), "[hello]");
  assert.equal(fmt("[%.2s]", [STRING], ["hello"]), "[he]");
  assert.equal(fmt("[%8.3s]", [STRING], ["hello"]), "[     hel]");
  assert.equal(fmt("[%-8s]", [STRING], ["hi"]), "[hi      ]");
  assert.equal(fmt("[%08s]", [STRING], ["hi"]), "[      hi]");
  // %p is %x in DTrace: no 0x unless '#'
  assert.equal(fmt("[%p]", [UINT64], [0x10078]), "[10078]");
  assert.equal(fmt("[%#p]", [UINT64], [0x10078]), "[0x10078]");
  assert.equal(fmt("[%p]", [UINT64], [(1n << 64n) - 16n]), "[fffffffffffffff0]");
});

test("%a and %A print symbol+offset through the resolver, the bare address when unknown", () => {
  const symbols: SymbolResolver = (a) => {
    if (a >= 0x10000n && a < 0x10100n) return { symbol: "main", offset: a - 0x10000n };
    if (a >= 0x20000n && a < 0x20100n) return { module: "libc.so.6", symbol: "malloc", offset: a - 0x20000n };
    if (a >= 0x30000n && a < 0x40000n) return { module: "prog" };
    return undefined;
  };
  assert.equal(fmt("%a", [UINT64], [0x1001c], symbols), "main+0x1c");
  assert.equal(fmt("%a", [UINT64], [0x10000], symbols), "main");
  assert.equal(fmt("%a", [UINT64], [0x20010], symbols), "libc.so.6`malloc+0x10");
  assert.equal(fmt("%a", [UINT64], [0x30004], symbols), "prog`0x30004");
  assert.equal(fmt("%a", [UINT64], [0x50000], symbols), "0x50000");
  assert.equal(fmt("%a", [UINT64], [0x50000]), "0x50000");
  assert.equal(fmt("[%-12a]", [UINT64], [0x10004], symbols), "[main+0x4    ]");
  assert.equal(fmt("[%12a]", [UINT64], [0x10004], symbols), "[    main+0x4]");
  const user: SymbolResolver = () => ({ symbol: "user_fn", offset: 2 });
  const f = prepareFormat("%a %A", [UINT64, UINT64]);
  assert.equal(f.format([0x1001c, 7], { symbols, userSymbols: user }), "main+0x1c user_fn+0x2");
  assert.equal(f.format([0x1001c, 0x10000], { symbols }), "main+0x1c main");
});

test("bad formats are refused when prepared, naming the conversion", () => {
  const bad: [string, ValueType[], RegExp][] = [
    ["%", [], /conversion #1 name expected before end of format string/],
    ["%d %", [INT64], /conversion #2 name expected/],
    ["%q", [INT64], /conversion #1 is undefined: %q/],
    ["%hs", [STRING], /conversion #1 is undefined: %hs/],
    ["%f", [INT64], /conversion #1 \(%f\) is not supported/],
    ["%Y", [INT64], /\(%Y\) is not supported/],
    ["%1$d", [INT64], /unsupported positional format/],
    ["%-%", [], /cannot be combined with other format flags/],
    ["%**d", [INT32, INT32, INT64], /more than one '\*'/],
    ["%1.2.3d", [INT64], /more than one '\.'/],
    ["%d %d", [INT64], /conversion #2 \(%d\) is missing a corresponding value argument/],
    ["%*d", [], /conversion #1 \(%d\) is missing a corresponding "\*" argument/],
    ["%d", [INT64, INT64], /only 1 arguments required by this format string/],
    [
      "%s",
      [INT64],
      /argument #2 is incompatible with conversion #1 prototype:\n\tconversion: %s\n\t prototype: char \[\] or string/,
    ],
    ["%d", [STRING], /argument #2 is incompatible with conversion #1 prototype:[\s\S]*argument: string/],
    ["%c", [INT64], /prototype: char, short, or int\n\t {2}argument: int64_t/],
    ["%*d", [STRING, INT64], /conversion: % \* d/],
    ["%@d", [], /%@ conversion requires an aggregation/],
    ["", [], /format string is empty/],
  ];
  for (const [f, types, re] of bad) {
    assert.throws(
      () => prepareFormat(f, types),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
      `format ${JSON.stringify(f)}`,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Against glibc

/** A C program that prints each case of its input ("TYPE FORMAT VALUE" lines) with printf. */
const REFERENCE_C = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  static char line[512];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\\n")] = 0;
    char *type = strtok(line, "\\t"), *f = strtok(NULL, "\\t"), *v = strtok(NULL, "\\t");
    if (!type || !f || !v) return 2;
    unsigned long long u = strtoull(v, NULL, 0);
    long long s = (long long)u;
    switch (type[0]) {
    case 'b': printf(f, (int)(signed char)s); break;
    case 'B': printf(f, (unsigned)(unsigned char)u); break;
    case 'h': printf(f, (int)(short)s); break;
    case 'H': printf(f, (unsigned)(unsigned short)u); break;
    case 'i': printf(f, (int)s); break;
    case 'I': printf(f, (unsigned)u); break;
    case 'l': printf(f, s); break;
    case 'L': printf(f, u); break;
    case 's': printf(f, v); break;
    default: return 3;
    }
    putchar('\\n');
  }
  return 0;
}
`;

interface Case {
  /** the format as D writes it */
  d: string;
  /** the same conversion as C needs it (with its length modifier) */
  c: string;
  /** type code for the reference program */
  code: string;
  type: ValueType;
  value: bigint | string;
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

const INT_TYPES: [IntType, string, string, bigint[]][] = [
  [INT8, "b", "hh", [0n, 1n, -1n, 127n, -128n, 0x41n, -37n]],
  [UINT8, "B", "hh", [0n, 1n, 255n, 128n, 0x41n]],
  [INT16, "h", "h", [0n, -1n, 32767n, -32768n, 0x1234n, -300n]],
  [UINT16, "H", "h", [0n, 65535n, 32768n, 0x1234n]],
  [INT32, "i", "", [0n, 1n, -1n, 2147483647n, -2147483648n, 42n, 0x12345678n, -1000000n]],
  [UINT32, "I", "", [0n, 4294967295n, 2147483648n, 42n, 0xdeadbeefn]],
  [
    INT64,
    "l",
    "ll",
    [0n, 1n, -1n, 42n, -42n, (1n << 63n) - 1n, -(1n << 63n), 123456789012345n, -(1n << 53n) - 1n],
  ],
  [UINT64, "L", "ll", [0n, 1n, (1n << 64n) - 1n, 1n << 63n, 42n, 1n << 53n]],
];

function cases(): Case[] {
  const out: Case[] = [];
  // '0' before '-' only: DTrace lets a '0' written after '-' cancel it, C does not
  const flagSets = ["", "-", "+", " ", "#", "0", "0-", "+ ", "#0", "-#", "+0"];
  const widths = ["", "1", "7", "24"];
  const precisions = ["", ".1", ".4", ".21"];
  for (const [type, code, mod, values] of INT_TYPES) {
    for (const conv of "diuoxX") {
      // DTrace prints %d/%i of an unsigned type as %u
      const cConv = (conv === "d" || conv === "i") && !type.signed ? "u" : conv;
      for (const flags of flagSets)
        for (const w of widths)
          for (const p of precisions) {
            for (const v of values) {
              out.push({
                d: `%${flags}${w}${p}${conv}`,
                c: `%${flags}${w}${p}${mod}${cConv}`,
                code,
                type,
                value: v,
              });
            }
          }
    }
  }
  for (const flags of ["", "-"])
    for (const w of ["", "1", "6"]) {
      for (const v of [65n, 0x7an, 0x20n])
        out.push({ d: `%${flags}${w}c`, c: `%${flags}${w}c`, code: "i", type: INT32, value: v });
      for (const p of ["", ".1", ".3", ".9"])
        for (const s of ["hello", "x", "two words"]) {
          out.push({ d: `%${flags}${w}${p}s`, c: `%${flags}${w}${p}s`, code: "s", type: STRING, value: s });
        }
    }
  return out;
}

test("integer, character and string conversions agree with glibc's printf", {
  skip: skipWithout("cc", "qemu"),
}, () => {
  const all = cases();
  const program = build(REFERENCE_C, ["-static", "-O1", "-Wno-format-security", "-Wno-format-nonliteral"]);
  const input = all
    .map(
      (c) =>
        `${c.code}\t${c.c}\t${typeof c.value === "bigint" ? `${BigInt.asUintN(64, c.value)}` : c.value}\n`,
    )
    .join("");
  const r = spawnSync(tool("qemu"), [program], { input, encoding: "latin1", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `reference program failed: ${r.stderr}`);
  const lines = r.stdout.split("\n");
  assert.equal(lines.length, all.length + 1);
  let checked = 0;
  for (let i = 0; i < all.length; i++) {
    const c = all[i];
    const arg =
      typeof c.value === "bigint" ? (c.value >= -MAX && c.value <= MAX ? Number(c.value) : c.value) : c.value;
    const got = prepareFormat(c.d, [c.type]).format([arg]);
    assert.equal(
      got,
      lines[i],
      `${c.d} of ${typeof c.value === "bigint" ? c.value : JSON.stringify(c.value)} (C: ${c.c})`,
    );
    checked++;
  }
  assert.ok(checked > 50_000, `${checked} cases`);
});
