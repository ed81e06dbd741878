/* Memory system calls, raw (no libc): brk grow/shrink, anonymous mmap (zero fill), munmap of a
 * middle page and MAP_FIXED into the hole, MAP_FIXED_NOREPLACE, mprotect, mremap (grow in place
 * or moving, shrink), file-backed MAP_PRIVATE (copy on write) and MAP_SHARED (written back),
 * the zero tail of a file's last page, a sparse 64 MiB mapping, and the error numbers of bad requests.
 * Addresses are never printed, only offsets and contents. */
#include "rt.h"

#define PAGE 4096L
#define AT_FDCWD -100
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define AT_REMOVEDIR 0x200
#define SYS_mkdirat 34
#define SYS_unlinkat 35
#define SYS_pread64 67
#define SYS_msync 227
#define SYS_ftruncate 46
#define MS_SYNC 4
#define ERR(rc) ((unsigned long)(rc) > -4096UL)

static const char *errname(long rc) {
  switch (rc) {
    case -12: return "ENOMEM";
    case -17: return "EEXIST";
    case -22: return "EINVAL";
    case -9: return "EBADF";
    case -13: return "EACCES";
    default: return rc < 0 ? "other error" : "ok";
  }
}

static unsigned long sum_bytes(const unsigned char *p, long n) {
  unsigned long s = 0;
  for (long i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

static void brk_tests(void) {
  long start = rt_brk(0);
  long grown = rt_brk((void *)(start + 100000));
  printf("brk grow by 100000: %s\n", grown == start + 100000 ? "ok" : "failed");
  unsigned char *p = (unsigned char *)start;
  int zero = 1;
  for (long i = 0; i < 100000; i++) zero &= p[i] == 0;
  for (long i = 0; i < 100000; i++) p[i] = (unsigned char)(i * 7);
  printf("new brk memory zeroed: %s, checksum after fill %lx\n", zero ? "yes" : "no", sum_bytes(p, 100000));
  long shrunk = rt_brk((void *)(start + 50000));
  printf("brk shrink: %s\n", shrunk == start + 50000 ? "ok" : "failed");
  long regrown = rt_brk((void *)(start + 100000));
  /* the pages released by shrinking come back zeroed */
  int rezero = 1;
  for (long i = (50000 + PAGE - 1) / PAGE * PAGE; i < 100000; i++) rezero &= p[i] == 0;
  printf("regrow: %s, released pages zero again: %s\n", regrown == start + 100000 ? "ok" : "failed",
         rezero ? "yes" : "no");
  long bad = rt_brk((void *)16);
  printf("brk below the start keeps the break: %s\n", bad == start + 100000 ? "yes" : "no");
  rt_brk((void *)start);
}

static void mmap_tests(void) {
  unsigned char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap 3 pages: %s, page aligned: %s\n", m == MAP_FAILED ? "failed" : "ok",
         ((unsigned long)m & (PAGE - 1)) == 0 ? "yes" : "no");
  int zero = 1;
  for (long i = 0; i < 3 * PAGE; i++) zero &= m[i] == 0;
  for (long i = 0; i < 3 * PAGE; i++) m[i] = (unsigned char)(i ^ (i >> 8));
  printf("zero filled: %s, checksum %lx\n", zero ? "yes" : "no", sum_bytes(m, 3 * PAGE));
  printf("munmap middle page: %d\n", munmap(m + PAGE, PAGE));
  long rc = (long)mmap(m + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("MAP_FIXED_NOREPLACE into the hole: %s\n", rc == (long)(m + PAGE) ? "placed" : errname(rc));
  m[PAGE + 5] = 0xab;
  printf("neighbours kept: %lx %lx, hole is fresh: %x\n", sum_bytes(m, PAGE), sum_bytes(m + 2 * PAGE, PAGE),
         m[PAGE + 4]);
  unsigned char *f = mmap(m, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED replaces: %s, contents now %x\n", f == m ? "yes" : "no", m[1]);
  printf("mprotect read-only: %d, still readable: %x\n", mprotect(m + 2 * PAGE, PAGE, PROT_READ), m[2 * PAGE + 1]);
  printf("mprotect unaligned: %s\n", errname(mprotect(m + 1, PAGE, PROT_READ)));
  printf("munmap unaligned: %s\n", errname(munmap(m + 1, PAGE)));
  printf("mmap length 0: %s\n", errname((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
  printf("mmap bad fd: %s\n", errname((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0)));
  munmap(m, 3 * PAGE);
  printf("munmap twice is fine: %d\n", munmap(m, 3 * PAGE));
}

static void mremap_tests(void) {
  /* two pages; the second becomes a PROT_NONE guard (a separate mapping) that stops m from
   * growing in place, whatever the kernel's address layout */
  unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *guard = m + PAGE;
  mprotect(guard, PAGE, PROT_NONE);
  for (long i = 0; i < PAGE; i++) m[i] = (unsigned char)(i * 13);
  unsigned long before = sum_bytes(m, PAGE);
  long rc = (long)mremap(m, PAGE, 4 * PAGE, 0, NULL);
  printf("mremap grow without MAYMOVE against a guard page: %s\n", errname(rc));
  unsigned char *g = mremap(m, PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL);
  int zero = 1;
  for (long i = PAGE; i < 4 * PAGE; i++) zero &= g[i] == 0;
  printf("mremap grow with MAYMOVE: %s, contents kept: %s, new part zero: %s\n", ERR(g) ? errname((long)g) : "ok",
         sum_bytes(g, PAGE) == before ? "yes" : "no", zero ? "yes" : "no");
  g[4 * PAGE - 1] = 1;
  unsigned char *s = mremap(g, 4 * PAGE, 2 * PAGE, 0, NULL);
  printf("mremap shrink stays: %s\n", s == g ? "yes" : "no");
  munmap(guard, PAGE);
  munmap(s, 2 * PAGE);
}

static void file_tests(void) {
  syscall3(SYS_mkdirat, AT_FDCWD, "hs-mem-tmp", 0700);
  int fd = (int)syscall4(SYS_openat, AT_FDCWD, "hs-mem-tmp/file", O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    printf("cannot create a file: %ld\n", (long)fd);
    return;
  }
  static char content[2 * PAGE];
  for (long i = 0; i < 2 * PAGE; i++) content[i] = (char)('a' + i % 26);
  write(fd, content, sizeof content);
  char *priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("MAP_PRIVATE file: %.10s...%.5s\n", priv, priv + 2 * PAGE - 5);
  priv[0] = 'Z';
  char first;
  syscall4(SYS_pread64, fd, &first, 1, 0);
  printf("private write leaves the file alone: %c, mapping sees %c\n", first, priv[0]);
  char *off = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
  printf("mapping at file offset 4096: %.6s\n", off);
  char *shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  memcpy(shared + 100, "SHARED", 6);
  syscall3(SYS_msync, shared, 2 * PAGE, MS_SYNC);
  char back[7] = {0};
  syscall4(SYS_pread64, fd, back, 6, 100);
  printf("MAP_SHARED write reaches the file after msync: %s\n", back);
  munmap(shared, 2 * PAGE);
  munmap(off, PAGE);
  munmap(priv, 2 * PAGE);
  /* past the end of the file, the rest of the last page reads zero */
  syscall2(SYS_ftruncate, fd, 2 * PAGE - 100);
  char *tail = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
  int zero = 1;
  for (long i = 2 * PAGE - 100; i < 2 * PAGE; i++) zero &= tail[i] == 0;
  printf("file shortened by 100: last byte %c, the rest of the page zero: %s\n", tail[2 * PAGE - 101],
         zero ? "yes" : "no");
  munmap(tail, 2 * PAGE);
  syscall1(SYS_close, fd);
  syscall3(SYS_unlinkat, AT_FDCWD, "hs-mem-tmp/file", 0);
  syscall3(SYS_unlinkat, AT_FDCWD, "hs-mem-tmp", AT_REMOVEDIR);
}

static void big_sparse(void) {
  long size = 64L << 20;
  unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned long s = 0;
  for (long i = 0; i < size; i += 64 * PAGE) m[i] = (unsigned char)(i >> 18);
  for (long i = 0; i < size; i += 16 * PAGE) s = s * 7 + m[i];
  printf("64 MiB sparse: %lx\n", s);
  munmap(m, size);
}

int main(void) {
  brk_tests();
  mmap_tests();
  mremap_tests();
  file_tests();
  big_sparse();
  return 0;
}
