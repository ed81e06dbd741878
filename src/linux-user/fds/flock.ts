// flock(2): advisory whole-file locks held by open file descriptions, shared or exclusive, on the
// file (its host device and inode, so two opens of one file conflict). Every process of the run
// sees the same locks; host processes outside the run do not (hartscope keeps the table itself,
// as it keeps pipes: a blocking host flock would stop the one host thread that runs every guest).
//
// A lock goes away with LOCK_UN or when its open file description closes (its last descriptor,
// in any process). The table needs no close hook: a holder whose description has no descriptor
// left (refs 0; a description is never installed again) is dropped when the table is next read.

import { fstatSync } from "node:fs";
import { EAGAIN, EBADF, EINVAL } from "../errno.js";
import { type OpenFile, WouldBlock } from "../files.js";
import type { Sys } from "../syscalls/context.js";

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

interface FileLocks {
  /** descriptions holding the lock, each with whether it is exclusive */
  holders: Map<OpenFile, boolean>;
}

/** The locks of each run (its kernel), by file. */
const tables = new WeakMap<object, Map<string | OpenFile, FileLocks>>();

/** What a lock is on: the host file (device and inode), else the description itself. */
function fileKey(f: OpenFile): string | OpenFile {
  const fd = f.hostFd;
  if (fd === undefined) return f;
  try {
    const st = fstatSync(fd, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return f;
  }
}

function locksOf(table: Map<string | OpenFile, FileLocks>, key: string | OpenFile): FileLocks {
  let l = table.get(key);
  if (l === undefined) {
    l = { holders: new Map() };
    table.set(key, l);
  }
  for (const h of l.holders.keys()) if (h.refs === 0) l.holders.delete(h);
  return l;
}

/** Whether `f` may take the lock now: no other description holds it exclusively, or at all for LOCK_EX. */
function grantable(l: FileLocks, f: OpenFile, exclusive: boolean): boolean {
  for (const [h, ex] of l.holders) {
    if (h.refs === 0) l.holders.delete(h);
    else if (h !== f && (exclusive || ex)) return false;
  }
  return true;
}

/** flock(fd, op) */
export function flock(c: Sys): number | WouldBlock {
  const f = c.p.fds.get(c.int(0));
  if (f === undefined) return -EBADF;
  const op = c.int(1);
  const kind = op & ~LOCK_NB;
  if (kind !== LOCK_SH && kind !== LOCK_EX && kind !== LOCK_UN) return -EINVAL;
  const table = tables.get(c.p.kernel) ?? new Map<string | OpenFile, FileLocks>();
  tables.set(c.p.kernel, table);
  const key = fileKey(f);
  const l = locksOf(table, key);
  if (kind === LOCK_UN) {
    l.holders.delete(f);
    if (l.holders.size === 0) table.delete(key);
    return 0;
  }
  const exclusive = kind === LOCK_EX;
  if (l.holders.get(f) === exclusive) return 0;
  // Converting between shared and exclusive first drops the lock held (flock(2): not atomic).
  l.holders.delete(f);
  if (grantable(l, f, exclusive)) {
    l.holders.set(f, exclusive);
    return 0;
  }
  if (op & LOCK_NB) return -EAGAIN; // EWOULDBLOCK
  // The retried call takes the lock once the holders have gone.
  return new WouldBlock(
    `flock on ${f.path}`,
    () => grantable(locksOf(table, key), f, exclusive),
    undefined,
    0,
    undefined,
    true,
  );
}
