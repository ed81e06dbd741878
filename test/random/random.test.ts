// Random-instruction differential test: PROGRAMS programs of LENGTH random valid RV64GC
// instructions each (I, M, A, F, D with static and dynamic rounding, C, Zicsr, Zifencei; Zba and
// Zbb while generator.ts's WITH_ZB is on, qemu then asked for them with -cpu), run under
// qemu-riscv64 and `hartscope run`; the dumps of all registers, fcsr and the scratch
// memory must be equal. Two programs run at a time. On a mismatch the first failing seed is
// bisected to the unit of instructions where the runs part, and its disassembly is printed.
//
// Environment: HS_RANDOM_SEED (first seed, default 1), HS_RANDOM_PROGRAMS (default 100),
// HS_RANDOM_LENGTH (instructions per program, default 1200), HS_RANDOM_ZB=0 (no Zba/Zbb).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hartscopeBuilt } from "../differential/run-guest.js";
import { skipWithout, UNDER_CI } from "../tools.js";
import { bisect, listing, report, runBoth, type Verdict } from "./compare.js";
import { buildProgram, type Program } from "./program.js";

const FIRST_SEED = Number(process.env.HS_RANDOM_SEED ?? 1);
const PROGRAMS = Number(process.env.HS_RANDOM_PROGRAMS ?? 100);
const LENGTH = Number(process.env.HS_RANDOM_LENGTH ?? 1200);
const PARALLEL = 2;

/** Outside CI only (tools.ts): under CI a missing qemu fails the test with its name. */
const skip =
  skipWithout("qemu") || (!UNDER_CI && !hartscopeBuilt() && "hartscope is not built (npx tsc -p .)");

test(`random instructions: ${PROGRAMS} programs x ${LENGTH} instructions vs qemu-riscv64`, {
  skip,
  timeout: 600_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hs-random-"));
  const failures: { program: Program; verdict: Verdict }[] = [];
  let instructions = 0;
  try {
    let next = 0;
    const worker = async () => {
      while (next < PROGRAMS) {
        const seed = FIRST_SEED + next++;
        const program = buildProgram(seed, { length: LENGTH });
        instructions += program.bodyLength;
        const verdict = await runBoth(program, join(dir, String(seed)));
        if (verdict.failure?.startsWith("generator bug")) {
          throw new Error(`seed ${seed}: ${verdict.failure}\n${listing(program)}`);
        }
        if (!verdict.ok) failures.push({ program, verdict });
        rmSync(join(dir, String(seed)), { recursive: true, force: true });
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    t.diagnostic(`${PROGRAMS} programs, ${instructions} random instructions, ${failures.length} mismatching`);
    if (failures.length === 0) return;

    failures.sort((a, b) => a.program.seed - b.program.seed);
    const parts = [
      `${failures.length} of ${PROGRAMS} programs differ (seeds ${failures.map((f) => f.program.seed).join(" ")})`,
    ];
    for (const f of failures.slice(0, 3)) parts.push(report(f.program, f.verdict, false));
    const first = failures[0]!;
    const found = await bisect(first.program.seed, { length: LENGTH }, join(dir, "bisect"));
    if (found && found.units > 0) {
      // The shortest diverging prefix is the most useful disassembly: it ends where the runs part.
      const unit = found.units - 1;
      const regs = found.verdict.differences.flatMap((d) => (d.reg ? [d.reg] : []));
      parts.push(
        `seed ${first.program.seed} first diverges at unit ${unit} (${found.program.units[unit]!.kind}):`,
        listing(found.program, [], unit),
        report(found.program, found.verdict, false),
        `disassembly of that prefix (">" marks writes of a differing register):\n${listing(found.program, regs)}`,
      );
    } else if (!found) {
      parts.push(
        `seed ${first.program.seed} agreed when run again for bisection: a flaky run?`,
        report(first.program, first.verdict, true),
      );
    } else {
      parts.push(
        `seed ${first.program.seed}: even the empty body diverges (prologue/epilogue):`,
        report(found.program, found.verdict, true),
      );
    }
    assert.fail(parts.join("\n\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
