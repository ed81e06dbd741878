// Sv39 and Sv48 from bare-metal code in S and U mode, over page tables the test builds in RAM: an
// identity gigapage for the code, 4 KiB pages at an offset for data, page faults with their causes
// and tval (permissions, U/SUM, MXR, invalid and reserved PTEs, a misaligned superpage, a
// non-canonical address, a fetch without X), A and D set by the walk, a PTE changed through an alias
// and SFENCE.VMA, and a loop at a kernel-style high address (Sv48) running compiled.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Cause } from "../../../src/hart/stop.js";
import {
  a1,
  a7,
  assembleAt,
  type Board,
  board,
  CSR,
  csrc,
  csrr,
  csrs,
  csrw,
  DATA,
  ENGINES,
  j,
  type Line,
  la,
  ld,
  li,
  log,
  MSTATUS,
  mHandler,
  PMP_ALLOW_ALL,
  PTE,
  pass,
  poke,
  pte,
  RAM,
  ra,
  runSystem,
  s0,
  s1,
  s2,
  s3,
  s4,
  s5,
  sd,
  t0,
  t1,
  t2,
  t3,
  words,
} from "./board.js";

const { V, R, W, X, U, A, D } = PTE;

const ROOT = RAM + 0x20_0000;
const L1 = ROOT + 0x1000;
const L0 = ROOT + 0x2000;
const L2B = ROOT + 0x3000;
const FRAMES = RAM + 0x30_0000;
const S_LOG = DATA + 0x800;

/** the data pages' virtual base (Sv39: VPN2 = 1, through L1 and L0) */
const VA = 0x4000_0000;
/** an alias of the page tables: a megapage at VA + 4 MiB onto ROOT's 2 MiB */
const TABLES_VA = VA + 0x40_0000;
/** the user program's page */
const USER_VA = VA + 8 * 0x1000;

const satp = (mode: bigint, root: number): bigint => (mode << 60n) | BigInt(root / 4096);

/**
 * An S handler logging (scause, stval) at a1: a fetch fault returns to ra; an ECALL from U with
 * a7 = 93 becomes one from S (M passes the program); anything else returns past the instruction.
 */
function sHandlerPaging(): Line[] {
  return [
    { align: 4 },
    "shandler:",
    csrr(t0, CSR.scause),
    sd(t0, 0, a1),
    csrr(t1, CSR.stval),
    sd(t1, 8, a1),
    ["addi", { rd: a1, rs1: a1, imm: 16 }],
    ["addi", { rd: t1, rs1: 0, imm: 12 }],
    ["beq", { rs1: t0, rs2: t1 }, "fetch_fault"],
    ["addi", { rd: t1, rs1: 0, imm: 8 }],
    ["bne", { rs1: t0, rs2: t1 }, "skip"],
    ["ecall"], // a7 = 93 from U: pass through M
    "skip:",
    csrr(t0, CSR.sepc),
    ["addi", { rd: t0, rs1: t0, imm: 4 }],
    csrw(CSR.sepc, t0),
    ["sret"],
    "fetch_fault:",
    csrw(CSR.sepc, ra),
    ["sret"],
  ];
}

function sv39Tables(b: Board): void {
  const user = assembleAt(USER_VA, [
    ld(t1, 0, s2), // an S page from U: load page fault
    ["addi", { rd: a7, rs1: 0, imm: 93 }],
    ["ecall"],
  ]);
  b.mem.write(FRAMES + 8 * 0x1000, user.code);
  for (let k = 0; k < 8; k++) poke(b, FRAMES + k * 0x1000, BigInt(0x1000 + k));
  poke(b, ROOT + 2 * 8, pte(RAM, V | R | W | X)); // identity gigapage, A and D left to the walk
  poke(b, ROOT + 1 * 8, pte(L1, V));
  poke(b, L1 + 0 * 8, pte(L0, V));
  poke(b, L1 + 1 * 8, pte(FRAMES + 0x1000, V | R | W | A | D)); // misaligned megapage
  poke(b, L1 + 2 * 8, pte(ROOT, V | R | W | A | D)); // the tables' alias
  const leaf = [V | R | W, V | R, V | X, V | U | R | W, 0n, V | W, V | R | W | A | D, 0n, V | U | R | X];
  leaf.forEach((flags, k) => {
    poke(b, L0 + k * 8, flags === 0n ? 0n : pte(FRAMES + k * 0x1000, flags));
  });
}

