// The initial process state as a real glibc program sees it: argc/argv/envp/auxv contents and
// order, stack alignment, AT_RANDOM from --seed, AT_PHDR/AT_ENTRY/AT_EXECFN — and the same
// answers from qemu-riscv64 wherever both are defined alike.

import assert from "node:assert/strict";
import { test } from "node:test";
import { buildC, hartscope, needCC, needCCAndQemu, qemu } from "./guest.js";

const STACK_C = String.raw`
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
extern char _start[];
int main(int argc, char **argv, char **envp) {
  long *sp = (long *)argv - 1;
  printf("sp%%16=%ld argc_at_sp=%d envp_after_argv=%d\n", (long)((uintptr_t)sp % 16), sp[0] == argc,
         envp == argv + argc + 1);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  int n = 0;
  for (char **e = envp; *e; e++, n++) printf("env=%s\n", *e);
  printf("pagesz=%lu hwcap=%#lx clktck=%lu secure=%lu flags=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_HWCAP),
         getauxval(AT_CLKTCK), getauxval(AT_SECURE), getauxval(AT_FLAGS));
  printf("entry_is_start=%d\n", getauxval(AT_ENTRY) == (unsigned long)_start);
  printf("ids_ok=%d\n", getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() &&
                            getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid());
  const char *execfn = (const char *)getauxval(AT_EXECFN);
  printf("execfn=%s\n", execfn);
  int packed = 1;
  char *prev = argv[0];
  for (int i = 1; i < argc; i++) packed &= argv[i] == prev + strlen(prev) + 1, prev = argv[i];
  for (char **e = envp; *e; e++) packed &= *e == prev + strlen(prev) + 1, prev = *e;
  printf("strings_packed=%d execfn_follows=%d\n", packed, execfn == prev + strlen(prev) + 1);
  Elf64_Phdr *ph = (Elf64_Phdr *)getauxval(AT_PHDR);
  int self = 0;
  for (unsigned long i = 0; i < getauxval(AT_PHNUM); i++) self |= ph[i].p_type == PT_LOAD && ph[i].p_offset == 0;
  printf("phent=%lu phdr_readable=%d\n", getauxval(AT_PHENT), self);
  fflush(stdout);
  // Hartscope-specific lines from here on.
  unsigned long *aux = (unsigned long *)(envp + n + 1);
  printf("auxv:");
  for (; aux[0] != AT_NULL; aux += 2) printf(" %lu", aux[0]);
  printf(" 0\n");
  printf("base=%lu\n", getauxval(AT_BASE));
  const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
  printf("random_aligned=%d random=", (int)((uintptr_t)r % 16 == 0));
  for (int i = 0; i < 16; i++) printf("%02x", r[i]);
  printf("\n");
  return 0;
}
`;

const env = { A: "1", HOME: "/home/guest" };

test("argc, argv, envp and auxv as a glibc program sees them", { skip: needCC }, () => {
  const prog = buildC("stack", STACK_C);
  const r = hartscope(["run", prog, "one", "two words"], { env });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const lines = r.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 6), [
    "sp%16=0 argc_at_sp=1 envp_after_argv=1",
    `argv[0]=${prog}`,
    "argv[1]=one",
    "argv[2]=two words",
    "env=A=1",
    "env=HOME=/home/guest",
  ]);
  assert.ok(lines.includes("pagesz=4096 hwcap=0x112d clktck=100 secure=0 flags=0"));
  assert.ok(lines.includes("entry_is_start=1"));
  assert.ok(lines.includes("ids_ok=1"));
  assert.ok(lines.includes(`execfn=${prog}`));
  assert.ok(lines.includes("strings_packed=1 execfn_follows=1"));
  assert.ok(lines.includes("phent=56 phdr_readable=1"));
  // Linux's order (create_elf_tables), without the vDSO and cache-geometry entries.
  assert.ok(lines.includes("auxv: 16 6 17 3 4 5 7 8 9 11 12 13 14 23 25 31 0"));
  assert.ok(lines.includes("base=0"));
  assert.ok(lines.some((l) => /^random_aligned=1 random=[0-9a-f]{32}$/.test(l)));
});

test("AT_RANDOM comes from --seed: same seed, same bytes", { skip: needCC }, () => {
  const prog = buildC("stack", STACK_C);
  const random = (seed: string) =>
    /random=([0-9a-f]+)/.exec(hartscope(["run", "--seed", seed, prog], { env }).stdout)![1];
  assert.equal(random("5"), random("5"));
  assert.notEqual(random("5"), random("6"));
});

test("the portable part of the initial state matches qemu-riscv64", {
  skip: needCCAndQemu,
}, () => {
  const prog = buildC("stack", STACK_C);
  const head = (s: string) => s.slice(0, s.indexOf("auxv:"));
  // One variable: qemu-riscv64 hands the environment over in reverse order, Linux does not.
  const one = { ONLY: "1" };
  const h = hartscope(["run", prog, "x", ""], { env: one });
  const q = qemu([prog, "x", ""], { env: one });
  assert.equal(head(h.stdout), head(q.stdout));
  assert.equal(h.status, q.status);
});
