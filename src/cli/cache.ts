// V8's code cache for hartscope's start-up: a script compiled through a CodeCache runs with the
// bytecode V8 serialized after an earlier run of the same script, so its functions are read back
// instead of parsed and compiled again (the bundle of the CLI, the generated interpreter).
//
// CLI layer only: the engine (src/hart, src/machine) never sees the file system; it takes a
// compiler for its generated source from its host.
//
// An entry's file name holds a CRC-32 and the length of the source, node's version and the
// architecture; the file starts with a CRC-32 of the bytes after it. The check matters: V8 itself
// compares only the source's length, its version and its flags, and loads damaged bytes as they are
// (it may crash on them). Every failure — no cache directory, no permission, a damaged or truncated
// entry, a full disk — means compiling without a cache: a run never fails because of the cache.

import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, join } from "node:path";
import { Script } from "node:vm";
import * as zlib from "node:zlib";

/** Entries kept per kind of script (several checkouts or versions may share one directory). */
const KEEP_PER_TAG = 6;

type Crc32 = (data: string | Uint8Array) => number;
// zlib.crc32 came with node 20.15; without it the cache stays off
const crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/**
 * Where the cache lives: $HARTSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/hartscope, else
 * ~/.cache/hartscope; undefined (no cache) when HARTSCOPE_CODE_CACHE=off or no place is known.
 */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HARTSCOPE_CODE_CACHE === "off") return undefined;
  if (env.HARTSCOPE_CACHE_DIR) return env.HARTSCOPE_CACHE_DIR;
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "hartscope");
  if (env.HOME && isAbsolute(env.HOME)) return join(env.HOME, ".cache", "hartscope");
  return undefined;
}

interface Pending {
  script: Script;
  file: string;
  tag: string;
}

/** What the code cache did in this process (tests, HARTSCOPE_STARTUP_TIME). */
export interface CacheStats {
  /** scripts that ran from cached code */
  hits: number;
  /** scripts compiled from source (no entry, a damaged one, or one V8 refused) */
  misses: number;
  /** entries written by save() */
  written: number;
}

export class CodeCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, written: 0 };
  private readonly pending: Pending[] = [];

  /** `dir` undefined: compile everything from source, save nothing. */
  constructor(readonly dir: string | undefined) {}

  /**
   * Compile `source` as a classic script named `filename` and run it in this context; returns its
   * completion value (give it a function expression to get the function). `tag` names the kind of
   * script in the cache (a short word: letters, digits, '-').
   */
  run(source: string, filename: string, tag: string): unknown {
    if (this.dir === undefined || crc32 === undefined)
      return new Script(source, { filename }).runInThisContext();
    const key = `${crc32(source).toString(16)}-${source.length.toString(16)}-${process.version}-${process.arch}`;
    const file = join(this.dir, `${tag}-${key}.v8`);
    const cachedData = readEntry(file);
    let script: Script;
    try {
      script = new Script(source, { filename, cachedData });
    } catch (e) {
      // a syntax error is the source's, not the cache's: report it as a plain compile would
      if (cachedData === undefined) throw e;
      script = new Script(source, { filename });
    }
    if (cachedData !== undefined && !script.cachedDataRejected) this.stats.hits++;
    else {
      this.stats.misses++;
      this.pending.push({ script, file, tag });
    }
    return script.runInThisContext();
  }

  /**
   * Write the entries of the scripts compiled from source in this process, with every function
   * compiled so far (call it after the work: the entry then holds what a run needs). Never throws.
   */
  save(): void {
    for (const { script, file, tag } of this.pending.splice(0)) {
      try {
        const data = script.createCachedData();
        const head = Buffer.alloc(4);
        head.writeUInt32LE(crc32!(data) >>> 0, 0);
        mkdirSync(this.dir!, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([head, data]));
        // a rename is atomic: a concurrent run reads the old entry or the new one, never half of one
        renameSync(tmp, file);
        this.stats.written++;
        prune(this.dir!, tag, file);
      } catch {
        // an unwritable or full cache: the next run compiles from source again
      }
    }
  }
}

/**
 * A compiler for generated source (hart/interpreter.ts's setSourceCompiler) that goes through the
 * code cache: the same function `new Function(...params, body)` makes, as a function expression.
 */
export function sourceCompiler(
  cache: CodeCache,
  tag: string,
): (params: readonly string[], body: string) => (...args: unknown[]) => unknown {
  return (params, body) =>
    cache.run(`(function (${params.join(", ")}) {\n${body}\n})`, `hartscope-${tag}.js`, tag) as (
      ...args: unknown[]
    ) => unknown;
}

/** The entry's payload if the file is there and its checksum holds. */
function readEntry(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < 8) return undefined;
  const payload = bytes.subarray(4);
  return bytes.readUInt32LE(0) === crc32!(payload) >>> 0 ? payload : undefined;
}

/** Keep the newest KEEP_PER_TAG entries of `tag` (and `keep`); remove stale temporary files. */
function prune(dir: string, tag: string, keep: string): void {
  const entries: { file: string; mtime: number }[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${tag}-`)) continue;
    const file = join(dir, name);
    try {
      const mtime = statSync(file).mtimeMs;
      // a temporary file left by a run that was killed mid-write
      if (name.endsWith(".tmp")) {
        if (Date.now() - mtime > 60_000) unlinkSync(file);
      } else if (file !== keep) entries.push({ file, mtime });
    } catch {
      // removed meanwhile by another run
    }
  }
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of entries.slice(KEEP_PER_TAG - 1)) {
    try {
      unlinkSync(file);
    } catch {
      // removed meanwhile by another run
    }
  }
}
