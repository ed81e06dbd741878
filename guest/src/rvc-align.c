/* Driver for rvc-align.S (see there). */
#include "rt.h"

long rvc_all(long *buf, long x);
long misaligned_ops(long x);
long odd_entry(long x);
long cross_page(long x);

int main(void) {
  long buf[8] = {0};
  double d[2] = {1.25, -0.5};
  memcpy(buf, d, sizeof d);
  buf[2] = 0x0123456789abcdefL;
  long r = rvc_all(buf, 0x5a5a);
  printf("rvc_all: %lx buf[2] %lx buf[3] %lx\n", r, buf[2], buf[3]);
  printf("misaligned_ops: %lx\n", misaligned_ops(17));
  long (*volatile fn)(long) = odd_entry;
  printf("odd_entry at 2 mod 4: %s, result %ld\n", ((unsigned long)fn & 3) == 2 ? "yes" : "no", fn(20));
  printf("cross_page: %ld\n", cross_page(0));
  return 0;
}
