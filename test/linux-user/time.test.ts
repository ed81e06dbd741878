// Guest time: virtual by default (1 ns per instruction from 2024-01-01, sleeps skip ahead, runs
// repeat exactly), host time with --wall-clock.

import assert from "node:assert/strict";
import { test } from "node:test";
import { buildC, hartscope, needCC } from "./guest.js";

const TIME_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
int main(int argc, char **argv) {
  struct timespec a, b, res;
  long ms = argc > 1 ? atol(argv[1]) : 1500; /* integers only: no FP needed */
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&d, 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
  long want = d.tv_sec * 1000000000L + d.tv_nsec;
  printf("slept at least %d, overshoot under 1ms %d\n", ns >= want, ns - want < 1000000);
  time_t t = time(0);
  struct timeval tv;
  gettimeofday(&tv, 0);
  printf("year %d, gettimeofday agrees %d\n", gmtime(&t)->tm_year + 1900, tv.tv_sec - t <= 1);
  clock_getres(CLOCK_MONOTONIC, &res);
  printf("resolution %ld ns\n", res.tv_nsec);
  printf("elapsed %ld\n", ns);
  printf("cpu %ld\n", (long)clock());
  return 0;
}
`;

test("virtual time: sleeps skip ahead, the calendar starts in 2024, runs repeat exactly", {
  skip: needCC,
}, () => {
  const prog = buildC("time", TIME_C);
  const start = Date.now();
  const r = hartscope(["run", prog, "100000"]);
  assert.ok(Date.now() - start < 20_000, "a 100 s guest sleep takes no host time");
  assert.equal(r.status, 0);
  const lines = r.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    "slept at least 1, overshoot under 1ms 1",
    "year 2024, gettimeofday agrees 1",
    "resolution 1 ns",
  ]);
  assert.equal(hartscope(["run", prog, "100000"]).stdout, r.stdout, "identical, to the nanosecond");
});

test("--wall-clock: host time and real sleeps", { skip: needCC }, () => {
  const prog = buildC("time", TIME_C);
  const start = Date.now();
  const r = hartscope(["run", "--wall-clock", prog, "300"]);
  assert.ok(Date.now() - start >= 300, "the sleep really happened");
  assert.equal(r.status, 0);
  const year = Number(/year (\d+)/.exec(r.stdout)![1]);
  assert.equal(year, new Date().getUTCFullYear());
  assert.match(r.stdout, /^slept at least 1/);
});

const ALARM_C = String.raw`
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
static volatile int ticks, vticks;
static void on_alarm(int s) { (void)s; ticks++; }
static void on_vtalarm(int s) { (void)s; vticks++; }
int main(void) {
  signal(SIGALRM, on_alarm);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  alarm(2);
  pause(); /* only the alarm ends it: every thread waits, time skips to the alarm */
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("alarm after %ld s, ticks %d\n", (long)(b.tv_sec - a.tv_sec), ticks);
  struct itimerval it = {{0, 1000}, {0, 1000}}; /* every 1 ms */
  setitimer(ITIMER_REAL, &it, 0);
  while (ticks < 6) {
  }
  struct itimerval off = {{0, 0}, {0, 0}}, old;
  setitimer(ITIMER_REAL, &off, &old);
  printf("interval timer ticked %d times while the program spun; interval was %ld us\n", ticks,
         (long)old.it_interval.tv_usec);
  signal(SIGVTALRM, on_vtalarm);
  struct itimerval v = {{0, 500}, {0, 500}};
  setitimer(ITIMER_VIRTUAL, &v, 0);
  while (vticks < 3) {
  }
  printf("virtual timer ticked %d times\n", vticks);
  fflush(stdout); /* the signal ends the process without flushing stdio */
  signal(SIGALRM, SIG_DFL);
  alarm(1);
  sleep(5); /* SIGALRM's default action ends the process */
  printf("not reached\n");
  return 0;
}
`;

test("alarm, pause, interval timers (real and CPU time), SIGALRM's default action", { skip: needCC }, () => {
  const prog = buildC("alarm", ALARM_C);
  const r = hartscope(["run", prog]);
  assert.equal(
    r.stdout,
    [
      "alarm after 2 s, ticks 1",
      "interval timer ticked 6 times while the program spun; interval was 1000 us",
      "virtual timer ticked 3 times",
      "",
    ].join("\n"),
  );
  assert.equal(r.stderr, "hartscope: terminated by SIGALRM\n");
  assert.equal(r.status, 128 + 14);
});

// rdtime against CLOCK_MONOTONIC (10 MHz ticks), in a thread that starts after the main thread
// has run a while and after a sleep: the timer is the system's, not a count of one thread's work.
const RDTIME_C = String.raw`
#include <pthread.h>
#include <stdio.h>
#include <time.h>
static long mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}
static long rdtime_ns(void) {
  unsigned long v;
  __asm__ volatile("rdtime %0" : "=r"(v));
  return (long)v * 100;
}
static void *check(void *name) {
  long a = mono_ns(), t = rdtime_ns(), b = mono_ns();
  printf("%s: rdtime within the clock_gettime calls around it %d\n", (char *)name, a - 100 <= t && t <= b);
  return 0;
}
int main(void) {
  volatile long spin = 0;
  for (long i = 0; i < 3000000; i++) spin += i;
  check("main");
  struct timespec d = {2, 0};
  nanosleep(&d, 0);
  check("after sleep");
  pthread_t th;
  pthread_create(&th, 0, check, "thread");
  pthread_join(th, 0);
  return 0;
}
`;

test("rdtime is CLOCK_MONOTONIC in 10 MHz ticks, for every thread, virtual or host time", {
  skip: needCC,
}, () => {
  const prog = buildC("rdtime", RDTIME_C, ["-static", "-O2", "-pthread"]);
  for (const opts of [[], ["--wall-clock"]]) {
    const r = hartscope(["run", ...opts, prog]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      ["main", "after sleep", "thread"]
        .map((w) => `${w}: rdtime within the clock_gettime calls around it 1\n`)
        .join(""),
      opts.join(" "),
    );
  }
});
