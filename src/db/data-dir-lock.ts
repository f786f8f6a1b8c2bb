// One data directory serves one tocsin process at a time. A second `npm start` on the same
// directory would otherwise find the first one's PostgreSQL through postmaster.pid, adopt it,
// and stop it on exit under the first process's feet.
//
// The lock is a file in the data directory, created exclusively, naming the holder (pid, host,
// start time). A lock left by a process that died (kill -9, power loss) is taken over: its pid
// is no longer alive on this host. A lock from another host is never taken over, since its
// owner cannot be checked from here.

import { mkdir, open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

export const LOCK_FILE = "tocsin.lock";

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirInUse extends Error {
  readonly holder: LockHolder;

  constructor(dataDir: string, holder: LockHolder) {
    super(
      `the data directory ${dataDir} is in use by tocsin (pid ${holder.pid} on ${holder.host}, ` +
        `started ${holder.startedAt}). Stop that process first, or give this one another ` +
        `TOCSIN_DATA_DIR. If that process is gone, delete ${path.join(dataDir, LOCK_FILE)}.`,
    );
    this.name = "DataDirInUse";
    this.holder = holder;
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Whether a dead process's lock was taken over. */
  readonly tookOver?: LockHolder;
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx", 0o644);
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      return {
        file,
        tookOver,
        async release() {
          // Only our own lock: never one a later process took over.
          const holder = await readHolder(file);
          if (holder?.pid === me.pid && holder.host === me.host) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // An empty file may be another starter's lock between its creation and its first write.
    const holder =
      (await readHolder(file)) ??
      (await new Promise((resolve) => setTimeout(resolve, 200)).then(() => readHolder(file)));
    if (holder && !isStale(holder, me)) throw new DataDirInUse(dataDir, holder);
    // Stale or unreadable (a crash while writing it): take it over. Two starters racing here
    // both remove it, and exactly one of them then creates it.
    tookOver = holder;
    await rm(file, { force: true });
  }
  const holder = await readHolder(file);
  throw holder ? new DataDirInUse(dataDir, holder) : new Error(`could not lock ${file}`);
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as Partial<LockHolder>;
    if (typeof value.pid !== "number" || typeof value.host !== "string") return undefined;
    return { pid: value.pid, host: value.host, startedAt: String(value.startedAt ?? "an unknown time") };
  } catch {
    return undefined;
  }
}

function isStale(holder: LockHolder, me: LockHolder): boolean {
  if (holder.host !== me.host) return false;
  // Our own pid in a lock is a previous life of this process's pid (a container restarted).
  if (holder.pid === me.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