const SV39: Line[] = [
  la(t0, "mhandler"),
  csrw(CSR.mtvec, t0),
  la(t0, "shandler"),
  csrw(CSR.stvec, t0),
  li(a1, S_LOG),
  ...PMP_ALLOW_ALL,
  li(t0, (1 << 12) | (1 << 13) | (1 << 15) | (1 << 8)), // page faults and ECALL from U go to S
  csrw(CSR.medeleg, t0),
  li(t0, satp(8n, ROOT)),
  csrw(CSR.satp, t0),
  li(t0, MSTATUS.MPP_S),
  csrs(CSR.mstatus, t0),
  la(t0, "supervisor"),
  csrw(CSR.mepc, t0),
  ["mret"],
  "supervisor:",
  li(s2, VA),
  ld(s0, 0, s2), // page 0: read, then written (A, then D)
  ["addi", { rd: s0, rs1: s0, imm: 1 }],
  sd(s0, 8, s2),
  li(t2, VA + 0x1000),
  ld(s1, 0, t2), // page 1: read-only
  sd(s1, 0, t2), // store page fault
  li(t2, VA + 0x2000),
  ld(t1, 0, t2), // page 2: execute-only: load page fault
  li(t0, MSTATUS.MXR),
  csrs(CSR.sstatus, t0),
  ld(s3, 0, t2), // ... readable with MXR
  csrc(CSR.sstatus, t0),
  li(t2, VA + 0x3000),
  ld(t1, 0, t2), // page 3: a U page from S: load page fault
  li(t0, MSTATUS.SUM),
  csrs(CSR.sstatus, t0),
  ld(s4, 0, t2), // ... allowed with SUM
  csrc(CSR.sstatus, t0),
  li(t2, VA + 0x4000),
  ld(t1, 0, t2), // page 4: invalid
  li(t2, VA + 0x5000),
  ld(t1, 0, t2), // page 5: W without R (reserved)
  li(t2, VA + 0x20_0000),
  ld(t1, 0, t2), // a misaligned megapage
  li(t2, 0x80_0000_0000),
  ld(t1, 0, t2), // not sign-extended from bit 38
  li(t2, VA + 0x1000),
  ["jalr", { rd: ra, rs1: t2, imm: 0 }], // page 1 has no X: fetch page fault, back at ra
  // change page 6's PTE through the tables' alias (a megapage), then SFENCE.VMA that page
  li(s5, VA + 0x6000),
  ld(t3, 0, s5),
  li(t0, pte(FRAMES + 0x7000, V | R | W | A | D)),
  li(t2, TABLES_VA + 0x2000 + 6 * 8),
  sd(t0, 0, t2),
  ["sfence.vma", { rs1: s5, rs2: 0 }],
  ld(s5, 0, s5),
  // a loop over page 0 (compiled), then to U at the user page
  li(t2, 200),
  "loop:",
  ld(t0, 8, s2),
  ["add", { rd: s1, rs1: s1, rs2: t0 }],
  ["addi", { rd: t2, rs1: t2, imm: -1 }],
  ["bne", { rs1: t2, rs2: 0 }, "loop"],
  li(t0, USER_VA),
  csrw(CSR.sepc, t0),
  li(t0, MSTATUS.SPP),
  csrc(CSR.sstatus, t0),
  ["sret"],
  ...sHandlerPaging(),
  ...mHandler(),
];

for (const [engine, jit] of ENGINES) {
  test(`${engine}: Sv39: a gigapage, 4 KiB pages, page faults by cause and tval, A/D, MXR, SUM, SFENCE.VMA`, () => {
    const b = board(SV39, jit);
    sv39Tables(b);
    runSystem(b, { slice: 97 });
    const va = (off: number) => BigInt(VA + off);
    assert.deepEqual(log(b, S_LOG, a1), [
      [15n, va(0x1000)],
      [13n, va(0x2000)],
      [13n, va(0x3000)],
      [13n, va(0x4000)],
      [13n, va(0x5000)],
      [13n, va(0x20_0000)],
      [13n, 0x80_0000_0000n],
      [12n, va(0x1000)],
      [13n, va(0)], // from U
      [8n, 0n],
    ]);
    assert.equal(b.state.getX(s0), 0x1001, "page 0 read");
    assert.equal(words(b, FRAMES + 8, 1)[0], 0x1001n, "page 0 written at its frame");
    assert.equal(b.state.getX(s3), 0x1002, "execute-only page read with MXR");
    assert.equal(b.state.getX(s4), 0x1003, "U page read from S with SUM");
    assert.equal(b.state.getX(t3), 0x1006, "page 6 before the change");
    assert.equal(b.state.getX(s5), 0x1007, "page 6 after the change and SFENCE.VMA");
    assert.equal(b.state.getX(s1), 0x1001 + 200 * 0x1001, "the loop over page 0");
    const [p0, p1, p2] = words(b, L0, 3);
    assert.equal(p0! & (A | D), A | D, "A and D set by the walk (page 0)");
    assert.equal(p1! & (A | D), A, "A only (page 1: read; its store faulted)");
    assert.equal(p2! & (A | D), A, "A (page 2, read through MXR)");
    assert.equal(words(b, ROOT + 16, 1)[0]! & (A | D), A | D, "the gigapage: fetched and written");
    assert.deepEqual(
      b.traps.filter((t) => t.cause !== Cause.LOAD_PAGE_FAULT).map((t) => [t.cause, t.from]),
      [
        [Cause.STORE_PAGE_FAULT, 1],
        [Cause.FETCH_PAGE_FAULT, 1],
        [Cause.ECALL_U, 0],
        [Cause.ECALL_S, 1],
      ],
    );
    if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });
}

