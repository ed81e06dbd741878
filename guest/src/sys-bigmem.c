/* More guest memory than 2 GiB: map MiB megabytes (default 2304) of anonymous memory, write every
 * page at both ends with values derived from its index, then read everything back. hartscope gives
 * frames in touch order, so the last pages live above host offset 2^31: an engine that treated host
 * offsets as int32 would fault or alias there. Prints what it found; the same under qemu-riscv64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096UL

static uint64_t mix(uint64_t i) {
  i ^= i >> 31;
  i *= 0x9e3779b97f4a7c15UL;
  return i ^ (i >> 29);
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 2304;
  size_t bytes = mib << 20, pages = bytes / PAGE;
  unsigned char *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  for (size_t i = 0; i < pages; i++) {
    uint64_t *first = (uint64_t *)(p + i * PAGE), *last = (uint64_t *)(p + (i + 1) * PAGE - 8);
    *first = mix(i);
    *last = ~mix(i);
  }
  size_t bad = 0;
  uint64_t sum = 0;
  for (size_t i = 0; i < pages; i++) {
    uint64_t a = *(uint64_t *)(p + i * PAGE), b = *(uint64_t *)(p + (i + 1) * PAGE - 8);
    uint64_t mid = *(uint64_t *)(p + i * PAGE + PAGE / 2); /* never written: zero */
    if (a != mix(i) || b != ~mix(i) || mid != 0) bad++;
    sum += a ^ (b >> 7);
  }
  printf("%zu MiB: %zu pages, %zu wrong, sum %016llx\n", mib, pages, bad, (unsigned long long)sum);
  return bad != 0;
}
