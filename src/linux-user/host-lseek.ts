// lseek(2) on a host descriptor. Node's fs has no lseek, but its WASI implementation (uvwasi) calls
// the host's lseek for fd_seek; a WebAssembly module that re-exports that import gives
// it to us synchronously, without a native addon. Used where the offset must be the host's own
// open file description's: a guest's stdin/stdout redirected from a file shares it with the shell
// (`(prog; cat) < file`: cat goes on where the program's seek left it, lseek(2), open(2)).

import { createRequire } from "node:module";
import type { WASI as WasiClass } from "node:wasi";
import { I32, I64, ModuleBuilder } from "../hart/wasm/encoder.js";
import { EBADF, EINVAL, ESPIPE } from "./errno.js";

/** A host lseek: the new offset, or -errno (Linux numbering). */
export type HostLseek = (offset: number, whence: number) => number;

// WASI preview1 errno values (wasi_snapshot_preview1 `errno` enum) → Linux's.
const WASI_TO_LINUX: Record<number, number> = { 8: EBADF, 28: EINVAL, 60: 6, 61: 75, 70: ESPIPE };

/** A module re-exporting WASI's fd_seek as `seek`, with a page of memory for its result. */
function seekModuleBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  const seek = m.importFunction("wasi_snapshot_preview1", "fd_seek", m.type([I32, I64, I32, I32], [I32]));
  m.exportMemory("memory", m.addMemory(1));
  m.exportFunction("seek", seek);
  return m.bytes() as Uint8Array<ArrayBuffer>;
}

let wasiModule: { WASI: typeof WasiClass } | undefined;
let seekModule: WebAssembly.Module | undefined;

/**
 * node:wasi, loaded once with its "experimental" warning kept off the guest's stderr (the warning
 * is about the WASI API for programs, which this does not expose).
 */
function loadWasi(): { WASI: typeof WasiClass } {
  if (wasiModule) return wasiModule;
  const emit = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === "ExperimentalWarning" && String(w).includes("WASI")) return;
    (emit as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    wasiModule = createRequire(import.meta.url)("node:wasi") as { WASI: typeof WasiClass };
  } finally {
    process.emitWarning = emit;
  }
  return wasiModule;
}

/** An lseek on host descriptor `fd` (the descriptor is neither duplicated nor closed). */
export function hostLseek(fd: number): HostLseek {
  const { WASI } = loadWasi();
  seekModule ??= new WebAssembly.Module(seekModuleBytes());
  // WASI descriptor 0 is the host's `fd`; 1 and 2 are never used.
  const wasi = new WASI({ version: "preview1", stdin: fd, returnOnExit: true });
  const instance = new WebAssembly.Instance(seekModule, wasi.getImportObject() as WebAssembly.Imports);
  wasi.initialize(instance);
  const seek = instance.exports.seek as (fd: number, delta: bigint, whence: number, out: number) => number;
  const result = new BigInt64Array((instance.exports.memory as WebAssembly.Memory).buffer, 0, 1);
  return (offset, whence) => {
    if (whence < 0 || whence > 2 || !Number.isSafeInteger(offset)) return -EINVAL;
    const e = seek(0, BigInt(offset), whence, 0);
    if (e !== 0) return -(WASI_TO_LINUX[e] ?? EINVAL);
    return Number(result[0]);
  };
}
