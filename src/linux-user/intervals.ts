// A sorted list of non-overlapping half-open intervals [start, end): the shape of a process's
// mappings (the address space's, in pages; the VMA record's, in bytes). The intervals sit in
// blocks of at most BLOCK_MAX, found by binary search over the blocks and then within one, so an
// operation costs O(log n + BLOCK_MAX) plus the intervals it touches: never the size of the ranges,
// and never a shift of the whole list (one flat array made 10,000 top-down mmaps quadratic; Linux
// allows 65,530 mappings by default, vm.max_map_count).

export interface Interval {
  start: number;
  end: number;
}

/** A block is split in two when it grows past this. */
const BLOCK_MAX = 64;

export class IntervalList<T extends Interval> {
  /** the intervals in order, in non-empty blocks */
  private readonly blocks: T[][] = [];
  private count = 0;

  constructor(
    /** a new interval for [at, v.end) with v's attributes (v itself is not changed) */
    private readonly tail: (v: T, at: number) => T,
    /** whether b, starting where a ends, may be joined onto a (undefined: never join) */
    private readonly joinable?: (a: T, b: T) => boolean,
  ) {}

  get length(): number {
    return this.count;
  }

  /** The intervals in order (a new array; the intervals are the list's own: do not change them). */
  get items(): T[] {
    return this.blocks.flat();
  }

  /** The interval containing x. */
  find(x: number): T | undefined {
    const b = this.blockEndingAfter(x);
    if (b === this.blocks.length) return undefined;
    const blk = this.blocks[b]!;
    const v = blk[endingAfter(blk, x)]!;
    return v.start <= x ? v : undefined;
  }

  /**
   * Call fn on the intervals ending after x, in increasing order, until it returns true.
   */
  forEachFrom(x: number, fn: (v: T) => boolean | undefined): void {
    const blocks = this.blocks;
    let b = this.blockEndingAfter(x);
    if (b === blocks.length) return;
    let i = endingAfter(blocks[b]!, x);
    for (; b < blocks.length; b++, i = 0) {
      const blk = blocks[b]!;
      for (; i < blk.length; i++) if (fn(blk[i]!) === true) return;
    }
  }

  /** Call fn on the intervals starting before x, in decreasing order, until it returns true. */
  forEachBelow(x: number, fn: (v: T) => boolean | undefined): void {
    const blocks = this.blocks;
    let b = this.blockStartingBefore(x);
    if (b < 0) return;
    let i = startingBefore(blocks[b]!, x);
    for (; b >= 0; b--, i = b >= 0 ? blocks[b]!.length - 1 : 0) {
      const blk = blocks[b]!;
      for (; i >= 0; i--) if (fn(blk[i]!) === true) return;
    }
  }

  /** The intervals overlapping [start, end), in order (the list's own objects: do not change them). */
  overlapping(start: number, end: number): T[] {
    const out: T[] = [];
    this.forEachFrom(start, (v) => {
      if (v.start >= end) return true;
      out.push(v);
    });
    return out;
  }

  /** True when every point of [start, end) lies in some interval. */
  covers(start: number, end: number): boolean {
    return this.firstHole(start, end) < 0;
  }

  /** The first point of [start, end) that no interval holds, or -1 when it is covered. */
  firstHole(start: number, end: number): number {
    let at = start;
    if (at >= end) return -1;
    this.forEachFrom(start, (v) => {
      if (v.start > at) return true;
      at = v.end;
      return at >= end;
    });
    return at >= end ? -1 : at;
  }

