// Which of several symbols at one address names it, the way GNU objdump chooses (found by experiment
// with crafted symbol tables, see test/elf/symbols.test.ts): a function, then an object, then anything
// else; global, then weak, then local; the larger size; a name not starting with '.'; finally the
// smaller name in byte order. Kept free of imports so elf.ts and symbols.ts can both use it.

interface Ranked {
  name: string;
  type: number; // STT_*
  bind: number; // STB_*
  size: number;
}

const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const STB_LOCAL = 0;
const STB_GLOBAL = 1;

const typeRank = (s: Ranked) =>
  s.type === STT_FUNC || s.type === STT_GNU_IFUNC ? 0 : s.type === STT_OBJECT ? 1 : 2;
const bindRank = (s: Ranked) => (s.bind === STB_GLOBAL ? 0 : s.bind === STB_LOCAL ? 2 : 1);
const dotRank = (s: Ranked) => (s.name.startsWith(".") ? 1 : 0);

/** Negative when `a` is objdump's better name for their (equal) address. */
export function preferSymbol(a: Ranked, b: Ranked): number {
  return (
    typeRank(a) - typeRank(b) ||
    bindRank(a) - bindRank(b) ||
    b.size - a.size ||
    dotRank(a) - dotRank(b) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/** RISC-V mapping symbols ($x, $x<isa>, $d) mark code and data; they never name an address (psABI). */
export function isMappingSymbol(name: string): boolean {
  return name === "$d" || name.startsWith("$x") || name.startsWith("$d.");
}
