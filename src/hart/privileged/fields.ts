// Fields of the privileged CSRs (Privileged ISA 1.12, chapters 3 and 4) as bit masks of their word
// pairs: a leaf module. "Low"/"high" name the 32-bit word of the 64-bit CSR.

/** mstatus, low word */
export const SIE = 1 << 1;
export const MIE = 1 << 3;
export const SPIE = 1 << 5;
export const MPIE = 1 << 7;
export const SPP = 1 << 8;
export const MPP_SHIFT = 11;
export const MPP = 3 << MPP_SHIFT;
export const FS = 3 << 13;
export const MPRV = 1 << 17;
export const SUM = 1 << 18;
export const MXR = 1 << 19;
export const TVM = 1 << 20;
export const TW = 1 << 21;
export const TSR = 1 << 22;
/** mstatus, high word: UXL = SXL = 2 (64-bit U and S modes), SD (bit 63) when FS is Dirty */
export const XL64 = 2 | (2 << 2);
export const SD_HIGH = 1 << 31;

/** The fields of mstatus software can write (the others are read-only zero or computed). */
export const MSTATUS_WRITABLE = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
/** What sstatus shows of mstatus (low word; the high word shows UXL and SD) ... */
export const SSTATUS_VISIBLE = SIE | SPIE | SPP | FS | SUM | MXR;
/** ... and what writing it changes. */
export const SSTATUS_WRITABLE = SSTATUS_VISIBLE;
export const SSTATUS_HIGH = 3 | SD_HIGH;

/** Interrupt bits of mip/mie (one per Irq code). */
export const SSIP = 1 << 1;
export const MSIP = 1 << 3;
export const STIP = 1 << 5;
export const MTIP = 1 << 7;
export const SEIP = 1 << 9;
export const MEIP = 1 << 11;
/** the interrupts a hart has */
export const ALL_IRQS = SSIP | MSIP | STIP | MTIP | SEIP | MEIP;
/** the supervisor-level interrupts: the only ones mideleg can delegate */
export const S_IRQS = SSIP | STIP | SEIP;
/** mip bits M-mode software writes (STIP only while Sstc's comparator does not drive it) */
export const MIP_WRITABLE = SSIP | STIP | SEIP;

/**
 * Exceptions medeleg can delegate: 0-9, 12, 13, 15. ECALL from M (11) never leaves M; 10 and 14
 * are reserved.
 */
export const MEDELEG_WRITABLE = 0x3ff | (1 << 12) | (1 << 13) | (1 << 15);

/** menvcfg: FIOM (low bit 0); STCE (bit 63, Sstc: stimecmp drives STIP) */
export const ENVCFG_FIOM = 1;
export const STCE_HIGH = 1 << 31;

/** satp.MODE (bits 63:60) */
export const SATP_BARE = 0;
export const SATP_SV39 = 8;
export const SATP_SV48 = 9;

/** misa: RV64 (MXL = 2) with A, C, D, F, I, M, S, U */
export const MISA_LOW =
  (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);
export const MISA_HIGH = 2 << 30;

export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;
