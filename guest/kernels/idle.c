/* Waits in WFI with every interrupt disabled: nothing can ever wake it. */
#include "lib.h"

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  puts("sleeping\n");
  for (;;) __asm__ volatile("wfi");
}
