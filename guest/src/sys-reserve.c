/* Address space by the gigabyte, memory by the page: reserves 64 GiB PROT_NONE, makes three
 * scattered pages read-write, touches them, takes one away and back, unmaps the lot and checks the
 * range is free again; then 10,000 one-page mappings of alternating protection (so no two merge),
 * each touched, then unmapped one by one. What a Go runtime or a JVM does at start.
 * With the argument "cap" (run under a 64 MiB memory cap): what a process sees past the cap.
 * Addresses are never printed, only results and contents. */
#include "rt.h"

#define PAGE 4096L
#define GiB (1L << 30)
#define MAP_NORESERVE 0x4000
#define ERR(rc) ((unsigned long)(rc) > -4096UL)
#define SMALL 10000

static const char *errname(long rc) {
  switch (rc) {
    case -12: return "ENOMEM";
    case -17: return "EEXIST";
    case -22: return "EINVAL";
    default: return rc < 0 ? "other error" : "ok";
  }
}

static unsigned long sum_bytes(const unsigned char *p, long n) {
  unsigned long s = 0;
  for (long i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

static void fill(unsigned char *p, int seed) {
  for (long i = 0; i < PAGE; i++) p[i] = (unsigned char)(i * seed + seed);
}

static void reserve(void) {
  const long size = 64 * GiB;
  unsigned char *r = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("reserve 64 GiB PROT_NONE: %s\n", ERR(r) ? errname((long)r) : "ok");
  if (ERR(r)) return;
  const long at[3] = {5 * PAGE, 17 * GiB + 3 * PAGE, size - PAGE};
  for (int i = 0; i < 3; i++) printf("mprotect page %d read-write: %d\n", i, mprotect(r + at[i], PAGE, PROT_READ | PROT_WRITE));
  int zero = 1;
  for (int i = 0; i < 3; i++) zero &= r[at[i]] == 0 && r[at[i] + PAGE - 1] == 0;
  printf("fresh pages read zero: %s\n", zero ? "yes" : "no");
  for (int i = 0; i < 3; i++) fill(r + at[i], i + 3);
  for (int i = 0; i < 3; i++) printf("page %d checksum %lx\n", i, sum_bytes(r + at[i], PAGE));
  printf("middle page to PROT_NONE: %d, back to read-write: %d\n", mprotect(r + at[1], PAGE, PROT_NONE),
         mprotect(r + at[1], PAGE, PROT_READ | PROT_WRITE));
  printf("middle page kept its contents: checksum %lx\n", sum_bytes(r + at[1], PAGE));
  printf("mprotect 1 GiB of the reservation read-only: %d\n", mprotect(r + 20 * GiB, GiB, PROT_READ));
  printf("munmap 64 GiB: %d\n", munmap(r, size));
  unsigned char *p = mmap(r + at[1], PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("a page in the freed range can be mapped there: %s, reads zero: %s\n", p == r + at[1] ? "yes" : errname((long)p),
         p == r + at[1] && p[0] == 0 && p[PAGE - 1] == 0 ? "yes" : "no");
  munmap(p, PAGE);
}

static void many_small(void) {
  static unsigned char *m[SMALL];
  int failed = 0;
  for (int i = 0; i < SMALL; i++) {
    int prot = i & 1 ? PROT_READ : PROT_READ | PROT_WRITE;
    m[i] = mmap(NULL, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ERR(m[i]) || ((unsigned long)m[i] & (PAGE - 1)) != 0) failed++;
  }
  printf("%d one-page mmaps: %d failed\n", SMALL, failed);
  if (failed) return;
  for (int i = 0; i < SMALL; i += 2) m[i][i % PAGE] = (unsigned char)(i / 2 + 1);
  int own = 1;
  unsigned long readonly_sum = 0;
  for (int i = 0; i < SMALL; i++) {
    if (i & 1) readonly_sum += m[i][0] + m[i][PAGE - 1];
    else own &= m[i][i % PAGE] == (unsigned char)(i / 2 + 1) && m[i][(i + 1) % PAGE] == 0;
  }
  printf("each writable page holds its own byte: %s, read-only pages read zero: %s\n", own ? "yes" : "no",
         readonly_sum == 0 ? "yes" : "no");
  int bad = 0;
  for (int i = 0; i < SMALL; i++) bad += munmap(m[i], PAGE) != 0;
  printf("%d munmaps: %d failed\n", SMALL, bad);
}

/* Under a memory cap of 64 MiB: accessible mappings past it are refused, reservations are not. */
static void past_the_cap(void) {
  long rc = (long)mmap(NULL, GiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap 1 GiB read-write: %s\n", errname(rc < 0 && rc > -4096 ? rc : 0));
  rc = (long)mmap(NULL, GiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("again, read-only: %s\n", errname(rc < 0 && rc > -4096 ? rc : 0));
  unsigned char *r = mmap(NULL, 16 * GiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("reserve 16 GiB PROT_NONE: %s\n", ERR(r) ? errname((long)r) : "ok");
  printf("mprotect 1 GiB of it read-write: %s\n", errname(mprotect(r, GiB, PROT_READ | PROT_WRITE)));
  printf("mprotect 1 MiB of it read-write: %s\n", errname(mprotect(r, 1 << 20, PROT_READ | PROT_WRITE)));
  r[0] = 1;
  r[(1 << 20) - 1] = 2;
  printf("those pages work: %d\n", r[0] + r[(1 << 20) - 1]);
  long brk0 = rt_brk(0);
  printf("brk up by 1 GiB: %s\n", rt_brk((void *)(brk0 + GiB)) == brk0 ? "refused" : "granted");
  unsigned char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("a small mapping still fits: %s\n", ERR(s) ? errname((long)s) : "ok");
  unsigned char *g = mremap(s, PAGE, GiB, MREMAP_MAYMOVE, NULL);
  printf("mremap it to 1 GiB: %s\n", errname(ERR(g) ? (long)g : 0));
  printf("munmap the reservation: %d\n", munmap(r, 16 * GiB));
}

/* No argument: both parts; "reserve" or "small": one of them; "cap": past_the_cap. */
int main(int argc, char **argv) {
  const char *part = argc > 1 ? argv[1] : "";
  if (strcmp(part, "cap") == 0) past_the_cap();
  if (strcmp(part, "") == 0 || strcmp(part, "reserve") == 0) reserve();
  if (strcmp(part, "") == 0 || strcmp(part, "small") == 0) many_small();
  return 0;
}
