// What the start bundle is built from, summed up in one short hash: every file under src/ and
// commands/ (path, size, modification time) and the package manifest and lock. Any edit, added or
// removed file, `git checkout` or `npm install` changes it, so a bundle built from other sources
// is never run. Only metadata is read (about 300 files: a few milliseconds), not contents.
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** The folders whose code goes into the bundle, and the files that say which dependencies do. */
const SOURCE_DIRS = ["src", "commands"];
const SOURCE_FILES = ["package.json", "package-lock.json"];

export async function sourcesFingerprint(root: string): Promise<string> {
  const files: string[] = [...SOURCE_FILES];
  for (const dir of SOURCE_DIRS) {
    const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile()) files.push(path.relative(root, path.join(entry.parentPath, entry.name)));
    }
  }
  files.sort();
  // The bundle names its source files by absolute path (src/build/bundle.ts): a copy of the
  // project elsewhere builds its own.
  const hash = createHash("sha256").update(`${root}\n`);
  const stats = await Promise.all(files.map((file) => stat(path.join(root, file)).catch(() => undefined)));
  files.forEach((file, i) => {
    const info = stats[i];
    hash.update(`${file}\0${info ? `${info.size}:${info.mtimeMs}` : "missing"}\n`);
  });
  return hash.digest("hex").slice(0, 16);
}
