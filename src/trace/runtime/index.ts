// The trace runtime: what compiled D code calls at each probe firing (aggregations, output
// actions) and what prints the results as dtrace(1) does.
//
//   AggregationSet      declare the program's aggregations in order: set.count("@", [STRING]) ...
//   agg.add0/1/2/N      update at a firing (count: keys only; others: keys, value[, incr]);
//   agg.bind(keys).add  the same for a key tuple known at compile time (no lookup)
//   agg.clear/trunc/normalize/denormalize
//   prepareFormat       parse and check a printf/printa format once (FormatError when bad)
//   TraceOutput         beginRecord/printf/trace/printa/endRecord per clause, discardRecord and
//                       fault(ActionFault) when an action faults, finish() at the end of the run
//   sinks               stdout/stderr, openFileSink (-o), StringSink
//
// See output.ts for the per-clause protocol, aggregation.ts for the aggregations, printf.ts for
// formats, json.ts for the --json schema.

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
export {
  DEFAULT_STACK_INDENT,
  DEFAULT_USTACK_FRAMES,
  decodeStack,
  encodeStack,
  formatStack,
  stackType,
} from "./stacks.js";
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
  type StackType,
  type StringType,
  UINT8,
  UINT16,
  UINT32,
  UINT64,
  type Value,
  type ValueType,
} from "./values.js";
