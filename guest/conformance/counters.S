// Counters (Privileged ISA 1.12, 3.1.11 and Zicntr): minstret counts retired instructions
// exactly, mcycle too (a cycle is an instruction here); a CSR write to a counter sets the value
// the next instruction reads (the writing instruction is not counted); the counters wrap at 2^64;
// cycle and instret in U-mode read the same counters, gated by mcounteren and scounteren
// (illegal instruction when the bit is clear).
#include "conf.h"
HARNESS
main:
  CASE 2
  csrr a0, minstret
  nop
  nop
  nop
  csrr a1, minstret
  sub a2, a1, a0
  EXPECT a2, 4
  CASE 3
  csrr a0, mcycle
  addi t0, t0, 1
  addi t0, t0, 1
  csrr a1, mcycle
  sub a2, a1, a0
  EXPECT a2, 3
  CASE 4
  // a loop of 100 iterations x 2 instructions, plus the li
  csrr a0, minstret
  li t0, 100
1:
  addi t0, t0, -1
  bnez t0, 1b
  csrr a1, minstret
  sub a2, a1, a0
  EXPECT a2, 202
  CASE 5
  csrwi minstret, 0
  csrr a0, minstret
  EXPECT a0, 0
  CASE 6
  li t0, 1000
  csrw minstret, t0
  nop
  csrr a0, minstret
  EXPECT a0, 1001
  CASE 7
  // wrap at 2^64: the read right after the write sees the written value, the one after it 0
  li t0, -1
  csrw minstret, t0
  csrr a0, minstret
  csrr a1, minstret
  EXPECT a0, -1
  EXPECT a1, 0
  CASE 8
  li t0, -2
  csrw mcycle, t0
  csrr a0, mcycle
  csrr a1, mcycle
  csrr a2, mcycle
  EXPECT a0, -2
  EXPECT a1, -1
  EXPECT a2, 0
  CASE 9
  // instret is minstret (read in M-mode)
  csrr a0, minstret
  csrr a1, instret
  sub a2, a1, a0
  EXPECT a2, 1
  CASE 10
  // U-mode: with mcounteren = 0, cycle/instret/time are illegal
  csrw mcounteren, zero
  csrw scounteren, zero
  ENTER 0, 1f
1:
  NOTRAPS
  rdcycle a0
  EXPECT_TRAP 2
  NOTRAPS
  rdinstret a0
  EXPECT_TRAP 2
  NOTRAPS
  rdtime a0
  EXPECT_TRAP 2
  ecall
  CASE 11
  // mcounteren enables S, and U too only with scounteren
  li t0, 7
  csrw mcounteren, t0
  ENTER 1, 1f
1:
  NOTRAPS
  rdinstret a0
  rdcycle a0
  rdtime a0
  EXPECT s8, 0
  ecall
  ENTER 0, 1f
1:
  NOTRAPS
  rdinstret a0
  EXPECT_TRAP 2
  ecall
  li t0, 4 // scounteren.IR only
  csrw scounteren, t0
  ENTER 0, 1f
1:
  NOTRAPS
  rdinstret a0
  rdinstret a1
  EXPECT s8, 0
  sub a2, a1, a0
  EXPECT a2, 1
  NOTRAPS
  rdcycle a0
  EXPECT_TRAP 2
  CASE 12
  // writing a counter from U is illegal even when reading is allowed (read-only CSR number)
  NOTRAPS
  csrw instret, zero
  EXPECT_TRAP 2
  ecall
  j pass
