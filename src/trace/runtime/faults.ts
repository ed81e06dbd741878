// Faults during a clause's actions, reported the way dtrace reports them:
//
//   dtrace: error on enabled probe ID 3 (ID 12: kinst:prog:f:4): invalid address (0x0) in action #1
//
// (dt_handle_err's message, program name first as dtrace(1)'s error() writes it; hartscope has
// no DIF, so where dtrace adds "at DIF offset N" the message ends at the action.)

import type { ProbeDescription } from "./records.js";
import { type IntValue, toBig } from "./values.js";

/** DTrace's fault codes (DTRACEFLT_*), by what they mean. */
export enum Fault {
  BadAddress = "badaddr",
  BadAlignment = "badalign",
  IllegalOperation = "illop",
  DivideByZero = "divzero",
  NoScratch = "noscratch",
  KernelPrivilege = "kpriv",
  UserPrivilege = "upriv",
  TupleOverflow = "tupoflow",
  BadStack = "badstack",
  BadSize = "badsize",
  Library = "library",
}

const FAULT_TEXT: Record<Fault, string> = {
  [Fault.BadAddress]: "invalid address",
  [Fault.BadAlignment]: "invalid alignment",
  [Fault.IllegalOperation]: "illegal operation",
  [Fault.DivideByZero]: "divide-by-zero",
  [Fault.NoScratch]: "out of scratch space",
  [Fault.KernelPrivilege]: "invalid kernel access",
  [Fault.UserPrivilege]: "invalid user access",
  [Fault.TupleOverflow]: "tuple stack overflow",
  [Fault.BadStack]: "bad stack",
  [Fault.BadSize]: "invalid size",
  [Fault.Library]: "library-level fault",
};

/** What dtrace calls a fault ("invalid address", "divide-by-zero", ...). */
export function faultText(f: Fault): string {
  return FAULT_TEXT[f];
}

/**
 * A fault raised by compiled D code in the middle of a clause. `action` is the 1-based number of
 * the action that faulted in its clause, 0 for the predicate; `address` the offending address
 * for address faults.
 */
export class ActionFault extends Error {
  override name = "ActionFault";
  constructor(
    readonly fault: Fault,
    readonly action: number,
    readonly address?: IntValue,
  ) {
    super(`${faultText(fault)}${faultDetails(fault, address)} in ${where(action)}`);
  }
}

function faultDetails(f: Fault, address: IntValue | undefined): string {
  if (f !== Fault.BadAddress && f !== Fault.BadAlignment && f !== Fault.BadStack) return "";
  return ` (0x${BigInt.asUintN(64, toBig(address ?? 0)).toString(16)})`;
}

function where(action: number): string {
  return action === 0 ? "predicate" : `action #${action}`;
}

/** The full line for a fault in enabled probe `epid` of `probe`, with its trailing newline. */
export function formatFault(
  programName: string,
  epid: number,
  probe: ProbeDescription,
  fault: ActionFault,
): string {
  return (
    `${programName}: error on enabled probe ID ${epid} (ID ${probe.id}: ` +
    `${probe.provider}:${probe.module}:${probe.function}:${probe.name}): ${fault.message}\n`
  );
}