/** Sv48: the kernel-style alias of RAM at the top of the address space */
const HIGH = -0x8000_0000; // 0xffff_ffff_8000_0000

function sv48Tables(b: Board): void {
  // root[511] -> L2 (L1 here), L2[510] -> L1 (L0 here), L1[0]: a megapage onto RAM
  poke(b, ROOT + 511 * 8, pte(L1, V));
  poke(b, L1 + 510 * 8, pte(L0, V));
  poke(b, L0 + 0 * 8, pte(RAM, V | R | W | X | A | D));
  // root[0] -> L2B, L2B[2]: the identity gigapage at 0x8000_0000
  poke(b, ROOT + 0 * 8, pte(L2B, V));
  poke(b, L2B + 2 * 8, pte(RAM, V | R | W | X | A | D));
}

const SV48: Line[] = [
  la(t0, "mhandler"),
  csrw(CSR.mtvec, t0),
  ...PMP_ALLOW_ALL,
  li(t0, satp(9n, ROOT)),
  csrw(CSR.satp, t0),
  li(t0, MSTATUS.MPP_S),
  csrs(CSR.mstatus, t0),
  la(t0, "supervisor"),
  li(t1, HIGH - RAM),
  ["add", { rd: t0, rs1: t0, rs2: t1 }], // the high alias of the S code
  csrw(CSR.mepc, t0),
  ["mret"],
  "supervisor:",
  ["auipc", { rd: s0, imm: 0 }], // where S runs
  li(t2, 500),
  li(s2, DATA + 0x100), // through the identity gigapage
  "loop:",
  sd(t2, 0, s2),
  ld(t0, 0, s2),
  ["add", { rd: s1, rs1: s1, rs2: t0 }],
  ["addi", { rd: t2, rs1: t2, imm: -1 }],
  ["bne", { rs1: t2, rs2: 0 }, "loop"],
  ["jal", { rd: ra }, "call"], // a call and return at high addresses
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
  "call:",
  ["addi", { rd: s3, rs1: ra, imm: 0 }],
  ["jalr", { rd: 0, rs1: ra, imm: 0 }],
  j("call"),
  ...mHandler(),
];

for (const [engine, jit] of ENGINES) {
  test(`${engine}: Sv48: code at 0xffff_ffff_8000_0000 (a megapage) runs a compiled loop, calls and returns`, () => {
    const b = board(SV48, jit);
    sv48Tables(b);
    runSystem(b, { slice: 211 });
    const high = (label: string) => HIGH + (b.at[label]! - RAM);
    assert.equal(b.state.getX(s0), high("supervisor"), "S ran at the high alias");
    assert.equal(b.state.getX(s1), (500 * 501) / 2);
    assert.equal(b.state.getX(s3), high("call") - 8, "ra: the high address after the jal");
    assert.deepEqual(
      b.traps.map((t) => [t.cause, t.from, t.epc]),
      [[Cause.ECALL_S, 1, high("call") - 4]],
    );
    if (jit !== false) assert.ok(b.hart.jit!.cache.compiled > 0, "the loop ran compiled");
  });
}

const MPRV_PROGRAM: Line[] = [
  la(t0, "mhandler"),
  csrw(CSR.mtvec, t0),
  ...PMP_ALLOW_ALL,
  li(t0, satp(8n, ROOT)),
  csrw(CSR.satp, t0),
  li(t0, MSTATUS.MPRV | MSTATUS.MPP_S),
  csrs(CSR.mstatus, t0),
  li(t2, VA),
  ld(s0, 0, t2), // translated as S: page 0's frame
  li(t2, VA + 0x4000),
  ld(t1, 0, t2), // page 4 is invalid: a load page fault, taken in M
  li(t0, MSTATUS.MPRV),
  csrc(CSR.mstatus, t0),
  li(t2, FRAMES + 0x1000),
  ld(s1, 0, t2), // bare again
  ...pass(),
  ...mHandler(),
];

