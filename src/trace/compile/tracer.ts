// A compiled D program on a machine: aggregations made from the checked program's declarations,
// each clause's factory built once, and each clause attached to the probes its descriptions match.

import type { HartView } from "../../hart/probe-sink.js";
import type { Probes } from "../../machine/probes.js";
import type { CheckedProgram, DType } from "../lang/index.js";
import type { AttachTarget, DescriptionFields, Fire, Probe, ProbeList } from "../providers/index.js";
import {
  ActionFault,
  AggregationSet,
  type AnyAggregation,
  DEFAULT_USTACK_FRAMES,
  encodeStack,
  type PreparedFormat,
  type ProbeDescription,
  prepareFormat,
  STRING,
  type StackType,
  type SymbolResolver,
  stackType,
  type TraceOutput,
  type ValueType,
} from "../runtime/index.js";
import { normalBig } from "../runtime/values.js";
import { CompileError, compileClause } from "./codegen.js";
import * as support from "./support.js";
import { ClauseFault, NO_HART } from "./support.js";

export { CompileError } from "./codegen.js";

/** dtrace's message for a description that matches nothing. */
export class NoProbesError extends Error {
  override name = "NoProbesError";
}

export function valueTypeOf(t: DType): ValueType {
  if (t.kind === "int") return { kind: "int", size: (t.bits / 8) as 1 | 2 | 4 | 8, signed: t.signed };
  if (t.kind === "string" || t.kind === "buffer") return STRING;
  throw new CompileError(`a ${t.kind} cannot be recorded by this tracer`);
}

/** What pid, ppid and execname give for one process. */
export interface ProcessIds {
  readonly pid: number;
  readonly ppid: number;
  readonly execname: string;
}

export interface TracerOptions {
  readonly output: TraceOutput;
  readonly pid: number;
  readonly ppid: number;
  readonly execname: string;
  /**
   * The process of thread `tid` (the firing hart's id): pid, ppid and execname per process. Without
   * it, or when it answers undefined (BEGIN, END), the values above.
   */
  readonly processOf?: (tid: number) => ProcessIds | undefined;
  /** virtual ns */
  now(): number;
  /** exit(n) was called */
  onExit(code: number): void;
  readonly strsize?: number;
  /** -Z: descriptions that match nothing are not an error */
  readonly allowZeroMatches?: boolean;
  /** each description's match count, as dtrace reports it */
  readonly onMatched?: (description: string, count: number) => void;
  /** names stack frames (module`symbol+0xoffset) */
  readonly stackSymbols?: SymbolResolver;
  /** ustackframes: frames ustack() records without an argument (100) */
  readonly ustackFrames?: number;
  /** stackindent: columns before each printed frame (14) */
  readonly stackIndent?: number;
}

type Factory = (
  P: DescriptionFields,
  epid: number,
  pd: ProbeDescription,
  locals: unknown[],
  first: boolean,
) => Fire;

/** Where ustack() and ustackdepth get a thread's stack (shadow-stack.ts). */
export interface UserStacks {
  /** the pc, then return addresses, innermost first, at most `limit` */
  frames(view: HartView, limit: number): number[];
  /** how many frames there are */
  depth(view: HartView): number;
}

const VALUE_TYPES = new Map<string, ValueType>();

export class Tracer {
  readonly aggregations = new AggregationSet();
  readonly special: AttachTarget["special"] = { BEGIN: [], END: [], ERROR: [] };
  exitCode: number | undefined;
  private readonly byId: AnyAggregation[] = [];
  private readonly factories: Factory[] = [];
  private readonly threads = new Map<number, unknown[]>();
  private readonly removers: (() => void)[] = [];
  private epids = 0;
  private inError = false;
  /** sources of the clauses' factories (for tests and --dump-ast=js) */
  readonly sources: string[] = [];
  /** whether a clause reads user stacks: then setUserStacks() must be called before attach() */
  readonly usesUserStacks: boolean = false;
  private stacks: UserStacks | undefined;
  private readonly stackType: StackType;

