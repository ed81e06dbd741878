/* A program for the gdb stub's tests (test/gdb/): what gdb changes shows in what it prints.
 * `limit` and `message` are globals gdb writes (set var, memory); add() is a call to break in
 * and finish; SIGUSR1 has a handler, so gdb's continue passes it and the handler runs; two
 * threads start in worker(). With the argument `spin` it loops for ever (gdb's Ctrl-C stops it).
 * Usage: debuggee [spin] */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int limit = 3;
char message[32] = "unchanged";
volatile long counter;

__attribute__((noinline)) long add(long a, long b) { return a + b; }

static void on_usr1(int sig) { printf("handler ran for signal %d\n", sig); }

static void *worker(void *arg) {
  long id = (long)arg;
  __atomic_fetch_add(&counter, add(id, 1), __ATOMIC_RELAXED);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "spin") == 0)
    for (;;) counter++;
  for (int i = 0; i < limit; i++) printf("line %d: %ld\n", i, add(i, 10));
  printf("message: %s\n", message);
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("counter: %ld\n", counter);
  return (int)add(40, 2);
}
