/* M-mode (no firmware): the first boot asks the test finisher for a reset (0x7777); the machine
   starts over with the image loaded again, and the second boot passes. A counter outside the image
   (RAM is not cleared by a reset) tells the boots apart, .data (loaded again) must be intact. */
#include "lib.h"

static volatile u64 data_word = 0x1234;

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid != 0) for (;;) __asm__ volatile("wfi");
  volatile u64 *boots = (volatile u64 *)0x81000000UL;
  u64 boot = ++*boots;
  puts("boot ");
  putdec(boot);
  puts(data_word == 0x1234 ? ": data intact\n" : ": data changed\n");
  data_word = 0x5678;
  if (boot == 1) {
    *FINISHER = 0x7777;
    for (;;) __asm__ volatile("wfi");
  }
  finish(0);
}
