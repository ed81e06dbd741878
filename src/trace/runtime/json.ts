// --json output: one JSON object per line, keys always in the order written here.
//
// Integers are written exactly, as JSON numbers of any size (a reader that parses numbers into
// doubles loses precision past 2^53; a bigint-aware reader keeps them). Types are named
// "int8" "uint8" "int16" "uint16" "int32" "uint32" "int64" "uint64" "string", and "stack" (a
// user stack: an array of its frames as dtrace names them, innermost first).
//
// A probe firing (one clause's record):
//   {"type":"event","cpu":0,"epid":3,"probe":{"id":12,"provider":"fbt","module":"prog",
//    "function":"malloc","name":"entry"},"records":[RECORD...]}
// where RECORD is one of
//   {"action":"printf","text":"..."}
//   {"action":"trace","type":"int64","value":42}
//   {"action":"ustack","type":"stack","value":["prog`leaf","prog`main+0x1c",...]}
//   {"action":"printa","format":"..." (only with a format),"aggregations":[AGGREGATION...]}
// and "records" is empty for a clause without output actions.
//
// An aggregation (at exit, one line each; inside printa records, the same object without "type"):
//   {"type":"aggregation","id":1,"name":"@sz","function":"quantize","keys":["string"],
//    "params":{...},"normal":1,"entries":[ENTRY...]}
// "params" only for lquantize {"low","high","step"} and llquantize {"factor","low","high",
// "steps"}; "normal" is normalize()'s divisor (1 when none). Entries come in dtrace's printing
// order (value, then key). ENTRY is {"keys":[...]} (a stack key: the array of its frames) and,
// by function:
//   count sum min max    "value": the printed value (divided by normal)
//   avg                  "value", "count", "sum"            (count and sum raw)
//   stddev               "value", "count", "sum", "sumsq"   (raw)
//   quantize lquantize llquantize
//                        "buckets": [{"min":lo,"max":hi,"count":n}...], the non-zero buckets
//                        with their inclusive value ranges and raw counts
//
// A fault in an action:
//   {"type":"error","epid":3,"probe":{...},"fault":"invalid address","action":1,
//    "address":0 (only for address faults),"message":"hartscope: error on enabled probe ..."}

import type { IntValue, Value, ValueType } from "./values.js";

/** A JSON value the writer can emit; object keys keep their insertion order. */
export type Json =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly Json[]
  | { readonly [key: string]: Json };

/** `v` as one line of JSON. */
export function toJson(v: Json): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
    default:
      break;
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  const obj = v as { readonly [key: string]: Json };
  return `{${Object.keys(obj)
    .map((k) => `${JSON.stringify(k)}:${toJson(obj[k])}`)
    .join(",")}}`;
}

/** The JSON name of a type. */
export function jsonTypeName(t: ValueType): string {
  if (t.kind !== "int") return t.kind;
  return `${t.signed ? "" : "u"}int${t.size * 8}`;
}

export function jsonValue(v: Value | IntValue): Json {
  return v;
}
