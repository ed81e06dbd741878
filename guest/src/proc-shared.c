/* Memory shared across fork: MAP_SHARED|MAP_ANONYMOUS and MAP_SHARED of /dev/zero are the same
 * pages in parent and child (MAP_PRIVATE stays copy-on-write); munmap in one leaves the other's
 * mapping, mprotect is per process, MADV_DONTNEED keeps shared contents; code written by one
 * process into a shared page runs changed in the other; process-shared semaphores, mutexes and
 * condition variables (futexes on shared memory) between a parent and a child of three threads.
 * The parent prints; a child prints only while the parent waits for it.
 *
 * `proc-shared exact` rewrites the shared code in place, as Linux runs it (12); qemu-riscv64 keeps
 * running its translation of the first version in the child (11): its translated-code cache does
 * not see another process's stores. Without it the second version goes to fresh bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void reap(const char *what, pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st)) printf("%s: child exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: child killed by signal %d\n", what, WTERMSIG(st));
  fflush(stdout);
}

/* Stores each side makes are the other's (shared), or its own (private). */
static void stores(const char *what, volatile int *mem) {
  mem[0] = 1;
  mem[1000] = 10; /* a second page, touched before the fork */
  pid_t pid = fork();
  if (pid == 0) {
    int seen = mem[0];
    mem[0] = 2;
    mem[2000] = 20; /* a page neither had touched */
    _exit(seen);
  }
  reap(what, pid);
  printf("%s: parent reads %d %d %d\n", what, mem[0], mem[1000], mem[2000]);
  fflush(stdout);
}

static void anonymous_and_dev_zero(void) {
  int *sh = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  stores("MAP_SHARED|MAP_ANONYMOUS", sh);
  int *pr = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  stores("MAP_PRIVATE|MAP_ANONYMOUS", pr);
  int fd = open("/dev/zero", O_RDWR);
  int *z = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  stores("MAP_SHARED /dev/zero", z);

  /* a forked child of a forked child still shares it */
  sh[0] = 0;
  pid_t pid = fork();
  if (pid == 0) {
    pid_t g = fork();
    if (g == 0) {
      sh[0] = 33;
      _exit(0);
    }
    waitpid(g, NULL, 0);
    _exit(sh[0]);
  }
  reap("grandchild's store", pid);

  /* munmap in the child leaves the parent's mapping; mprotect is the child's alone */
  pid = fork();
  if (pid == 0) {
    munmap(sh + PAGE / sizeof(int), PAGE);
    mprotect(sh, PAGE, PROT_READ);
    int before = sh[0];
    while (sh[0] == before) usleep(1000); /* the parent still writes its page */
    _exit(sh[0]);
  }
  usleep(10000);
  sh[0] = 44;
  sh[PAGE / sizeof(int)] = 45;
  reap("after the child's munmap and mprotect", pid);
  printf("parent's page the child unmapped: %d\n", sh[PAGE / sizeof(int)]);

  /* MADV_DONTNEED gives the pages back, not the shared contents */
  madvise(sh, 4 * PAGE, MADV_DONTNEED);
  printf("after MADV_DONTNEED: %d %d\n", sh[0], pr[0]);
  madvise(pr, 4 * PAGE, MADV_DONTNEED);
  printf("private after MADV_DONTNEED: %d\n", pr[0]);
  fflush(stdout);
  munmap(sh, 4 * PAGE);
  munmap(pr, 4 * PAGE);
  munmap(z, 4 * PAGE);
}

/* A MAP_SHARED file mapping is the file's pages in parent and child alike; mremap grows a shared
 * anonymous mapping with more of the same shared pages. */
