// CSR numbers and names, for disassembly (Privileged Architecture, chapter 2 "Control and Status
// Registers", tables 2.2-2.6, plus the standard extensions' CSRs: F, V, Sstc, Smstateen, AIA, Zkr,
// Sdtrig, Sdext, H). Which names exist depends on the privileged-spec version a binary was built for
// (ELF attribute Tag_RISCV_priv_spec); objdump follows it, so we do too.

export type PrivSpec = "1.10" | "1.11" | "1.12";

/** [number, name, first version, last version]; versions omitted = every supported version. */
type Row = [number, string, PrivSpec?, PrivSpec?];

const rows: Row[] = [
  // Unprivileged
  [0x000, "ustatus", undefined, "1.11"],
  [0x004, "uie", undefined, "1.11"],
  [0x005, "utvec", undefined, "1.11"],
  [0x040, "uscratch", undefined, "1.11"],
  [0x041, "uepc", undefined, "1.11"],
  [0x042, "ucause", undefined, "1.11"],
  [0x043, "utval", undefined, "1.11"],
  [0x044, "uip", undefined, "1.11"],
  [0x001, "fflags"],
  [0x002, "frm"],
  [0x003, "fcsr"],
  [0x008, "vstart"],
  [0x009, "vxsat"],
  [0x00a, "vxrm"],
  [0x00f, "vcsr"],
  [0x015, "seed"],
  [0xc00, "cycle"],
  [0xc01, "time"],
  [0xc02, "instret"],
  [0xc20, "vl"],
  [0xc21, "vtype"],
  [0xc22, "vlenb"],
  [0xc80, "cycleh"],
  [0xc81, "timeh"],
  [0xc82, "instreth"],
  // Supervisor
  [0x100, "sstatus"],
  [0x102, "sedeleg", undefined, "1.11"],
  [0x103, "sideleg", undefined, "1.11"],
  [0x104, "sie"],
  [0x105, "stvec"],
  [0x106, "scounteren"],
  [0x10a, "senvcfg", "1.12"],
  [0x114, "sieh"],
  [0x140, "sscratch"],
  [0x141, "sepc"],
  [0x142, "scause"],
  [0x143, "stval"],
  [0x144, "sip"],
  [0x14d, "stimecmp"],
  [0x150, "siselect"],
  [0x151, "sireg"],
  [0x154, "siph"],
  [0x15c, "stopei"],
  [0x15d, "stimecmph"],
  [0x180, "satp"],
  [0x5a8, "scontext"],
  [0xda0, "scountovf"],
  [0xdb0, "stopi"],
  // Virtual supervisor (H)
  [0x200, "vsstatus"],
  [0x204, "vsie"],
  [0x205, "vstvec"],
  [0x214, "vsieh"],
  [0x240, "vsscratch"],
  [0x241, "vsepc"],
  [0x242, "vscause"],
  [0x243, "vstval"],
  [0x244, "vsip"],
  [0x24d, "vstimecmp"],
  [0x250, "vsiselect"],
  [0x251, "vsireg"],
  [0x254, "vsiph"],
  [0x25c, "vstopei"],
  [0x25d, "vstimecmph"],
  [0x280, "vsatp"],
  [0xeb0, "vstopi"],
  // Hypervisor
  [0x600, "hstatus"],
  [0x602, "hedeleg"],
  [0x603, "hideleg"],
  [0x604, "hie"],
  [0x605, "htimedelta"],
  [0x606, "hcounteren"],
  [0x607, "hgeie"],
  [0x608, "hvien"],
  [0x609, "hvictl"],
  [0x60a, "henvcfg"],
  [0x613, "hidelegh"],
  [0x615, "htimedeltah"],
  [0x618, "hvienh"],
  [0x61a, "henvcfgh"],
  [0x643, "htval"],
  [0x644, "hip"],
  [0x645, "hvip"],
  [0x646, "hviprio1"],
  [0x647, "hviprio2"],
  [0x64a, "htinst"],
  [0x655, "hviph"],
  [0x656, "hviprio1h"],
  [0x657, "hviprio2h"],
  [0x680, "hgatp"],
  [0x6a8, "hcontext"],
  [0xe12, "hgeip"],
  // Machine
  [0x300, "mstatus"],
  [0x301, "misa"],
  [0x302, "medeleg"],
  [0x303, "mideleg"],
  [0x304, "mie"],
  [0x305, "mtvec"],
  [0x306, "mcounteren"],
  [0x308, "mvien"],
  [0x309, "mvip"],
  [0x30a, "menvcfg", "1.12"],
  [0x310, "mstatush", "1.12"],
  [0x313, "midelegh"],
  [0x314, "mieh"],
  [0x318, "mvienh"],
  [0x319, "mviph"],
  [0x31a, "menvcfgh", "1.12"],
  [0x320, "mcountinhibit", "1.11"],
  [0x340, "mscratch"],
  [0x341, "mepc"],
  [0x342, "mcause"],
  [0x343, "mtval"],
  [0x344, "mip"],
  [0x34a, "mtinst", "1.12"],
  [0x34b, "mtval2", "1.12"],
  [0x350, "miselect"],
  [0x351, "mireg"],
  [0x354, "miph"],
  [0x35c, "mtopei"],
  [0x747, "mseccfg", "1.12"],
  [0x757, "mseccfgh", "1.12"],
  [0xb00, "mcycle"],
  [0xb02, "minstret"],
  [0xb80, "mcycleh"],
  [0xb82, "minstreth"],
  [0xf11, "mvendorid"],
  [0xf12, "marchid"],
  [0xf13, "mimpid"],
  [0xf14, "mhartid"],
  [0xf15, "mconfigptr", "1.12"],
  [0xfb0, "mtopi"],
  // Debug / trace (Sdtrig, Sdext)
  [0x7a0, "tselect"],
  [0x7a1, "tdata1"],
  [0x7a2, "tdata2"],
  [0x7a3, "tdata3"],
  [0x7a4, "tinfo"],
  [0x7a5, "tcontrol"],
  [0x7a8, "mcontext"],
  [0x7aa, "mscontext"],
  [0x7b0, "dcsr"],
  [0x7b1, "dpc"],
  [0x7b2, "dscratch0"],
  [0x7b3, "dscratch1"],
];

