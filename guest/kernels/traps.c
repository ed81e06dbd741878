/* M-mode traps: an ecall and an illegal instruction taken through mtvec, then the CLINT's timer
   interrupt woken from WFI; the handler says what it saw. */
#include "lib.h"

extern char trap_entry[];
static volatile int ticks;

u64 trap_handler(u64 cause, u64 epc, u64 tval) {
  puts("trap: mcause=");
  puthex(cause);
  puts(" mtval=");
  puthex(tval);
  if ((long)cause < 0) {
    puts(" (interrupt)\n");
    *CLINT_MTIMECMP(0) = ~0UL; /* lower MTIP */
    ticks++;
    return epc;
  }
  puts(cause == 11 ? " (ecall from M)\n" : "\n");
  return epc + 4;
}

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid != 0) return;
  csr_write(mtvec, (u64)trap_entry);
  __asm__ volatile("li a7, 42\n ecall" ::: "a7");
  __asm__ volatile(".word 0xffffffff"); /* illegal: mtval holds the instruction */
  u64 start = *CLINT_MTIME;
  *CLINT_MTIMECMP(0) = start + 10000; /* 1 ms at 10 MHz */
  csr_set(mie, 1 << 7);               /* MTIE */
  csr_set(mstatus, 1 << 3);           /* MIE */
  while (ticks == 0) __asm__ volatile("wfi");
  u64 waited = *CLINT_MTIME - start;
  puts(waited >= 10000 ? "the timer fired after its deadline\n" : "the timer fired early\n");
  finish(ticks == 1 ? 0 : 3);
}
