// The SBI's binary interface (RISC-V Supervisor Binary Interface 2.0, "Binary Encoding"): an
// ECALL from S-mode with the extension id in a7, the function id in a6 and arguments in a0..a5
// returns an error code in a0 and a value in a1. The legacy extensions (ids 0x00..0x0F) return one
// value in a0 and leave a1 alone.

/** Extension ids: the legacy ones are numbers, the others ASCII names read as big-endian integers. */
export const Ext = {
  LEGACY_SET_TIMER: 0x00,
  LEGACY_CONSOLE_PUTCHAR: 0x01,
  LEGACY_CONSOLE_GETCHAR: 0x02,
  LEGACY_CLEAR_IPI: 0x03,
  LEGACY_SEND_IPI: 0x04,
  LEGACY_REMOTE_FENCE_I: 0x05,
  LEGACY_REMOTE_SFENCE_VMA: 0x06,
  LEGACY_REMOTE_SFENCE_VMA_ASID: 0x07,
  LEGACY_SHUTDOWN: 0x08,
  BASE: 0x10,
  TIME: 0x54494d45, // "TIME"
  IPI: 0x735049, // "sPI"
  RFENCE: 0x52464e43, // "RFNC"
  HSM: 0x48534d, // "HSM"
  SRST: 0x53525354, // "SRST"
  DBCN: 0x4442434e, // "DBCN"
} as const;

/** Error codes ("Standard SBI Errors"). */
export const SbiError = {
  SUCCESS: 0,
  FAILED: -1,
  NOT_SUPPORTED: -2,
  INVALID_PARAM: -3,
  DENIED: -4,
  INVALID_ADDRESS: -5,
  ALREADY_AVAILABLE: -6,
  ALREADY_STARTED: -7,
  ALREADY_STOPPED: -8,
  NO_SHMEM: -9,
} as const;

/** Base extension functions. */
export const BaseFn = {
  GET_SPEC_VERSION: 0,
  GET_IMPL_ID: 1,
  GET_IMPL_VERSION: 2,
  PROBE_EXTENSION: 3,
  GET_MVENDORID: 4,
  GET_MARCHID: 5,
  GET_MIMPID: 6,
} as const;

/** Spec version 2.0: major in bits 30:24, minor in 23:0. */
export const SPEC_VERSION = 2 << 24;

/**
 * The implementation id. The spec's registry lists BBL 0, OpenSBI 1, ... bhyve 11; hartscope's
 * built-in firmware is not registered and answers 0x4853 ("HS"), outside the registered range.
 */
export const IMPL_ID = 0x4853;
/** Implementation version: 0.1 (major in the upper 16 bits, as OpenSBI encodes it). */
export const IMPL_VERSION = 0x1;

/** RFENCE functions (the hypervisor fences, 3..6, are not supported: no H extension). */
export const RfenceFn = {
  REMOTE_FENCE_I: 0,
  REMOTE_SFENCE_VMA: 1,
  REMOTE_SFENCE_VMA_ASID: 2,
} as const;

/** HSM functions and hart states ("Hart State Management Extension"). */
export const HsmFn = { HART_START: 0, HART_STOP: 1, HART_GET_STATUS: 2, HART_SUSPEND: 3 } as const;
export const HartStatus = {
  STARTED: 0,
  STOPPED: 1,
  START_PENDING: 2,
  STOP_PENDING: 3,
  SUSPENDED: 4,
  SUSPEND_PENDING: 5,
  RESUME_PENDING: 6,
} as const;
/** hart_suspend's default types: retentive returns from the call, non-retentive restarts. */
export const SUSPEND_RETENTIVE = 0x0000_0000;
export const SUSPEND_NON_RETENTIVE = 0x8000_0000;

/** SRST reset types and reasons. */
export const ResetType = { SHUTDOWN: 0, COLD_REBOOT: 1, WARM_REBOOT: 2 } as const;
export const ResetReason = { NONE: 0, SYSTEM_FAILURE: 1 } as const;

/** DBCN functions. */
export const DbcnFn = { CONSOLE_WRITE: 0, CONSOLE_READ: 1, CONSOLE_WRITE_BYTE: 2 } as const;
