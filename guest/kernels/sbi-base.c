/* An S-mode kernel on an SBI firmware (OpenSBI, or hartscope's built-in one): probes the
   extensions, checks the error codes of bad calls, waits for a timer through TIME's and the legacy
   set_timer, sends itself an IPI, and takes an illegal instruction and a breakpoint (redirected or
   delegated to S-mode). It prints only what every SBI v1+ firmware answers alike, then shuts down
   through SRST. */
#include "sbi.h"

extern char strap_entry[];
static volatile int timer_irqs, soft_irqs;

u64 strap_handler(u64 cause, u64 epc, u64 tval) {
  if ((i64)cause < 0) {
    u64 code = cause & 63;
    if (code == 5) {
      puts("timer interrupt\n");
      SBI1(EXT_TIME, 0, ~0UL); /* no timer: STIP goes low */
      timer_irqs++;
    } else if (code == 1) {
      puts("software interrupt\n");
      csr_clear(sip, SIP_SSIP);
      soft_irqs++;
    } else {
      puts("unexpected interrupt\n");
    }
    return epc;
  }
  puts("trap: scause=");
  putdec(cause);
  if (cause != 3) { /* a breakpoint's stval is 0 or its address, by the implementation's choice */
    puts(" stval=");
    puthex(tval);
  }
  putc('\n');
  return epc + 4;
}

static void wait_timer(int legacy) {
  u64 start = rdtime();
  int before = timer_irqs;
  if (legacy) sbi_legacy(0, start + 10000); /* 1 ms at 10 MHz */
  else SBI1(EXT_TIME, 0, start + 10000);
  while (timer_irqs == before) __asm__ volatile("wfi");
  u64 waited = rdtime() - start;
  puts(waited >= 10000 ? "the timer fired after its deadline\n" : "the timer fired early\n");
}

void kmain(u64 hartid, const u8 *dtb) {
  puts("== S-mode kernel ==\n");
  csr_write(stvec, (u64)strap_entry);
  say("a1 is the device tree", *(volatile u32 *)dtb == 0xedfe0dd0);
  say("spec version >= 1.0", (SBI0(EXT_BASE, 0).value >> 24) >= 1);
  static const struct { const char *name; u64 id; } exts[] = {
      {"BASE", EXT_BASE}, {"TIME", EXT_TIME}, {"IPI", EXT_IPI},       {"RFENCE", EXT_RFENCE},
      {"HSM", EXT_HSM},   {"SRST", EXT_SRST}, {"legacy putchar", 1}, {"legacy set_timer", 0},
      {"none 0x12345678", 0x12345678},
  };
  for (unsigned i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    puts("probe ");
    say(exts[i].name, SBI1(EXT_BASE, 3, exts[i].id).value != 0);
  }
  say("unknown extension: error", SBI0(0x12345678, 0).error);
  say("unknown BASE function: error", SBI0(EXT_BASE, 99).error);
  say("unknown TIME function: error", SBI0(EXT_TIME, 1).error);
  say("get_status of a hart that does not exist: error", SBI1(EXT_HSM, 2, 4096).error);
  struct sbiret own = SBI1(EXT_HSM, 2, hartid);
  say("get_status of this hart: error", own.error);
  say("get_status of this hart: value", own.value);
  say("hart_start of this hart: error", SBI3(EXT_HSM, 0, hartid, 0x80200000, 0).error);
  say("send_ipi to a hart that does not exist: error", SBI2(EXT_IPI, 0, 1, 4096).error);
  say("remote_fence_i to a hart that does not exist: error", SBI2(EXT_RFENCE, 0, 1, 4096).error);
  say("system_reset of a reserved type: error", SBI2(EXT_SRST, 0, 5, 0).error);
  say("system_reset with a reserved reason: error", SBI2(EXT_SRST, 0, 0, 7).error);
  say("remote_fence_i to this hart", SBI2(EXT_RFENCE, 0, 1, hartid).error);
  say("remote_sfence_vma to every hart", sbi_call(EXT_RFENCE, 1, 0, ~0UL, 0, 0, 0).error);

  csr_set(sie, (1 << 5) | (1 << 1)); /* STIE, SSIE */
  csr_set(sstatus, SSTATUS_SIE);
  wait_timer(0);
  wait_timer(1);
  say("send_ipi to this hart: error", SBI2(EXT_IPI, 0, 1, hartid).error);
  while (soft_irqs == 0) __asm__ volatile("wfi");
  say("send_ipi to every hart: error", SBI2(EXT_IPI, 0, 0, ~0UL).error);
  while (soft_irqs == 1) __asm__ volatile("wfi");
  __asm__ volatile(".word 0xffffffff"); /* illegal: OpenSBI redirects it to S-mode */
  __asm__ volatile(".word 0x00100073"); /* ebreak: delegated to S-mode */
  say("timer interrupts", timer_irqs);
  say("software interrupts", soft_irqs);
  puts("shutting down\n");
  shutdown();
}

void secondary(u64 hartid, u64 opaque) {}
