// Guest pages: 4 KiB, as Sv39/Sv48 and Linux on RISC-V use them. A leaf module.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
