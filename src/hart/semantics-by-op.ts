// The semantics of each op id (src/isa/ops.ts), from the rows of semantics.ts by mnemonic: what
// the engines index at run time.

import { OP_COUNT } from "../isa/ops.js";
import { BASE_INSNS } from "../isa/table.js";
import { type Semantics, semanticsOf } from "./semantics.js";

export const SEMANTICS_BY_OP: readonly (Semantics | undefined)[] = (() => {
  const out: (Semantics | undefined)[] = new Array(OP_COUNT).fill(undefined);
  for (const spec of BASE_INSNS) out[spec.op] = semanticsOf(spec.name);
  return out;
})();

/** Mnemonics of the instruction table that have no semantics (tests require none). */
export function opsWithoutSemantics(): string[] {
  return BASE_INSNS.filter((s) => SEMANTICS_BY_OP[s.op] === undefined).map((s) => s.name);
}

/** Access size of each load and store op (0 for others); negative for stores. */
export const ACCESS_SIZE: Int8Array = (() => {
  const out = new Int8Array(OP_COUNT);
  SEMANTICS_BY_OP.forEach((sem, op) => {
    if (sem?.kind === "load") out[op] = sem.size;
    else if (sem?.kind === "store") out[op] = -sem.size;
  });
  return out;
})();
