// The D compiler: checked clauses to JavaScript functions, and the tracer that attaches them.
export { type ClauseCode, CompileError, compileClause } from "./codegen.js";
export {
  NoProbesError,
  type ProcessIds,
  Tracer,
  type TracerOptions,
  type UserStacks,
  valueTypeOf,
} from "./tracer.js";
