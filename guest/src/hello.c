/* The smallest realistic program: glibc start-up, stdio, argv. Built static (hello) and
 * dynamically linked (hello-dynamic, run with a sysroot such as /usr/riscv64-linux-gnu). */
#include <stdio.h>

int main(int argc, char **argv) {
  printf("Hello from RISC-V!\n");
  for (int i = 1; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
  return 0;
}
