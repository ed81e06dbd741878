/* What SBI 2.0 adds, on hartscope's built-in firmware (Debian's OpenSBI 1.1 implements SBI 1.0):
   the spec and implementation ids, the debug console (DBCN) writing and reading, the legacy
   getchar, then a cold reboot through SRST. A counter outside the image (RAM is not cleared by a
   reset, but the image is loaded again) tells the boots apart; the second one shuts down. */
#include "sbi.h"

static char buf[16];

u64 strap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

void kmain(u64 hartid, const u8 *dtb) {
  volatile u64 *boots = (volatile u64 *)0x81000000UL;
  u64 boot = ++*boots;
  puts("== boot ");
  putdec(boot);
  puts(" ==\n");
  if (boot > 1) {
    say("hart", hartid);
    say("another hart's status", SBI1(EXT_HSM, 2, hartid + 1).value);
    shutdown();
  }
  u64 v = SBI0(EXT_BASE, 0).value;
  puts("spec version ");
  putdec(v >> 24);
  putc('.');
  putdec(v & 0xffffff);
  putc('\n');
  puts("impl id ");
  puthex(SBI0(EXT_BASE, 1).value);
  putc('\n');
  say("mvendorid", SBI0(EXT_BASE, 4).value);
  say("marchid", SBI0(EXT_BASE, 5).value);
  say("mimpid", SBI0(EXT_BASE, 6).value);
  say("probe DBCN", SBI1(EXT_BASE, 3, EXT_DBCN).value);
  static const char msg[] = "written through DBCN\n";
  struct sbiret w = SBI3(EXT_DBCN, 0, sizeof msg - 1, (u64)msg, 0);
  say("console_write: error", w.error);
  say("console_write: bytes", w.value);
  SBI1(EXT_DBCN, 2, '!');
  SBI1(EXT_DBCN, 2, '\n');
  say("console_write above 2^64: error", SBI3(EXT_DBCN, 0, 4, (u64)msg, 1).error);
  say("console_write outside RAM: error", SBI3(EXT_DBCN, 0, 4, 0x1000000000UL, 0).error);
  struct sbiret r = SBI3(EXT_DBCN, 1, 3, (u64)buf, 0);
  say("console_read: error", r.error);
  say("console_read: bytes", r.value);
  puts("read: ");
  for (i64 i = 0; i < r.value; i++) putc(buf[i]);
  putc('\n');
  say("legacy getchar", sbi_legacy(2, 0));
  say("legacy getchar with nothing to read", sbi_legacy(2, 0));
  say("unknown DBCN function: error", SBI0(EXT_DBCN, 3).error);
  say("hart_suspend of a reserved type: error", SBI3(EXT_HSM, 3, 1, 0, 0).error);
  say("hart_suspend of a platform type: error", SBI3(EXT_HSM, 3, 0x10000000, 0, 0).error);
  say("hart_start at an address outside RAM: error", SBI3(EXT_HSM, 0, hartid + 1, 0x1000, 0).error);
  puts("rebooting\n");
  SBI2(EXT_SRST, 0, 1, 0);
  puts("system_reset returned\n");
}

void secondary(u64 hartid, u64 opaque) {}
