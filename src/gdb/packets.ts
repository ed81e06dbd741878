// The framing of gdb's remote serial protocol (the GDB manual, "Overview" of "Remote Protocol"):
// `$data#cs`, cs the modulo-256 sum of data's bytes as two hex digits, acknowledged by `+` (or `-`
// to ask again) until QStartNoAckMode; `}` escapes `#`, `$`, `}` and `*` as the byte xor 0x20;
// a lone 0x03 between packets is an interrupt (Ctrl-C). Bytes only, no sockets: server.ts feeds it.

/** What arrived: a packet's data (escapes undone), an interrupt, or a packet whose checksum was wrong. */
export type Incoming =
  | { kind: "packet"; data: Buffer }
  | { kind: "interrupt" }
  | { kind: "bad-checksum"; data: Buffer; expected: number; got: string };

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const INTERRUPT = 0x03;
/** A packet larger than this is a client's error, not a reason to hold the host's memory. */
export const MAX_PACKET = 1 << 20;

export const checksum = (data: Uint8Array): number => {
  let sum = 0;
  for (const b of data) sum = (sum + b) & 0xff;
  return sum;
};

/** Splits a byte stream into packets and interrupts; acks (`+`, `-`) between packets are dropped. */
export class PacketReader {
  /** bytes of a packet begun and not ended */
  private partial: number[] | undefined;
  /** checksum digits after '#' */
  private sum: string | undefined;

  /** The packets and interrupts completed by `bytes`, in order. */
  feed(bytes: Uint8Array): Incoming[] {
    const out: Incoming[] = [];
    for (const b of bytes) {
      if (this.sum !== undefined) {
        this.sum += String.fromCharCode(b);
        if (this.sum.length < 2) continue;
        const raw = Buffer.from(this.partial!);
        const data = unescapeBinary(raw);
        const expected = checksum(raw);
        out.push(
          Number.parseInt(this.sum, 16) === expected && /^[0-9a-fA-F]{2}$/.test(this.sum)
            ? { kind: "packet", data }
            : { kind: "bad-checksum", data, expected, got: this.sum },
        );
        this.partial = undefined;
        this.sum = undefined;
      } else if (this.partial !== undefined) {
        if (b === HASH) this.sum = "";
        else if (b === DOLLAR) this.partial = [];
        else if (this.partial.length < MAX_PACKET) this.partial.push(b);
      } else if (b === DOLLAR) this.partial = [];
      else if (b === INTERRUPT) out.push({ kind: "interrupt" });
      // anything else between packets ('+', '-', noise) means nothing to a stub
    }
    return out;
  }
}

function unescapeBinary(raw: Buffer): Buffer {
  if (!raw.includes(ESCAPE)) return raw;
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === ESCAPE && i + 1 < raw.length) out.push(raw[++i]! ^ 0x20);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** `$data#cs` with data's special bytes escaped. */
export function framePacket(data: string | Uint8Array): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const escaped: number[] = [];
  for (const b of bytes) {
    if (b === DOLLAR || b === HASH || b === ESCAPE || b === 0x2a) escaped.push(ESCAPE, b ^ 0x20);
    else escaped.push(b);
  }
  const body = Buffer.from(escaped);
  return Buffer.concat([
    Buffer.from("$"),
    body,
    Buffer.from(`#${checksum(body).toString(16).padStart(2, "0")}`),
  ]);
}

// ---- hex, as the protocol writes numbers and bytes ----

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Bytes from hex digits, or undefined if `s` is not an even run of them. */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  return Uint8Array.from(Buffer.from(s, "hex"));
}

/** A hex number (addresses stay exact to 2^53), or undefined. */
export function hexNumber(s: string): number | undefined {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) return undefined;
  const n = Number.parseInt(s, 16);
  return Number.isSafeInteger(n) ? n : undefined;
}
