// WFI (Privileged ISA 1.12, 3.3.3): it returns once an interrupt is pending and enabled in mie,
// whether or not mstatus.MIE lets it be taken; with MIE set the interrupt is then taken, mepc
// the instruction after the WFI. The CLINT's timer (mtimecmp <= mtime) raises MTIP and its msip
// raises MSIP.
#include "conf.h"
HARNESS
main:
  csrci mstatus, MSTATUS_MIE
  CASE 2
  // a software interrupt pending and enabled in mie, MIE off: WFI returns, nothing is taken
  li t0, CLINT_MSIP
  li t1, 1
  sw t1, 0(t0)
  li t0, 1 << 3
  csrw mie, t0
  NOTRAPS
  wfi
  EXPECT s8, 0
  csrr a0, mip
  andi a0, a0, 1 << 3
  EXPECT a0, 1 << 3
  li t0, CLINT_MSIP
  sw zero, 0(t0)
  csrr a0, mip
  andi a0, a0, 1 << 3
  EXPECT a0, 0
  CASE 3
  // the timer wakes WFI: mtimecmp 1000 ticks ahead
  li t0, 1 << 7
  csrw mie, t0
  li t0, CLINT_MTIME
  ld t1, 0(t0)
  addi s4, t1, 1000
  li t0, CLINT_MTIMECMP
  sd s4, 0(t0)
  csrr a0, mip
  andi a0, a0, 1 << 7
  EXPECT a0, 0
  NOTRAPS
1:
  wfi
  csrr a0, mip
  andi a0, a0, 1 << 7
  beqz a0, 1b
  EXPECT s8, 0
  li t0, CLINT_MTIME
  ld t1, 0(t0)
  bltu t1, s4, fail
  CASE 4
  // with MIE set it is taken: mcause 0x8000000000000007, mepc after the WFI
  la s6, timer_handler
  li t0, CLINT_MTIME
  ld t1, 0(t0)
  addi t1, t1, 500
  li t0, CLINT_MTIMECMP
  sd t1, 0(t0)
  NOTRAPS
  csrsi mstatus, MSTATUS_MIE
  wfi
after_wfi:
  csrci mstatus, MSTATUS_MIE
  EXPECT s8, 1
  li t0, (1 << 63) | 7
  bne s9, t0, fail
  la t0, after_wfi
  bne s10, t0, fail
  CASE 5
  // a pending SSIP enabled in mie wakes WFI too (not delegated, MIE off)
  csrw mie, zero
  li t0, 1 << 1
  csrs mip, t0
  csrw mie, t0
  NOTRAPS
  wfi
  EXPECT s8, 0
  csrc mip, t0
  j pass

timer_handler:
  li t0, CLINT_MTIMECMP
  li t1, -1
  sd t1, 0(t0)
  mret
