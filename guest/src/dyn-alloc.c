/* A dynamically linked program for the tracer's probes in shared objects: make_items calls
 * libc's malloc and strlen a known number of times (ITEMS each) and prints the counts, so traces
 * of libc.so.6's functions can be checked against it.
 * Usage: dyn-alloc [ITEMS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *words[] = {"a", "bb", "riscv", "hartscope", "", "dynamic linking"};

__attribute__((noipa)) size_t make_items(int n, char **items, int *mallocs, int *strlens) {
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    const char *w = *(const char *volatile *)&words[i % 6]; /* a call each time, never folded */
    size_t len = strlen(w);
    ++*strlens;
    items[i] = malloc(len + 1 + (size_t)i);
    ++*mallocs;
    memcpy(items[i], w, len + 1);
    total += len;
  }
  return total;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  if (n < 0 || n > 100000) return 2;
  char **items = calloc((size_t)n + 1, sizeof *items);
  int mallocs = 0, strlens = 0;
  size_t total = make_items(n, items, &mallocs, &strlens);
  for (int i = 0; i < n; i++) free(items[i]);
  free(items);
  printf("make_items: %d mallocs, %d strlens, %zu bytes\n", mallocs, strlens, total);
  return 0;
}
