// The process's own record of its mappings (start, end, protection, name): what the address
// space does not tell back, needed by mremap (the protection to extend with) and /proc/self/maps.

export interface Vma {
  start: number;
  end: number;
  prot: number;
  name: string;
  /** file offset of `start` for file mappings */
  offset: number;
  /** MAP_SHARED file mapping: host descriptor its pages are written back to (msync, munmap, exit) */
  sharedFd?: number;
}

export class VmaList {
  /** sorted by start, non-overlapping */
  readonly list: Vma[] = [];

  /** Record [start, end) as a new mapping, replacing whatever overlapped it. */
  add(start: number, end: number, prot: number, name: string, offset = 0, sharedFd?: number): void {
    this.remove(start, end);
    let i = 0;
    while (i < this.list.length && this.list[i]!.start < start) i++;
    this.list.splice(i, 0, { start, end, prot, name, offset, sharedFd });
  }

  /** Forget [start, end), splitting mappings that straddle its edges. */
  remove(start: number, end: number): void {
    const out: Vma[] = [];
    for (const v of this.list) {
      if (v.end <= start || v.start >= end) {
        out.push(v);
        continue;
      }
      if (v.start < start) out.push({ ...v, end: start });
      if (v.end > end) out.push({ ...v, start: end, offset: v.offset + (end - v.start) });
    }
    this.list.length = 0;
    this.list.push(...out);
  }

  /** Change the protection of [start, end), splitting at its edges. */
  protect(start: number, end: number, prot: number): void {
    const pieces = this.overlapping(start, end);
    for (const p of pieces) {
      const s = Math.max(p.start, start);
      const e = Math.min(p.end, end);
      this.add(s, e, prot, p.name, p.offset + (s - p.start), p.sharedFd);
    }
  }

  /** The mapping containing addr. */
  find(addr: number): Vma | undefined {
    return this.list.find((v) => v.start <= addr && addr < v.end);
  }

  /** Copies of the mappings overlapping [start, end). */
  overlapping(start: number, end: number): Vma[] {
    return this.list.filter((v) => v.start < end && v.end > start).map((v) => ({ ...v }));
  }

  /** True when every byte of [start, end) is covered. */
  covers(start: number, end: number): boolean {
    let at = start;
    for (const v of this.list) {
      if (v.end <= at) continue;
      if (v.start > at) return false;
      at = v.end;
      if (at >= end) return true;
    }
    return at >= end;
  }

  /** /proc/self/maps text (proc(5) format). */
  render(): string {
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    return this.list
      .map((v) => {
        const perms = `${v.prot & 1 ? "r" : "-"}${v.prot & 2 ? "w" : "-"}${v.prot & 4 ? "x" : "-"}p`;
        const name = v.name.startsWith("[anon") ? "" : v.name;
        const head = `${hex(v.start)}-${hex(v.end)} ${perms} ${hex(v.offset)} 00:00 0`;
        return name ? `${head.padEnd(73)}${name}\n` : `${head}\n`;
      })
      .join("");
  }
}
