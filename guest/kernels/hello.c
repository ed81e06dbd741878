/* Hart 0 greets over the UART, checks the device tree's magic at a1, and passes; others sleep. */
#include "lib.h"

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid != 0) return;
  puts("Hello from a RISC-V virt machine\n");
  u32 magic = (u32)dtb[0] << 24 | (u32)dtb[1] << 16 | (u32)dtb[2] << 8 | dtb[3];
  puts("device tree magic: ");
  puthex(magic);
  puts("\n");
  finish(0);
}
u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }
