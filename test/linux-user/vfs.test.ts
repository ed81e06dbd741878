// Path resolution inside --root: `..` and symlinks (absolute or relative) never leave the root;
// the sysroot overlay serves absolute paths that exist there.

import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ELOOP, ENOENT, ENOTDIR } from "../../src/linux-user/errno.js";
import { GuestFs, type Resolved } from "../../src/linux-user/vfs.js";
import { tempDir } from "../temp-dir.js";

function tree(): string {
  const root = tempDir("hartscope-vfs-");
  mkdirSync(join(root, "etc"));
  writeFileSync(join(root, "etc/passwd"), "inside\n");
  mkdirSync(join(root, "home/user"), { recursive: true });
  writeFileSync(join(root, "home/user/file"), "f\n");
  symlinkSync("/etc", join(root, "home/abs-link")); // absolute: means root/etc
  symlinkSync("../../../../../../etc", join(root, "home/user/rel-link")); // climbs past the root
  symlinkSync("loop2", join(root, "loop1"));
  symlinkSync("loop1", join(root, "loop2"));
  symlinkSync("/nowhere", join(root, "dangling"));
  return root;
}

const top = { tree: "root" as const, parts: [] as string[] };

function ok(r: Resolved | number): Resolved {
  assert.equal(typeof r, "object", `expected a resolution, got errno ${r}`);
  return r as Resolved;
}

test("absolute and relative paths resolve under the root", () => {
  const root = tree();
  const fs = new GuestFs(root, undefined, root);
  assert.deepEqual(fs.cwd, top);
  const r = ok(fs.resolve(fs.cwd, "/etc/passwd", true));
  assert.equal(r.host, join(root, "etc/passwd"));
  assert.equal(r.guest, "/etc/passwd");
  assert.equal(
    ok(fs.resolve({ tree: "root", parts: ["home"] }, "user/./file", true)).host,
    join(root, "home/user/file"),
  );
});

test("`..` stops at the root", () => {
  const root = tree();
  const fs = new GuestFs(root, undefined, root);
  const r = ok(fs.resolve(fs.cwd, "../../../../etc/passwd", true));
  assert.equal(r.host, join(root, "etc/passwd"));
  assert.equal(ok(fs.resolve({ tree: "root", parts: ["home", "user"] }, "../../..", true)).host, root);
});

test("an absolute symlink points inside the root, not at the host's /", () => {
  const root = tree();
  const fs = new GuestFs(root, undefined, root);
  const r = ok(fs.resolve(fs.cwd, "/home/abs-link/passwd", true));
  assert.equal(r.host, join(root, "etc/passwd"));
});

test("a relative symlink climbing out is clamped at the root", () => {
  const root = tree();
  const fs = new GuestFs(root, undefined, root);
  const r = ok(fs.resolve(fs.cwd, "/home/user/rel-link/passwd", true));
  assert.equal(r.host, join(root, "etc/passwd"));
});

test("the last symlink is followed only when asked; loops are ELOOP", () => {
  const root = tree();
  const fs = new GuestFs(root, undefined, root);
  const nofollow = ok(fs.resolve(fs.cwd, "/home/abs-link", false));
  assert.ok(nofollow.stat?.isSymbolicLink());
  assert.equal(nofollow.host, join(root, "home/abs-link"));
  assert.equal(fs.resolve(fs.cwd, "/loop1", true), -ELOOP);
  assert.equal(fs.resolve(fs.cwd, "/loop1/x", false), -ELOOP);
  // A dangling link resolves to where its target would be (inside the root), not existing.
  const d = ok(fs.resolve(fs.cwd, "/dangling", true));
  assert.equal(d.host, join(root, "nowhere"));
  assert.equal(d.stat, undefined);
});

test("missing directories and files used as directories", () => {
  const root = tree();
  const fs = new GuestFs(root, undefined, root);
  assert.equal(fs.resolve(fs.cwd, "/no/such/file", true), -ENOENT);
  assert.equal(fs.resolve(fs.cwd, "/etc/passwd/x", true), -ENOTDIR);
  assert.equal(fs.resolve(fs.cwd, "/etc/passwd/", true), -ENOTDIR);
  assert.equal(fs.resolve(fs.cwd, "", true), -ENOENT);
  // The last component may be missing (open with O_CREAT, mkdir).
  assert.equal(ok(fs.resolve(fs.cwd, "/etc/new", true)).stat, undefined);
});

test("the guest starts in the host directory's place inside the root, else at /", () => {
  const root = tree();
  assert.deepEqual(new GuestFs(root, undefined, join(root, "home/user")).cwd.parts, ["home", "user"]);
  assert.deepEqual(new GuestFs(join(root, "home"), undefined, root).cwd.parts, []);
  assert.equal(new GuestFs(root, undefined, root).guestPathOf(join(root, "etc/passwd")), "/etc/passwd");
  assert.equal(
    new GuestFs(join(root, "home"), undefined, root).guestPathOf(join(root, "etc/passwd")),
    undefined,
  );
});

test("sysroot: absolute paths that exist there come from it; everything else from the root", () => {
  const root = tree();
  const sysroot = tempDir("hartscope-sysroot-");
  mkdirSync(join(sysroot, "lib"));
  writeFileSync(join(sysroot, "lib/libc.so.6"), "lib\n");
  const fs = new GuestFs(root, sysroot, root);
  assert.equal(ok(fs.resolve(fs.cwd, "/lib/libc.so.6", true)).host, join(sysroot, "lib/libc.so.6"));
  assert.equal(ok(fs.resolve(fs.cwd, "/etc/passwd", true)).host, join(root, "etc/passwd"));
  // A file that exists in neither is created in the root.
  mkdirSync(join(root, "lib"));
  assert.equal(ok(fs.resolve(fs.cwd, "/lib/new", true)).host, join(root, "lib/new"));
});

test("host device files keep their paths whatever the root", () => {
  const fs = new GuestFs(tree());
  assert.equal(ok(fs.resolve(fs.cwd, "/dev/null", true)).host, "/dev/null");
});
