// Where trace output goes: a file descriptor (stdout, stderr, or a file opened by -o), or a
// string (tests, the browser). Writes are buffered and go out at flush(), or when the buffer
// passes 64 KiB, so a firing that prints does not cost a system call.

import { closeSync, openSync, writeSync } from "node:fs";

export interface TextSink {
  write(text: string): void;
  /** Writes out anything buffered. */
  flush(): void;
  /** Flushes and releases the sink. */
  close(): void;
}

/** Collects everything written, for tests and embedders. */
export class StringSink implements TextSink {
  text = "";
  write(text: string): void {
    this.text += text;
  }
  flush(): void {}
  close(): void {}
}

const FLUSH_AT = 64 * 1024;

/** Writes to a file descriptor, buffered. */
export class FdSink implements TextSink {
  private buffer = "";
  constructor(
    private readonly fd: number,
    private readonly ownsFd = false,
  ) {}

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.buffer === "") return;
    const data = Buffer.from(this.buffer, "utf8");
    this.buffer = "";
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
        throw e;
      }
    }
  }

  close(): void {
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
  }
}

/**
 * The sink for `-o FILE`: the file opened for appending, as dtrace opens it. Throws an Error
 * naming the file when it cannot be opened.
 */
export function openFileSink(path: string): FdSink {
  let fd: number;
  try {
    fd = openSync(path, "a");
  } catch (e) {
    throw new Error(`failed to open output file '${path}': ${(e as Error).message}`);
  }
  return new FdSink(fd, true);
}

/** Standard output and standard error as sinks. */
export function stdoutSink(): FdSink {
  return new FdSink(1);
}
export function stderrSink(): FdSink {
  return new FdSink(2);
}
