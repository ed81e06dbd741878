/* NHARTS harts take turns, three rounds each, under a spinlock on LR/SC; hart 0 passes at the end. */
#include "lib.h"

static volatile u32 lk;
static volatile u32 turn;

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid >= NHARTS) return;
  for (u32 round = 0; round < 3;) {
    lock(&lk);
    if (turn % NHARTS == hartid) {
      puts("hart ");
      putdec(hartid);
      puts(" round ");
      putdec(round);
      puts("\n");
      turn++;
      round++;
    }
    unlock(&lk);
  }
  if (hartid != 0) return;
  while (turn != 3 * NHARTS) {}
  puts("all ");
  putdec(NHARTS);
  puts(" harts done\n");
  finish(0);
}
