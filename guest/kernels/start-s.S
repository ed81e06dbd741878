# Entry of the S-mode kernels. The SBI firmware starts the boot hart at _start (a0 = hartid, a1 =
# the device tree) and, through HSM's hart_start, others at secondary_entry (a0 = hartid, a1 =
# opaque). Each hart gets 8 KiB of stack by hartid and tp = hartid; then kmain(hartid, dtb) or
# secondary(hartid, opaque). strap_entry saves the caller-saved registers, calls
# strap_handler(scause, sepc, stval) and returns (sret) to the pc it answers.
  .section .text.start
  .globl _start
_start:
  mv tp, a0
  addi t0, a0, 1
  slli t0, t0, 13
  la sp, stacks
  add sp, sp, t0
  call kmain
1:
  wfi
  j 1b

  .text
  .balign 4
  .globl secondary_entry
secondary_entry:
  mv tp, a0
  addi t0, a0, 1
  slli t0, t0, 13
  la sp, stacks
  add sp, sp, t0
  call secondary
1:
  wfi
  j 1b

  .balign 4
  .globl strap_entry
strap_entry:
  addi sp, sp, -128
  sd ra, 0(sp)
  sd t0, 8(sp)
  sd t1, 16(sp)
  sd t2, 24(sp)
  sd a0, 32(sp)
  sd a1, 40(sp)
  sd a2, 48(sp)
  sd a3, 56(sp)
  sd a4, 64(sp)
  sd a5, 72(sp)
  sd a6, 80(sp)
  sd a7, 88(sp)
  sd t3, 96(sp)
  sd t4, 104(sp)
  sd t5, 112(sp)
  sd t6, 120(sp)
  csrr a0, scause
  csrr a1, sepc
  csrr a2, stval
  call strap_handler
  csrw sepc, a0
  ld ra, 0(sp)
  ld t0, 8(sp)
  ld t1, 16(sp)
  ld t2, 24(sp)
  ld a0, 32(sp)
  ld a1, 40(sp)
  ld a2, 48(sp)
  ld a3, 56(sp)
  ld a4, 64(sp)
  ld a5, 72(sp)
  ld a6, 80(sp)
  ld a7, 88(sp)
  ld t3, 96(sp)
  ld t4, 104(sp)
  ld t5, 112(sp)
  ld t6, 120(sp)
  addi sp, sp, 128
  sret
