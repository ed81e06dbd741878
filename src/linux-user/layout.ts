// Where things go in a riscv64 Linux user address space. hartscope uses the Sv39 layout
// (TASK_SIZE 256 GiB), the one Linux picks on most RV64 hardware, without randomization
// (like `setarch -R`), so every run places everything at the same addresses.

export const PAGE_SHIFT = 12;
export const PAGE = 1 << PAGE_SHIFT;

/** arch/riscv: TASK_SIZE for Sv39; STACK_TOP = TASK_SIZE. */
export const TASK_SIZE = 0x40_0000_0000;
export const STACK_TOP = TASK_SIZE;
/** Default RLIMIT_STACK (8 MiB), mapped up front: hartscope has no grow-down stack VMA. */
export const STACK_SIZE = 8 << 20;
/** mm/util.c mmap_base(): TASK_SIZE minus a gap of at least 128 MiB for the stack. */
export const MMAP_BASE = TASK_SIZE - 128 * 1024 * 1024;
/** arch/riscv ELF_ET_DYN_BASE: where a PIE program is loaded ((TASK_SIZE / 3) * 2, page aligned). */
export const ELF_ET_DYN_BASE = Math.floor(((TASK_SIZE / 3) * 2) / PAGE) * PAGE;

export const pageDown = (a: number): number => a - (a % PAGE);
export const pageUp = (a: number): number => pageDown(a + PAGE - 1);
export const isPageAligned = (a: number): boolean => a % PAGE === 0;
