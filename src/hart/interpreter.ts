// The interpreter, generated from the semantics (semantics.ts) once per process: a loop over
// decoded pages that dispatches on each entry's op in one switch, whose cases are the instructions'
// semantics lowered to JavaScript (js-lowering.ts). The loop follows TinyEMU's shape: state in
// locals, a fetch TLB hit is a tag comparison, and traps leave the loop as a stop code.
//
// Generated rather than written out because the block compiler is generated from the same rows: an
// instruction's meaning is written once, in semantics.ts. The loop itself is below as a template;
// `interpreterSource()` gives the whole text (for reading it: `node -e` it, or HartJit's tests).

import { OP_PROBE, PAGE_ENTRY_WORDS } from "./decoded.js";
import type { Binding, Pair } from "./js-lowering.js";
import { JS_RUNTIME, JS_RUNTIME_PRELUDE, JsLowering, src } from "./js-lowering.js";
import { loadWords, storeText } from "./memory-words.js";
import { DEVICE_PENDING, NO_PAGE } from "./mmu.js";
import { PAGE_SIZE } from "./page.js";
import { Rare } from "./privileged/system-hart.js";
import { jumpsByImmediate, type Semantics } from "./semantics.js";
import { SEMANTICS_BY_OP } from "./semantics-by-op.js";
import { CAUSE, F, INSTRET, PC, PRIV, TVAL } from "./state.js";
import { Cause, Stop } from "./stop.js";

/** Runs up to `budget` instructions of `hart`; returns a Stop code. */
export type InterpretFn = (hart: unknown, budget: number) => number;

const TWO32 = 4294967296;
const TLB_MASK = 255;

/** The address of the current instruction, from the page and the entry index. */
const PCV = "(pageVA + (e >> 1))";
const LEN = "(2 + ((w0 >>> 29) & 2))";

const INTERPRETER_BINDING: Binding = {
  rs1: { lo: "r[a]", hi: "r[a + 1]" },
  rs2: { lo: "r[b]", hi: "r[b + 1]" },
  imm: { lo: "imm", hi: "(imm >> 31)" },
  pc: { lo: `(${PCV} | 0)`, hi: `(Math.floor(${PCV} / ${TWO32}) | 0)` },
  next: { lo: `((${PCV} + ${LEN}) | 0)`, hi: `(Math.floor((${PCV} + ${LEN}) / ${TWO32}) | 0)` },
};

/** Bring hart.retired up to the current instruction (it is kept in the local n while running). */
const FLUSH_COUNT = "hart.retired += n; budget -= n; n = 0;";

/** `pc` is set, the trap recorded by whoever failed: leave the loop with a fault. */
const FAULT_EXIT = `{ pc = ${PCV}; stop = ${Stop.FAULT}; break outer; }`;

/**
 * Read each source word used more than once into a local first: the lowering reads leaves as often
 * as it needs them (`r[a]` four times in add's carry), and V8 does not merge typed-array loads.
 */
function readOnce(code: string): string {
  let prelude = "";
  for (const [word, local] of [
    ["r[a]", "al"],
    ["r[a + 1]", "ah"],
    ["r[b]", "bl"],
    ["r[b + 1]", "bh"],
  ] as const) {
    if (code.split(word).length > 2) {
      code = code.split(word).join(local);
      prelude += `const ${local} = ${word}; `;
    }
  }
  return prelude + code;
}

/**
 * The text of `case` for one op, or undefined for ops that take the rare path (and, while the FP unit
 * is off, FP loads and stores: they are illegal then).
 */
function caseOf(sem: Semantics, fpOff: boolean): string | undefined {
  if (!inlineCase(sem, fpOff)) return undefined;
  const body = caseBody(sem);
  return body === undefined || sem.kind === "load" || sem.kind === "store" ? body : readOnce(body);
}

/** Whether the interpreter for `fpOff` runs `sem` in an arm of its own (else: the rare path). */
export function inlineCase(sem: Semantics, fpOff: boolean): boolean {
  switch (sem.kind) {
    case "write":
    case "branch":
    case "jump":
    case "trap":
    case "fence":
      return true;
    case "load":
    case "store":
      return !(fpOff && sem.fp);
    default:
      return false;
  }
}

