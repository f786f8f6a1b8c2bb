// One tocsin per data directory: the lock names its holder, and a dead holder's lock is taken over.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataDirInUse, LOCK_FILE, lockDataDir } from "../../../src/db/data-dir-lock.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-lock-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("data directory lock", () => {
  it("is held by one process: a second locker is told who holds it", async () => {
    const dir = path.join(root, "held");
    const lock = await lockDataDir(dir);
    const holder = JSON.parse(await readFile(path.join(dir, LOCK_FILE), "utf8"));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    // Another live process's lock (our parent's pid stands in for a second tocsin).
    await lock.release();
    await writeFile(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }),
    );
    const refused = await lockDataDir(dir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirInUse);
    expect((refused as Error).message).toContain(`pid ${process.ppid} on ${hostname()}`);
    expect((refused as Error).message).toContain("started 2026-01-01T00:00:00Z");
  });

  it("takes over the lock of a process that died, and releases only its own", async () => {
    const dir = path.join(root, "stale");
    const dead = deadPid();
    await lockDataDir(dir).then((lock) => lock.release());
    await writeFile(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: dead, host: hostname(), startedAt: "x" }),
    );
    const lock = await lockDataDir(dir);
    expect(lock.tookOver?.pid).toBe(dead);
    await lock.release();
    await expect(readFile(path.join(dir, LOCK_FILE), "utf8")).rejects.toThrow();
  });

  it("never takes over a lock from another host", async () => {
    const dir = path.join(root, "remote");
    await lockDataDir(dir).then((lock) => lock.release());
    await writeFile(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), host: "elsewhere.example", startedAt: "x" }),
    );
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirInUse);
  });
});
