// Accessed and dirty bits under Sv39 (Privileged ISA 1.12, 4.3.2 step 7; this machine updates
// them in hardware): a load or fetch sets A, a store sets A and D; an access that faults (a store
// to a read-only page) sets neither. S-mode runs at 0x8000_0000 through an identity gigapage;
// test pages at VA 0x4000_0000 + i * 4 KiB.
#include "conf.h"
HARNESS
#define VA 0x40000000
// PTE for the page at label \pa with flags \flags into pt0 slot \i
.macro LEAF i, pa, flags
  la t0, \pa
  srli t0, t0, 12
  slli t0, t0, 10
  ori t0, t0, \flags
  la t1, pt0
  sd t0, (\i * 8)(t1)
.endm
// a0 := pt0 slot \i's A and D bits
.macro AD i
  la t1, pt0
  ld a0, (\i * 8)(t1)
  andi a0, a0, PTE_A | PTE_D
.endm
main:
  // root: slot 1 -> pt1, slot 2 = identity gigapage at 0x8000_0000 (RWX, A, D); pt1 slot 0 -> pt0
  la t0, pt1
  srli t0, t0, 12
  slli t0, t0, 10
  ori t0, t0, PTE_V
  la t1, pt2
  sd t0, 8(t1)
  li t0, (0x80000000 >> 12 << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
  sd t0, 16(t1)
  la t0, pt0
  srli t0, t0, 12
  slli t0, t0, 10
  ori t0, t0, PTE_V
  la t1, pt1
  sd t0, 0(t1)
  LEAF 0, page0, PTE_V | PTE_R | PTE_W
  LEAF 1, page1, PTE_V | PTE_R | PTE_W
  LEAF 2, page2, PTE_V | PTE_R
  LEAF 3, code_page, PTE_V | PTE_R | PTE_X
  LEAF 4, page4, PTE_V | PTE_R | PTE_W | PTE_A
  la t0, pt2
  srli t0, t0, 12
  li t1, 8 << 60
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  ENTER 1, 1f
1:
  li s2, VA
  CASE 2
  // a load sets A only
  NOTRAPS
  ld a1, 0(s2)
  EXPECT s8, 0
  EXPECT a1, 0x600d
  AD 0
  EXPECT a0, PTE_A
  CASE 3
  // a store sets A and D
  li t0, 0x1000
  add t0, s2, t0
  sd zero, 0(t0)
  AD 1
  EXPECT a0, PTE_A | PTE_D
  CASE 4
  // a store to a read-only page: store page fault (15), tval the address, no A nor D
  li t0, 0x2000
  add s3, s2, t0
  NOTRAPS
  sd zero, 8(s3)
  EXPECT_TRAP 15
  addi t0, s3, 8
  bne s11, t0, fail
  AD 2
  EXPECT a0, 0
  CASE 5
  // a fetch sets A
  li t0, 0x3000
  add t0, s2, t0
  li a1, 0
  jalr t0
  EXPECT a1, 0x77
  AD 3
  EXPECT a0, PTE_A
  CASE 6
  // a store to a page with A already set sets D
  li t0, 0x4000
  add t0, s2, t0
  sd zero, 0(t0)
  AD 4
  EXPECT a0, PTE_A | PTE_D
  CASE 7
  // after software clears A (and SFENCE.VMA), the next access sets it again
  la t1, pt0
  ld t0, 0(t1)
  andi t0, t0, ~PTE_A
  sd t0, 0(t1)
  sfence.vma
  ld a1, 0(s2)
  AD 0
  EXPECT a0, PTE_A
  ecall
  csrw satp, zero
  j pass

  .align 12
code_page:
  li a1, 0x77
  ret

  .data
  .align 12
pt2: .space 4096
pt1: .space 4096
pt0: .space 4096
page0: .dword 0x600d
  .align 12
page1: .space 4096
page2: .space 4096
page4: .space 4096
