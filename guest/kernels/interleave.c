/* NHARTS harts contend for an LR/SC spinlock 100 times each, appending their id to a log under it,
   with a little work of their own between. Hart 0 checks the log is complete and prints the order
   in which the harts got the lock: the schedule's fingerprint (the same seed gives the same). */
#include "lib.h"

#define ROUNDS 100
static volatile u32 lk;
static volatile u32 n, done;
static volatile u8 order[8 * ROUNDS];

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid >= NHARTS) for (;;) __asm__ volatile("wfi");
  u64 x = hartid + 1;
  for (int r = 0; r < ROUNDS; r++) {
    for (u64 i = 0; i < 50 + 30 * hartid + (x % 97); i++) x = x * 6364136223846793005UL + 1;
    lock(&lk);
    order[n] = (u8)hartid;
    n = n + 1;
    unlock(&lk);
  }
  __atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
  if (hartid != 0) for (;;) __asm__ volatile("wfi");
  while (done != NHARTS) {}
  int count[8] = {0};
  for (u32 i = 0; i < n; i++) count[order[i]]++;
  int ok = n == NHARTS * ROUNDS;
  for (int h = 0; h < NHARTS; h++) ok &= count[h] == ROUNDS;
  puts(ok ? "log complete\n" : "log incomplete\n");
  u64 hash = 1469598103934665603UL;
  for (u32 i = 0; i < n; i++) hash = (hash ^ order[i]) * 1099511628211UL;
  puts("order hash ");
  puthex(hash);
  puts("\n");
  finish(ok ? 0 : 1);
}
