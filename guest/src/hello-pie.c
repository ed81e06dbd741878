/* A static-pie: loaded at a base the kernel chooses, with no dynamic linker, so the runtime
 * applies its own R_RISCV_RELATIVE relocations (rt/rt.c). The pointer table below lives in
 * data and needs them; the function pointers too. */
#include "rt.h"

static const char *const words[] = {"relocated", "pointers", "work"};

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
static int (*const fns[])(int) = {twice, square};

int main(int argc, char **argv) {
  printf("Hello from a static-pie!\n");
  for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++) printf("%s%s", i ? " " : "", words[i]);
  printf("\n");
  printf("fns: %d %d\n", fns[0](21), fns[1](12));
  printf("argc = %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
  printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
  return 0;
}
