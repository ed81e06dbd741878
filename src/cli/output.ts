// Writing to the host's stdout and stderr synchronously, so nothing is left in a buffer when the
// process exits (guest output included), and non-blocking pipes (EAGAIN) are waited out.

import { writeSync } from "node:fs";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function writeFd(fd: number, text: string | Uint8Array): void {
  const data = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  let done = 0;
  while (done < data.length) {
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "EAGAIN") {
        Atomics.wait(sleeper, 0, 0, 1);
        continue;
      }
      if (code === "EPIPE") return; // the reader is gone; nothing more to say
      throw e;
    }
  }
}

export const out = (text: string): void => writeFd(1, text);
/** One line of hartscope's own on stderr. */
export const err = (line: string): void => writeFd(2, `${line}\n`);
