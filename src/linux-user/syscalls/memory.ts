// Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise and friends (mm/mmap.c, mm/mremap.c).

import { fstatSync, openSync, writeSync } from "node:fs";
import { GuestFault, OutOfGuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from "../address-space.js";
import { EACCES, EBADF, EEXIST, EINVAL, ENODEV, ENOMEM } from "../errno.js";
import { fileMapped } from "../events.js";
import { HostFile } from "../files.js";
import { SharedPages } from "../frame-pool.js";
import { isPageAligned, MMAP_BASE, PAGE, pageUp, TASK_SIZE } from "../layout.js";
import { MemFile } from "../memfd.js";
import type { LinuxProcess } from "../process.js";
import type { Handler } from "./context.js";

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

const MADV_DONTNEED = 4;
const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;
/** longest memfd name (mm/memfd.c: NAME_MAX less "memfd:") */
const MFD_NAME_MAX = 249;
const MADV_FREE = 8;
const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;
/** Upper end of user space the guest may name in MAP_FIXED and mremap. */
const USER_END = TASK_SIZE;
/** LinuxProcess.warnOnce key of the memory cap's one warning (syscall numbers are the other keys). */
const WARNED_MEMORY_CAP = -ENOMEM;

/** Answer ENOMEM for a refusal of the memory cap, naming it once on stderr. */
function refuse(p: LinuxProcess, e: OutOfGuestMemory, syscall: string): number {
  p.warnOnce(WARNED_MEMORY_CAP, `hartscope: ${e.message}: ${syscall} returns ENOMEM`);
  return -ENOMEM;
}

function overlapsMapping(p: LinuxProcess, start: number, len: number): boolean {
  return p.vmas.overlapping(start, start + len).length > 0;
}

/** A free range of `len` bytes: the hint if free, else top-down from the mmap base. */
function placeMapping(p: LinuxProcess, hint: number, len: number): number {
  if (hint !== 0) {
    const h = hint - (hint % PAGE);
    if (h >= PAGE * 16 && h + len <= USER_END && !overlapsMapping(p, h, len)) return h;
  }
  try {
    const at = p.mem.findFree(len, MMAP_BASE);
    return at >= 0 ? at : -ENOMEM;
  } catch {
    return -ENOMEM;
  }
}

/**
 * Write the pages of MAP_SHARED file mappings in [start, end) back to their files, as far as the
 * files reach (a shared mapping never extends its file). hartscope keeps shared file pages
 * private between these points: msync, munmap, reads of any file, and exit.
 */
export function syncSharedMappings(p: LinuxProcess, start = 0, end = Number.MAX_SAFE_INTEGER): void {
  if (!p.hasSharedFileMappings) return;
  for (const v of p.vmas.overlapping(start, end)) {
    if (v.sharedFd === undefined) continue;
    const s = Math.max(v.start, start);
    const e = Math.min(v.end, end);
    const fileOff = v.offset + (s - v.start);
    try {
      const len = Math.min(e - s, Number(fstatSync(v.sharedFd).size) - fileOff);
      if (len > 0) writeSync(v.sharedFd, p.mem.read(s, len), 0, len, fileOff);
    } catch (err) {
      if (err instanceof GuestFault) continue; // pages unmapped underneath: nothing to write
      // a host write error has no one to report to (Linux would lose it the same way)
    }
  }
}

/**
 * Map fresh pages and record them; -ENOMEM (named once on stderr) when the memory cap refuses
 * them, leaving what was there in place.
 */
function mapFresh(
  p: LinuxProcess,
  syscall: string,
  addr: number,
  len: number,
  prot: number,
  name: string,
  offset = 0,
  sharedFd?: number,
  shared?: { pages: SharedPages; page: number },
): number {
  try {
    p.mem.map(addr, len, prot, shared?.pages, shared?.page);
  } catch (e) {
    if (e instanceof OutOfGuestMemory) return refuse(p, e, syscall);
    throw e;
  }
  p.vmas.add(addr, addr + len, prot, name, offset, sharedFd, shared !== undefined || sharedFd !== undefined);
  return 0;
}

export const memorySyscalls: Record<string, Handler> = {
  brk(c) {
    const p = c.p;
    const want = c.ulong(0);
    if (want < p.brkStart || want >= MMAP_BASE) return p.brk;
    const oldTop = pageUp(p.brk);
    const newTop = pageUp(want);
    if (newTop > oldTop) {
      if (overlapsMapping(p, oldTop, newTop - oldTop)) return p.brk;
      if (mapFresh(p, "brk", oldTop, newTop - oldTop, PROT_READ | PROT_WRITE, "[heap]") < 0) return p.brk;
    } else if (newTop < oldTop) {
      p.mem.unmap(newTop, oldTop - newTop);
      p.vmas.remove(newTop, oldTop);
    }
    p.brk = want;
    return want;
  },

  mmap(c) {
    const p = c.p;
    const addr = c.ulong(0);
    const length = c.ulong(1);
    const prot = c.int(2);
    const flags = c.int(3);
    const fd = c.int(4);
    const offset = c.ulong(5);
    if (length === 0 || prot & ~PROT_MASK) return -EINVAL;
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
    if (!isPageAligned(offset)) return -EINVAL;
    const len = pageUp(length);
    if (len > USER_END) return -ENOMEM;

    let data: Uint8Array | undefined;
    let name = "[anon]";
    let sharedFd: number | undefined;
    /** MAP_SHARED anonymous memory (and /dev/zero's): one object whose pages forks share */
    let shared = false;
    /** a MAP_SHARED memfd: its own pages, from the page at `offset` */
    let memfd: { pages: SharedPages; page: number } | undefined;
    if (flags & MAP_ANONYMOUS) shared = type !== MAP_PRIVATE;
    else {
      const f = p.fds.get(fd);
      if (!f) return -EBADF;
      if (!f.readable) return -EACCES;
      if (type !== MAP_PRIVATE && prot & PROT_WRITE && !f.writable) return -EACCES;
      if (f.path === "/dev/zero") shared = type !== MAP_PRIVATE;
      else if (f instanceof MemFile && type !== MAP_PRIVATE) {
        memfd = { pages: f.pages, page: offset / PAGE };
        name = f.path;
      } else {
        syncSharedMappings(p);
        const r = f.pread(len, offset);
        if (typeof r === "number") return r === -29 /* ESPIPE */ ? -ENODEV : r;
        data = r;
        name = f.path;
        if (type !== MAP_PRIVATE && f.writable && f instanceof HostFile && f.hostPath !== undefined) {
          // Its own host descriptor: the mapping outlives the guest's fd (mmap(2)).
          try {
            sharedFd = openSync(f.hostPath, "r+");
            p.hasSharedFileMappings = true;
          } catch {
            sharedFd = undefined;
          }
        }
      }
    }

    let at: number;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (!isPageAligned(addr)) return -EINVAL;
      if (addr + len > USER_END) return -ENOMEM;
      if (flags & MAP_FIXED_NOREPLACE && overlapsMapping(p, addr, len)) return -EEXIST;
      at = addr;
    } else {
      at = placeMapping(p, addr, len);
      if (at < 0) return at;
    }
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) syncSharedMappings(p, at, at + len);
    if (shared) name = "/dev/zero (deleted)"; // what Linux names a shmem mapping in /proc/self/maps
    // A writable MAP_SHARED file mapping is one object too, so forks share its pages (they stand
    // for the page cache; its contents go back to the file as before: msync, munmap, exit).
    const size = shared ? len / PAGE : undefined;
    const pages =
      memfd ??
      (shared || sharedFd !== undefined ? { pages: new SharedPages(p.mem.pool, size), page: 0 } : undefined);
    const r = mapFresh(p, "mmap", at, len, prot, name, shared ? 0 : offset, sharedFd, pages);
    if (r < 0) return r;
    if (data && data.length > 0) p.mem.write(at, data);
    if (data) fileMapped(p, at, prot, offset, name, p.fds.get(fd));
    return at;
  },

  munmap(c) {
    const addr = c.ulong(0);
    const len = pageUp(c.ulong(1));
    if (!isPageAligned(addr) || len === 0 || addr + len > USER_END) return -EINVAL;
    syncSharedMappings(c.p, addr, addr + len);
    c.p.mem.unmap(addr, len);
    c.p.vmas.remove(addr, addr + len);
    return 0;
  },

  mprotect(c) {
    const addr = c.ulong(0);
    const len = pageUp(c.ulong(1));
    const prot = c.int(2);
    if (!isPageAligned(addr) || prot & ~(PROT_MASK | 0x01000000 | 0x02000000)) return -EINVAL;
    if (len === 0) return 0;
    if (!c.p.vmas.covers(addr, addr + len)) return -ENOMEM;
    try {
      c.p.mem.protect(addr, len, prot & PROT_MASK);
    } catch (e) {
      if (e instanceof GuestFault) return -ENOMEM;
      if (e instanceof OutOfGuestMemory) return refuse(c.p, e, "mprotect");
      throw e;
    }
    c.p.vmas.protect(addr, addr + len, prot & PROT_MASK);
    return 0;
  },

  mremap(c) {
    const p = c.p;
    const old = c.ulong(0);
    const oldLen = pageUp(c.ulong(1));
    const newLen = pageUp(c.ulong(2));
    const flags = c.int(3);
    const newAddr = c.ulong(4);
    if (!isPageAligned(old) || newLen === 0 || flags & ~7) return -EINVAL;
    if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
    if (flags & MREMAP_DONTUNMAP) return -EINVAL;
    if (oldLen === 0 || !p.vmas.covers(old, old + oldLen)) return -14; // EFAULT
    const vma = p.vmas.find(old)!;
    /** file offset of the first byte past the old mapping, for the part it grows by */
    const growOffset = vma.offset + (old + oldLen - vma.start);
    /** a shared mapping grows into the pages of its object that follow */
    const last = p.mem.sharedAt(old + oldLen - PAGE);
    const growShared = last && { pages: last.pages, page: last.page + 1 };
    /** map the part it grows by, after the old length at `base` (in place, or at the new address) */
    const grow = (base: number) =>
      mapFresh(
        p,
        "mremap",
        base + oldLen,
        newLen - oldLen,
        vma.prot,
        vma.name,
        growOffset,
        vma.sharedFd,
        growShared,
      );
    if (!(flags & MREMAP_FIXED)) {
      if (newLen <= oldLen) {
        if (newLen < oldLen) {
          p.mem.unmap(old + newLen, oldLen - newLen);
          p.vmas.remove(old + newLen, old + oldLen);
        }
        return old;
      }
      if (old + newLen <= USER_END && !overlapsMapping(p, old + oldLen, newLen - oldLen)) {
        const r = grow(old);
        return r < 0 ? r : old;
      }
      if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    }
    let to: number;
    if (flags & MREMAP_FIXED) {
      if (!isPageAligned(newAddr) || newAddr + newLen > USER_END) return -EINVAL;
      if (newAddr < old + oldLen && old < newAddr + newLen) return -EINVAL;
      to = newAddr;
    } else {
      to = placeMapping(p, 0, newLen);
      if (to < 0) return to;
    }
    // Refuse before moving anything when the part it grows by would pass the memory cap.
    const mem = p.mem;
    if (newLen > oldLen && vma.prot !== 0 && mem.chargedBytes + (newLen - oldLen) > mem.capBytes) {
      return refuse(p, new OutOfGuestMemory(mem.capBytes), "mremap");
    }
    // Move the pages themselves (contents and protections), then extend or trim at the new place.
    syncSharedMappings(p, old, old + oldLen);
    const pieces = p.vmas.overlapping(old, old + oldLen);
    const keep = Math.min(oldLen, newLen);
    if (newLen < oldLen) {
      p.mem.unmap(old + newLen, oldLen - newLen);
      p.vmas.remove(old + newLen, old + oldLen);
    }
    p.mem.move(old, to, keep);
    p.vmas.remove(to, to + newLen);
    for (const v of pieces) {
      const s = Math.max(v.start, old);
      const e = Math.min(v.end, old + keep);
      if (e > s)
        p.vmas.add(
          s - old + to,
          e - old + to,
          v.prot,
          v.name,
          v.offset + (s - v.start),
          v.sharedFd,
          v.shared,
        );
    }
    p.vmas.remove(old, old + keep);
    if (newLen > oldLen) {
      const r = grow(to);
      if (r < 0) return r;
    }
    return to;
  },

  madvise(c) {
    const addr = c.ulong(0);
    const len = pageUp(c.ulong(1));
    const advice = c.int(2);
    if (!isPageAligned(addr)) return -EINVAL;
    if (advice === MADV_DONTNEED || advice === MADV_FREE) {
      // Private pages read back as zero after MADV_DONTNEED (madvise(2)): their frames go back.
      if (addr + len <= USER_END) c.p.mem.discard(addr, len);
    }
    return 0;
  },

  msync(c) {
    const addr = c.ulong(0);
    const len = pageUp(c.ulong(1));
    if (!isPageAligned(addr) || c.int(2) & ~7) return -EINVAL;
    if (!c.p.vmas.covers(addr, addr + len)) return -ENOMEM;
    syncSharedMappings(c.p, addr, addr + len);
    return 0;
  },
  memfd_create(c) {
    const name = c.mem.readCString(c.ulong(0), MFD_NAME_MAX + 1);
    const flags = c.uint(1);
    if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING)) return -EINVAL; // MFD_HUGETLB and the rest: not here
    if (name.length > MFD_NAME_MAX) return -EINVAL;
    const f = new MemFile(c.p.mem.pool, name, 0);
    const fd = c.p.fds.install(f, (flags & MFD_CLOEXEC) !== 0);
    if (fd < 0) f.release();
    return fd;
  },
  mlock: () => 0,
  munlock: () => 0,
  mlockall: () => 0,
  munlockall: () => 0,
  mlock2: () => 0,

  mincore(c) {
    const addr = c.ulong(0);
    const len = pageUp(c.ulong(1));
    const vec = c.ulong(2);
    if (!isPageAligned(addr)) return -EINVAL;
    if (!c.p.vmas.covers(addr, addr + len)) return -ENOMEM;
    c.mem.write(vec, new Uint8Array(len / PAGE).fill(1));
    return 0;
  },
};
