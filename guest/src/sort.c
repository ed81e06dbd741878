/* Workload: sorting. N pseudo-random 64-bit keys sorted by the C library's qsort (callbacks)
 * and by an own top-down merge sort; N short strings sorted by qsort with strcmp. Checks both
 * agree and are ordered; prints checksums. Usage: sort [N]   (default 600000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void merge_sort(uint64_t *v, uint64_t *tmp, size_t n) {
  if (n < 16) { /* insertion sort for short runs */
    for (size_t i = 1; i < n; i++) {
      uint64_t k = v[i];
      size_t j = i;
      while (j > 0 && v[j - 1] > k) v[j] = v[j - 1], j--;
      v[j] = k;
    }
    return;
  }
  size_t h = n / 2;
  merge_sort(v, tmp, h);
  merge_sort(v + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = v[j] < v[i] ? v[j++] : v[i++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  memcpy(v, tmp, n * sizeof *v);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atol(argv[1]) : 600000;
  uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *tmp = malloc(n * sizeof *tmp);
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    a[i] = b[i] = x % (n * 4 + 1); /* duplicates included */
  }
  qsort(a, n, sizeof *a, cmp_u64);
  merge_sort(b, tmp, n);
  int ordered = 1;
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (i && a[i - 1] > a[i]) ordered = 0;
    sum = sum * 1000003 + a[i];
  }
  printf("sorted %zu keys: ordered %s, merge sort agrees %s, checksum %016llx\n", n, ordered ? "yes" : "no",
         memcmp(a, b, n * sizeof *a) == 0 ? "yes" : "no", (unsigned long long)sum);

  size_t ns = n / 4;
  char **s = malloc(ns * sizeof *s);
  char *pool = malloc(ns * 16);
  for (size_t i = 0; i < ns; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    s[i] = pool + i * 16;
    int len = 3 + (int)(x % 12);
    for (int k = 0; k < len; k++) s[i][k] = (char)('a' + (x >> (5 * k % 60)) % 26);
    s[i][len] = 0;
  }
  qsort(s, ns, sizeof *s, cmp_str);
  uint64_t ssum = 0;
  for (size_t i = 0; i < ns; i++)
    for (const char *p = s[i]; *p; p++) ssum = ssum * 131 + (unsigned char)*p;
  printf("sorted %zu strings: first %s last %s checksum %016llx\n", ns, ns ? s[0] : "-", ns ? s[ns - 1] : "-",
         (unsigned long long)ssum);
  free(a), free(b), free(tmp), free(s), free(pool);
  return 0;
}
