/* Known call chains for ustack(): each of our functions records its own return address
 * (__builtin_return_address(0)) on a per-thread trail when it starts and drops it when it ends,
 * and leaf() prints the trail, innermost first: the return addresses an exact stack shows below
 * leaf. The chains: plain recursion of depth N, recursion through a function pointer, a tail call
 * (tailer jumps to tail_target, which replaces it), a longjmp out of a deep recursion, and a
 * signal handler; on the main thread and on several threads with different depths.
 * Usage: calls [THREADS [DEPTH]] */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRAIL 256
struct trail {
  void *ra[MAX_TRAIL];
  int n;
  int thread;
};
static __thread struct trail *cur;

#define ENTER() (cur->ra[cur->n++] = __builtin_return_address(0))
#define LEAVE() (cur->n--)

/* One line per call: "T<thread> S<seq>: <ra> <ra> ..." (innermost first). */
__attribute__((noinline)) void leaf(int thread, int seq) {
  ENTER();
  char line[MAX_TRAIL * 20 + 32];
  int len = snprintf(line, sizeof line, "T%d S%d:", thread, seq);
  for (int i = cur->n - 1; i >= 0; i--) len += snprintf(line + len, sizeof line - len, " %lx", (unsigned long)cur->ra[i]);
  puts(line);
  LEAVE();
}

static int seq_of(void) {
  static __thread int seq;
  return seq++;
}

__attribute__((noinline)) void rec(int n) {
  ENTER();
  if (n == 0)
    leaf(cur->thread, seq_of());
  else
    rec(n - 1);
  LEAVE();
  __asm__ volatile("" ::: "memory"); /* no tail call here: rec's frame stays */
}

static void (*volatile indirect)(int);

__attribute__((noinline)) void rec_indirect(int n) {
  ENTER();
  if (n == 0)
    leaf(cur->thread, seq_of());
  else
    indirect(n - 1);
  LEAVE();
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void tail_target(int n) {
  ENTER();
  rec(n);
  LEAVE();
  __asm__ volatile("" ::: "memory");
}

/* Records nothing (a tail call replaces its frame): it jumps to tail_target. */
__attribute__((noinline)) void tailer(int n) { tail_target(n + 1); }

static __thread jmp_buf escape;

__attribute__((noinline)) void deep(int n) {
  ENTER();
  if (n < 0) return; /* never: the recursion ends in longjmp */
  if (n == 0) longjmp(escape, 1);
  deep(n - 1);
  LEAVE();
  __asm__ volatile("" ::: "memory");
}

static volatile sig_atomic_t handled;

static void on_signal(int sig) {
  ENTER();
  leaf(cur->thread, seq_of());
  handled = sig;
  LEAVE();
}

__attribute__((noinline)) void chains(int depth) {
  ENTER();
  rec(depth);
  indirect = rec_indirect;
  rec_indirect(depth);
  tailer(depth);
  int saved = cur->n;
  if (setjmp(escape) == 0) deep(depth + 7);
  cur->n = saved; /* the frames longjmp left */
  rec(depth);
  LEAVE();
}

static void *worker(void *arg) {
  struct trail t;
  memset(&t, 0, sizeof t);
  t.thread = (int)(long)arg;
  cur = &t;
  ENTER();
  chains(3 + 4 * t.thread);
  LEAVE();
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 3;
  int depth = argc > 2 ? atoi(argv[2]) : 10;
  struct trail t;
  memset(&t, 0, sizeof t);
  cur = &t;
  ENTER();
  chains(depth);
  signal(SIGUSR1, on_signal);
  raise(SIGUSR1);
  rec(2);
  for (long i = 1; i <= threads; i++) {
    /* one at a time: the output's order is fixed */
    pthread_t th;
    pthread_create(&th, NULL, worker, (void *)i);
    pthread_join(th, NULL);
  }
  LEAVE();
  return handled == SIGUSR1 ? 0 : 1;
}