static void file_and_mremap(void) {
  int fd = open("shared-file.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
  ftruncate(fd, 2 * PAGE);
  char *f = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  strcpy(f, "parent");
  pid_t pid = fork();
  if (pid == 0) {
    int same = strcmp(f, "parent") == 0;
    strcpy(f + PAGE, "child");
    _exit(same);
  }
  reap("MAP_SHARED file", pid);
  char buf[8] = {0};
  pread(fd, buf, 6, PAGE);
  printf("MAP_SHARED file: parent's mapping \"%s\", the file \"%s\"\n", f + PAGE, buf);
  munmap(f, 2 * PAGE);
  close(fd);
  unlink("shared-file.tmp");

  char *a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  a[0] = 'a';
  char *b = mremap(a, PAGE, 3 * PAGE, MREMAP_MAYMOVE);
  pid = fork();
  if (pid == 0) _exit(b[0]);
  reap("mremap'd MAP_SHARED, its first page", pid);
  /* the object keeps mmap's length: the pages mremap added are past its end (SIGBUS) */
  pid = fork();
  if (pid == 0) {
    b[2 * PAGE] = 'c';
    _exit(0);
  }
  reap("mremap'd MAP_SHARED, a page it grew by", pid);
  munmap(b, 3 * PAGE);
}

/* memfd_create: the descriptor's bytes and every MAP_SHARED mapping of it, in parent and child. */
static void memfd(void) {
  int fd = memfd_create("w6-shm", MFD_CLOEXEC);
  write(fd, "written", 7);
  ftruncate(fd, 2 * PAGE);
  char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  struct stat st;
  fstat(fd, &st);
  printf("memfd: size %ld, regular %d, mapping reads \"%.7s\"\n", (long)st.st_size, S_ISREG(st.st_mode), m);
  pid_t pid = fork();
  if (pid == 0) {
    strcpy(m + 100, "child's store");
    pwrite(fd, "child's pwrite", 14, PAGE);
    _exit(0);
  }
  reap("memfd", pid);
  char buf[16] = {0};
  pread(fd, buf, 13, 100);
  printf("memfd: the file has \"%s\", the mapping \"%s\"\n", buf, m + PAGE);
  /* a second mapping at an offset sees the same page */
  char *second = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
  printf("memfd: a mapping at offset %d reads \"%.14s\"\n", PAGE, second);
  /* past the end of the file: SIGBUS in a child; after growing it, zeros */
  pid = fork();
  if (pid == 0) _exit(m[2 * PAGE]);
  reap("memfd, a page past the end", pid);
  ftruncate(fd, 3 * PAGE);
  printf("memfd: after ftruncate the page reads %d\n", m[2 * PAGE]);
  ftruncate(fd, 50);
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, sizeof buf);
  printf("memfd: cut to 50 bytes, read gives %zd, byte 100 of the mapping %d\n", n, m[100]);
  fflush(stdout);
  munmap(m, 3 * PAGE);
  munmap(second, PAGE);
  close(fd);
}

struct sync {
  sem_t go, done;
  volatile int value;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  volatile long counter;
  volatile int arrived;
};

/* `li a0, n; ret` */
static void write_code(unsigned *code, int n) {
  code[0] = 0x00000513 | (unsigned)n << 20;
  code[1] = 0x00008067;
  __builtin___clear_cache((char *)code, (char *)(code + 2));
}

/* One process writes code into a shared page, the other runs it; then it is rewritten in place. */
static int exact;

static void shared_code(struct sync *s) {
  unsigned *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  write_code(code, 1);
  pid_t pid = fork();
  if (pid == 0) {
    int (*fn)(void) = (int (*)(void))code;
    int a = fn();
    sem_post(&s->done);
    sem_wait(&s->go);
    int (*fn2)(void) = (int (*)(void))(code + (exact ? 0 : 4));
    __builtin___clear_cache((char *)fn2, (char *)fn2 + 8);
    int b = fn2();
    _exit(a * 10 + b);
  }
  sem_wait(&s->done);
  write_code(code + (exact ? 0 : 4), 2);
  sem_post(&s->go);
  reap("code written by the parent, run by the child (10 * first + second)", pid);
  munmap(code, PAGE);
}

