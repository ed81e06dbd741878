/* Ends through HTIF's tohost as riscv-tests do: 1 passes, (n << 1) | 1 fails test case n. */
#include "lib.h"

volatile u64 tohost __attribute__((section(".tohost"), aligned(64)));
volatile u64 fromhost __attribute__((section(".tohost"), aligned(64)));

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid != 0) return;
  puts("ending through tohost\n");
  tohost = HTIF_VALUE;
  for (;;) {}
}
