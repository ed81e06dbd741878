// The trace runtime: what compiled D code calls at each probe firing (aggregations, output
// actions) and what prints the results as dtrace(1) does. See output.ts for the per-clause
// protocol, aggregation.ts for the aggregations, printf.ts for formats, json.ts for --json.

export {
  type AggregationKind,
  AggregationSet,
  type AnyAggregation,
  AvgAggregation,
  BoundAvg,
  BoundCount,
  BoundExtreme,
  BoundHistogram,
  BoundStddev,
  BoundSum,
  CountAggregation,
  ExtremeAggregation,
  HistogramAggregation,
  LLQuantizeAggregation,
  LQuantizeAggregation,
  QuantizeAggregation,
  StddevAggregation,
  SumAggregation,
} from "./aggregation.js";
export { ActionFault, Fault, faultText, formatFault } from "./faults.js";
export { formatHistogram } from "./histogram.js";
export { type Json, toJson } from "./json.js";
export { TraceOutput, type TraceOutputOptions } from "./output.js";
export {
  aggregationJson,
  formatAggregation,
  formatPrinta,
  type SortOptions,
} from "./print-aggregation.js";
export {
  type AggregationValue,
  type FormatContext,
  FormatError,
  PreparedFormat,
  prepareFormat,
} from "./printf.js";
export {
  formatTraced,
  type ProbeDescription,
  RECORD_HEADING,
  recordPrefix,
} from "./records.js";
export { FdSink, openFileSink, StringSink, stderrSink, stdoutSink, type TextSink } from "./sinks.js";
export { type ResolvedAddress, resolveAddress, type SymbolResolver } from "./symbols.js";
export {
  castTo,
  INT8,
  INT16,
  INT32,
  INT64,
  type IntType,
  type IntValue,
  int64,
  STRING,
  type StringType,
  UINT8,
  UINT16,
  UINT32,
  UINT64,
  type Value,
  type ValueType,
} from "./values.js";
