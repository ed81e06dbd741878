// What a compiled region is to the run loop (hart-jit.ts) and to the engine that builds it
// (wasm/region-module.ts): the function's calling convention, its exit codes and side-exit tables,
// and the plan of which loads and stores share one data-TLB check.

import { opOf, rdOf, rs1Of } from "../decoded.js";
import type { ProbeSite } from "../probe-sink.js";
import { ACCESS_SIZE } from "../semantics-by-op.js";
import { INT_RD, type Insn } from "./region.js";

/** What compiled code works on: one hart's registers, and the data TLB of its compiled code. */
export interface JitContext {
  readonly r: Int32Array;
  readonly fd: Float64Array;
  /** the data TLB's entries (tlb.ts), in the hart's area */
  readonly tlb: Int32Array;
  /** mark[0]: the budget left when compiled code returned (the exit protocol below) */
  readonly mark: Int32Array;
  /** host offset of the hart's area in guest RAM's memory (wasm/layout.ts) */
  readonly area: number;
  /**
   * Fire the probe of the instruction at pc, `retired` instructions into this call of the region
   * (registers are stored), through `site` (its hooks, found when the region was compiled; null:
   * the sink has none, ask it); false when a hook threw (the code leaves before the instruction).
   */
  readonly probe: (pc: number, retired: number, site: ProbeSite | null) => boolean;
}

/*
 * The exit protocol. Compiled code for a region, entered at block `label` with `left` instructions
 * of budget (the wasm runtime's `enter`, with the region's table slot), returns an Exit code after
 * writing pc, with the budget left in mark[0]; or, from a side exit, -1 - n where n indexes the
 * region's side-exit table, with the budget left at the start of the block in mark[0] (the caller
 * sets pc from the table). It touches nothing of the Hart object itself, whose layout V8 may change
 * while code depending on it is optimized. (The run loop calls the one `enter` for every region: a
 * function of each region's own made V8 throw the loop's optimized code away whenever the target
 * changed, "wrong call target".)
 */

/** Why compiled code returned; pc is always written back first. */
export const Exit = {
  /** left the region; pc is where to continue */
  JUMP: 0,
  /** at an ECALL (retired) or EBREAK (not retired): the Stop codes of the same name */
  ECALL: 1,
  EBREAK: 2,
  /** pc is at an instruction only the interpreter runs: counter CSRs, privileged, probes */
  RARE: 5,
} as const;

/** A compiled region: its function, where its blocks start, its side exits and its resources. */
export interface RegionCode {
  /** the label of each block, by its start's key (region.ts's key of page index and entry) */
  labels: ReadonlyMap<number, number>;
  /** budget each label's block needs */
  lens: Int32Array;
  /** side exits: pc of the instruction to interpret, instructions of its block retired before it */
  exitPc: Float64Array;
  exitRetired: Int32Array;
  /** 1 where the exit's instruction is probed and its probe already fired in compiled code */
  exitFired: Uint8Array;
  /** bytes of the generated code */
  bytes: number;
  /** the engine's resources of the code are no longer needed (it will not run again) */
  release: () => void;
  /** its slot in the engine's table of region functions (wasm/runtime.ts) */
  slot: number;
}

/** Access size of a load (positive) or store (negative) op; 0 for others. */
const sizeOf = (op: number): number => Math.abs(ACCESS_SIZE[op]!);
const isStore = (op: number): boolean => ACCESS_SIZE[op]! < 0;

/** Accesses of a block through one base register, checked once (at `head`) for all. */
export interface AccessGroup {
  head: number;
  /** smallest offset, bytes from it to the end of the farthest access */
  minOff: number;
  span: number;
  load: boolean;
  store: boolean;
  /** the local holding the host offset of base + minOff (temps are reused once a group ends) */
  temp: number;
}

/** Bytes a group may span: more would make its one check fail near page ends more often. */
const MAX_GROUP_SPAN = 512;
const MAX_GROUP_TEMPS = 8;

/**
 * Group the loads (and, apart, the stores) of a block that use the same base register, with no
 * write to it in between: their addresses differ by constants, so one TLB check covers them all if their span
 * lies in one page. (Translations cannot change within a block: nothing in it maps memory.)
 */
export function planAccesses(insns: readonly Insn[]): (AccessGroup | undefined)[] {
  const plan: (AccessGroup | undefined)[] = new Array(insns.length).fill(undefined);
  const members = new Map<AccessGroup, number[]>();
  const open = new Map<number, AccessGroup>();
  insns.forEach((ins, k) => {
    const op = opOf(ins.w0);
    const size = sizeOf(op);
    const base = rs1Of(ins.w0);
    if (size !== 0 && base !== 0) {
      const off = ins.imm | 0;
      const store = isStore(op);
      // loads and stores group apart: a miss at a group's head fills the one entry its own
      // access needs (tlb.ts fill), which must then serve the whole group
      const at = base * 2 + (store ? 1 : 0);
      let g = open.get(at);
      if (g !== undefined) {
        const min = Math.min(g.minOff, off);
        const end = Math.max(g.minOff + g.span, off + size);
        if (end - min > MAX_GROUP_SPAN) g = undefined;
        else {
          g.minOff = min;
          g.span = end - min;
        }
      }
      if (g === undefined) {
        g = { head: k, minOff: off, span: size, load: !store, store, temp: -1 };
        open.set(at, g);
        members.set(g, []);
      }
      members.get(g)!.push(k);
      plan[k] = g;
    }
    // a write to a register ends the group using it as a base
    const rd = rdOf(ins.w0);
    if (INT_RD[op] === 1) {
      open.delete(rd * 2);
      open.delete(rd * 2 + 1);
    }
  });
  // groups of one are checked on their own; the others get a local while they are in use
  const busy: number[] = [];
  for (const [g, ks] of members) {
    const last = ks[ks.length - 1]!;
    if (ks.length < 2) {
      plan[ks[0]!] = undefined;
      continue;
    }
    let temp = busy.findIndex((until) => until < g.head);
    if (temp < 0 && busy.length < MAX_GROUP_TEMPS) temp = busy.length;
    if (temp < 0) {
      for (const k of ks) plan[k] = undefined;
      continue;
    }
    busy[temp] = last;
    g.temp = temp;
  }
  return plan;
}
