// Threads on the deterministic scheduler: pthreads (clone, futex, TLS, join via CLONE_CHILD_CLEARTID),
// condition variables with timeouts on virtual time, pipes between threads that block, identical
// interleavings for identical quanta, and deadlocks reported instead of hanging.

import assert from "node:assert/strict";
import { test } from "node:test";
import { buildC, hartscope, haveQemu, needCC, qemu } from "./guest.js";

const PTHREADS_C = String.raw`
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N 4
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long total;
static int queue[16], head, tail, done;
static __thread long tls_value;
static pid_t tids[N];

static void *worker(void *arg) {
  long id = (long)arg;
  tls_value = id * 10;
  tids[id] = gettid();
  for (int i = 0; i < 5000; i++) {
    pthread_mutex_lock(&m);
    total += 1;
    pthread_mutex_unlock(&m);
    if (i % 1000 == 0) sched_yield();
  }
  return (void *)(tls_value + id);
}

static void *consumer(void *arg) {
  long sum = 0;
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&m);
    while (head == tail && !done) pthread_cond_wait(&cv, &m);
    if (head == tail && done) {
      pthread_mutex_unlock(&m);
      break;
    }
    sum += queue[head++ % 16];
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
  }
  return (void *)sum;
}

static int pipefd[2];
static void *writer(void *arg) {
  static char buf[200000];
  (void)arg;
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i * 7);
  size_t off = 0;
  while (off < sizeof buf) off += write(pipefd[1], buf + off, sizeof buf - off);
  close(pipefd[1]);
  return 0;
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; i++) pthread_create(&t[i], 0, worker, (void *)i);
  long ret = 0;
  for (int i = 0; i < N; i++) {
    void *r;
    pthread_join(t[i], &r);
    ret += (long)r;
  }
  int distinct = 1;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < i; j++) distinct &= tids[i] != tids[j] && tids[i] != getpid();
  printf("total %ld tls %ld distinct tids %d\n", total, ret, distinct);

  pthread_t c;
  pthread_create(&c, 0, consumer, 0);
  for (int i = 1; i <= 1000; i++) {
    pthread_mutex_lock(&m);
    while (tail - head == 16) pthread_cond_wait(&cv, &m);
    queue[tail++ % 16] = i;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
  }
  pthread_mutex_lock(&m);
  done = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&m);
  void *s;
  pthread_join(c, &s);
  printf("consumed %ld\n", (long)s);

  struct timespec ts, now;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 2;
  pthread_mutex_lock(&m);
  int rc = pthread_cond_timedwait(&cv, &m, &ts);
  pthread_mutex_unlock(&m);
  clock_gettime(CLOCK_REALTIME, &now);
  printf("timedwait %s after the deadline %d\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc),
         now.tv_sec > ts.tv_sec || (now.tv_sec == ts.tv_sec && now.tv_nsec >= ts.tv_nsec));

  pipe(pipefd);
  pthread_t w;
  pthread_create(&w, 0, writer, 0);
  unsigned long sum = 0, n = 0;
  char buf[4096];
  ssize_t k;
  while ((k = read(pipefd[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < k; i++) sum = sum * 31 + (unsigned char)buf[i];
    n += k;
  }
  pthread_join(w, 0);
  printf("pipe %lu bytes, hash %lx\n", n, sum);
  return 0;
}
`;

test("pthreads: mutexes, condition variables, TLS, join, timed waits, pipes between threads", {
  skip: needCC,
}, () => {
  const prog = buildC("pthreads", PTHREADS_C, ["-static", "-O2", "-pthread"]);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "total 20000 tls 66 distinct tids 1");
  assert.equal(lines[1], "consumed 500500");
  assert.equal(lines[2], "timedwait ETIMEDOUT after the deadline 1");
  assert.match(lines[3]!, /^pipe 200000 bytes, hash [0-9a-f]+$/);
  if (haveQemu) assert.equal(r.stdout, qemu([prog]).stdout, "same as qemu-riscv64");
  // Small quanta interleave much more; the answers stay the same.
  assert.equal(hartscope(["run", "--quantum", "100", prog]).stdout, r.stdout);
});

const RACE_C = String.raw`
#include <pthread.h>
#include <stdio.h>
static volatile long counter;
static void *bump(void *arg) {
  (void)arg;
  for (int i = 0; i < 100000; i++) counter = counter + 1; /* a data race, on purpose */
  return 0;
}
int main(void) {
  pthread_t a, b;
  pthread_create(&a, 0, bump, 0);
  pthread_create(&b, 0, bump, 0);
  pthread_join(a, 0);
  pthread_join(b, 0);
  printf("%ld\n", counter);
  return 0;
}
`;

test("a data race comes out the same every time for the same quantum", { skip: needCC }, () => {
  const prog = buildC("race", RACE_C, ["-static", "-O2", "-pthread"]);
  for (const q of ["97", "1000", "10000"]) {
    const a = hartscope(["run", "--quantum", q, prog]);
    const b = hartscope(["run", "--quantum", q, prog]);
    assert.equal(a.status, 0);
    assert.equal(a.stdout, b.stdout, `quantum ${q}`);
    assert.ok(Number(a.stdout) <= 200000 && Number(a.stdout) >= 100000);
  }
  assert.notEqual(
    hartscope(["run", "--quantum", "97", prog]).stdout,
    "200000\n",
    "with a small quantum the race loses updates",
  );
});

const DEADLOCK_C = String.raw`
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static void *other(void *arg) {
  (void)arg;
  pthread_mutex_lock(&b);
  usleep(1000);
  pthread_mutex_lock(&a);
  return 0;
}
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) { /* one thread locking a normal mutex twice */
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&a);
  }
  pthread_t t;
  pthread_mutex_lock(&a);
  pthread_create(&t, 0, other, 0);
  usleep(1000);
  pthread_mutex_lock(&b);
  printf("unreachable\n");
  return 0;
}
`;

test("deadlocks end the run with every thread's wait named", { skip: needCC }, () => {
  const prog = buildC("deadlock", DEADLOCK_C, ["-static", "-O2", "-pthread"]);
  const two = hartscope(["run", prog], { timeout: 20_000 });
  assert.equal(two.status, 1);
  assert.match(
    two.stderr,
    /^hartscope: deadlock: all 2 threads are blocked forever \(thread 1000: futex wait on 0x[0-9a-f]+; thread 1001: futex wait on 0x[0-9a-f]+\)\n$/,
  );
  const one = hartscope(["run", prog, "self"], { timeout: 20_000 });
  assert.equal(one.status, 1);
  assert.match(
    one.stderr,
    /^hartscope: deadlock: the only thread is blocked forever \(thread 1000: futex wait on 0x[0-9a-f]+\)\n$/,
  );
});
