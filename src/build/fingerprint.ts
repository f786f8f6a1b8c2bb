// What the start bundle is built from, summed up in one short hash: every file under src/ and
// commands/ (path and contents), the package manifest and lock and tsconfig.json. Any edit, added
// or removed file, `git checkout` or `npm install` changes it, so a bundle built from other
// sources is never run. Contents, not size and modification time: trees whose files all carry one
// fixed time (reproducible images, archives and copies that keep times) change code without
// changing either.
//
// Reading and hashing the ~3 MB of sources cost 30-50 ms of CPU at every start, so each file's
// hash is kept in a cache keyed by what no edit can leave unchanged: its inode and its change time
// (ctime, which every write, rename or `touch` sets to the current time and no tool can set back),
// besides size and modification time. A file whose ctime is too recent to tell a later write in
// the same clock tick apart (the "racily clean" case git knows) is hashed again next time.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** The folders whose code goes into the bundle, and the files that say how it is built. */
const SOURCE_DIRS = ["src", "commands"];
const SOURCE_FILES = ["package.json", "package-lock.json", "tsconfig.json"];
/**
 * A file's cached hash is trusted only if its ctime was this far in the past when it was hashed:
 * file system clocks tick coarsely (a few milliseconds), so a write in the tick of the hashing
 * could leave every stat field as it was.
 */
const RACY_MS = 2_000;
const CACHE_VERSION = 1;

export interface FingerprintOptions {
  /** Where the per-file hashes are kept between starts; none: every file is read. */
  cacheFile?: string;
  /** The clock the racy check reads (tests). */
  now?: () => number;
}

interface CachedFile {
  /** `ino:size:mtimeNs:ctimeNs` */
  stat: string;
  sha: string;
}

interface Cache {
  version: number;
  root: string;
  files: Record<string, CachedFile>;
}

export async function sourcesFingerprint(root: string, options: FingerprintOptions = {}): Promise<string> {
  return (await fingerprintSources(root, options)).fingerprint;
}

/** The fingerprint, and how many files had to be read for it (the others' hashes were cached). */
export async function fingerprintSources(
  root: string,
  options: FingerprintOptions = {},
): Promise<{ fingerprint: string; read: number }> {
  const now = options.now ?? Date.now;
  const files: string[] = [...SOURCE_FILES];
  for (const dir of SOURCE_DIRS) {
    const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile()) files.push(path.relative(root, path.join(entry.parentPath, entry.name)));
    }
  }
  files.sort();
  const cache = options.cacheFile ? await readCache(options.cacheFile, root) : undefined;
  const hashedAt = now();
  const next: Cache = { version: CACHE_VERSION, root, files: {} };
  let read = 0;
  const shas = await Promise.all(
    files.map(async (file) => {
      const full = path.join(root, file);
      const info = await stat(full, { bigint: true }).catch(() => undefined);
      if (!info) return undefined;
      const key = `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
      const cached = cache?.files[file];
      if (cached?.stat === key) {
        next.files[file] = cached;
        return cached.sha;
      }
      const content = await readFile(full).catch(() => undefined);
      if (!content) return undefined;
      read++;
      const sha = createHash("sha256").update(content).digest("hex");
      if (Number(info.ctimeMs) < hashedAt - RACY_MS) next.files[file] = { stat: key, sha };
      return sha;
    }),
  );
  // The bundle names its source files by absolute path (src/build/bundle.ts): a copy of the
  // project elsewhere builds its own.
  const hash = createHash("sha256").update(`${root}\n`);
  files.forEach((file, i) => {
    // Fixed-length hashes after a NUL: no file's hash can pass for the next one's name.
    hash.update(`${file}\0${shas[i] ?? "missing"}\n`);
  });
  if (options.cacheFile && read > 0) await writeCache(options.cacheFile, next).catch(() => {});
  return { fingerprint: hash.digest("hex").slice(0, 16), read };
}

async function readCache(file: string, root: string): Promise<Cache | undefined> {
  try {
    const cache = JSON.parse(await readFile(file, "utf8")) as Cache;
    return cache.version === CACHE_VERSION && cache.root === root && typeof cache.files === "object"
      ? cache
      : undefined;
  } catch {
    return undefined;
  }
}

/** Written beside, then renamed: a start reading it at the same time sees the old or the new. */
async function writeCache(file: string, cache: Cache): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(partial, JSON.stringify(cache));
  await rename(partial, file);
}