for (const [engine, jit] of ENGINES) {
  test(`${engine}: M-mode loads with MPRV go through S's translation; its faults stay in M`, () => {
    const b = board(MPRV_PROGRAM, jit);
    sv39Tables(b);
    runSystem(b, { slice: 13 });
    assert.equal(b.state.getX(s0), 0x1000, "page 0's frame through the page table");
    assert.equal(b.state.getX(s1), 0x1001, "page 1's frame, physical");
    assert.deepEqual(
      b.traps.map((t) => [t.cause, t.from, t.tval]),
      [[Cause.LOAD_PAGE_FAULT, 3, VA + 0x4000]],
    );
  });
}

/** code pages: a loop across the boundary of CODE_VA's two pages, the second page remapped later */
const CODE_VA = VA + 0x10_000;
const CODE_FRAME = FRAMES + 0x10_000;

function remapTables(b: Board): void {
  sv39Tables(b);
  for (let k = 0; k < 3; k++) poke(b, L0 + (16 + k) * 8, pte(CODE_FRAME + k * 0x1000, V | R | X | A));
  const first = assembleAt(CODE_VA + 0xff0, [
    "loop:",
    ["addi", { rd: t2, rs1: t2, imm: -1 }],
    ["addi", { rd: s0, rs1: s0, imm: 1 }],
    ["addi", { rd: 0, rs1: 0, imm: 0 }],
    ["addi", { rd: 0, rs1: 0, imm: 0 }],
  ]);
  b.mem.write(CODE_FRAME + 0xff0, first.code);
  const second = (step: number) =>
    assembleAt(CODE_VA + 0x1000, [
      ["addi", { rd: s1, rs1: s1, imm: step }],
      ["bne", { rs1: t2, rs2: 0, imm: -0x14 }],
      ["jalr", { rd: 0, rs1: ra, imm: 0 }],
    ]).code;
  b.mem.write(CODE_FRAME + 0x1000, second(1));
  b.mem.write(CODE_FRAME + 0x2000, second(2));
}

const REMAP: Line[] = [
  la(t0, "mhandler"),
  csrw(CSR.mtvec, t0),
  ...PMP_ALLOW_ALL,
  li(t0, satp(8n, ROOT)),
  csrw(CSR.satp, t0),
  li(t0, MSTATUS.MPP_S),
  csrs(CSR.mstatus, t0),
  la(t0, "supervisor"),
  csrw(CSR.mepc, t0),
  ["mret"],
  "supervisor:",
  li(s2, CODE_VA + 0xff0),
  li(t2, 60),
  ["jalr", { rd: ra, rs1: s2, imm: 0 }],
  // the loop's second page now maps the other frame
  li(t0, pte(CODE_FRAME + 0x2000, V | R | X | A)),
  li(t1, TABLES_VA + 0x2000 + 17 * 8),
  sd(t0, 0, t1),
  li(t1, CODE_VA + 0x1000),
  ["sfence.vma", { rs1: t1, rs2: 0 }],
  li(t2, 60),
  ["jalr", { rd: ra, rs1: s2, imm: 0 }],
  // and back to the first frame, whose code is decoded already (no new code page to notice)
  li(t0, pte(CODE_FRAME + 0x1000, V | R | X | A)),
  li(t1, TABLES_VA + 0x2000 + 17 * 8),
  sd(t0, 0, t1),
  li(t1, CODE_VA + 0x1000),
  ["sfence.vma", { rs1: t1, rs2: 0 }],
  li(t2, 60),
  ["jalr", { rd: ra, rs1: s2, imm: 0 }],
  ["addi", { rd: a7, rs1: 0, imm: 93 }],
  ["ecall"],
  ...mHandler(),
];

for (const [engine, jit] of ENGINES) {
  test(`${engine}: a loop across two pages runs the code mapped after each remap and SFENCE.VMA of its second page`, () => {
    // regions that jump into each other merge early (a region over both pages); unchained, since a
    // chained jump bypasses the run loop, whose count of crossings is what merges regions
    const b = board(REMAP, jit && { ...jit, chain: false, growAt: 8, growPerInsn: 0, maxGrows: 3 });
    remapTables(b);
    let spanned = 0;
    runSystem(b, {
      slice: 29,
      onRun: (x) => {
        if (x.hart.priv !== 1 || x.hart.jit === undefined) return;
        const code = x.hart.jit.pageCodeAt(CODE_VA + 0xff0);
        spanned = Math.max(spanned, code?.entryRegion[0xff0 / 2]?.pages.length ?? 0);
      },
    });
    assert.equal(b.state.getX(s0), 180);
    assert.equal(b.state.getX(s1), 60 * 1 + 60 * 2 + 60 * 1, "each run used the page mapped then");
    if (jit !== false) assert.equal(spanned, 2, "the loop ran compiled, one region over both pages");
  });
}
