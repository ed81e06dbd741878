// memfd_create(2): an anonymous file in memory, what Linux keeps in shmem. Its bytes are the pages
// of a SharedPages object on the run's frame pool, so read/write through the descriptor and every
// MAP_SHARED mapping of it, in any process (fork shares the open file description), are the same
// bytes — code run from them included. Accesses of a mapping past the file's end are SIGBUS.

import { S_IFREG, type StatInfo, syntheticStat } from "./abi.js";
import { EINVAL, ENOMEM } from "./errno.js";
import { OpenFile, type ReadResult, SEEK_CUR, SEEK_END, SEEK_SET, type WriteResult } from "./files.js";
import { type FramePool, SharedPages } from "./frame-pool.js";
import { O_APPEND, O_RDWR } from "./open-flags.js";

/** Largest memfd (Linux: MAX_LFS_FILESIZE; here what the pool could hold is far less anyway). */
const MAX_SIZE = 2 ** 40;

let nextIno = 1;

export class MemFile extends OpenFile {
  readonly pages: SharedPages;
  /** bytes */
  private size = 0;
  private pos = 0;
  private readonly ino = nextIno++;

  constructor(pool: FramePool, name: string, statusFlags: number) {
    super(O_RDWR | statusFlags, `/memfd:${name} (deleted)`);
    this.pages = new SharedPages(pool, 0);
    this.pages.users = 1; // the open file description itself
  }

  override read(len: number): ReadResult {
    const r = this.pread(len, this.pos);
    if (typeof r !== "number") this.pos += r.length;
    return r;
  }

  override write(data: Uint8Array): WriteResult {
    if (this.flags & O_APPEND) this.pos = this.size;
    const n = this.pwrite(data, this.pos);
    if (n > 0) this.pos += n;
    return n;
  }

  override pread(len: number, offset: number): Uint8Array | number {
    if (offset < 0) return -EINVAL;
    return this.pages.read(offset, Math.max(0, Math.min(len, this.size - offset)));
  }

  override pwrite(data: Uint8Array, offset: number): number {
    if (offset < 0) return -EINVAL;
    const end = offset + data.length;
    if (end > MAX_SIZE) return -27; // EFBIG
    if (end > this.size) this.grow(end);
    return this.pages.write(offset, data) ? data.length : -ENOMEM;
  }

  override seek(offset: number, whence: number): number {
    const base =
      whence === SEEK_SET ? 0 : whence === SEEK_CUR ? this.pos : whence === SEEK_END ? this.size : -1;
    if (base < 0 || base + offset < 0) return -EINVAL;
    this.pos = base + offset;
    return this.pos;
  }

  override stat(): StatInfo {
    return syntheticStat(S_IFREG | 0o777, this.ino, this.size);
  }

  override truncate(length: number): number {
    if (length > MAX_SIZE) return -27; // EFBIG
    this.size = length;
    this.pages.resize(length);
    return 0;
  }

  override release(): void {
    this.pages.letGo();
  }

  private grow(bytes: number): void {
    this.size = bytes;
    this.pages.size = Math.ceil(bytes / 4096);
  }
}
