// The guest's view of the file system: guest absolute paths live under a host root directory
// (--root, default the current directory). Paths are resolved here one component at a time,
// following symlinks ourselves, so neither `..` nor a symlink (absolute or relative) can leave the
// root. With --sysroot, an absolute path that exists under the sysroot is taken from there first
// (how the dynamic loader finds its libraries), like qemu's -L.

import { lstatSync, readlinkSync, type Stats } from "node:fs";
import { join, relative, resolve as resolveHost, sep } from "node:path";
import { ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from "./errno.js";

export type Tree = "root" | "sysroot";

/** A place in one of the trees, as guest path components (no ".", "..", or symlinks in it). */
export interface Location {
  tree: Tree;
  parts: string[];
}

export interface Resolved {
  loc: Location;
  /** host path of the place */
  host: string;
  /** guest absolute path */
  guest: string;
  /** lstat of the place, undefined if nothing is there */
  stat: Stats | undefined;
}

const PATH_MAX = 4096;
/** bytes in one path component (include/uapi/linux/limits.h); longer ones are ENAMETOOLONG */
const NAME_MAX = 255;
const MAX_SYMLINKS = 40;

/** Host device files the guest sees at the same path whatever the root is. */
const HOST_DEVICES = new Set(["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"]);

export class GuestFs {
  readonly root: string;
  readonly sysroot: string | undefined;
  cwd: Location;

  /** `root` and `sysroot` are host directories; the guest starts where the host cwd is if inside root. */
  constructor(root: string, sysroot?: string, hostCwd = process.cwd()) {
    this.root = resolveHost(root);
    this.sysroot = sysroot === undefined ? undefined : resolveHost(sysroot);
    const rel = relative(this.root, resolveHost(hostCwd));
    const inside = rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
    this.cwd = { tree: "root", parts: inside && rel !== "" ? rel.split(sep) : [] };
  }

  /** fork: the same trees, and a working directory of its own. */
  copy(): GuestFs {
    const c = Object.create(GuestFs.prototype) as GuestFs;
    Object.assign(c, this);
    c.cwd = { tree: this.cwd.tree, parts: [...this.cwd.parts] };
    return c;
  }

  treeDir(tree: Tree): string {
    return tree === "sysroot" && this.sysroot !== undefined ? this.sysroot : this.root;
  }

  hostPath(loc: Location): string {
    return loc.parts.length === 0 ? this.treeDir(loc.tree) : join(this.treeDir(loc.tree), ...loc.parts);
  }

  /** The guest path a host path has, if it lies inside the root. */
  guestPathOf(hostPath: string): string | undefined {
    const rel = relative(this.root, resolveHost(hostPath));
    if (rel.startsWith("..") || rel.startsWith(sep) || /^[A-Za-z]:/.test(rel)) return undefined;
    return rel === "" ? "/" : `/${rel.split(sep).join("/")}`;
  }

  /** Lexically normalized guest absolute path (no symlinks followed): for special-file checks. */
  lexical(base: Location, path: string): string {
    const parts = path.startsWith("/") ? [] : [...base.parts];
    for (const c of path.split("/")) {
      if (c === "" || c === ".") continue;
      if (c === "..") parts.pop();
      else parts.push(c);
    }
    return `/${parts.join("/")}`;
  }

  /**
   * Resolve `path` relative to `base` (a directory). `follow`: follow a symlink in the last
   * component. Returns -errno when a directory on the way is missing or not a directory, or
   * for symlink loops. The last component need not exist.
   */
  resolve(base: Location, path: string, follow: boolean): Resolved | number {
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    if (path === "") return -ENOENT;
    if (HOST_DEVICES.has(this.lexical(base, path))) {
      const p = this.lexical(base, path);
      return { loc: { tree: "root", parts: p.slice(1).split("/") }, host: p, guest: p, stat: lstatQuiet(p) };
    }
    if (path.startsWith("/") && this.sysroot !== undefined) {
      const inSysroot = this.walk({ tree: "sysroot", parts: [] }, path, follow);
      if (typeof inSysroot !== "number" && inSysroot.stat !== undefined) return inSysroot;
    }
    return this.walk(path.startsWith("/") ? { tree: base.tree, parts: [] } : base, path, follow);
  }

  private walk(base: Location, path: string, follow: boolean): Resolved | number {
    const tree = base.tree;
    const top = this.treeDir(tree);
    let parts = path.startsWith("/") ? [] : [...base.parts];
    // components still to walk, in order
    const todo = path.split("/").filter((c) => c !== "" && c !== ".");
    const mustBeDir = path.endsWith("/");
    let links = 0;
    let stat: Stats | undefined = parts.length === 0 ? lstatQuiet(top) : undefined;
    if (todo.length === 0) stat = lstatQuiet(parts.length === 0 ? top : join(top, ...parts));
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === "..") {
        parts.pop();
        stat = lstatQuiet(parts.length === 0 ? top : join(top, ...parts));
        continue;
      }
      if (c.length > NAME_MAX / 3 && Buffer.byteLength(c) > NAME_MAX) return -ENAMETOOLONG;
      const host = join(top, ...parts, c);
      const last = todo.length === 0;
      stat = lstatQuiet(host);
      if (stat === undefined) {
        if (!last) return -ENOENT;
        parts.push(c);
        break;
      }
      if (stat.isSymbolicLink() && (!last || follow || mustBeDir)) {
        if (++links > MAX_SYMLINKS) return -ELOOP;
        let target: string;
        try {
          target = readlinkQuiet(host);
        } catch {
          return -ENOENT;
        }
        if (target.startsWith("/")) parts = [];
        todo.unshift(...target.split("/").filter((x) => x !== "" && x !== "."));
        if (todo.length === 0) stat = lstatQuiet(parts.length === 0 ? top : join(top, ...parts));
        continue;
      }
      if (!last && !stat.isDirectory()) return -ENOTDIR;
      parts.push(c);
    }
    if (mustBeDir && stat !== undefined && !stat.isDirectory()) return -ENOTDIR;
    const loc = { tree, parts };
    return { loc, host: this.hostPath(loc), guest: `/${parts.join("/")}`, stat };
  }
}

function lstatQuiet(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) ?? undefined;
  } catch {
    return undefined;
  }
}

function readlinkQuiet(p: string): string {
  return readlinkSync(p, "utf8");
}
