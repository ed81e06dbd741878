/* Workload: strings and a hash table, as in compilers and scripting runtimes. Generates words,
 * counts them in an open-addressing table keyed by strings (FNV-1a), looks up present and
 * absent keys, deletes half with tombstones, grows the table, and builds strings with
 * snprintf/strcpy/strcat. Usage: hashtab [N]   (default 400000 words) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *key; /* NULL: empty; TOMB: deleted */
  long count;
} Slot;

static char tomb_marker;
#define TOMB (&tomb_marker)

typedef struct {
  Slot *slots;
  size_t cap, used, live;
} Table;

static uint64_t fnv1a(const char *s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  while (*s) h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
  return h;
}

static Slot *find(Table *t, const char *key, int insert) {
  size_t mask = t->cap - 1, i = fnv1a(key) & mask;
  Slot *first_tomb = NULL;
  for (;;) {
    Slot *s = &t->slots[i];
    if (s->key == NULL) return insert ? (first_tomb ? first_tomb : s) : NULL;
    if (s->key == TOMB) {
      if (!first_tomb) first_tomb = s;
    } else if (strcmp(s->key, key) == 0) {
      return s;
    }
    i = (i + 1) & mask;
  }
}

static void grow(Table *t) {
  Slot *old = t->slots;
  size_t oldcap = t->cap;
  t->cap = oldcap ? oldcap * 2 : 64;
  t->slots = calloc(t->cap, sizeof(Slot));
  t->used = t->live;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].key && old[i].key != TOMB) *find(t, old[i].key, 1) = old[i];
  free(old);
}

static void add(Table *t, const char *key) {
  if ((t->used + 1) * 4 > t->cap * 3) grow(t);
  Slot *s = find(t, key, 1);
  if (s->key == NULL || s->key == TOMB) {
    if (s->key == NULL) t->used++;
    s->key = strdup(key);
    s->count = 0;
    t->live++;
  }
  s->count++;
}

static int del(Table *t, const char *key) {
  Slot *s = find(t, key, 0);
  if (!s) return 0;
  free(s->key);
  s->key = TOMB;
  t->live--;
  return 1;
}

static const char *syllables[] = {"ka", "lo", "mi", "nu", "re", "sa", "ti", "vo", "ze", "qu", "x", "bra"};

static void make_word(uint64_t *x, char *out) {
  *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
  int parts = 1 + (int)(*x % 4);
  out[0] = 0;
  for (int k = 0; k < parts; k++) strcat(out, syllables[(*x >> (8 * k + 3)) % 12]);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 400000;
  Table t = {0};
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  char w[64];
  for (long i = 0; i < n; i++) {
    make_word(&x, w);
    if (i % 5 == 0) {
      char num[32];
      snprintf(num, sizeof num, "%ld", i % 997);
      strcat(w, num);
    }
    add(&t, w);
  }
  long found = 0, missing = 0, total = 0;
  uint64_t y = 0x9e3779b97f4a7c15ULL;
  for (long i = 0; i < n; i++) {
    make_word(&y, w);
    if (i % 5 == 0) strcpy(w + strlen(w), "?");
    Slot *s = find(&t, w, 0);
    if (s) found++, total += s->count;
    else missing++;
  }
  long distinct = (long)t.live, deleted = 0;
  for (size_t i = 0; i < t.cap; i++)
    if (t.slots[i].key && t.slots[i].key != TOMB && (fnv1a(t.slots[i].key) & 1)) {
      char copy[64];
      strcpy(copy, t.slots[i].key);
      deleted += del(&t, copy);
    }
  uint64_t sum = 0;
  for (size_t i = 0; i < t.cap; i++)
    if (t.slots[i].key && t.slots[i].key != TOMB) sum += fnv1a(t.slots[i].key) * (uint64_t)t.slots[i].count;
  printf("words %ld distinct %ld; lookups found %ld (count sum %ld) missing %ld; deleted %ld left %zu; sum %016llx\n",
         n, distinct, found, total, missing, deleted, t.live, (unsigned long long)sum);
  for (size_t i = 0; i < t.cap; i++)
    if (t.slots[i].key && t.slots[i].key != TOMB) free(t.slots[i].key);
  free(t.slots);
  return 0;
}
