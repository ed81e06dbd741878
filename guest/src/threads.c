/* Atomics between threads (pthreads, clone, futex): counters updated by several threads with
 * an AMO (amoadd), a pthread mutex (futex), a hand-written LR/SC spinlock, and a
 * compare-and-swap loop; a barrier, a condition-variable ping-pong, thread-local storage and
 * join values. Only final, schedule-independent results are printed.
 * Usage: threads [THREADS [ITERATIONS]] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static int nthreads = 4, iters = 20000;

static long amo_counter;
static long mutex_counter;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static int spinlock;
static long spin_counter;
static _Atomic unsigned long cas_value;
static pthread_barrier_t barrier;
static __thread long tls_value = 7;
static long after_barrier[64];

static void spin_lock(int *l) {
  int tmp, one = 1;
  __asm__ volatile(
      "1: lr.w.aq %0, (%1)\n"
      "   bnez %0, 1b\n"
      "   sc.w %0, %2, (%1)\n"
      "   bnez %0, 1b\n"
      : "=&r"(tmp)
      : "r"(l), "r"(one)
      : "memory");
}
static void spin_unlock(int *l) { __asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(l) : "memory"); }

static void *worker(void *arg) {
  long id = (long)arg;
  tls_value += id;
  for (int i = 0; i < iters; i++) {
    __atomic_fetch_add(&amo_counter, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&mutex);
    mutex_counter += 2;
    pthread_mutex_unlock(&mutex);
    spin_lock(&spinlock);
    spin_counter += 3;
    spin_unlock(&spinlock);
    unsigned long old = atomic_load(&cas_value);
    while (!atomic_compare_exchange_weak(&cas_value, &old, old + 1)) {
    }
  }
  pthread_barrier_wait(&barrier);
  /* everyone has finished the loops: all threads see the complete counters */
  after_barrier[id] = __atomic_load_n(&amo_counter, __ATOMIC_SEQ_CST);
  return (void *)(tls_value * 100);
}

static pthread_mutex_t pp_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn, pp_rounds = 1000;
static long pp_trace;

static void *ping_pong(void *arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < pp_rounds; i++) {
    pthread_mutex_lock(&pp_mutex);
    while (pp_turn != me) pthread_cond_wait(&pp_cond, &pp_mutex);
    pp_trace = pp_trace * 3 + me + 1; /* strictly alternating, so deterministic */
    pp_turn = 1 - me;
    pthread_cond_broadcast(&pp_cond);
    pthread_mutex_unlock(&pp_mutex);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) nthreads = atoi(argv[1]);
  if (argc > 2) iters = atoi(argv[2]);
  if (nthreads < 1 || nthreads > 64) {
    fprintf(stderr, "threads: 1..64 threads\n");
    return 2;
  }
  pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
  pthread_t t[64];
  for (long i = 0; i < nthreads; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  long join_sum = 0;
  for (int i = 0; i < nthreads; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    join_sum += (long)ret;
  }
  long expect = (long)nthreads * iters;
  printf("threads %d x %d iterations\n", nthreads, iters);
  printf("amoadd counter: %ld (%s)\n", amo_counter, amo_counter == expect ? "ok" : "LOST UPDATES");
  printf("mutex counter: %ld (%s)\n", mutex_counter, mutex_counter == 2 * expect ? "ok" : "LOST UPDATES");
  printf("lr/sc spinlock counter: %ld (%s)\n", spin_counter, spin_counter == 3 * expect ? "ok" : "LOST UPDATES");
  printf("cas counter: %lu (%s)\n", (unsigned long)cas_value, (long)cas_value == expect ? "ok" : "LOST UPDATES");
  int all_seen = 1;
  for (int i = 0; i < nthreads; i++) all_seen &= after_barrier[i] == expect;
  printf("barrier: every thread saw the final count: %s\n", all_seen ? "yes" : "no");
  printf("join values (tls): %ld, main's tls %ld\n", join_sum, tls_value);

  pthread_t a, b;
  pthread_create(&a, NULL, ping_pong, (void *)0L);
  pthread_create(&b, NULL, ping_pong, (void *)1L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("condvar ping-pong: %d rounds each, trace %lx\n", pp_rounds, pp_trace);
  return 0;
}
