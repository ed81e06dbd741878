/* Exit status: atexit handlers run in reverse order, stdio buffers are flushed, and the
 * status reaches the parent. Usage: exit42 [STATUS]   (default 42; "abort" calls abort()) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void first(void) { printf("atexit: registered first, runs last\n"); }
static void second(void) { printf("atexit: registered second, runs first\n"); }

int main(int argc, char **argv) {
  atexit(first);
  atexit(second);
  printf("buffered, not yet flushed"); /* no newline: exit() must flush it */
  fprintf(stderr, "to stderr before exit\n");
  int status = argc > 1 ? atoi(argv[1]) : 42;
  putchar('\n');
  exit(status);
}
