/* Threads that signal themselves, for the tracer's proc provider: each of THREADS threads raises
 * SIGUSR1 (handled) N times and SIGUSR2 (ignored) once; main prints what it counted, so a trace
 * can be checked against it. Main then takes one SIGUSR1 with sigwait (blocked: never handled).
 * With a third argument "crash", main then stores to an unmapped
 * address and dies of SIGSEGV.
 * Usage: proc-events [THREADS [N [crash]]] */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nthreads = 3, per_thread = 5;
static volatile long handled;
static int *volatile bad_address = (int *)16;

static void on_usr1(int sig) {
  (void)sig;
  __atomic_fetch_add(&handled, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < per_thread; i++) raise(SIGUSR1);
  raise(SIGUSR2);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) nthreads = atoi(argv[1]);
  if (argc > 2) per_thread = atoi(argv[2]);
  if (nthreads < 0 || nthreads > 64) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGUSR2, SIG_IGN);
  pthread_t t[64];
  for (int i = 0; i < nthreads; i++) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < nthreads; i++) pthread_join(t[i], NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  int got = 0, waited = sigwait(&set, &got) == 0 && got == SIGUSR1;
  printf("threads %d handled %ld sent %d ignored %d waited %d handler %lx\n", nthreads, handled,
         nthreads * (per_thread + 1) + 1, nthreads, waited, (unsigned long)on_usr1);
  fflush(stdout);
  if (argc > 3 && strcmp(argv[3], "crash") == 0) *bad_address = 1;
  return 0;
}
