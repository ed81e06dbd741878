// An event queue on virtual time (ns): callbacks scheduled for a deadline run when the time comes,
// earliest first, and events due at the same time in the order they were scheduled, so that the
// same run fires them in the same order (ARCHITECTURE.md decision 3).
//
// A binary min-heap ordered by (deadline, sequence number). Cancelling marks the event and leaves
// it in the heap until it reaches the top, which keeps cancel O(1) and the heap simple.

/** A scheduled event; pass it to `cancel`. */
export interface EventHandle {
  /** the virtual time (ns) it is due at */
  readonly at: number;
  /** true once it has run or been cancelled */
  readonly done: boolean;
}

/** Runs at its deadline with the deadline it was scheduled for (`now` may be later). */
export type EventCallback = (at: number) => void;

class Event implements EventHandle {
  done = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly callback: EventCallback,
  ) {}
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;
  private live = 0;

  /** Events scheduled and neither run nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** Schedule `callback` for virtual time `at` (ns). */
  schedule(at: number, callback: EventCallback): EventHandle {
    if (Number.isNaN(at)) throw new RangeError("event queue: deadline is NaN");
    const e = new Event(at, this.seq++, callback);
    this.heap.push(e);
    this.up(this.heap.length - 1);
    this.live++;
    return e;
  }

  /** Cancel an event; false when it already ran or was cancelled. */
  cancel(handle: EventHandle): boolean {
    const e = handle as Event;
    if (e.done) return false;
    e.done = true;
    this.live--;
    return true;
  }

  /** The earliest deadline still scheduled, or +Infinity when there is none. */
  next(): number {
    this.dropCancelled();
    const top = this.heap[0];
    return top === undefined ? Number.POSITIVE_INFINITY : top.at;
  }

  /**
   * Run every event due at or before `now`, in deadline order (ties: scheduling order). An event
   * that a callback schedules for no later than `now` runs in the same call. Returns how many ran.
   */
  runDue(now: number): number {
    let ran = 0;
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (top === undefined || top.at > now) return ran;
      this.pop();
      top.done = true;
      this.live--;
      ran++;
      top.callback(top.at);
    }
  }

  /** Run only the earliest event if it is due at or before `now`; returns whether one ran. */
  runNext(now: number): boolean {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined || top.at > now) return false;
    this.pop();
    top.done = true;
    this.live--;
    top.callback(top.at);
    return true;
  }

  /** Cancel everything. */
  clear(): void {
    for (const e of this.heap) e.done = true;
    this.heap.length = 0;
    this.live = 0;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.done) this.pop();
  }

  /** Remove the top of the heap. */
  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const heap = this.heap;
    const e = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const e = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1]!, heap[child]!)) child++;
      if (!before(heap[child]!, e)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = e;
  }
}
