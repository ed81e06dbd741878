// x registers by their ABI names (psABI "Integer Register Convention"; src/isa/disasm.ts X_NAMES
// prints them), for tests that write guest programs with the assembler helpers.

export const ra = 1;
export const sp = 2;
export const gp = 3;
export const tp = 4;
export const t0 = 5;
export const t1 = 6;
export const t2 = 7;
export const s0 = 8;
export const s1 = 9;
export const a0 = 10;
export const a1 = 11;
export const a2 = 12;
export const a3 = 13;
export const a4 = 14;
export const a5 = 15;
export const a6 = 16;
export const a7 = 17;
export const s2 = 18;
export const s3 = 19;
export const s4 = 20;
export const s5 = 21;
export const s6 = 22;
export const s7 = 23;
export const s8 = 24;
export const s9 = 25;
export const s10 = 26;
export const s11 = 27;
export const t3 = 28;
export const t4 = 29;
export const t5 = 30;
export const t6 = 31;
