// CSR access rules per privilege mode (Privileged ISA 1.12, 2.1 "CSR Address Mapping
// Conventions", 3.1.6.5 TVM/TW/TSR): bits 9:8 of a CSR number give the lowest mode that may
// access it, bits 11:10 = 3 make it read-only; an access against the rules, to a CSR the machine
// lacks, MRET/SRET below their mode, and what TVM, TW and TSR forbid raise an illegal instruction
// (cause 2) with mtval 0 or the instruction's bits. WARL fields keep legal values.
#include "conf.h"
HARNESS
// fail unless mtval is 0 or the 4 bytes at mepc
.macro EXPECT_TVAL_INSN
  beqz s11, 8f
  lwu t6, 0(s10)
  bne t6, s11, fail
8:
.endm
main:
  CASE 2
  ENTER 0, 1f
1:
  NOTRAPS
  csrr a0, mstatus
  EXPECT_TRAP 2
  EXPECT_TVAL_INSN
  CASE 3
  NOTRAPS
  csrr a0, sstatus
  EXPECT_TRAP 2
  CASE 4
  NOTRAPS
  sret
  EXPECT_TRAP 2
  NOTRAPS
  mret
  EXPECT_TRAP 2
  NOTRAPS
  sfence.vma
  EXPECT_TRAP 2
  ecall
  CASE 5
  ENTER 1, 1f
1:
  NOTRAPS
  csrr a0, sstatus
  csrr a0, sscratch
  EXPECT s8, 0
  csrr a0, mstatus
  EXPECT_TRAP 2
  NOTRAPS
  csrr a0, mscratch
  EXPECT_TRAP 2
  NOTRAPS
  mret
  EXPECT_TRAP 2
  ecall
  CASE 6
  // read-only numbers: a write is illegal even in M; csrrs with x0 only reads
  NOTRAPS
  csrw mvendorid, zero
  EXPECT_TRAP 2
  EXPECT_TVAL_INSN
  NOTRAPS
  csrrs a0, mhartid, x0
  csrrsi a0, mimpid, 0
  EXPECT s8, 0
  NOTRAPS
  csrrsi a0, mimpid, 1
  EXPECT_TRAP 2
  CASE 7
  // a CSR this machine lacks (the hypervisor's hstatus)
  NOTRAPS
  csrr a0, 0x600
  EXPECT_TRAP 2
  CASE 8
  // TVM: satp and SFENCE.VMA illegal in S
  li t0, MSTATUS_TVM
  csrs mstatus, t0
  ENTER 1, 1f
1:
  NOTRAPS
  csrr a0, satp
  EXPECT_TRAP 2
  NOTRAPS
  sfence.vma
  EXPECT_TRAP 2
  ecall
  li t0, MSTATUS_TVM
  csrc mstatus, t0
  ENTER 1, 1f
1:
  NOTRAPS
  csrr a0, satp
  sfence.vma
  EXPECT s8, 0
  ecall
  CASE 9
  // TW: WFI illegal in S
  li t0, MSTATUS_TW
  csrs mstatus, t0
  ENTER 1, 1f
1:
  NOTRAPS
  wfi
  EXPECT_TRAP 2
  ecall
  li t0, MSTATUS_TW
  csrc mstatus, t0
  CASE 10
  // TSR: SRET illegal in S
  li t0, MSTATUS_TSR
  csrs mstatus, t0
  ENTER 1, 1f
1:
  NOTRAPS
  sret
  EXPECT_TRAP 2
  ecall
  li t0, MSTATUS_TSR
  csrc mstatus, t0
  CASE 11
  // FS = Off: the FP CSRs are illegal
  li t0, 0x6000
  csrc mstatus, t0
  NOTRAPS
  csrr a0, fcsr
  EXPECT_TRAP 2
  NOTRAPS
  frflags a0
  EXPECT_TRAP 2
  CASE 12
  // MPP is WARL: 2 (no such mode) is not kept
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, 0x1000
  csrs mstatus, t0
  csrr a0, mstatus
  srli a0, a0, 11
  andi a0, a0, 3
  li t1, 2
  beq a0, t1, fail
  CASE 13
  // sstatus does not reach M-only fields: setting bit 3 (MIE) through it changes nothing
  csrci mstatus, MSTATUS_MIE
  csrsi sstatus, MSTATUS_MIE
  csrr a0, mstatus
  andi a0, a0, MSTATUS_MIE
  EXPECT a0, 0
  CASE 14
  // mtvec MODE 2 and 3 are reserved: the write keeps a legal mode
  csrr s5, mtvec
  la t0, trap_entry
  ori t0, t0, 2
  csrw mtvec, t0
  csrr a0, mtvec
  csrw mtvec, s5
  andi a0, a0, 3
  li t1, 2
  bgeu a0, t1, fail
  j pass
