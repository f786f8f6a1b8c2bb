// The start bundle's fingerprint: any change to what the bundle is built from changes it, so a
// bundle built from other sources is never run (src/build/start-bundle.ts).
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fingerprintSources, sourcesFingerprint } from "../../../src/build/fingerprint.ts";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-fingerprint-"));
  await mkdir(path.join(root, "src/chat"), { recursive: true });
  await mkdir(path.join(root, "commands/inc"), { recursive: true });
  await writeFile(path.join(root, "src/main.ts"), "export {};\n");
  await writeFile(path.join(root, "src/chat/room.ts"), "export const a = 1;\n");
  await writeFile(path.join(root, "commands/inc/note.ts"), "export const b = 2;\n");
  await writeFile(path.join(root, "package.json"), "{}\n");
  await writeFile(path.join(root, "package-lock.json"), "{}\n");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("sourcesFingerprint", () => {
  it("is the same while nothing changes", async () => {
    expect(await sourcesFingerprint(root)).toBe(await sourcesFingerprint(root));
  });

  it("changes when a source file is edited, even to the same size", async () => {
    const before = await sourcesFingerprint(root);
    const file = path.join(root, "src/chat/room.ts");
    await writeFile(file, "export const a = 2;\n");
    // Some file systems keep modification times to the second: make the edit visible.
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    expect(await sourcesFingerprint(root)).not.toBe(before);
  });

  it("changes when a source file is edited to the same size and keeps its modification time", async () => {
    // ATTACK: trees whose files all carry one fixed time (reproducible images, archives and
    // copies that keep times, SOURCE_DATE_EPOCH) change code without changing size or mtime; a
    // fingerprint of metadata alone ran the old bundle on the new sources.
    const file = path.join(root, "src/chat/room.ts");
    const fixed = new Date("2020-01-01T00:00:00Z");
    await utimes(file, fixed, fixed);
    const before = await sourcesFingerprint(root);
    await writeFile(file, "export const a = 9;\n");
    await utimes(file, fixed, fixed);
    expect(await sourcesFingerprint(root)).not.toBe(before);
  });

  it("changes when a file is added or removed, under src/ or commands/", async () => {
    const before = await sourcesFingerprint(root);
    await writeFile(path.join(root, "commands/inc/status.ts"), "export {};\n");
    const added = await sourcesFingerprint(root);
    expect(added).not.toBe(before);
    await rm(path.join(root, "src/chat/room.ts"));
    expect(await sourcesFingerprint(root)).not.toBe(added);
  });

  it("changes when the dependencies' lock changes", async () => {
    const before = await sourcesFingerprint(root);
    await writeFile(path.join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
    expect(await sourcesFingerprint(root)).not.toBe(before);
  });

  it("changes when tsconfig.json changes", async () => {
    const before = await sourcesFingerprint(root);
    await writeFile(path.join(root, "tsconfig.json"), "{}\n");
    expect(await sourcesFingerprint(root)).not.toBe(before);
  });

  it("differs for a copy of the project in another folder", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "tocsin-fingerprint-"));
    try {
      await mkdir(path.join(other, "src"), { recursive: true });
      await mkdir(path.join(other, "commands"), { recursive: true });
      expect(await sourcesFingerprint(other)).not.toBe(await sourcesFingerprint(root));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe("the fingerprint's cache of file hashes", () => {
  // Files hashed well after their last change: their hashes are kept (a clock ahead of the
  // files' change times; a file changed in the same clock tick as its hashing is never kept).
  const later = () => Date.now() + 60_000;

  it("gives the fingerprint of the files' contents and reads no unchanged file again", async () => {
    const cacheFile = path.join(root, "cache/hashes.json");
    const uncached = await sourcesFingerprint(root);
    const first = await fingerprintSources(root, { cacheFile, now: later });
    expect(first).toEqual({ fingerprint: uncached, read: 5 });
    expect(await fingerprintSources(root, { cacheFile, now: later })).toEqual({
      fingerprint: uncached,
      read: 0,
    });
  });

  it("reads a file edited to the same size and modification time again", async () => {
    // ATTACK: a cache keyed by size and mtime alone would keep the old hash of a file rewritten
    // in a tree of fixed times; its change time (and inode, for a replaced file) still moves.
    const cacheFile = path.join(root, "cache/hashes.json");
    const file = path.join(root, "src/chat/room.ts");
    const fixed = new Date("2020-01-01T00:00:00Z");
    await utimes(file, fixed, fixed);
    const before = await fingerprintSources(root, { cacheFile, now: later });
    await writeFile(file, "export const a = 9;\n");
    await utimes(file, fixed, fixed);
    const after = await fingerprintSources(root, { cacheFile, now: () => Date.now() + 120_000 });
    expect(after.read).toBe(1);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.fingerprint).toBe(await sourcesFingerprint(root));
  });

  it("keeps no hash of a file changed in the tick it was hashed", async () => {
    const cacheFile = path.join(root, "cache/hashes.json");
    await fingerprintSources(root, { cacheFile });
    // Every file was written just now: none is trusted, all are read again.
    expect((await fingerprintSources(root, { cacheFile })).read).toBe(5);
  });

  it("is ignored when unreadable or made for another folder", async () => {
    const cacheFile = path.join(root, "cache/hashes.json");
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, "not json");
    expect(await fingerprintSources(root, { cacheFile, now: later })).toEqual({
      fingerprint: await sourcesFingerprint(root),
      read: 5,
    });
    const other = await mkdtemp(path.join(tmpdir(), "tocsin-fingerprint-"));
    try {
      await mkdir(path.join(other, "src"), { recursive: true });
      await mkdir(path.join(other, "commands"), { recursive: true });
      await writeFile(path.join(other, "src/main.ts"), "export {};\n");
      await fingerprintSources(other, { cacheFile, now: later });
      expect((await fingerprintSources(root, { cacheFile, now: later })).read).toBe(5);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