/* Semaphores with pshared = 1: a ping-pong between parent and child. */
static void semaphores(struct sync *s) {
  sem_init(&s->go, 1, 0);
  sem_init(&s->done, 1, 0);
  enum { ROUNDS = 300 };
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < ROUNDS; i++) {
      sem_wait(&s->go);
      s->value = s->value * 3 % 1000003 + 1;
      sem_post(&s->done);
    }
    _exit(0);
  }
  for (int i = 0; i < ROUNDS; i++) {
    s->value += i;
    sem_post(&s->go);
    sem_wait(&s->done);
  }
  reap("semaphores", pid);
  printf("semaphores: value after %d rounds %d\n", ROUNDS, s->value);
  fflush(stdout);
}

enum { THREADS = 3, ADDS = 2000 };

static struct sync *g;

static void add_many(void) {
  for (int i = 0; i < ADDS; i++) {
    pthread_mutex_lock(&g->lock);
    long v = g->counter;
    if (i % 64 == 0) sched_yield(); /* let the others find the lock taken */
    g->counter = v + 1;
    pthread_mutex_unlock(&g->lock);
  }
  pthread_mutex_lock(&g->lock);
  g->arrived++;
  pthread_cond_broadcast(&g->cond);
  pthread_mutex_unlock(&g->lock);
}

static void *adder(void *arg) {
  add_many();
  return NULL;
}

/* A process-shared mutex and condition variable: a child of three threads and the parent add. */
static void mutex_and_cond(struct sync *s) {
  g = s;
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->lock, &ma);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_cond_init(&s->cond, &ca);
  s->counter = 0;
  s->arrived = 0;
  pid_t pid = fork();
  if (pid == 0) {
    pthread_t t[THREADS - 1];
    for (int i = 0; i < THREADS - 1; i++) pthread_create(&t[i], NULL, adder, NULL);
    add_many();
    for (int i = 0; i < THREADS - 1; i++) pthread_join(t[i], NULL);
    /* the child waits on the condition for the parent's arrival */
    pthread_mutex_lock(&s->lock);
    while (s->arrived < THREADS + 1) pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    _exit(0);
  }
  /* the parent waits for the child's three threads, then adds its own */
  pthread_mutex_lock(&s->lock);
  while (s->arrived < THREADS) pthread_cond_wait(&s->cond, &s->lock);
  pthread_mutex_unlock(&s->lock);
  printf("mutex: the child's %d threads added %ld\n", THREADS, s->counter);
  fflush(stdout);
  add_many();
  reap("mutex and condition variable", pid);
  printf("mutex: counter %ld (expected %d)\n", s->counter, (THREADS + 1) * ADDS);
  fflush(stdout);
}

/* A futex on shared memory, waited on by the child and woken by the parent's FUTEX_WAKE. */
static void raw_futex(struct sync *s) {
  volatile int *word = &s->value;
  *word = 0;
  pid_t pid = fork();
  if (pid == 0) {
    while (*word == 0) syscall(98 /* futex */, word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
    _exit(*word);
  }
  /* wake it with the word unchanged until one wake finds it waiting (it then waits again) */
  long woke = 0;
  while ((woke = syscall(98, word, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0)) == 0) usleep(1000);
  *word = 9;
  syscall(98, word, 1, 1, NULL, NULL, 0); /* waiting again, or it will find 9 and not wait */
  printf("FUTEX_WAKE woke %ld\n", woke);
  reap("futex on shared memory", pid);
  /* a private futex wake does not reach another process */
  *word = 0;
  pid = fork();
  if (pid == 0) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    long r = syscall(98, word, 0, 0, &ts, NULL, 0);
    _exit(r < 0 && errno == ETIMEDOUT ? 1 : 2);
  }
  usleep(10000);
  printf("FUTEX_WAKE_PRIVATE woke %ld\n", syscall(98, word, 1 | 128, 1, NULL, NULL, 0));
  fflush(stdout);
  reap("private wake, shared wait (1: timed out)", pid);
}

int main(int argc, char **argv) {
  exact = argc > 1 && strcmp(argv[1], "exact") == 0;
  anonymous_and_dev_zero();
  file_and_mremap();
  memfd();
  struct sync *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  semaphores(s);
  shared_code(s);
  mutex_and_cond(s);
  raw_futex(s);
  printf("done\n");
  return 0;
}
