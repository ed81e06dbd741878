/* Executes an illegal instruction (all-zero halfword, defined illegal by the C extension)
 * with no handler installed: the process dies of SIGILL. For fault-report tests. */
#include "rt.h"

__attribute__((noinline)) static void do_illegal(void) { __asm__ volatile(".2byte 0x0000"); }

int main(void) {
  printf("about to execute an illegal instruction\n");
  fflush_stdout();
  do_illegal();
  printf("still alive?\n");
  return 0;
}
