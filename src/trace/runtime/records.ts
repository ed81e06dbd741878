// The text of a probe firing's record, as dtrace(1) prints it: the heading, the per-firing prefix
// and the layout of trace()d values and of strings and integers in aggregation keys.
//
//   CPU     ID                    FUNCTION:NAME
//     0     12                     malloc:entry                  42
//
// A record starts with "%3d %6d %32s " (cpu, probe id, function:name) unless -q is given, and
// ends with a newline; trace() of an integer appends " %16lld" (" %8d", " %5d", " %3d" for the
// narrower sizes, which dtrace reads as int32 and as unsigned short and char), of a string
// "  %-33s". Strings that are not all printable, and the empty string, print as a hex dump of
// their strsize bytes, as dtrace's dt_print_bytes does.

import { formatStack } from "./stacks.js";
import { signedOf, unsignedOf, type Value, type ValueType } from "./values.js";

/** A probe as the records name it: dtrace's probe description. */
export interface ProbeDescription {
  /** the probe's id (dtrace -l's ID column) */
  readonly id: number;
  readonly provider: string;
  readonly module: string;
  readonly function: string;
  readonly name: string;
}

/** The heading dtrace prints before the first record when not quiet. */
export const RECORD_HEADING = `${"CPU".padStart(3)} ${"ID".padStart(6)} ${"FUNCTION:NAME".padStart(32)}\n`;

/** The start of a record's line: cpu, probe id and function:name. */
export function recordPrefix(cpu: number, probe: ProbeDescription): string {
  return `${String(cpu).padStart(3)} ${String(probe.id).padStart(6)} ${`${probe.function}:${probe.name}`.padStart(32)} `;
}

/** D's default string size: a string record is this many bytes. */
export const DEFAULT_STRSIZE = 256;

function isPrintable(code: number): boolean {
  // isprint || isspace || '\b' || '\a' (dt_print_bytes), in the C locale
  return (code >= 0x20 && code <= 0x7e) || (code >= 0x07 && code <= 0x0d);
}

/** Whether dtrace prints `s` as a string rather than as a dump of its bytes. */
export function printableString(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isPrintable(s.charCodeAt(i))) return false;
  return true;
}

/** A string's bytes as a strsize-byte D string record: UTF-8, NUL-padded (or cut) to strsize. */
export function stringRecord(s: string, strsize: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(strsize, 1));
  const enc = new TextEncoder().encode(s);
  bytes.set(enc.subarray(0, bytes.length));
  return bytes;
}

/** dt_print_bytes' hex dump: a header of column digits, then 16 bytes a row with their ASCII. */
export function byteDump(bytes: Uint8Array): string {
  const margin = "     ";
  let out = `\n${margin}      `;
  for (let i = 0; i < 16; i++) out += `  ${"0123456789abcdef"[i]}`;
  out += "  0123456789abcdef\n";
  for (let i = 0; i < bytes.length; i += 16) {
    out += `${margin}${i.toString(16).padStart(5)}:`;
    let j = i;
    for (; j < i + 16 && j < bytes.length; j++) out += ` ${bytes[j].toString(16).padStart(2, "0")}`;
    while (j++ % 16) out += "   ";
    out += "  ";
    for (j = i; j < i + 16 && j < bytes.length; j++) {
      const b = bytes[j];
      out += b < 0x20 || b > 0x7e ? "." : String.fromCharCode(b);
    }
    out += "\n";
  }
  return out;
}

/** A string as dtrace prints a string datum with a field of `width` columns (negative: left-justified). */
export function formatStringDatum(s: string, width: number, quiet: boolean, strsize: number): string {
  if (!printableString(s)) return byteDump(stringRecord(s, strsize));
  if (quiet) return s;
  return width < 0 ? `  ${s.padEnd(-width)}` : `  ${s.padStart(width)}`;
}

/** An integer as dtrace prints a datum of `size` bytes: " %16lld", " %8d", " %5d", " %3d" (no pad when quiet). */
export function formatIntDatum(v: Value, size: 1 | 2 | 4 | 8, quiet: boolean): string {
  const n = size >= 4 ? signedOf(v as number | bigint, size) : unsignedOf(v as number | bigint, size);
  if (quiet) return String(n);
  const width = size === 8 ? 16 : size === 4 ? 8 : size === 2 ? 5 : 3;
  return ` ${String(n).padStart(width)}`;
}

/** What trace(v) prints. */
export function formatTraced(v: Value, type: ValueType, quiet: boolean, strsize = DEFAULT_STRSIZE): string {
  if (type.kind === "string") return formatStringDatum(String(v), -33, quiet, strsize);
  if (type.kind === "stack") return formatStack(String(v), type);
  return formatIntDatum(v, type.size, quiet);
}
