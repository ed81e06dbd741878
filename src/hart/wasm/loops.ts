// The loops of a region as nested wasm `loop`s. A region's blocks are laid out in one order (by
// page and pc, region-module.ts) as the arms of a dispatch loop; a jump back to an earlier block
// through that loop carries every register the region writes (V8 gives a wasm loop a phi for each
// local assigned in it, and the back edge moves each value into its phi's place: in sha256's
// hottest region most of the instructions were such moves). A backward jump from block `from` to
// block `head` makes the blocks head..from a loop of their own, so that its back edges carry only
// the registers that loop writes.
//
// Wasm's structured control needs the loops properly nested: of two that overlap, the one that
// starts later is left out (its back edges go through the dispatch of a loop holding both). A loop
// holding a block that ends in an indirect jump is left out too: that jump goes through the
// dispatch loop's lookup, and then back in through the loop's own dispatch (a bytecode
// interpreter's switch: busybox awk +4% with such loops).

/** Blocks lo..hi of a region (in its order) as a loop, with its head at lo; the root is all blocks. */
export interface LoopScope {
  lo: number;
  hi: number;
  /** the loops right inside it, in order; none starts at lo */
  children: LoopScope[];
}

/**
 * The loops of a region of n blocks with the given back edges ([head, from], head < from), where
 * `indirect[l]`: block l ends in an indirect jump. Nested, ordered scopes under a root over all
 * blocks (which is not itself a loop).
 */
export function loopScopes(
  n: number,
  backEdges: Iterable<readonly [number, number]>,
  indirect: readonly boolean[] = [],
): LoopScope {
  // blocks ending in an indirect jump before each label
  const before = new Int32Array(n + 1);
  for (let l = 0; l < n; l++) before[l + 1] = before[l]! + (indirect[l] === true ? 1 : 0);
  // one loop per head, as far as its furthest back edge
  const ends = new Map<number, number>();
  for (const [head, from] of backEdges)
    if (head < from) ends.set(head, Math.max(ends.get(head) ?? head, from));
  for (const [head, hi] of ends) if (before[hi + 1]! > before[head]!) ends.delete(head);
  const root: LoopScope = { lo: 0, hi: n - 1, children: [] };
  const stack: LoopScope[] = [root];
  for (const lo of [...ends.keys()].sort((a, b) => a - b)) {
    const hi = ends.get(lo)!;
    while (stack[stack.length - 1]!.hi < lo) stack.pop();
    // the loops open here contain lo; one that ends before hi overlaps this one, which is left
    // out (its back edges go through the dispatch of a loop holding both ends)
    if (stack[stack.length - 1]!.hi < hi) continue;
    const loop: LoopScope = { lo, hi, children: [] };
    stack[stack.length - 1]!.children.push(loop);
    stack.push(loop);
  }
  return root;
}
