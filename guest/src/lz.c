/* Workload: LZ77 compression round trip with a hash-chain match finder, byte-oriented output
 * (literal runs and back references), on generated text-like data. Decompresses and compares.
 * Usage: lz [KIB]   (default 8192). Prints sizes and checksums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 65535
#define MIN_MATCH 4
#define MAX_MATCH (127 + MIN_MATCH) /* what a tag byte can say */
#define HASH_BITS 15
#define MAX_CHAIN 32

static uint32_t hash4(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Format: tag byte t. t < 128: t+1 literal bytes follow. t >= 128: match of length
 * (t - 128) + MIN_MATCH, followed by a 2-byte little-endian distance. */
static size_t compress(const uint8_t *in, size_t n, uint8_t *out) {
  int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
  int32_t *prev = malloc(sizeof(int32_t) * n);
  for (size_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
  size_t o = 0, i = 0, lit_start = 0;
  while (i < n) {
    size_t best_len = 0, best_dist = 0;
    if (i + MIN_MATCH <= n) {
      uint32_t h = hash4(in + i);
      int chain = MAX_CHAIN;
      for (int32_t c = head[h]; c >= 0 && i - (size_t)c <= WINDOW && chain--; c = prev[c]) {
        size_t len = 0, max = n - i < MAX_MATCH ? n - i : MAX_MATCH;
        while (len < max && in[c + len] == in[i + len]) len++;
        if (len > best_len) best_len = len, best_dist = i - (size_t)c;
      }
      prev[i] = head[h];
      head[h] = (int32_t)i;
    }
    if (best_len >= MIN_MATCH) {
      while (lit_start < i) { /* flush literals */
        size_t run = i - lit_start > 128 ? 128 : i - lit_start;
        out[o++] = (uint8_t)(run - 1);
        memcpy(out + o, in + lit_start, run);
        o += run, lit_start += run;
      }
      out[o++] = (uint8_t)(128 + best_len - MIN_MATCH);
      out[o++] = (uint8_t)best_dist;
      out[o++] = (uint8_t)(best_dist >> 8);
      for (size_t k = 1; k < best_len; k++) { /* index the skipped positions */
        size_t p = i + k;
        if (p + MIN_MATCH <= n) {
          uint32_t h = hash4(in + p);
          prev[p] = head[h];
          head[h] = (int32_t)p;
        }
      }
      i += best_len;
      lit_start = i;
    } else {
      i++;
    }
  }
  while (lit_start < n) {
    size_t run = n - lit_start > 128 ? 128 : n - lit_start;
    out[o++] = (uint8_t)(run - 1);
    memcpy(out + o, in + lit_start, run);
    o += run, lit_start += run;
  }
  free(head);
  free(prev);
  return o;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out) {
  size_t i = 0, o = 0;
  while (i < n) {
    uint8_t t = in[i++];
    if (t < 128) {
      memcpy(out + o, in + i, (size_t)t + 1);
      i += (size_t)t + 1, o += (size_t)t + 1;
    } else {
      size_t len = (size_t)t - 128 + MIN_MATCH, dist = in[i] | (size_t)in[i + 1] << 8;
      i += 2;
      for (size_t k = 0; k < len; k++, o++) out[o] = out[o - dist]; /* may overlap */
    }
  }
  return o;
}

static uint64_t checksum(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

int main(int argc, char **argv) {
  size_t n = (argc > 1 ? (size_t)atol(argv[1]) : 8192) * 1024;
  uint8_t *data = malloc(n), *packed = malloc(n + n / 128 + 16), *back = malloc(n);
  static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ",
                                "RISC-V ", "hart ", "trace ", "probe ", "kernel ", "page ", "\n", "0x"};
  uint64_t x = 0x2545f4914f6cdd1dULL;
  for (size_t i = 0; i < n;) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (x % 7 == 0) { /* some noise */
      data[i++] = (uint8_t)(x >> 24);
      continue;
    }
    const char *w = words[(x >> 11) % 16];
    for (size_t k = 0; w[k] && i < n; k++) data[i++] = (uint8_t)w[k];
  }
  size_t packed_len = compress(data, n, packed);
  size_t back_len = decompress(packed, packed_len, back);
  printf("lz: %zu bytes -> %zu (%.1f%%), round trip %s, checksums %016llx %016llx\n", n, packed_len,
         100.0 * (double)packed_len / (double)n, back_len == n && memcmp(data, back, n) == 0 ? "ok" : "FAILED",
         (unsigned long long)checksum(data, n), (unsigned long long)checksum(packed, packed_len));
  free(data), free(packed), free(back);
  return 0;
}