function caseBody(sem: Semantics): string | undefined {
  const low = new JsLowering(INTERPRETER_BINDING);
  switch (sem.kind) {
    case "write": {
      const v = low.valueBound(sem.value);
      return `${low.code()} r[rd] = ${src(v.lo)}; r[rd + 1] = ${src(v.hi)}; break;`;
    }
    case "branch": {
      const c = low.cond(sem.cond);
      return `${low.code()} if (${src(c)}) { n++; const ne = e + (imm << 1); if (ne >>> 0 < ${PAGE_ENTRY_WORDS}) { e = ne; continue inner; } pc = pageVA + (ne >> 1); continue outer; } break;`;
    }
    case "jump": {
      const link = `const npc = ${PCV} + ${LEN}; r[rd] = npc | 0; r[rd + 1] = Math.floor(npc / ${TWO32}) | 0;`;
      const t = sem.target;
      if (jumpsByImmediate(sem)) {
        // pc-relative (jal): stay in the page with int32 arithmetic on the entry index
        return `${link} n++; const ne = e + (imm << 1); if (ne >>> 0 < ${PAGE_ENTRY_WORDS}) { e = ne; continue inner; } pc = pageVA + (ne >> 1); continue outer;`;
      }
      // the target is computed before the link is written (rd may be rs1)
      const v = low.valueBound(t);
      return `${low.code()} const target = ${src(v.hi)} * ${TWO32} + (${src(v.lo)} >>> 0); ${link} pc = target; n++;
const off = pc - pageVA; if (off >= 0 && off < ${PAGE_SIZE}) { e = (off * 2) | 0; continue inner; } continue outer;`;
    }
    case "load": {
      const { code, value: v } = loadWords(sem.size, sem.signed, sem.fp, "p", "v");
      const dst = sem.fp
        ? `r[${F} + rd] = ${src(v.lo)}; r[${F} + rd + 1] = ${src(v.hi)};`
        : `r[rd] = ${src(v.lo)}; r[rd + 1] = ${src(v.hi)};`;
      // a device reads the machine's time: the count is made exact before it is asked
      return `let p = mmu.load(r[a], r[a + 1], imm, ${sem.size}); if (p < 0) { if (p !== ${DEVICE_PENDING}) ${FAULT_EXIT} ${FLUSH_COUNT} p = mmu.deviceLoad(); if (p < 0) ${FAULT_EXIT} } { ${code} ${dst} } break;`;
    }
    case "store": {
      const v: Pair = sem.fp ? { lo: `r[${F} + b]`, hi: `r[${F} + b + 1]` } : { lo: "r[b]", hi: "r[b + 1]" };
      // a device store may raise an interrupt pin (the CLINT's msip): taken after the store
      return `const p = mmu.store(r[a], r[a + 1], imm, ${sem.size}); if (p < 0) ${FAULT_EXIT} ${storeText(sem.size, "p", v)} if (p === bounce) { ${FLUSH_COUNT} if (!mmu.finishStore()) ${FAULT_EXIT} if (hart.pinRaised && hart.interruptDue()) { n++; pc = ${PCV} + ${LEN}; stop = ${Stop.FAULT}; break outer; } } break;`;
    }
    case "trap": {
      // ECALL retires (the environment completes it); EBREAK does not (Privileged ISA, "Environment
      // Call and Breakpoint": epc is the instruction's address either way); tval = pc for EBREAK
      const ecall = sem.cause !== Cause.BREAKPOINT;
      const tval = ecall ? "0; r[T1] = 0;" : `pc | 0; r[T1] = Math.floor(pc / ${TWO32}) | 0;`;
      const cause = sem.plusPrivilege ? `${sem.cause} + r[${PRIV}]` : String(sem.cause);
      return `pc = ${PCV}; r[${CAUSE}] = ${cause}; r[${TVAL}] = ${tval.replace("T1", String(TVAL + 1))} ${ecall ? "n++; " : ""}stop = ${ecall ? Stop.ECALL : Stop.EBREAK}; break outer;`;
    }
    case "fence":
      return "break;";
    default:
      return undefined;
  }
}

/**
 * The generated interpreter's function name: unique, so that V8's traces (--trace-deopt, --trace-opt,
 * profiles) tell it from the run loop's methods named interpret.
 */
export const INTERPRETER_NAME = "generatedInterpreter";

/**
 * The interpreter's source text; `fpOff`: the one that runs while mstatus.FS is Off, where FP loads
 * and stores take the rare path (which finds them illegal).
 */