  constructor(
    readonly program: CheckedProgram,
    private readonly o: TracerOptions,
  ) {
    this.stackType = stackType(o.stackSymbols, o.stackIndent);
    for (const a of program.aggregations) this.byId[a.id] = this.makeAggregation(a);
    const globals: unknown[] = [];
    const defaultFrames = o.ustackFrames ?? DEFAULT_USTACK_FRAMES;
    const processOf = o.processOf;
    const ids = (view: HartView): ProcessIds =>
      (view !== NO_HART && processOf !== undefined ? processOf(view.id) : undefined) ?? o;
    const R = {
      pid: (view: HartView) => BigInt(ids(view).pid),
      ppid: (view: HartView) => BigInt(ids(view).ppid),
      execname: (view: HartView) => ids(view).execname,
      now: o.now,
      wallBase: BigInt(Date.now()) * 1_000_000n - BigInt(o.now()),
      strsize: o.strsize ?? 256,
      stackType: this.stackType,
      ustack: (view: HartView, limit: number): string => {
        if (view === NO_HART || this.stacks === undefined) return "";
        return encodeStack(this.stacks.frames(view, limit < 0 ? defaultFrames : limit));
      },
      ustackdepth: (view: HartView): number =>
        view === NO_HART || this.stacks === undefined ? 0 : this.stacks.depth(view),
      valueType: (k: string) => {
        let t = VALUE_TYPES.get(k);
        if (t === undefined) {
          t =
            k === "string"
              ? STRING
              : { kind: "int", size: (Number(k.slice(1)) / 8) as 1 | 2 | 4 | 8, signed: k[0] === "i" };
          VALUE_TYPES.set(k, t);
        }
        return t;
      },
      thread: (tid: number) => {
        let t = this.threads.get(tid);
        if (t === undefined) {
          t = [];
          this.threads.set(tid, t);
        }
        return t;
      },
      exit: (code: number) => {
        if (this.exitCode === undefined) {
          this.exitCode = code;
          o.onExit(code);
        }
      },
      fault: (epid: number, pd: ProbeDescription, e: unknown, action: number, view: HartView) => {
        o.output.discardRecord();
        if (!(e instanceof ClauseFault)) throw e;
        o.output.fault(epid, pd, new ActionFault(e.fault, action, e.address));
        this.fireError(epid, action, e, view);
      },
    };
    for (const clause of program.clauses) {
      const code = compileClause(program, clause);
      this.sources.push(code.source);
      if (code.usesStacks) this.usesUserStacks = true;
      const formats: PreparedFormat[] = code.formats.map((f) =>
        prepareFormat(f.source, f.argTypes.map(valueTypeOf), { aggregation: f.printa }),
      );
      const make = new Function("R", "S", "O", "AG", "G", "F", "I", "U", "N", code.source)(
        R,
        support,
        o.output,
        this.byId,
        globals,
        formats,
        BigInt.asIntN,
        BigInt.asUintN,
        normalBig,
      ) as Factory;
      this.factories.push(make);
    }
  }

  private makeAggregation(a: CheckedProgram["aggregations"][number]): AnyAggregation {
    const name = a.name === "_" ? "@" : `@${a.name}`;
    const keys = a.keyTypes.map((t) => (t.kind === "stack" ? this.stackType : valueTypeOf(t)));
    const s = this.aggregations;
    const p = a.params.map(Number);
    switch (a.func) {
      case "count":
        return s.count(name, keys);
      case "sum":
        return s.sum(name, keys);
      case "min":
        return s.min(name, keys);
      case "max":
        return s.max(name, keys);
      case "avg":
        return s.avg(name, keys);
      case "stddev":
        return s.stddev(name, keys);
      case "quantize":
        return s.quantize(name, keys);
      case "lquantize":
        return s.lquantize(name, keys, p[0]!, p[1]!, p[2] ?? 1);
      case "llquantize":
        return s.llquantize(name, keys, p[0]!, p[1]!, p[2]!, p[3]!);
    }
  }

  /** Where ustack() reads stacks (the shadow stacks, attached to the seam after attach()). */
  setUserStacks(stacks: UserStacks): void {
    this.stacks = stacks;
  }

  /** Attaches every clause to the probes its descriptions match (throws NoProbesError). */
  attach(list: ProbeList, seam: Probes): void {
    const target: AttachTarget = { seam, special: this.special };
    const nLocals = this.program.clauseLocals.length;
    /** each probe's clause-locals, shared by its clauses */
    const locals = new Map<Probe, unknown[]>();
    this.program.clauses.forEach((clause, i) => {
      const seen = new Set<Probe>();
      for (const d of clause.probes) {
        const matched = list.match(d);
        this.o.onMatched?.(d.text, matched.length);
        if (matched.length === 0 && !this.o.allowZeroMatches)
          throw new NoProbesError(
            `invalid probe specifier ${d.text}: probe description ${descriptionText(d)} does not match any probes`,
          );
        for (const p of matched) {
          if (seen.has(p)) continue;
          seen.add(p);
          const epid = ++this.epids;
          const pd: ProbeDescription = {
            id: p.id,
            provider: p.provider,
            module: p.module,
            function: p.function,
            name: p.name,
          };
          let cl = locals.get(p);
          const first = cl === undefined;
          if (cl === undefined) {
            cl = new Array<unknown>(nLocals);
            locals.set(p, cl);
          }
          this.removers.push(p.attach(this.factories[i]!(pd, epid, pd, cl, first), target));
        }
      }
    });
  }

  /** BEGIN's clauses. */
  begin(): void {
    for (const f of this.special.BEGIN) f(NO_HART, undefined);
  }

  /** END's clauses, then every probe detached. */
  end(): void {
    for (const f of this.special.END) f(NO_HART, undefined);
    this.detach();
  }

  detach(): void {
    for (const r of this.removers.splice(0)) r();
  }

  /** ERROR's clauses, on the hart (cpu, tid, registers) whose clause faulted. */
  private fireError(epid: number, action: number, e: ClauseFault, view: HartView): void {
    if (this.inError) return; // a fault in an ERROR clause does not fire ERROR again
    this.inError = true;
    try {
      const addr = e.address === undefined ? 0n : BigInt(e.address);
      const args = [0n, BigInt(epid), 0n, BigInt(action), 0n, addr];
      for (const f of this.special.ERROR) f(view, args);
    } finally {
      this.inError = false;
    }
  }
}

function descriptionText(d: DescriptionFields): string {
  return `${d.provider}:${d.module}:${d.function}:${d.name}`;
}
