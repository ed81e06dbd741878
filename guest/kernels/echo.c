/* Echoes what the UART receives in upper case, polling LSR.DR; a '.' ends the run (pass). */
#include "lib.h"

u64 trap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  if (hartid != 0) return;
  puts("echo ready\n");
  for (;;) {
    while ((UART0[5] & 0x01) == 0) {} /* LSR.DR: a byte received */
    char c = (char)UART0[0];
    if (c == '.') break;
    putc(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  puts("\nbye\n");
  finish(0);
}
