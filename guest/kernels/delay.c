/* A 1 s delay on the `time` CSR (10 MHz): in WFI until SBI's timer fires, or (BUSY) spinning on
   time as U-Boot's udelay does. Prints how long it waited in ticks, then shuts down. */
#include "sbi.h"

extern char strap_entry[];
static volatile int fired;

u64 strap_handler(u64 cause, u64 epc, u64 tval) {
  if (cause == (1UL << 63 | 5)) {
    SBI1(EXT_TIME, 0, ~0UL);
    fired = 1;
  }
  return epc;
}

void kmain(u64 hartid, const u8 *dtb) {
  csr_write(stvec, (u64)strap_entry);
  u64 start = rdtime();
  u64 end = start + 10000000; /* 1 s */
#ifdef BUSY
  while (rdtime() < end) {}
  puts("busy-waited ");
#else
  SBI1(EXT_TIME, 0, end);
  csr_set(sie, 1 << 5);
  csr_set(sstatus, SSTATUS_SIE);
  while (!fired) __asm__ volatile("wfi");
  puts("waited in WFI ");
#endif
  puts(rdtime() - start >= 10000000 ? "at least 1 s\n" : "less than 1 s\n");
  shutdown();
}

void secondary(u64 hartid, u64 opaque) {}
