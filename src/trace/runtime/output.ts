// The consumer: what a traced program's probe firings print, as dtrace(1) prints it, or as JSON.
//
// Compiled D code drives it per clause:
//   out.beginRecord(epid, probe, cpu)   a clause starts recording
//   out.printf(fmt, args) / out.trace(v, type) / out.printa(aggs, fmt?)
//   out.endRecord()                     the record is complete: it is written out
//   out.discardRecord()                 an action faulted: nothing of the record is written
//   out.fault(epid, probe, err)         ... and the fault is reported
// and at the end of the run out.finish(aggregations) prints what dtrace prints at exit: a blank
// line, then every aggregation printa() has not printed.
//
// Text mode writes the CPU/ID/FUNCTION:NAME heading before the first record and starts each
// record with its probe (unless quiet); quiet mode writes only what the actions print. A record
// is held until endRecord, because dtrace discards a record whose clause faulted. JSON mode
// (json.ts) writes one object per record, per aggregation at exit and per fault.

import type { AggregationSet, AnyAggregation } from "./aggregation.js";
import { ActionFault, faultText, formatFault } from "./faults.js";
import { type Json, jsonTypeName, toJson } from "./json.js";
import { aggregationJson, formatAggregation, formatPrinta, type SortOptions } from "./print-aggregation.js";
import type { FormatContext, PreparedFormat } from "./printf.js";
import {
  DEFAULT_STRSIZE,
  formatTraced,
  type ProbeDescription,
  RECORD_HEADING,
  recordPrefix,
} from "./records.js";
import type { TextSink } from "./sinks.js";
import { stackFrameNames } from "./stacks.js";
import type { SymbolResolver } from "./symbols.js";
import { castTo, type Value, type ValueType } from "./values.js";

export interface TraceOutputOptions {
  /** where records and aggregations go (stdout, or the -o file) */
  readonly out: TextSink;
  /** where faults go in text mode (stderr); defaults to `out` */
  readonly errors?: TextSink;
  /** -q: only what actions print; no heading, no probe prefix */
  readonly quiet?: boolean;
  /** --json: JSON objects instead of dtrace's text */
  readonly json?: boolean;
  /** names addresses for %a (and %A unless userSymbols is given) */
  readonly symbols?: SymbolResolver;
  readonly userSymbols?: SymbolResolver;
  /** the name fault messages start with ("hartscope: error on enabled probe ...") */
  readonly programName?: string;
  /** aggsortkey, aggsortrev, aggsortkeypos, aggsortpos */
  readonly sort?: SortOptions;
  /** D's strsize option: the size of a string record (matters for how unprintable strings dump) */
  readonly strsize?: number;
}

interface OpenRecord {
  epid: number;
  probe: ProbeDescription;
  cpu: number;
  text: string;
  json: Json[];
}

export class TraceOutput {
  readonly quiet: boolean;
  readonly json: boolean;
  private readonly out: TextSink;
  private readonly errors: TextSink;
  private readonly programName: string;
  private readonly sort: SortOptions;
  private readonly strsize: number;
  private readonly ctx: FormatContext;
  private headingDone = false;
  private record: OpenRecord | undefined;

  constructor(options: TraceOutputOptions) {
    this.out = options.out;
    this.errors = options.errors ?? options.out;
    this.quiet = options.quiet ?? false;
    this.json = options.json ?? false;
    this.programName = options.programName ?? "hartscope";
    this.sort = options.sort ?? {};
    this.strsize = options.strsize ?? DEFAULT_STRSIZE;
    this.ctx = { symbols: options.symbols, userSymbols: options.userSymbols };
  }

  /** A clause of enabled probe `epid` starts recording a firing of `probe` on `cpu`. */
  beginRecord(epid: number, probe: ProbeDescription, cpu: number): void {
    if (this.record !== undefined)
      throw new Error(`record of enabled probe ${this.record.epid} was not ended`);
    this.record = { epid, probe, cpu, text: "", json: [] };
  }

  private current(action: string): OpenRecord {
    const r = this.record;
    if (r === undefined) throw new Error(`${action}() outside a record: call beginRecord first`);
    return r;
  }

