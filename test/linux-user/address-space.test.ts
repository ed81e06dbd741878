// The user address space as mappings: splits and joins, findFree over holes, mremap's move,
// frames given on first touch, the memory cap, host offsets past 2 GiB, exact TLB shootdowns, and
// the cost of huge reservations and of many small mappings.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, type TlbHolder } from "../../src/hart/memory.js";
import {
  AddressSpace,
  GuestFault,
  OutOfGuestMemory,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "../../src/linux-user/address-space.js";
import { MMAP_BASE } from "../../src/linux-user/layout.js";
import { Prng } from "../../src/machine/prng.js";

const P = 4096;
const GiB = 2 ** 30;
const RW = PROT_READ | PROT_WRITE;
const PROT_NONE = 0;
const A = 0x1000_0000;

/** translate as a hart calls it: (low word as int32, high word) */
function xlate(mem: AddressSpace, addr: number, access: number, peek = false): number {
  return mem.translate((addr % 2 ** 32) | 0, Math.floor(addr / 2 ** 32), access, peek);
}

/** Records what the address space tells its TLB holders. */
class Recorder implements TlbHolder {
  calls: string[] = [];
  dropPages(vpnFirst: number, vpnEnd: number): void {
    this.calls.push(`pages ${(vpnFirst * P).toString(16)}-${(vpnEnd * P).toString(16)}`);
  }
  dropWritesTo(hostPage: number): void {
    this.calls.push(`writes ${hostPage}`);
  }
  take(): string[] {
    const c = this.calls;
    this.calls = [];
    return c;
  }
}

test("mapping 1 GiB gives it no frames; the first touch of a page gives that page one, zeroed", () => {
  const mem = new AddressSpace();
  mem.map(A, GiB, RW);
  assert.equal(mem.framesInUse, 0);
  assert.ok(mem.isMapped(A, GiB));
  const addr = A + 12345 * P;
  assert.equal(xlate(mem, addr, ACCESS_READ, true), -3, "a peek leaves an untouched page alone");
  assert.deepEqual(mem.read(addr, 8), new Uint8Array(8), "the kernel reads it as zeros");
  assert.equal(mem.framesInUse, 0);
  const host = xlate(mem, addr, ACCESS_WRITE);
  assert.ok(host > 0 && host % P === 0);
  assert.equal(mem.framesInUse, 1);
  assert.equal(xlate(mem, addr + 100, ACCESS_READ), host, "the same frame after");
  assert.equal(xlate(mem, addr, ACCESS_EXEC), -1, "not executable");
  assert.ok(mem.bytes.subarray(host, host + P).every((b) => b === 0));
  mem.bytes[host + 7] = 42;
  assert.equal(mem.read(addr + 7, 1)[0], 42);
  mem.unmap(A, GiB);
  assert.equal(mem.framesInUse, 0);
  assert.equal(xlate(mem, addr, ACCESS_READ), -1);
  // A freed frame comes back zeroed.
  mem.map(A, P, RW);
  const again = xlate(mem, A, ACCESS_READ);
  assert.equal(again, host, "freed frames are reused first");
  assert.equal(mem.bytes[again + 7], 0);
});

test("protecting the middle of a mapping splits it; protecting it back joins it again", () => {
  const mem = new AddressSpace(1 << 24);
  mem.map(A, 16 * P, RW);
  mem.write(A + 5 * P, new Uint8Array([1, 2, 3]));
  mem.protect(A + 4 * P, 4 * P, PROT_READ);
  assert.deepEqual(mem.mappings(), [
    { start: A, end: A + 4 * P, prot: RW },
    { start: A + 4 * P, end: A + 8 * P, prot: PROT_READ },
    { start: A + 8 * P, end: A + 16 * P, prot: RW },
  ]);
  assert.equal(mem.protOf(A + 5 * P), PROT_READ);
  assert.equal(xlate(mem, A + 5 * P, ACCESS_WRITE), -1, "a touched page loses write access");
  assert.equal(xlate(mem, A + 6 * P, ACCESS_WRITE), -1, "an untouched one never gets it");
  assert.ok(xlate(mem, A + 5 * P, ACCESS_READ) > 0);
  assert.deepEqual(mem.read(A + 5 * P, 3), new Uint8Array([1, 2, 3]), "contents stay");
  mem.protect(A + 4 * P, 4 * P, RW);
  assert.deepEqual(mem.mappings(), [{ start: A, end: A + 16 * P, prot: RW }]);
  assert.ok(xlate(mem, A + 5 * P, ACCESS_WRITE) > 0);
  assert.throws(() => mem.protect(A + 15 * P, 2 * P, PROT_READ), GuestFault, "a hole in the range");
  assert.equal(mem.protOf(A + 15 * P), RW, "a refused protect changes nothing");
  mem.unmap(A + 2 * P, 2 * P);
  assert.ok(!mem.isMapped(A, 16 * P));
  assert.ok(mem.isMapped(A, 2 * P) && mem.isMapped(A + 4 * P, 12 * P));
  assert.equal(mem.protOf(A + 3 * P), -1);
});

test("findFree takes the highest gap that fits below the limit", () => {
  const mem = new AddressSpace(1 << 24);
  const top = 0x4000_0000;
  mem.map(top - 4 * P, 4 * P, RW); // [top-4, top)
  mem.map(top - 10 * P, 3 * P, PROT_READ); // [top-10, top-7): a 3-page hole above it
  mem.map(top - 20 * P, 5 * P, PROT_NONE); // [top-20, top-15): a 5-page hole above it
  assert.equal(mem.findFree(3 * P, top), top - 7 * P);
  assert.equal(mem.findFree(4 * P, top), top - 14 * P);
  assert.equal(mem.findFree(6 * P, top), top - 26 * P);
  assert.equal(mem.findFree(P, top - 2 * P), top - 5 * P, "a mapping straddling the limit");
  assert.equal(mem.findFree(P, 17 * P), 16 * P, "the lowest 16 pages are never given");
  assert.equal(mem.findFree(2 * P, 17 * P), -1);
});

test("findFree agrees with a search over every page, through maps and unmaps", () => {
  const rng = new Prng(5);
  const mem = new AddressSpace(1 << 26);
  const base = 0x100_0000;
  const pages = 300;
  const below = base + pages * P;
  const used = new Array(pages).fill(false);
  mem.map(base - P, P, RW); // everything below the window is taken
  mem.map(16 * P, base - P - 16 * P, PROT_NONE);
  const brute = (n: number): number => {
    for (let top = pages; top >= n; top--) {
      if (used.slice(top - n, top).every((u) => !u)) return base + (top - n) * P;
    }
    return -1;
  };
  for (let step = 0; step < 3000; step++) {
    const [a, b] = rng.bytes(2);
    const n = 1 + (a! % 6);
    if (b! % 3 !== 0) {
      const at = mem.findFree(n * P, below);
      assert.equal(at, brute(n), `step ${step}: findFree(${n} pages)`);
      // Sometimes the caller does not take what it was offered (the loader aligns within it).
      if (at < 0 || b! % 5 === 0) continue;
      mem.map(at, n * P, b! & 1 ? RW : PROT_READ);
      used.fill(true, (at - base) / P, (at - base) / P + n);
    } else {
      const at = a! % pages;
      const len = Math.min(1 + (b! % 8), pages - at);
      mem.unmap(base + at * P, len * P);
      used.fill(false, at, at + len);
    }
  }
});

test("move (mremap) carries frames, contents and protections; the target's old pages go", () => {
  const mem = new AddressSpace(1 << 24);
  const B = 0x2000_0000;
  mem.map(A, 3 * P, RW);
  mem.write(A, new Uint8Array([7]));
  mem.write(A + 2 * P, new Uint8Array([9]));
  mem.protect(A + P, P, PROT_READ);
  mem.map(B + P, P, RW);
  mem.write(B + P, new Uint8Array([5]));
  assert.equal(mem.framesInUse, 3);
  const holder = new Recorder();
  mem.tlbHolders.add(holder);
  mem.move(A, B, 3 * P);
  assert.deepEqual(holder.take(), [
    `pages ${A.toString(16)}-${(A + P).toString(16)}`,
    `pages ${(A + P).toString(16)}-${(A + 2 * P).toString(16)}`,
    `pages ${(A + 2 * P).toString(16)}-${(A + 3 * P).toString(16)}`,
    `pages ${(B + P).toString(16)}-${(B + 2 * P).toString(16)}`,
  ]);
  assert.ok(!mem.isMapped(A));
  assert.deepEqual(mem.mappings(), [
    { start: B, end: B + P, prot: RW },
    { start: B + P, end: B + 2 * P, prot: PROT_READ },
    { start: B + 2 * P, end: B + 3 * P, prot: RW },
  ]);
  assert.equal(mem.read(B, 1)[0], 7);
  assert.equal(mem.read(B + P, 1)[0], 0, "the target's old contents are gone");
  assert.equal(mem.read(B + 2 * P, 1)[0], 9);
  assert.equal(mem.framesInUse, 2, "the target's old frame is free, the moved ones are the same");
  assert.throws(() => mem.move(A, B, P), GuestFault, "nothing to move");
});

test("the memory cap refuses accessible mappings past it; reservations are free", () => {
  const mem = new AddressSpace({ poolBytes: 1 << 24, capBytes: 1 << 20 });
  assert.equal(mem.capBytes, 1 << 20);
  mem.map(A, 1 << 20, RW);
  assert.throws(() => mem.map(A + (1 << 20), P, PROT_READ), OutOfGuestMemory);
  assert.ok(!mem.isMapped(A + (1 << 20)), "a refused map changes nothing");
  const R = 0x40_0000_0000;
  mem.map(R, 64 * GiB, PROT_NONE);
  assert.equal(mem.chargedBytes, 1 << 20);
  assert.throws(() => mem.protect(R, P, RW), /out of guest memory \(cap 1 MiB\)/);
  assert.equal(mem.protOf(R), PROT_NONE);
  mem.map(A, 2 * P, RW); // replacing charged pages costs nothing more
  mem.unmap(A, P);
  mem.protect(R, P, RW);
  assert.equal(mem.chargedBytes, 1 << 20);
  // A touched page keeps its charge when it becomes inaccessible: its contents stay.
  mem.write(R, new Uint8Array([1]));
  mem.protect(R, P, PROT_NONE);
  assert.equal(mem.chargedBytes, 1 << 20);
  assert.throws(() => mem.map(A, P, RW), OutOfGuestMemory);
  mem.unmap(R, 64 * GiB);
  mem.map(A, P, RW);
  assert.equal(mem.chargedBytes, 1 << 20);
});

test("when frames truly run out, translate answers -2 and says why", () => {
  const mem = new AddressSpace({ poolBytes: (1 << 20) + 65536, capBytes: 1 << 20 });
  const frames = ((1 << 20) + 65536) / P - 1;
  mem.map(A, P, RW);
  const R = 0x40_0000_0000;
  mem.map(R, GiB, PROT_NONE);
  // The kernel's view writes where the guest could not: untouched PROT_NONE pages get frames.
  for (let i = 0; i < frames; i++) mem.write(R + i * P, new Uint8Array([1]));
  assert.equal(mem.outOfMemory, undefined);
  assert.equal(xlate(mem, A, ACCESS_WRITE), -2);
  assert.equal(mem.outOfMemory, "out of guest memory (cap 1 MiB)");
  assert.throws(() => mem.write(A, new Uint8Array([1])), GuestFault);
  mem.unmap(R, P);
  assert.ok(xlate(mem, A, ACCESS_WRITE) > 0, "a freed frame serves again");
});

test("host offsets reach past 2 GiB in a 4 GiB pool", (t) => {
  const first = 2 ** 19 + 5; // frame at 2 GiB + 20 KiB
  const mem = new AddressSpace({ firstFreshFrame: first });
  if (mem.memory.buffer.byteLength < 2 ** 32) {
    t.skip("the host reserved less than 4 GiB of guest memory");
    return;
  }
  assert.equal(mem.bytes.length, 2 ** 32);
  mem.map(A, 4 * P, RW);
  for (let i = 0; i < 4; i++) {
    const host = xlate(mem, A + i * P, ACCESS_WRITE);
    assert.equal(host, (first + i) * P);
    assert.ok(host > 2 ** 31 && host < 2 ** 32);
    mem.view.setUint32(host + 8, 0xdead0000 + i, true);
  }
  for (let i = 0; i < 4; i++) assert.equal(mem.readU32(A + i * P + 8), 0xdead0000 + i);
  mem.write(A + 3 * P + 100, new Uint8Array([0xab]));
  assert.equal(mem.bytes[(first + 3) * P + 100], 0xab);
  mem.unmap(A, 4 * P);
  mem.map(A, P, RW);
  assert.equal(xlate(mem, A, ACCESS_READ), (first + 3) * P, "the last freed frame comes back first");
});

test("TLB holders hear exactly which pages went stale", () => {
  const mem = new AddressSpace(1 << 24);
  const h = new Recorder();
  mem.tlbHolders.add(h);
  const hex = (a: number, b: number) => `pages ${a.toString(16)}-${b.toString(16)}`;
  mem.map(A, 4 * P, RW);
  assert.deepEqual(h.take(), [], "a fresh mapping makes nothing stale");
  mem.protect(A + P, P, PROT_READ);
  assert.deepEqual(h.take(), [hex(A + P, A + 2 * P)]);
  mem.protect(A, 4 * P, PROT_READ);
  assert.deepEqual(h.take(), [hex(A, A + P), hex(A + 2 * P, A + 4 * P)], "only where protection changes");
  mem.map(A + 3 * P, 2 * P, RW);
  assert.deepEqual(h.take(), [hex(A + 3 * P, A + 4 * P)], "mapping over the part that existed");
  mem.unmap(A - 8 * P, 100 * P);
  assert.deepEqual(h.take(), [hex(A, A + 3 * P), hex(A + 3 * P, A + 5 * P)]);
  mem.map(A, P, RW | PROT_EXEC);
  mem.discard(A, P);
  assert.deepEqual(h.take(), [hex(A, A + P)]);
  const host = xlate(mem, A, ACCESS_EXEC);
  mem.code.codePage(host);
  mem.code.codePage(host);
  assert.deepEqual(h.take(), [`writes ${host}`], "once, when the frame first holds code");
  mem.tlbHolders.delete(h);
  mem.unmap(A, P);
  assert.deepEqual(h.take(), []);
});

test("a 64 GiB PROT_NONE reservation with three pages made writable costs no more than three pages", () => {
  const mem = new AddressSpace();
  const t0 = performance.now();
  const r = mem.findFree(64 * GiB, MMAP_BASE);
  mem.map(r, 64 * GiB, PROT_NONE);
  for (const off of [5 * P, 17 * GiB + 3 * P, 64 * GiB - P]) {
    mem.protect(r + off, P, RW);
    assert.ok(xlate(mem, r + off, ACCESS_WRITE) > 0);
    assert.equal(xlate(mem, r + off + P, ACCESS_READ), -1, "its neighbour stays inaccessible");
  }
  assert.equal(mem.framesInUse, 3);
  assert.equal(mem.chargedBytes, 3 * P);
  if (mem.capBytes < 8 * GiB) {
    assert.throws(() => mem.protect(r + GiB, 8 * GiB, PROT_READ), OutOfGuestMemory, "8 GiB made accessible");
  }
  mem.protect(r + GiB, GiB, PROT_READ);
  assert.equal(mem.findFree(P, MMAP_BASE), r - P);
  mem.unmap(r, 64 * GiB);
  assert.equal(mem.framesInUse, 0);
  assert.deepEqual(mem.mappings(), []);
  const ms = performance.now() - t0;
  assert.ok(ms < 200, `took ${ms.toFixed(1)} ms`);
});

test("10,000 one-page mappings of alternating protection map, touch and unmap quickly", () => {
  const mem = new AddressSpace(1 << 27);
  const t0 = performance.now();
  const at: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const a = mem.findFree(P, MMAP_BASE);
    mem.map(a, P, i & 1 ? PROT_READ : RW);
    at.push(a);
  }
  assert.equal(new Set(at).size, 10_000);
  assert.equal(mem.mappings().length, 10_000, "no two joined");
  for (let i = 0; i < 10_000; i += 2) assert.ok(xlate(mem, at[i]!, ACCESS_WRITE) > 0);
  assert.equal(mem.framesInUse, 5_000);
  for (const a of at) mem.unmap(a, P);
  assert.equal(mem.framesInUse, 0);
  assert.deepEqual(mem.mappings(), []);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `took ${ms.toFixed(1)} ms`);
});
