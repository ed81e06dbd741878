/* Stores to an unmapped address with no handler installed: the process dies of SIGSEGV.
 * For fault-report tests. */
#include "rt.h"

__attribute__((noinline)) static void poke(volatile long *p) { *p = 42; }

int main(void) {
  printf("about to store to an unmapped address\n");
  fflush_stdout();
  poke((volatile long *)0xdead0000UL);
  printf("still alive?\n");
  return 0;
}
