// The harness of the conformance kernels (guest/conformance/*.S): bare metal in M-mode at
// 0x8000_0000 (hartscope system --bios none), results through HTIF's tohost (1 = pass,
// (case << 1) | 1 = that case failed). Written from the Privileged ISA 1.12.
//
// Registers the harness owns: gp the current case; s8 traps taken since the test last cleared it;
// s9, s10, s11 the last trap's mcause, mepc, mtval; s7 where to resume after the next exception
// (0: after the trapping instruction); the handler uses t3, t4, t5; s6 an interrupt handler to jump to (it ends in mret).
// An ecall from U or S returns to M-mode after the ecall (the way back from a lower mode).

#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8

#define MSTATUS_SIE 0x2
#define MSTATUS_MIE 0x8
#define MSTATUS_MPP 0x1800
#define MSTATUS_MPRV 0x20000
#define MSTATUS_SUM 0x40000
#define MSTATUS_TVM 0x100000
#define MSTATUS_TW 0x200000
#define MSTATUS_TSR 0x400000
#define MPP_S 0x800

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80

// case n: what follows is case n
.macro CASE n
  li gp, \n
.endm

// fail the current case unless \reg == \value
.macro EXPECT reg, value
  li t6, \value
  bne \reg, t6, fail
.endm

// clear the trap record
.macro NOTRAPS
  li s8, 0
  li s9, -1
.endm

// fail unless exactly one exception of cause \cause was taken since NOTRAPS
.macro EXPECT_TRAP cause
  EXPECT s8, 1
  EXPECT s9, \cause
.endm

// continue at \label in privilege \mode (0 U, 1 S, 3 M) through mret
.macro ENTER mode, label
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, (\mode << 11)
  csrs mstatus, t0
  la t0, \label
  csrw mepc, t0
  mret
.endm

.macro HARNESS
  .section .text.init, "ax"
  .globl _start
_start:
  la t0, trap_entry
  csrw mtvec, t0
  la sp, stack_top
  // U and S reach nothing unless a PMP entry allows it (an entry exists): entry 0 allows all
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  li s6, 0
  li s7, 0
  NOTRAPS
  li gp, 0
  j main

  .align 2
trap_entry:
  csrr s9, mcause
  csrr s10, mepc
  csrr s11, mtval
  addi s8, s8, 1
  bltz s9, 4f
  // exceptions: ecall from U or S comes back to M
  li t5, 8
  beq s9, t5, 1f
  li t5, 9
  bne s9, t5, 2f
1:
  li t5, MSTATUS_MPP
  csrs mstatus, t5
2:
  beqz s7, 3f
  csrw mepc, s7
  li s7, 0
  mret
3:
  // skip the trapping instruction: 2 or 4 bytes by its low bits (mepc is an M-mode address here)
  lhu t5, 0(s10)
  andi t5, t5, 3
  li t4, 3
  addi t3, s10, 2
  bne t5, t4, 5f
  addi t3, t3, 2
5:
  csrw mepc, t3
  mret
4:
  beqz s6, fail_interrupt
  jr s6
fail_interrupt:
  li gp, 99
fail:
  slli t0, gp, 1
  ori t0, t0, 1
  la t1, tohost
  sd t0, 0(t1)
1: j 1b
pass:
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
1: j 1b

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .bss
  .align 4
  .space 4096
stack_top:
  .text
.endm
