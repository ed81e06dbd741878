/* Lists the virtio-mmio transports of QEMU virt (8 slots from 0x1000_1000) and, for a block device,
   its capacity in 512-byte sectors from the device's configuration space. */
#include "lib.h"

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid != 0) return;
  for (int i = 0; i < 8; i++) {
    volatile u32 *t = (volatile u32 *)(0x10001000UL + 0x1000UL * i);
    if (t[0] != 0x74726976) { /* "virt" */
      puts("bad magic\n");
      finish(1);
    }
    u32 id = t[2];
    if (id == 0) continue;
    puts("slot ");
    putdec(i);
    puts(": version ");
    putdec(t[1]);
    puts(" device ");
    putdec(id);
    if (id == 2) {
      puts(" capacity ");
      putdec((u64)t[0x100 / 4] | (u64)t[0x104 / 4] << 32);
    }
    puts("\n");
  }
  puts("done\n");
  finish(0);
}
