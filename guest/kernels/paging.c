/* Sv39 paging in S-mode on an SBI firmware: A and D set by the hardware on access, page faults by
   cause and stval (unmapped, read-only, U page without SUM, no X) fixed by the handler and retried,
   a 32-bit instruction at 2-byte alignment straddling two virtual pages on frames apart (and the
   fetch fault when the second page is unmapped), and, with more harts, another hart seeing a new
   mapping after a remote sfence.vma. The kernel is identity-mapped by a 1 GiB page. */
#include "sbi.h"

#define PTE_V 1UL
#define PTE_R 2UL
#define PTE_W 4UL
#define PTE_X 8UL
#define PTE_U 16UL
#define PTE_G 32UL
#define PTE_A 64UL
#define PTE_D 128UL
#define SSTATUS_SUM (1UL << 18)
#define BASE 0x40000000UL
#define VA(i) (BASE + (i) * 4096UL)

extern char strap_entry[], secondary_entry[];
static u64 root[512] __attribute__((aligned(4096)));
static u64 l1[512] __attribute__((aligned(4096)));
static volatile u64 l0[512] __attribute__((aligned(4096)));
static u8 frames[8][4096] __attribute__((aligned(4096)));
static volatile int faults;
static volatile u64 last_cause, last_tval;
static volatile int other_ready, other_go;
static volatile u64 other_saw[2];

static u64 leaf(void *pa, u64 flags) { return ((u64)pa >> 12) << 10 | flags | PTE_V; }
static void sfence(void) { __asm__ volatile("sfence.vma" ::: "memory"); }

u64 strap_handler(u64 cause, u64 epc, u64 tval) {
  faults++;
  last_cause = cause;
  last_tval = tval;
  u64 i = (tval - BASE) >> 12;
  puts("page fault: scause=");
  putdec(cause);
  puts(" stval=BASE+");
  puthex(tval - BASE);
  putc('\n');
  if (cause == 13 && i == 1) l0[1] = leaf(frames[1], PTE_R | PTE_W | PTE_A | PTE_D);
  else if (cause == 15 && i == 2) l0[2] |= PTE_W | PTE_D;
  else if (cause == 13 && i == 3) csr_set(sstatus, SSTATUS_SUM);
  else if (cause == 12 && i == 4) l0[4] |= PTE_X;
  else if (cause == 12 && i == 6) l0[6] = leaf(frames[5], PTE_R | PTE_X | PTE_A);
  else {
    puts("unexpected fault\n");
    shutdown();
  }
  sfence();
  return epc; /* the access again */
}

static void enable_paging(void) {
  csr_write(satp, (8UL << 60) | ((u64)root >> 12));
  sfence();
}

void secondary(u64 hartid, u64 opaque) {
  csr_write(stvec, (u64)strap_entry);
  enable_paging();
  other_saw[0] = *(volatile u64 *)VA(7);
  other_ready = 1;
  while (!other_go) {}
  other_saw[1] = *(volatile u64 *)VA(7);
  other_ready = 2;
  SBI0(EXT_HSM, 1);
}

void kmain(u64 boot, const u8 *dtb) {
  puts("== S-mode kernel: paging ==\n");
  csr_write(stvec, (u64)strap_entry);
  root[2] = leaf((void *)0x80000000UL, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G);
  root[1] = ((u64)l1 >> 12) << 10 | PTE_V;
  l1[0] = ((u64)l0 >> 12) << 10 | PTE_V;
  for (int f = 0; f < 8; f++) *(u64 *)frames[f] = 0x1111111111111111UL * f;
  l0[0] = leaf(frames[0], PTE_R | PTE_W);                          /* A and D clear */
  l0[2] = leaf(frames[2], PTE_R | PTE_A);                          /* read-only */
  l0[3] = leaf(frames[3], PTE_U | PTE_R | PTE_W | PTE_A | PTE_D);   /* user page */
  l0[4] = leaf(frames[4], PTE_R | PTE_W | PTE_A | PTE_D);           /* not executable */
  enable_paging();

  u64 v = *(volatile u64 *)VA(0);
  say("read through the mapping", v == 0);
  say("A after a read", (l0[0] & PTE_A) != 0);
  say("D after a read", (l0[0] & PTE_D) != 0);
  *(volatile u64 *)VA(0) = 5;
  say("D after a write", (l0[0] & PTE_D) != 0);
  say("the frame holds the write", *(volatile u64 *)frames[0] == 5);

  say("unmapped page, read after the fault", *(volatile u64 *)VA(1) == 0x1111111111111111UL);
  *(volatile u64 *)VA(2) = 7;
  say("read-only page, written after the fault", *(volatile u64 *)frames[2] == 7);
  say("user page, read with SUM after the fault", *(volatile u64 *)VA(3) == 0x3333333333333333UL);
  csr_clear(sstatus, SSTATUS_SUM);

  *(volatile u16 *)frames[4] = 0x8082; /* c.ret */
  __asm__ volatile("fence.i");
  ((void (*)(void))VA(4))();
  puts("ran code on a page made executable after the fault\n");

  /* addi a0, a0, 0x123 at VA(5) + 4094: its low half on frame 7, its high half on frame 5 */
  l0[5] = leaf(frames[7], PTE_R | PTE_X | PTE_A);
  l0[6] = leaf(frames[5], PTE_R | PTE_X | PTE_A);
  sfence();
  *(volatile u16 *)&frames[7][4092] = 0x0001; /* c.nop */
  *(volatile u16 *)&frames[7][4094] = 0x0513;
  *(volatile u16 *)&frames[5][0] = 0x1235;
  *(volatile u16 *)&frames[5][2] = 0x8082; /* c.ret */
  __asm__ volatile("fence.i");
  u64 (*f)(u64) = (u64(*)(u64))(VA(5) + 4092);
  say("straddling instruction: 0x100 + 0x123", f(0x100));
  l0[6] = 0;
  sfence();
  say("again with its second page unmapped", f(0x200));
  say("faults", faults);

  int n = 0;
  for (u64 h = 0; h < 8; h++) n += SBI1(EXT_HSM, 2, h).error == 0;
  if (n > 1) {
    u64 other = boot == 0 ? 1 : 0;
    l0[7] = leaf(frames[0], PTE_R | PTE_A);
    sfence();
    SBI3(EXT_HSM, 0, other, (u64)secondary_entry, 0);
    while (other_ready != 1) {}
    l0[7] = leaf(frames[3], PTE_R | PTE_A);
    sbi_call(EXT_RFENCE, 1, 1UL << other, 0, VA(7), 4096, 0);
    other_go = 1;
    while (other_ready != 2) {}
    say("another hart read the old frame", other_saw[0] == 5);
    say("then, after remote_sfence_vma, the new one", other_saw[1] == 0x3333333333333333UL);
  }
  puts("done\n");
  shutdown();
}
