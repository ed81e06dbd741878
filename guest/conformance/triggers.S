// The trigger module as this machine has it (Debug spec 1.0, "Trigger Module"): no triggers.
// tselect is hard-wired to 0, tdata1 reads type 0 ("no trigger at this tselect") whatever is
// written, tinfo says only type 0; the trigger CSRs are M-mode CSRs (U-mode access is illegal).
// And breakpoints through ebreak and c.ebreak: cause 3, mepc at the instruction, in every mode.
#include "conf.h"
// the 4-byte ebreak (the assembler would compress a plain one under rv64gc)
.macro EBREAK4
  .option push
  .option norvc
  ebreak
  .option pop
.endm
HARNESS
main:
  CASE 2
  NOTRAPS
  csrw tselect, zero
  csrr a0, tselect
  EXPECT a0, 0
  EXPECT s8, 0
  CASE 3
  li a0, 1
  csrw tselect, a0
  csrr a0, tselect
  EXPECT a0, 0
  CASE 4
  // an mcontrol execute trigger on M-mode fetches does not take: tdata1 stays type 0
  la a1, 1f
  csrw tdata2, a1
  li a0, (2 << 60) | (1 << 6) | (1 << 2)
  csrw tdata1, a0
  csrr a0, tdata1
  srli a0, a0, 60
  EXPECT a0, 0
1:
  EXPECT s8, 0
  CASE 5
  csrr a0, tinfo
  EXPECT a0, 1
  CASE 6
  NOTRAPS
  la a1, 2f
2:
  EBREAK4
  EXPECT_TRAP 3
  bne s10, a1, fail
  CASE 7
  NOTRAPS
  la a1, 3f
3:
  c.ebreak
  EXPECT_TRAP 3
  bne s10, a1, fail
  CASE 8
  // from U-mode (nothing delegated): to M with MPP = U
  ENTER 0, 4f
4:
  NOTRAPS
  EBREAK4
  EXPECT_TRAP 3
  CASE 9
  NOTRAPS
  csrr a0, tselect
  EXPECT_TRAP 2
  ecall
  CASE 10
  csrr a0, mstatus
  srli a0, a0, 11
  andi a0, a0, 3
  EXPECT a0, 0
  CASE 11
  // from S-mode with breakpoints delegated: to S (stvec), not M
  la t0, s_handler
  csrw stvec, t0
  li t0, 1 << 3
  csrw medeleg, t0
  ENTER 1, 5f
5:
  NOTRAPS
  li a0, 0
  EBREAK4
  EXPECT a0, 3
  EXPECT s8, 0
  ecall
  csrw medeleg, zero
  j pass

  .align 2
s_handler:
  csrr a0, scause
  csrr t0, sepc
  addi t0, t0, 4
  csrw sepc, t0
  sret
