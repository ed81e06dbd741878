// Interrupts (Privileged ISA 1.12, 3.1.9 and 3.1.8): pending and enabled interrupts are taken in
// the order MEI, MSI, MTI, SEI, SSI, STI; an interrupt delegated to S is never taken in M, is
// taken in S only with sstatus.SIE, and always from U; an M-level interrupt is taken from S even
// with mstatus.MIE clear. mepc/sepc is the instruction not yet executed.
#include "conf.h"
HARNESS
.macro LOGGED i, cause
  la t0, log
  ld a0, (\i * 8)(t0)
  li t1, (1 << 63) | \cause
  bne a0, t1, fail
.endm
main:
  csrci mstatus, MSTATUS_MIE
  la s6, m_irq
  li s4, 0
  CASE 2
  // MSI, MTI, SSI and STI all pending and enabled, then MIE set: taken in priority order
  li t0, CLINT_MSIP
  li t1, 1
  sw t1, 0(t0)
  li t0, CLINT_MTIMECMP
  sd zero, 0(t0)
  li t0, (1 << 1) | (1 << 5)
  csrs mip, t0
  li t0, (1 << 1) | (1 << 3) | (1 << 5) | (1 << 7)
  csrw mie, t0
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  EXPECT s4, 4
  LOGGED 0, 3
  LOGGED 1, 7
  LOGGED 2, 1
  LOGGED 3, 5
  CASE 3
  // SSIP delegated: not taken in M even with MIE set
  li s4, 0
  li t0, 1 << 1
  csrw mideleg, t0
  csrw mie, t0
  csrs mip, t0
  la t1, s_irq
  csrw stvec, t1
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  EXPECT s4, 0
  CASE 4
  // in S with SIE clear: not taken
  ENTER 1, 1f
1:
  csrci sstatus, MSTATUS_SIE
  nop
  EXPECT s4, 0
  ecall
  CASE 5
  // in U: taken to stvec whatever SIE is, at once: sepc is U's first instruction
  ENTER 0, u_entry
u_entry:
  nop
  EXPECT s4, 1
  LOGGED 0, 1
  la t0, sepc_log
  ld a0, 0(t0)
  la t1, u_entry
  bne a0, t1, fail
  ecall
  CASE 6
  // an M-level software interrupt while in S with mstatus.MIE clear: taken to M
  li s4, 0
  li t0, 1 << 3
  csrw mie, t0
  ENTER 1, 1f
1:
  li t0, CLINT_MSIP
  li t1, 1
  sw t1, 0(t0)
  nop
  nop
  EXPECT s4, 1
  LOGGED 0, 3
  ecall
  csrw mideleg, zero
  j pass

// M-level interrupt: log mcause, quiet its source
m_irq:
  la t0, log
  slli t1, s4, 3
  add t0, t0, t1
  sd s9, 0(t0)
  addi s4, s4, 1
  li t0, 3
  slli t1, s9, 1
  srli t1, t1, 1
  bne t1, t0, 1f
  li t0, CLINT_MSIP
  sw zero, 0(t0)
  mret
1:
  li t0, 7
  bne t1, t0, 1f
  li t0, CLINT_MTIMECMP
  li t2, -1
  sd t2, 0(t0)
  mret
1:
  li t0, 1
  bne t1, t0, 1f
  li t0, 1 << 1
  csrc mip, t0
  mret
1:
  li t0, 1 << 5
  csrc mip, t0
  mret

  .align 2
s_irq:
  csrr a0, scause
  la t0, log
  slli t1, s4, 3
  add t0, t0, t1
  sd a0, 0(t0)
  addi s4, s4, 1
  csrr a0, sepc
  la t0, sepc_log
  sd a0, 0(t0)
  csrci sip, 1 << 1
  sret

  .data
  .align 3
log: .space 64
sepc_log: .dword 0
