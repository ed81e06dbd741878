// Temporary directories for tests, removed in one place: each is made under os.tmpdir() and
// removed with everything in it when the process that made it exits (under `node --test`, when its
// test file ends), also after a failed test or an uncaught error, so that a test run leaves nothing
// in /tmp. Only a process killed by a signal keeps them. A directory is kept until then even when
// its test is over, which costs a little disk and no `try`/`finally` at any call site.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A new, empty directory `os.tmpdir()/PREFIX******`, removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.on("exit", removeAll);
  made.push(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a directory a guest made unwritable must not turn a passing run into a crash
    }
  }
}