  /**
   * Remove [start, end), splitting intervals that straddle its edges. Returns what was removed,
   * clipped to [start, end), in order.
   */
  carve(start: number, end: number): T[] {
    const removed: T[] = [];
    const blocks = this.blocks;
    let b = this.blockEndingAfter(start);
    if (b === blocks.length || start >= end) return removed;
    let blk = blocks[b]!;
    let i = endingAfter(blk, start);
    const first = blk[i]!;
    if (first.start >= end) return removed;
    if (first.start < start) {
      // Keep its head [first.start, start) in place; the rest goes, or the middle when the range
      // lies inside it.
      const rest = this.tail(first, start);
      first.end = start;
      removed.push(rest);
      if (rest.end > end) {
        const after = this.tail(rest, end);
        rest.end = end;
        blk.splice(i + 1, 0, after);
        this.count++;
        this.splitIfFull(b);
        return removed;
      }
      i++;
    }
    while (b < blocks.length) {
      blk = blocks[b]!;
      let j = i;
      while (j < blk.length && blk[j]!.end <= end) removed.push(blk[j++]!);
      const last = blk[j];
      if (last !== undefined) {
        if (last.start < end) {
          // Straddles the end: its part inside the range goes, the rest stays in its place.
          const after = this.tail(last, end);
          last.end = end;
          removed.push(last);
          blk.splice(i, j - i + 1, after);
          this.count -= j - i;
        } else {
          blk.splice(i, j - i);
          this.count -= j - i;
        }
        if (blk.length === 0) blocks.splice(b, 1);
        return removed;
      }
      // The range runs on past this block.
      blk.splice(i, j - i);
      this.count -= j - i;
      if (blk.length === 0) blocks.splice(b, 1);
      else b++;
      i = 0;
    }
    return removed;
  }

  /** Add v, which overlaps nothing, joining it with neighbours it may join. Returns the interval now holding it. */
  insert(v: T): T {
    const blocks = this.blocks;
    // v goes after the last interval starting before it: (bb, bi), or first of all (bb = -1).
    const bb = this.blockStartingBefore(v.start);
    const bi = bb < 0 ? -1 : startingBefore(blocks[bb]!, v.start);
    const before = bb < 0 ? undefined : blocks[bb]![bi];
    let ab = Math.max(bb, 0);
    let ai = bi + 1;
    if (ab < blocks.length && ai === blocks[ab]!.length) {
      ab++;
      ai = 0;
    }
    const after = blocks[ab]?.[ai];
    if (before !== undefined && before.end > v.start) throw new RangeError("IntervalList.insert: overlap");
    if (after !== undefined && after.start < v.end) throw new RangeError("IntervalList.insert: overlap");
    const join = this.joinable;
    if (join !== undefined && before !== undefined && before.end === v.start && join(before, v)) {
      before.end = v.end;
      if (after !== undefined && after.start === before.end && join(before, after)) {
        before.end = after.end;
        this.removeAt(ab, ai);
      }
      return before;
    }
    if (join !== undefined && after !== undefined && after.start === v.end && join(v, after)) {
      v.end = after.end;
      blocks[ab]![ai] = v;
      return v;
    }
    if (blocks.length === 0) {
      blocks.push([v]);
    } else if (bb < 0) {
      blocks[0]!.unshift(v);
      this.splitIfFull(0);
    } else {
      blocks[bb]!.splice(bi + 1, 0, v);
      this.splitIfFull(bb);
    }
    this.count++;
    return v;
  }

  private removeAt(b: number, i: number): void {
    const blk = this.blocks[b]!;
    blk.splice(i, 1);
    this.count--;
    if (blk.length === 0) this.blocks.splice(b, 1);
  }

  private splitIfFull(b: number): void {
    const blk = this.blocks[b]!;
    if (blk.length > BLOCK_MAX) this.blocks.splice(b + 1, 0, blk.splice(blk.length >> 1));
  }

  /** Index of the first block whose last interval ends after x (blocks.length when none). */
  private blockEndingAfter(x: number): number {
    const a = this.blocks;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const blk = a[mid]!;
      if (blk[blk.length - 1]!.end <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the last block whose first interval starts before x (-1 when none). */
  private blockStartingBefore(x: number): number {
    const a = this.blocks;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]![0]!.start < x) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** Index in blk of the first interval ending after x (blk.length when none). */
function endingAfter<T extends Interval>(blk: T[], x: number): number {
  let lo = 0;
  let hi = blk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blk[mid]!.end <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index in blk of the last interval starting before x (-1 when none). */
function startingBefore<T extends Interval>(blk: T[], x: number): number {
  let lo = 0;
  let hi = blk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blk[mid]!.start < x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
