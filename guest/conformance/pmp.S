// Physical memory protection (Privileged ISA 1.12, 3.7): pmpaddr holds address bits 55:2; R=0 W=1
// is reserved (not kept); the lowest-numbered matching entry decides for S and U, and an access
// no entry matches fails; TOR, NAPOT and NA4 ranges; unlocked entries do not bind M-mode, locked
// ones do, cannot be rewritten, and a locked TOR entry also locks the pmpaddr below it. Faults:
// fetch 1, load 5, store 7, mtval the address.
#include "conf.h"
HARNESS
main:
  CASE 2
  li t0, -1
  csrw pmpaddr5, t0
  csrr a0, pmpaddr5
  li t1, 0x003fffffffffffff
  bne a0, t1, fail
  csrw pmpaddr5, zero
  CASE 3
  // entry 5 R=0 W=1 (OFF): the reserved combination does not stay
  li t0, 0x02 << 40
  csrs pmpcfg0, t0
  csrr a0, pmpcfg0
  srli a0, a0, 40
  andi a0, a0, 3
  EXPECT a0, 0
  CASE 4
  // entry 0: TOR [0, protected) RWX; entry 1: NAPOT the protected page, R only; nothing else
  la s2, protected
  la s3, beyond
  srli t0, s2, 2
  csrw pmpaddr0, t0
  ori t0, t0, 0x1ff
  csrw pmpaddr1, t0
  li t0, 0x190f
  csrw pmpcfg0, t0
  ENTER 0, 1f
1:
  NOTRAPS
  ld a0, 0(s2)
  EXPECT s8, 0
  EXPECT a0, 0x5a5a
  CASE 5
  NOTRAPS
  sd zero, 8(s2)
  EXPECT_TRAP 7
  addi t0, s2, 8
  bne s11, t0, fail
  CASE 6
  NOTRAPS
  ld a0, 0(s3)
  EXPECT_TRAP 5
  bne s11, s3, fail
  CASE 7
  NOTRAPS
  la s7, 2f
  jr s3
2:
  EXPECT_TRAP 1
  bne s11, s3, fail
  ecall
  CASE 8
  // M-mode is not bound by unlocked entries
  NOTRAPS
  li t0, 0x77
  sd t0, 8(s2)
  ld a0, 0(s3)
  EXPECT s8, 0
  CASE 9
  // NA4: entry 2 gives U read access to the first word of `beyond` only
  srli t0, s3, 2
  csrw pmpaddr2, t0
  li t0, 0x11 << 16
  csrs pmpcfg0, t0
  ENTER 0, 1f
1:
  NOTRAPS
  lw a0, 0(s3)
  EXPECT s8, 0
  lw a0, 4(s3)
  EXPECT_TRAP 5
  ecall
  CASE 10
  // a locked TOR entry 4 locks pmpaddr3 too
  li t0, 0x1000
  csrw pmpaddr3, t0
  csrw pmpaddr4, t0
  li t0, (0x80 | 0x08 | 0x01) << 32
  csrs pmpcfg0, t0
  li t0, 0x2000
  csrw pmpaddr3, t0
  csrw pmpaddr4, t0
  csrr a0, pmpaddr3
  EXPECT a0, 0x1000
  csrr a0, pmpaddr4
  EXPECT a0, 0x1000
  CASE 11
  // locking entry 1 binds M-mode: the store faults, and the entry cannot be unlocked or moved
  li t0, 0x80 << 8
  csrs pmpcfg0, t0
  NOTRAPS
  sd zero, 8(s2)
  EXPECT_TRAP 7
  ld a0, 8(s2)
  EXPECT a0, 0x77
  csrc pmpcfg0, t0
  csrr a0, pmpcfg0
  srli a0, a0, 8
  andi a0, a0, 0xff
  EXPECT a0, 0x99
  csrr a1, pmpaddr1
  csrw pmpaddr1, zero
  csrr a0, pmpaddr1
  bne a0, a1, fail
  j pass

  .data
  .align 12
protected:
  .dword 0x5a5a
  .dword 0
  .align 12
beyond:
  .dword 0x1234
  .dword 0
