/* HSM, IPIs and RFENCE across harts on an SBI firmware: the boot hart (whichever the firmware
   chose) finds the others STOPPED, starts each with hart_start (a0 = hartid, a1 = opaque, satp and
   SIE clear), wakes it with an IPI, patches code it runs (breakpoint first, remote fence.i, then the
   new instruction, remote fence.i), has it suspend (retentive and not) and wakes it, and has it
   stop. With NONRETENTIVE (OpenSBI 1.1 on QEMU does not resume from that), a non-retentive
   suspend too. Secondaries record what they saw; only the boot hart prints, in hart order. */
#include "sbi.h"

#define MAXH 8
extern char strap_entry[], secondary_entry[];
extern u32 patch_sites[];

/* one function per hart, 8 bytes each: returns 1 until the boot hart rewrites its first
   instruction to return 2 */
__asm__(".text\n .balign 8\n .globl patch_sites\n .option push\n .option norvc\npatch_sites:\n"
        " .rept 8\n li a0, 1\n ret\n .endr\n .option pop\n");
static u64 patchme(u64 h) { return ((u64(*)(void))(void *)&patch_sites[2 * h])(); }

static volatile u64 seen_a0[MAXH], seen_opaque[MAXH], seen_satp[MAXH], seen_sie[MAXH];
static volatile int arrived[MAXH], ipis[MAXH], patched[MAXH], resumed[MAXH], phase[MAXH];
static volatile i64 suspend_ret[MAXH];

static inline u64 hartid_tp(void) {
  u64 t;
  __asm__ volatile("mv %0, tp" : "=r"(t));
  return t;
}

u64 strap_handler(u64 cause, u64 epc, u64 tval) {
  u64 h = hartid_tp();
  if (cause == (1UL << 63 | 1)) {
    csr_clear(sip, SIP_SSIP);
    ipis[h]++;
    return epc;
  }
  if (cause == 3) return epc; /* the breakpoint of a patch in progress: run it again */
  puts("unexpected trap ");
  puthex(cause);
  putc('\n');
  shutdown();
}

static void wait_phase(u64 h, int p) {
  while (phase[h] < p) __asm__ volatile("wfi");
}

void secondary(u64 hartid, u64 opaque) {
  csr_write(stvec, (u64)strap_entry);
  if (opaque == 0x2000 + hartid) { /* back from a non-retentive suspend */
    resumed[hartid] = 2;
    SBI0(EXT_HSM, 1);
  }
  if (opaque == 0x3000 + hartid) { /* started again after hart_stop */
    arrived[hartid] = 2;
    SBI0(EXT_HSM, 1);
  }
  seen_a0[hartid] = hartid;
  seen_opaque[hartid] = opaque;
  seen_satp[hartid] = csr_read(satp);
  seen_sie[hartid] = csr_read(sstatus) & SSTATUS_SIE;
  csr_set(sie, SIP_SSIP);
  csr_set(sstatus, SSTATUS_SIE);
  arrived[hartid] = 1;
  while (ipis[hartid] == 0) __asm__ volatile("wfi");
  /* run the code being patched until it returns 2 */
  while (patchme(hartid) != 2) {}
  patched[hartid] = 1;
  wait_phase(hartid, 1);
  suspend_ret[hartid] = SBI3(EXT_HSM, 3, 0, 0, 0).error; /* retentive: returns when woken */
  resumed[hartid] = 1;
  wait_phase(hartid, 2);
#ifdef NONRETENTIVE
  SBI3(EXT_HSM, 3, 0x80000000, (u64)secondary_entry, 0x2000 + hartid); /* does not return */
  puts("non-retentive suspend returned\n");
  shutdown();
#else
  resumed[hartid] = 2;
  SBI0(EXT_HSM, 1);
#endif
}

static i64 status(u64 h) { return SBI1(EXT_HSM, 2, h).value; }
static void wait_status(u64 h, i64 s) {
  while (status(h) != s) {}
}
static void ipi(u64 h) { SBI2(EXT_IPI, 0, 1, h); }
static void fence_i_all(void) { SBI2(EXT_RFENCE, 0, 0, ~0UL); }

void kmain(u64 boot, const u8 *dtb) {
  puts("== S-mode kernel ==\n");
  csr_write(stvec, (u64)strap_entry);
  int n = 0;
  for (u64 h = 0; h < MAXH; h++) n += SBI1(EXT_HSM, 2, h).error == 0;
  say("harts", n);
  for (u64 h = 0; h < (u64)n; h++) {
    if (h == boot) continue;
    puts("-- another hart\n");
    say("status before hart_start", status(h));
    say("hart_start: error", SBI3(EXT_HSM, 0, h, (u64)secondary_entry, 0x1000 + h).error);
    while (!arrived[h]) {}
    say("a0 is its hartid", seen_a0[h] == h);
    say("a1 is the opaque value", seen_opaque[h] == 0x1000 + h);
    say("satp", seen_satp[h]);
    say("sstatus.SIE", seen_sie[h]);
    say("hart_start again: error", SBI3(EXT_HSM, 0, h, (u64)secondary_entry, 0).error);
    say("status", status(h));
    ipi(h);
    while (ipis[h] == 0) {}
    say("IPIs taken", ipis[h]);
    /* breakpoint first: a hart fetching the site mid-patch traps and retries instead of running a
       half-written instruction */
    volatile u32 *site = &patch_sites[2 * h];
    *site = 0x00100073; /* ebreak */
    fence_i_all();
    *site = 0x00200513; /* li a0, 2 */
    fence_i_all();
    while (!patched[h]) {}
    puts("it ran the patched code\n");
    phase[h] = 1;
    ipi(h); /* out of its wfi: it suspends */
    wait_status(h, 4);
    say("status in a retentive suspend", status(h));
    ipi(h);
    while (!resumed[h]) {}
    say("hart_suspend returned", suspend_ret[h]);
    phase[h] = 2;
    ipi(h);
#ifdef NONRETENTIVE
    wait_status(h, 4);
    ipi(h); /* wakes it from the non-retentive suspend */
#endif
    while (resumed[h] != 2) {}
#ifdef NONRETENTIVE
    puts("non-retentive suspend resumed at its address with a1 = opaque\n");
#endif
    wait_status(h, 1);
    say("status after hart_stop", status(h));
    say("hart_start after hart_stop: error", SBI3(EXT_HSM, 0, h, (u64)secondary_entry, 0x3000 + h).error);
    while (arrived[h] != 2) {}
    wait_status(h, 1);
    puts("it started and stopped again\n");
  }
  puts("done\n");
  shutdown();
}
