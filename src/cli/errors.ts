// Errors the command line reports as one line and an exit status (never a stack trace).

import { readFileSync } from "node:fs";

/** Bad command line: exit status 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The file named on the command line cannot be read: 127 if missing, 126 otherwise (shell convention). */
export class FileError extends Error {
  override name = "FileError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Read a program file, turning host errors into a FileError naming the file. */
export function readProgram(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new FileError(`${path}: no such file`, 127);
    if (code === "ENOTDIR") throw new FileError(`${path}: no such file (a parent is not a directory)`, 127);
    if (code === "EISDIR") throw new FileError(`${path}: is a directory`, 126);
    if (code === "EACCES" || code === "EPERM") throw new FileError(`${path}: permission denied`, 126);
    throw new FileError(`${path}: cannot read: ${(e as Error).message}`, 126);
  }
}
