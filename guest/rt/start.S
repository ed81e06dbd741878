/* Entry point of rt programs. The kernel leaves argc at sp, then argv, envp and auxv
 * (psABI "Process Initialization"); sp is 16-byte aligned. */
  .text
  .globl _start
  .type _start, @function
_start:
  .option push
  .option norelax
  lla gp, __global_pointer$   /* gp-relative accesses need gp; lla is pc-relative, so PIE-safe */
  .option pop
  mv a0, sp
  andi sp, sp, -16
  call __rt_start              /* does not return */
  unimp
  .size _start, .-_start
  .section .note.GNU-stack,"",@progbits
