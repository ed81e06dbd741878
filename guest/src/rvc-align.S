/* C extension in assembly: every compressed instruction by its c.* mnemonic, 32-bit
 * instructions at 2-byte (not 4-byte) alignment, branch/jump/call targets at 2 mod 4, an
 * auipc-relative load executed from 2 mod 4, and a 32-bit instruction that straddles a page
 * boundary. Called from rvc-align.c. */
  .option rvc
  .text

/* long rvc_all(long *buf, long x): uses every RV64C instruction once; returns a checksum.
 * buf points to 8 longs; buf[0..1] hold doubles. */
  .globl rvc_all
  .type rvc_all, @function
  .balign 4
rvc_all:
  c.addi16sp sp, -64
  c.sdsp ra, 56(sp)
  c.sdsp s0, 48(sp)
  c.sdsp s1, 40(sp)
  c.mv s0, a0
  c.mv s1, a1
  c.addi4spn a2, sp, 16          /* a2 = sp + 16 */
  c.li a3, -7
  c.sd a3, 0(a2)
  c.ld a4, 0(a2)                 /* -7 */
  c.lui a5, 0x1f                 /* 0x1f000 */
  c.add a4, a5
  c.addiw a4, 3
  c.lw a3, 16(s0)                /* buf[2] low word, sign-extended */
  c.add a4, a3
  c.sw a4, 20(s0)                /* buf[2] high word */
  c.ld a3, 16(s0)
  c.xor a4, a3
  c.srli a3, 7
  c.srai a4, 3
  c.andi a4, -21
  c.or a4, a3
  c.sub a4, s1
  c.and a3, a4
  c.addw a3, a4
  c.subw a4, a3
  c.slli a4, 9
  c.add a0, a4                   /* a0 = buf + checksum part: subtract buf again below */
  c.sub a0, s0
  /* FP: c.fld, c.fsd, c.fldsp, c.fsdsp */
  c.fld fa0, 0(s0)
  c.fld fa1, 8(s0)
  fadd.d fa0, fa0, fa1
  c.fsd fa0, 24(s0)
  c.fsdsp fa0, 8(sp)
  c.fldsp fa2, 8(sp)
  fmv.x.d a3, fa2
  c.add a0, a3
  /* c.swsp/c.lwsp */
  c.li a3, 31
  c.swsp a3, 4(sp)
  c.lwsp a4, 4(sp)
  c.add a0, a4
  /* c.beqz/c.bnez/c.j */
  c.li a3, 0
  c.beqz a3, 1f
  c.addi a0, 1                   /* skipped */
1:c.bnez a3, 2f
  c.addi a0, 2
2:c.j 3f
  c.addi a0, 4                   /* skipped */
3:
  /* c.jalr and c.jr through a local function */
  lla a5, rvc_helper
  c.jalr a5                      /* ra = here + 2 */
  c.add a0, a1
  c.nop
  c.ldsp ra, 56(sp)
  c.ldsp s0, 48(sp)
  c.ldsp s1, 40(sp)
  c.addi16sp sp, 64
  c.jr ra
  .size rvc_all, .-rvc_all

rvc_helper:
  c.li a1, 13
  c.jr ra

/* long misaligned_ops(long x): 32-bit instructions at 2 mod 4 */
  .globl misaligned_ops
  .type misaligned_ops, @function
  .balign 4
misaligned_ops:
  c.nop                          /* everything below starts at 2 mod 4 */
  .option push
  .option norvc
  addi a0, a0, 1000
  slli a0, a0, 2
  li t0, 123456
  mul a0, a0, t0
.Lauipc:
  auipc t1, %pcrel_hi(misaligned_data)
  ld t1, %pcrel_lo(.Lauipc)(t1)
  .option pop
  c.add a0, t1
  c.j 1f
  c.nop
  .option push
  .option norvc
1:xor a0, a0, t0                 /* jump target at 2 mod 4 */
  beq a0, zero, 2f
  addi a0, a0, 1
2:jal t2, odd_function           /* call a function whose entry is at 2 mod 4 */
  .option pop
  c.jr ra
  .size misaligned_ops, .-misaligned_ops

  .balign 4
  c.nop
odd_function:                    /* at 2 mod 4 */
  .option push
  .option norvc
  xori a0, a0, 0x555
  jalr zero, 0(t2)
  .option pop

  .globl odd_entry
  .type odd_entry, @function
  .balign 4
  c.nop
odd_entry:                       /* a C-callable function at 2 mod 4 */
  c.slli a0, 1
  addi a0, a0, 77
  ret
  .size odd_entry, .-odd_entry

/* long cross_page(long x): a c.nop sled over a whole page, then a 32-bit instruction whose
 * two halves lie on different pages */
  .section .text.cross, "ax", @progbits
  .balign 4096
  .globl cross_page
  .type cross_page, @function
cross_page:
  .rept (4096 - 6) / 2
  c.addi a0, 1
  .endr
  c.nop                          /* at page offset 4090 */
  c.nop                          /* 4092: the next instruction starts 2 bytes before the page end */
  .option push
  .option norvc
  addi a0, a0, 100               /* straddles the boundary */
  .option pop
  c.jr ra
  .size cross_page, .-cross_page

  .section .rodata
  .balign 8
misaligned_data:
  .dword 0x1122334455667788

  .section .note.GNU-stack,"",@progbits
