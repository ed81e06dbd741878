// The entries of one aggregation, found by their key tuple without building anything per lookup.
//
// A tuple of one key is one Map lookup; of two, a Map of Maps; of n, n nested Maps, so neither an
// array nor a joined string is made for a key that is already there. Integer keys arrive in
// normal form (values.ts: a number when safe); a bigint key is normalized here first, so 5n and 5
// are the same key. A one-entry cache in front of the single-key Map serves the common case of a
// probe that fires again with the key it had last time.

import { type IntValue, normalBig, type Value } from "./values.js";

/** What every aggregation entry has: its key tuple, in the aggregation's key order. */
export interface Entry {
  readonly keys: readonly Value[];
}

function canonicalKey(k: Value): Value {
  return typeof k === "bigint" ? normalBig(k) : k;
}

export class KeyedTable<E extends Entry> {
  /** every entry, in the order it was created */
  entries: E[] = [];
  /** bumped whenever entries are removed, so bound keys (KeyHandle) look their entry up again */
  generation = 0;
  private root = new Map<Value, unknown>();
  private only: E | undefined;
  private lastKey: Value | undefined = undefined;
  private lastEntry: E | undefined = undefined;

  constructor(
    readonly arity: number,
    private readonly create: (keys: Value[]) => E,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** The entry of the empty tuple (an aggregation without keys: `@a = count()`). */
  get0(): E {
    const e = this.only;
    return e !== undefined ? e : this.insert([]);
  }

  /** The entry of the one-key tuple (k). */
  get1(k: Value): E {
    if (k === this.lastKey) return this.lastEntry!;
    if (typeof k === "bigint") k = normalBig(k);
    let e = this.root.get(k) as E | undefined;
    if (e === undefined) e = this.insert([k]);
    this.lastKey = k;
    this.lastEntry = e;
    return e;
  }

  /** The entry of the two-key tuple (k0, k1). */
  get2(k0: Value, k1: Value): E {
    if (typeof k0 === "bigint") k0 = normalBig(k0);
    if (typeof k1 === "bigint") k1 = normalBig(k1);
    const inner = this.root.get(k0) as Map<Value, E> | undefined;
    const e = inner?.get(k1);
    return e !== undefined ? e : this.insert([k0, k1]);
  }

  /** The entry of the tuple `keys` (any arity; the array is not kept, so a caller may reuse it). */
  getN(keys: readonly Value[]): E {
    let level: Map<Value, unknown> | undefined = this.root;
    const n = keys.length;
    if (n === 0) return this.get0();
    for (let i = 0; i < n - 1 && level !== undefined; i++) {
      level = level.get(canonicalKey(keys[i])) as Map<Value, unknown> | undefined;
    }
    const e = level?.get(canonicalKey(keys[n - 1])) as E | undefined;
    return e !== undefined ? e : this.insert(keys.map(canonicalKey));
  }

  /** The entry of `keys` if there is one (no entry is created). */
  find(keys: readonly Value[]): E | undefined {
    if (keys.length === 0) return this.only;
    let level: unknown = this.root;
    for (const k of keys) {
      if (!(level instanceof Map)) return undefined;
      level = level.get(canonicalKey(k));
    }
    return level as E | undefined;
  }

  /** Keeps only `kept` (entries of this table), in their given order. */
  retain(kept: readonly E[]): void {
    this.clearAll();
    for (const e of kept) this.link(e);
  }

  /** Drops every entry. */
  clearAll(): void {
    this.generation++;
    this.entries = [];
    this.root = new Map();
    this.only = undefined;
    this.lastKey = undefined;
    this.lastEntry = undefined;
  }

  private insert(keys: Value[]): E {
    if (keys.length !== this.arity) {
      throw new Error(`aggregation key has ${keys.length} element(s), expected ${this.arity}`);
    }
    const e = this.create(keys);
    this.link(e);
    return e;
  }

  private link(e: E): void {
    this.entries.push(e);
    const keys = e.keys;
    if (keys.length === 0) {
      this.only = e;
      return;
    }
    let level = this.root;
    for (let i = 0; i < keys.length - 1; i++) {
      let next = level.get(keys[i]) as Map<Value, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(keys[i], next);
      }
      level = next;
    }
    level.set(keys[keys.length - 1], e);
  }
}

/**
 * A key tuple fixed when the D program is compiled (`@[probename]` in a clause compiled for one
 * probe, a string or integer literal): its entry is looked up at the first update and kept, so
 * later updates find it without hashing. The entry is created only when first needed, as an
 * update would create it, and looked up again after trunc() removed entries.
 */
export class KeyHandle<E extends Entry> {
  private entry: E | undefined = undefined;
  private generation = -1;
  private readonly keys: Value[];

  constructor(
    private readonly table: KeyedTable<E>,
    keys: readonly Value[],
  ) {
    if (keys.length !== table.arity) {
      throw new Error(`aggregation key has ${keys.length} element(s), expected ${table.arity}`);
    }
    this.keys = keys.map(canonicalKey);
  }

  /** The tuple's entry, created if it is not there. */
  get(): E {
    if (this.generation === this.table.generation) return this.entry!;
    return this.lookup();
  }

  private lookup(): E {
    this.entry = this.table.getN(this.keys);
    this.generation = this.table.generation;
    return this.entry;
  }
}

/** Integer keys in normal form, for callers that build a tuple themselves. */
export function normalKey(k: IntValue): IntValue {
  return typeof k === "bigint" ? normalBig(k) : k;
}
