// The process's own record of its mappings (start, end, protection, name): what the address
// space does not tell back, needed by mremap (the protection to extend with) and /proc/self/maps.
// Kept apart from the address space's page-level mappings because it names things (files, [heap],
// [stack]) the harts never need; both are sorted interval lists (intervals.ts), so neither costs
// more than the mappings an operation touches.

import { IntervalList } from "./intervals.js";

export interface Vma {
  start: number;
  end: number;
  prot: number;
  name: string;
  /** file offset of `start` for file mappings */
  offset: number;
  /** MAP_SHARED file mapping: host descriptor its pages are written back to (msync, munmap, exit) */
  sharedFd?: number;
  /** MAP_SHARED (/proc/self/maps shows `s`) */
  shared?: boolean;
}

/** The part of v from `at` on, its file offset moved along. */
const tailOf = (v: Vma, at: number): Vma => ({ ...v, start: at, offset: v.offset + (at - v.start) });

/**
 * Anonymous mappings ([anon], [heap], [stack]) of one protection that touch are one mapping, as the
 * kernel merges them (mm/mmap.c vma_merge); file mappings join only where the file continues.
 */
function joinable(a: Vma, b: Vma): boolean {
  if (a.prot !== b.prot || a.name !== b.name || a.sharedFd !== undefined || b.sharedFd !== undefined)
    return false;
  if (a.shared !== b.shared) return false;
  return a.name.startsWith("[") || a.offset + (a.end - a.start) === b.offset;
}

export class VmaList {
  private readonly vmas = new IntervalList<Vma>(tailOf, joinable);

  /** the mappings, sorted by start, non-overlapping (a new array; change them through the methods) */
  get list(): readonly Vma[] {
    return this.vmas.items;
  }

  /** fork: the same mappings in a list of their own. */
  copy(): VmaList {
    const c = new VmaList();
    for (const v of this.vmas.items) c.vmas.insert({ ...v });
    return c;
  }

  /** Record [start, end) as a new mapping, replacing whatever overlapped it. */
  add(
    start: number,
    end: number,
    prot: number,
    name: string,
    offset = 0,
    sharedFd?: number,
    shared?: boolean,
  ): void {
    this.vmas.carve(start, end);
    this.vmas.insert({ start, end, prot, name, offset, sharedFd, ...(shared ? { shared } : {}) });
  }

  /** Forget [start, end), splitting mappings that straddle its edges. */
  remove(start: number, end: number): void {
    this.vmas.carve(start, end);
  }

  /** Change the protection of [start, end), splitting at its edges. */
  protect(start: number, end: number, prot: number): void {
    for (const p of this.vmas.carve(start, end)) {
      p.prot = prot;
      this.vmas.insert(p);
    }
  }

  /** The mapping containing addr. */
  find(addr: number): Vma | undefined {
    return this.vmas.find(addr);
  }

  /** Copies of the mappings overlapping [start, end). */
  overlapping(start: number, end: number): Vma[] {
    return this.vmas.overlapping(start, end).map((v) => ({ ...v }));
  }

  /** True when every byte of [start, end) is covered. */
  covers(start: number, end: number): boolean {
    return this.vmas.covers(start, end);
  }

  /** /proc/self/maps text (proc(5) format). */
  render(): string {
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    return this.vmas.items
      .map((v) => {
        const perms = `${v.prot & 1 ? "r" : "-"}${v.prot & 2 ? "w" : "-"}${v.prot & 4 ? "x" : "-"}${v.shared ? "s" : "p"}`;
        const name = v.name.startsWith("[anon") ? "" : v.name;
        const head = `${hex(v.start)}-${hex(v.end)} ${perms} ${hex(v.offset)} 00:00 0`;
        return name ? `${head.padEnd(73)}${name}\n` : `${head}\n`;
      })
      .join("");
  }
}
