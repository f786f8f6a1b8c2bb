// A directory of a test file's own (data dirs, configuration files), made before its tests and
// removed after them. Open to all: the embedded PostgreSQL runs as "postgres" when the tests run
// as root, and mkdtemp makes it 0700.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";

export interface TempRoot {
  /** A path inside the directory (only inside the file's tests: it is made before them). */
  path(...parts: string[]): string;
}

export function tempRootPerFile(prefix: string): TempRoot {
  let root: string | undefined;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), prefix));
    await chmod(root, 0o755);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });
  return {
    path(...parts) {
      if (!root) throw new Error("the temp root is made before the file's tests, not at import");
      return path.join(root, ...parts);
    },
  };
}