export function interpreterSource(fpOff = false): string {
  const cases: string[] = [];
  SEMANTICS_BY_OP.forEach((sem, op) => {
    const body = sem === undefined ? undefined : caseOf(sem, fpOff);
    if (body !== undefined) cases.push(`case ${op}: { ${body} }`);
  });
  return `"use strict";
${JS_RUNTIME_PRELUDE}
const NO_PAGE = RT.NO_PAGE, executeRare = RT.executeRare;
return function ${INTERPRETER_NAME}(hart, budget) {
  const mmu = hart.mmu, r = hart.state.r, view = hart.mem.view, bounce = hart.mem.bounce;
  let pc = r[${PC + 1}] * ${TWO32} + (r[${PC}] >>> 0);
  let page = NO_PAGE, pageVA = 0, pageHost = 0;
  // Position in the page as an index into its decoded entries: e = (pc - pageVA) * 2. Sequential
  // flow and branches within the page update e with int32 arithmetic only; pc, a double, is
  // rebuilt from it when an instruction needs it or the page changes.
  let e = 0, n = 0, stop = ${Stop.BUDGET};
  // resuming after a hook's error: the probed instruction runs without firing again
  let skipAt = hart.skipProbeAt;
  hart.skipProbeAt = -1;
  outer: while (n < budget) {
    const vpn = Math.floor(pc / ${PAGE_SIZE});
    const slot = vpn & ${TLB_MASK};
    if (mmu.xTag[slot] !== vpn && !mmu.fillFetch(pc, slot)) { stop = ${Stop.FAULT}; break; }
    page = mmu.xPage[slot];
    pageHost = mmu.xBase[slot];
    pageVA = vpn * ${PAGE_SIZE};
    e = ((pc - pageVA) * 2) | 0;
    inner: while (n < budget) {
      let w0 = page[e];
      if (w0 === 0) {
        pc = ${PCV};
        w0 = hart.decodeInto(page, e, pageHost, e >> 1, pc);
        if (w0 === 0) { stop = ${Stop.FAULT}; break outer; }
      }
      let imm = page[e + 1];
      for (;;) {
        const rd = ((w0 >>> 9) & 63) << 1, a = ((w0 >>> 15) & 31) << 1, b = ((w0 >>> 20) & 31) << 1;
        switch (w0 & 511) {
${cases.join("\n")}
          case ${OP_PROBE}: {
            // A probe sees pc and the count exact; then the instruction runs from its saved entry
            // (looked up again: the hook may have removed the probe or caused the entry's drop).
            pc = ${PCV};
            r[${PC}] = pc | 0; r[${PC + 1}] = Math.floor(pc / ${TWO32}) | 0;
            hart.retired += n; budget -= n; n = 0;
            if (pc === skipAt) skipAt = -1;
            else if (!hart.fireProbe(pc)) { stop = ${Stop.PROBE}; break outer; }
            w0 = page[e];
            if (w0 === 0) {
              w0 = hart.decodeInto(page, e, pageHost, e >> 1, pc);
              if (w0 === 0) { stop = ${Stop.FAULT}; break outer; }
              imm = page[e + 1];
            }
            if ((w0 & 511) === ${OP_PROBE}) w0 = page[e + 3];
            continue;
          }
          default: {
            // A, F, D, Zicsr, privileged: one at a time (rare.ts), with pc and the count exact. It
            // may go on elsewhere (xRET, SFENCE.VMA, CSR writes: translated anew) or stop the run.
            pc = ${PCV};
            r[${PC}] = pc | 0; r[${PC + 1}] = Math.floor(pc / ${TWO32}) | 0;
            hart.retired += n; budget -= n; n = 0;
            const next = executeRare(hart, w0, imm, page[e + 2], pc);
            if (next !== ${Rare.NEXT}) {
              if (next === ${Rare.TRAP}) { stop = ${Stop.FAULT}; break outer; }
              n++;
              pc = r[${PC + 1}] * ${TWO32} + (r[${PC}] >>> 0);
              if (next === ${Rare.JUMP}) continue outer;
              stop = hart.rareStop;
              break outer;
            }
          }
        }
        break;
      }
      n++;
      e += 4 + ((w0 >>> 28) & 4);
      if (e >= ${PAGE_ENTRY_WORDS}) { pc = ${PCV}; continue outer; }
    }
    // the budget is spent inside the page
    pc = ${PCV};
    break;
  }
  r[${PC}] = pc | 0;
  r[${PC + 1}] = Math.floor(pc / ${TWO32}) | 0;
  const ret = (hart.retired += n);
  r[${INSTRET}] = ret | 0;
  r[${INSTRET + 1}] = Math.floor(ret / ${TWO32}) | 0;
  return stop;
};`;
}

const compiled: (InterpretFn | undefined)[] = [undefined, undefined];

/** Turns generated source into a function (what `new Function(...params, body)` does). */
export type SourceCompiler = (params: readonly string[], body: string) => (...args: unknown[]) => unknown;
let compileSource: SourceCompiler = (params, body) =>
  new Function(...params, body) as ReturnType<SourceCompiler>;

/** A host may compile the interpreter its own way, e.g. through V8's code cache (the CLI does). */
export function setSourceCompiler(c: SourceCompiler): void {
  compileSource = c;
}

/** The interpreter (built on first use, shared by every hart); `fpOff`: for mstatus.FS = Off. */
export function interpreter(executeRare: unknown, fpOff = false): InterpretFn {
  const k = fpOff ? 1 : 0;
  compiled[k] ??= compileSource(
    ["RT"],
    interpreterSource(fpOff),
  )({
    ...JS_RUNTIME,
    NO_PAGE,
    executeRare,
  }) as InterpretFn;
  return compiled[k]!;
}
