// Misaligned accesses as this machine does them (Privileged ISA 1.12, 3.6.3.3 and the A
// extension): ordinary loads and stores (integer and FP) of any alignment are performed, also
// across a page; LR/SC and AMOs must be naturally aligned, else an address-misaligned exception
// (LR: load, cause 4; SC and AMOs: store/AMO, cause 6) with mtval the address, memory unchanged.
#include "conf.h"
HARNESS
main:
  li t0, 0x2000 // FS = Initial
  csrs mstatus, t0
  la a1, data
  NOTRAPS
  CASE 2
  lw a0, 1(a1)
  EXPECT a0, 0x05040302
  CASE 3
  lh a0, 3(a1)
  EXPECT a0, 0x0504
  CASE 4
  lhu a0, 7(a1)
  EXPECT a0, 0x0908
  CASE 5
  ld a0, 3(a1)
  EXPECT a0, 0x0b0a090807060504
  CASE 6
  lwu a0, 6(a1)
  EXPECT a0, 0x0a090807
  CASE 7
  li a0, 0x1122334455667788
  sd a0, 17(a1)
  ld a2, 17(a1)
  bne a0, a2, fail
  lbu a2, 17(a1)
  EXPECT a2, 0x88
  lbu a2, 24(a1)
  EXPECT a2, 0x11
  CASE 8
  li a0, 0xcafe
  sh a0, 33(a1)
  lhu a2, 33(a1)
  EXPECT a2, 0xcafe
  li a0, 0x7bcdef01
  sw a0, 37(a1)
  lw a2, 37(a1)
  EXPECT a2, 0x7bcdef01
  CASE 9
  // across a page boundary: the last 3 bytes of one page and the first 5 of the next
  la a3, page_end
  li a0, 0x0102030405060708
  sd a0, -3(a3)
  ld a2, -3(a3)
  bne a0, a2, fail
  lbu a2, 0(a3)
  EXPECT a2, 0x05
  CASE 10
  // floating point
  li a0, 0x400921fb54442d18
  sd a0, 41(a1)
  fld fa0, 41(a1)
  fsd fa0, 51(a1)
  ld a2, 51(a1)
  bne a0, a2, fail
  flw fa1, 43(a1)
  fsw fa1, 61(a1)
  lwu a2, 61(a1)
  lwu a4, 43(a1)
  bne a2, a4, fail
  EXPECT s8, 0
  CASE 11
  // AMOs: cause 6, mtval the address, memory unchanged
  li a0, 7
  ld a4, 0(a1)
  addi a5, a1, 1
  NOTRAPS
  amoadd.w a2, a0, (a5)
  EXPECT_TRAP 6
  bne s11, a5, fail
  ld a2, 0(a1)
  bne a2, a4, fail
  CASE 12
  addi a5, a1, 4
  NOTRAPS
  amoswap.d a2, a0, (a5)
  EXPECT_TRAP 6
  bne s11, a5, fail
  CASE 13
  addi a5, a1, 2
  NOTRAPS
  lr.w a2, (a5)
  EXPECT_TRAP 4
  bne s11, a5, fail
  CASE 14
  NOTRAPS
  sc.w a2, a0, (a5)
  EXPECT_TRAP 6
  bne s11, a5, fail
  ld a2, 0(a1)
  bne a2, a4, fail
  CASE 15
  // the same from U-mode (through PMP entry 0): performed
  ENTER 0, 1f
1:
  NOTRAPS
  lw a0, 1(a1)
  EXPECT a0, 0x05040302
  EXPECT s8, 0
  ecall
  j pass

  .data
  .align 3
data:
  .byte 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
  .space 64
  .align 12
  .space 4096
page_end:
  .space 64
