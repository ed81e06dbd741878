// The guest programs the differential test runs, with their arguments, stdin and environment.
// One row per run; guest/README.md says what each program covers.

import { QEMU_ZBA_ZBB } from "./run-guest.js";

export interface GuestCase {
  /** test name (unique) */
  name: string;
  /** file in guest/bin */
  prog: string;
  args?: readonly string[];
  stdin?: string | Buffer;
  /** added to the common environment */
  env?: Readonly<Record<string, string>>;
  /** options for qemu-riscv64 alone (e.g. QEMU_ZBA_ZBB for a program built with Zba/Zbb) */
  qemuArgs?: readonly string[];
  /**
   * Where qemu 7.2 (Debian 12's) is wrong: the stdout line starting with `line` is left out of the
   * comparison, and hartscope's must equal `expect`, the spec's answer (`why` says where it is).
   */
  qemuWrong?: { line: string; expect: string; why: string };
  /** dynamically linked: run against Debian's cross sysroot (qemu -L, hartscope --sysroot) */
  dynamic?: boolean;
  /**
   * The guest dies of a signal: compare stdout and the exit status (128 + signal) but not
   * stderr, where qemu and hartscope each report the fault in their own words.
   */
  fault?: boolean;
}

/** Bytes that are not valid UTF-8, a NUL and CR: stdin must be passed through untouched. */
const BINARY_STDIN = Buffer.from([
  0x68, 0x69, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0xc3, 0xa9, 0x20, 0x7f, 0x0a, 0x41,
]);

export const CASES: readonly GuestCase[] = [
  { name: "hello", prog: "hello", args: ["one", "two words", ""] },
  { name: "hello-dynamic", prog: "hello-dynamic", args: ["dyn"], dynamic: true },
  { name: "hello-pie", prog: "hello-pie", args: ["pie", "x"] },
  { name: "isa-int", prog: "isa-int" },
  { name: "isa-int-pie", prog: "isa-int-pie" },
  { name: "isa-atomic", prog: "isa-atomic" },
  { name: "isa-fp", prog: "isa-fp" },
  { name: "isa-csr", prog: "isa-csr" },
  {
    name: "isa-bitmanip",
    prog: "isa-bitmanip",
    qemuArgs: QEMU_ZBA_ZBB,
    qemuWrong: {
      line: "ctzw, low word 0, upper bits set:",
      expect: "ctzw, low word 0, upper bits set: 20 20 20",
      why: "Zbb 1.0.0, ctzw: if the least-significant word is 0, the output is 32; qemu 7.2 counts all 64 bits",
    },
  },
  { name: "rvc-align", prog: "rvc-align" },
  { name: "selfmod", prog: "selfmod" },
  { name: "selfmod-pie", prog: "selfmod-pie" },
  { name: "threads 4x2000", prog: "threads", args: ["4", "2000"] },
  { name: "threads 1x100", prog: "threads", args: ["1", "100"] },
  { name: "sys-files", prog: "sys-files" },
  { name: "sys-mem", prog: "sys-mem" },
  // 2.25 GiB touched: the last frames sit above host offset 2^31 (guest RAM is a 4 GiB wasm memory)
  { name: "sys-bigmem", prog: "sys-bigmem" },
  {
    name: "sys-env",
    prog: "sys-env",
    args: ["two words", "", "ünïcödé", "--flag=1"],
    env: { HS_GREETING: "hello", HS_EMPTY: "", HS_SPACES: "a b  c" },
  },
  { name: "signals", prog: "signals" },
  { name: "exit42", prog: "exit42" },
  { name: "exit 3", prog: "exit42", args: ["3"] },
  { name: "exit 0", prog: "exit42", args: ["0"] },
  { name: "wc text", prog: "wc", stdin: "hello world\nfoo  bar\tbaz\n\nlast line without newline" },
  { name: "wc binary", prog: "wc", stdin: BINARY_STDIN },
  { name: "wc empty", prog: "wc", stdin: "" },
  { name: "wc 200 KiB", prog: "wc", stdin: "the quick brown fox jumps over the lazy dog\n".repeat(4800) },
  { name: "sigill", prog: "sigill", fault: true },
  { name: "sigsegv", prog: "sigsegv", fault: true },
  // workloads, small sizes
  { name: "sha256", prog: "sha256", args: ["64"] },
  { name: "sort", prog: "sort", args: ["4000"] },
  { name: "interp", prog: "interp", args: ["20000"] },
  { name: "nbody", prog: "nbody", args: ["2000", "16"] },
  { name: "hashtab", prog: "hashtab", args: ["4000"] },
  { name: "lz", prog: "lz", args: ["48"] },
];
