// Memory syscalls through a real program: brk, anonymous and file mmap, MAP_FIXED and
// MAP_FIXED_NOREPLACE, munmap, mprotect (checked by catching the faults), mremap, madvise.

import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir } from "../temp-dir.js";
import { buildC, hartscope, needCC } from "./guest.js";

const MEM_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }

/* 1 if writing one byte at p faults */
static int write_faults(volatile char *p) {
  if (sigsetjmp(env, 1)) return 1;
  *p = 1;
  return 0;
}
static int read_faults(volatile char *p) {
  if (sigsetjmp(env, 1)) return 1;
  (void)*p;
  return 0;
}

int main(void) {
  signal(SIGSEGV, on_segv);
  const long P = 4096;

  char *b0 = sbrk(0);
  char *b1 = sbrk(1 << 20);
  memset(b1, 7, 1 << 20);
  printf("brk grows: %d, old break returned %d, page aligned start %d\n", (char *)sbrk(0) == b0 + (1 << 20), b1 == b0,
         ((uintptr_t)b0 & 4095) == 0);
  sbrk(-(1 << 20));
  printf("brk shrinks: %d, freed page faults %d\n", sbrk(0) == b0, write_faults(b0 + 8192));

  char *a = mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("anon zeroed %d\n", a[0] == 0 && a[3 * P - 1] == 0);
  memset(a, 'a', 3 * P);
  munmap(a + P, P);
  printf("munmap middle: before %d hole %d after %d\n", write_faults(a), write_faults(a + P), write_faults(a + 2 * P));
  void *r = mmap(a, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("MAP_FIXED_NOREPLACE on a mapping: %s\n", r == MAP_FAILED ? strerrorname_np(errno) : "mapped");
  r = mmap(a, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED replaces: same address %d zeroed %d\n", r == a, a[0] == 0);

  mprotect(a, P, PROT_READ);
  printf("PROT_READ: read faults %d write faults %d\n", read_faults(a), write_faults(a));
  mprotect(a, P, PROT_NONE);
  printf("PROT_NONE: read faults %d\n", read_faults(a));
  mprotect(a, P, PROT_READ | PROT_WRITE);
  printf("back to RW: write faults %d\n", write_faults(a));
  printf("mprotect unmapped: %d %s\n", mprotect(a + P, P, PROT_READ), strerrorname_np(errno));

  char *g = mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 2 * P; i++) g[i] = (char)i;
  char *h = mremap(g, 2 * P, 64 * P, MREMAP_MAYMOVE);
  int same = 1;
  for (int i = 0; i < 2 * P; i++) same &= h[i] == (char)i;
  printf("mremap grow keeps contents %d, new part zero %d\n", same, h[64 * P - 1] == 0);
  h = mremap(h, 64 * P, P, 0);
  printf("mremap shrink in place, tail faults %d\n", write_faults(h + 2 * P));
  memset(h, 9, P);
  madvise(h, P, MADV_DONTNEED);
  printf("MADV_DONTNEED zeroes %d\n", h[100] == 0);

  int fd = open("mem-test.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644);
  for (int i = 0; i < 3 * P; i++) write(fd, i < P ? "A" : i < 2 * P ? "B" : "C", 1);
  char *f = mmap(0, P, PROT_READ, MAP_PRIVATE, fd, P);
  printf("file mapping at offset: %c%c, read-only %d\n", f[0], f[P - 1], write_faults(f));
  char *w = mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  w[0] = 'z';
  char c;
  pread(fd, &c, 1, 0);
  printf("private copy: mapping %c file %c\n", w[0], c);
  close(fd);
  unlink("mem-test.tmp");
  printf("bad mmap: %s\n", mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? strerrorname_np(errno) : "?");
  return 0;
}
`;

test("brk, mmap, munmap, mprotect, mremap, madvise behave as on Linux", { skip: needCC }, () => {
  const prog = buildC("memory", MEM_C);
  const dir = tempDir("hartscope-mem-");
  const r = hartscope(["run", prog], { cwd: dir });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.equal(
    r.stdout,
    [
      "brk grows: 1, old break returned 1, page aligned start 1",
      "brk shrinks: 1, freed page faults 1",
      "anon zeroed 1",
      "munmap middle: before 0 hole 1 after 0",
      "MAP_FIXED_NOREPLACE on a mapping: EEXIST",
      "MAP_FIXED replaces: same address 1 zeroed 1",
      "PROT_READ: read faults 0 write faults 1",
      "PROT_NONE: read faults 1",
      "back to RW: write faults 0",
      "mprotect unmapped: -1 ENOMEM",
      "mremap grow keeps contents 1, new part zero 1",
      "mremap shrink in place, tail faults 1",
      "MADV_DONTNEED zeroes 1",
      "file mapping at offset: BB, read-only 1",
      "private copy: mapping z file A",
      "bad mmap: EINVAL",
      "",
    ].join("\n"),
  );
  // Not compared with qemu-riscv64 7.2, which keeps freed brk pages mapped and maps over an
  // existing mapping with MAP_FIXED_NOREPLACE; the lines above are what Linux does (brk(2), mmap(2)).
});
