// `-g PORT` of run and system: serve gdb (gdb/server.ts) for a target until gdb is gone. A port that
// cannot be listened on is the command line's error, as a bad option is.

import type { DebugTarget } from "../gdb/target.js";
import { UsageError } from "./errors.js";
import { err } from "./output.js";

export async function serveGdbOption(target: DebugTarget, port: number): Promise<void> {
  const { ListenError, serveGdb } = await import("../gdb/server.js");
  try {
    await serveGdb(target, port, err);
  } catch (e) {
    throw e instanceof ListenError ? new UsageError(`-g ${port}: ${e.message}`) : e;
  }
}
