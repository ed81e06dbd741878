# An S-mode payload for OpenSBI's fw_jump (at 0x8020_0000): prints through the SBI legacy console
# (a7 = 1, putchar) and shuts down through SBI's legacy shutdown (a7 = 8).
  .section .text.start
  .globl _start
_start:
  # OpenSBI starts only its boot hart here (whichever won; the others stay stopped)
  la s0, msg
1:
  lbu a0, 0(s0)
  beqz a0, 2f
  li a7, 1
  ecall
  addi s0, s0, 1
  j 1b
2:
  li a7, 8
  ecall
park:
  wfi
  j park
  .section .rodata
msg:
  .asciz "Hello from S-mode through the SBI console\n"
