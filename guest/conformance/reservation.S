// LR/SC and traps (Unprivileged ISA, "Load-Reserved/Store-Conditional"; Privileged ISA 1.12,
// "Trap-Return Instructions": an xRET may clear the reservation). hartscope's choice: MRET and SRET
// clear it, as Linux's return to user mode does by hand, so an SC never pairs with an LR from before
// a trap. Without a trap between them the pair succeeds; an SC with no reservation fails.
#include "conf.h"
HARNESS
main:
  la s0, word
  CASE 2
  // LR then SC, nothing between: succeeds and stores
  lr.d t0, (s0)
  li t1, 5
  sc.d a0, t1, (s0)
  EXPECT a0, 0
  ld a1, 0(s0)
  EXPECT a1, 5
  CASE 3
  // an SC with no reservation (the last SC consumed it) fails and stores nothing
  li t1, 6
  sc.d a0, t1, (s0)
  bnez a0, 1f
  j fail
1:
  ld a1, 0(s0)
  EXPECT a1, 5
  CASE 4
  // LR, then an ECALL (the trap handler returns with MRET), then SC: fails, word unchanged
  lr.d t0, (s0)
  NOTRAPS
  ecall
  EXPECT_TRAP 11
  li t1, 7
  sc.d a0, t1, (s0)
  bnez a0, 2f
  j fail
2:
  ld a1, 0(s0)
  EXPECT a1, 5
  CASE 5
  // the same from U-mode: LR in U, ECALL to M, MRET back to U, SC fails
  ENTER 0, user
user:
  lr.w t0, (s0)
  ecall
  li t1, 8
  sc.w a0, t1, (s0)
  mv s5, a0
  ecall
  // back in M (the harness's ecall from U sets MPP to M before returning)
  bnez s5, 3f
  j fail
3:
  ld a1, 0(s0)
  EXPECT a1, 5
  j pass

  .data
  .align 3
word: .dword 1