  /** printf(fmt, args...). */
  printf(format: PreparedFormat, args: readonly Value[]): void {
    const r = this.current("printf");
    const text = format.format(args, this.ctx);
    if (this.json) r.json.push({ action: "printf", text });
    else r.text += text;
  }

  /** trace(v), v of type `type`. */
  trace(value: Value, type: ValueType): void {
    const r = this.current("trace");
    if (this.json) {
      const v =
        type.kind === "stack"
          ? stackFrameNames(String(value), type)
          : type.kind === "int" && typeof value !== "string"
            ? castTo(value, type)
            : value;
      r.json.push({ action: type.kind === "stack" ? "ustack" : "trace", type: jsonTypeName(type), value: v });
    } else r.text += formatTraced(value, type, this.quiet, this.strsize);
  }

  /** printa([fmt, ] @a, ...): the aggregations now, joined by key when there are several. */
  printa(aggs: readonly AnyAggregation[], format?: PreparedFormat): void {
    const r = this.current("printa");
    if (aggs.length === 0) throw new Error("printa() needs at least one aggregation");
    if (this.json) {
      const rec: { [key: string]: Json } = { action: "printa" };
      if (format !== undefined) rec.format = format.source;
      rec.aggregations = aggs.map((a) => aggregationJson(a, this.sort));
      if (aggs.some((a) => a.entries.length > 0)) for (const a of aggs) a.printed = true;
      r.json.push(rec);
      return;
    }
    r.text += formatPrinta(aggs, format, this.sort, this.ctx, this.strsize);
  }

  /** The record is complete: write it. */
  endRecord(): void {
    const r = this.current("endRecord");
    this.record = undefined;
    if (this.json) {
      if (this.quiet && r.json.length === 0) return;
      this.out.write(
        `${toJson({
          type: "event",
          cpu: r.cpu,
          epid: r.epid,
          probe: probeJson(r.probe),
          records: r.json,
        })}\n`,
      );
      return;
    }
    if (this.quiet) {
      if (r.text !== "") this.out.write(r.text);
      return;
    }
    let text = "";
    if (!this.headingDone) {
      text = RECORD_HEADING;
      this.headingDone = true;
    }
    this.out.write(`${text}${recordPrefix(r.cpu, r.probe)}${r.text}\n`);
  }

  /** The clause faulted: drop what the record printed so far (dtrace never commits it). */
  discardRecord(): void {
    this.record = undefined;
  }

  /** Reports `fault` in enabled probe `epid` of `probe` (dropping an open record first). */
  fault(epid: number, probe: ProbeDescription, fault: ActionFault): void {
    this.record = undefined;
    const message = formatFault(this.programName, epid, probe, fault);
    if (!this.json) {
      this.errors.write(message);
      return;
    }
    const obj: { [key: string]: Json } = {
      type: "error",
      epid,
      probe: probeJson(probe),
      fault: faultText(fault.fault),
      action: fault.action,
    };
    if (fault.address !== undefined) obj.address = fault.address;
    obj.message = message.trimEnd();
    this.out.write(`${toJson(obj)}\n`);
  }

  /**
   * The end of the run, as dtrace ends: a blank line, then each aggregation printa() has not
   * printed, in declaration order. JSON mode writes one object per aggregation with entries.
   */
  finish(aggregations: AggregationSet | readonly AnyAggregation[]): void {
    const list = "all" in aggregations ? aggregations.all : aggregations;
    if (this.json) {
      for (const a of list) {
        if (a.printed || a.entries.length === 0) continue;
        this.out.write(`${toJson({ type: "aggregation", ...aggregationJson(a, this.sort) })}\n`);
      }
    } else {
      let text = "\n";
      for (const a of list) if (!a.printed) text += formatAggregation(a, this.sort, this.strsize);
      this.out.write(text);
    }
    this.flush();
  }

  flush(): void {
    this.out.flush();
    if (this.errors !== this.out) this.errors.flush();
  }
}

function probeJson(p: ProbeDescription): Json {
  return { id: p.id, provider: p.provider, module: p.module, function: p.function, name: p.name };
}

export { ActionFault };