/** Numbered families: [first number, name prefix, first index, last index, suffix, first version]. */
const families: [number, string, number, number, string, PrivSpec?][] = [
  [0x10c, "sstateen", 0, 3, ""],
  [0x30c, "mstateen", 0, 3, ""],
  [0x31c, "mstateen", 0, 3, "h"],
  [0x60c, "hstateen", 0, 3, ""],
  [0x61c, "hstateen", 0, 3, "h"],
  [0x323, "mhpmevent", 3, 31, ""],
  [0x723, "mhpmevent", 3, 31, "h"],
  [0x3a0, "pmpcfg", 0, 3, ""],
  [0x3a4, "pmpcfg", 4, 15, "", "1.12"],
  [0x3b0, "pmpaddr", 0, 15, ""],
  [0x3c0, "pmpaddr", 16, 63, "", "1.12"],
  [0xb03, "mhpmcounter", 3, 31, ""],
  [0xb83, "mhpmcounter", 3, 31, "h"],
  [0xc03, "hpmcounter", 3, 31, ""],
  [0xc83, "hpmcounter", 3, 31, "h"],
];

let familiesAdded = false;
function allRows(): Row[] {
  if (!familiesAdded) {
    familiesAdded = true;
    for (const [base, prefix, first, last, suffix, since] of families) {
      for (let i = first; i <= last; i++) rows.push([base + i - first, `${prefix}${i}${suffix}`, since]);
    }
  }
  return rows;
}

const ORDER: Record<PrivSpec, number> = { "1.10": 0, "1.11": 1, "1.12": 2 };

function table(v: PrivSpec): Map<number, string> {
  const m = new Map<number, string>();
  for (const [num, name, since, until] of allRows()) {
    if (since && ORDER[v] < ORDER[since]) continue;
    if (until && ORDER[v] > ORDER[until]) continue;
    m.set(num, name);
  }
  return m;
}

// built on first use: only the disassembler and the tracer name CSRs, `run` does not (issue 8)
const TABLES: Partial<Record<PrivSpec, Map<number, string>>> = {};

/** objdump's default when a binary names no privileged-spec version. */
export const DEFAULT_PRIV_SPEC: PrivSpec = "1.12";

/** CSR name, or undefined when the number has none in that privileged-spec version. */
export function csrName(csr: number, v: PrivSpec = DEFAULT_PRIV_SPEC): string | undefined {
  TABLES[v] ??= table(v);
  return TABLES[v].get(csr);
}

/** Maps an ELF priv-spec attribute (major, minor, revision) to the version whose CSR names apply. */
export function privSpecOf(major: number, minor: number): PrivSpec | undefined {
  if (major === 1 && minor === 10) return "1.10";
  if (major === 1 && minor === 11) return "1.11";
  if (major === 1 && minor === 12) return "1.12";
  return undefined;
}
