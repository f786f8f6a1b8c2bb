// Which file `npm start` runs: the start bundle built from the current sources (built now if they
// changed since the last one), or src/main.ts itself when no bundle can be built. Bundles live
// beside the installed dependencies (node_modules/.cache/tocsin-build/<fingerprint>/), like the
// compile cache, and a bundle built from other sources is never run: its folder is named after
// the fingerprint of what it was built from.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { sourcesFingerprint } from "./fingerprint.ts";

/** Older bundles kept: a tocsin still running from one may yet load one of its lazy chunks. */
const KEPT_BUILDS = 4;
/** A half-written build older than this was left by a process that died while building. */
const ABANDONED_MS = 10 * 60_000;

export async function startBundle(root: string): Promise<string | undefined> {
  const builds = path.join(root, "node_modules/.cache/tocsin-build");
  const fingerprint = await sourcesFingerprint(root, { cacheFile: fingerprintCacheFile(root) });
  const dir = path.join(builds, fingerprint);
  const entry = path.join(dir, "main.js");
  if (await exists(entry)) return entry;

  // Built in a folder of its own, then renamed into place: a process starting at the same time
  // never sees half a bundle, and when two build at once the first rename wins. Not named by the
  // process id alone: containers sharing these dependencies each have a process 1.
  const partial = path.join(
    builds,
    `${fingerprint}.${process.pid}.${randomBytes(4).toString("hex")}.partial`,
  );
  try {
    await mkdir(builds, { recursive: true });
    await buildInChild(partial);
    await writeFile(path.join(partial, BUILD_ROOT_FILE), root);
    await writeFile(path.join(partial, "package.json"), PACKAGE_SCOPE);
    await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (!(await exists(entry))) throw error;
    });
  } catch {
    // No bundler (installed without devDependencies) or a build that failed: the sources run.
    return undefined;
  } finally {
    await rm(partial, { recursive: true, force: true }).catch(() => {});
  }
  await pruneBuilds(builds, fingerprint, root).catch(() => {});
  return entry;
}

/**
 * The per-file hashes of `root`'s sources (src/build/fingerprint.ts), beside the bundles but not
 * among them (pruneBuilds treats every entry there as a build): one file per project folder, since
 * worktrees and copies share these dependencies.
 */
function fingerprintCacheFile(root: string): string {
  const name = createHash("sha256").update(root).digest("hex").slice(0, 16);
  return path.join(root, "node_modules/.cache/tocsin-fingerprint", `${name}.json`);
}

/** Runs src/build/bundle.ts in a node process of its own; rejects unless it succeeds. */
function buildInChild(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, "bundle.ts"), outDir], {
      stdio: "ignore",
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bundle build exited ${code}`))));
  });
}

/**
 * Each bundle folder is a package scope of its own that says its files are ES modules. Node looks
 * for the nearest package.json to tell an ES module from CommonJS, but stops at node_modules, where
 * the bundles live: without this file every chunk was parsed as CommonJS first to detect its
 * syntax (measured: 50-70 ms of a start's CPU, a parse the compile cache does not keep).
 */
const PACKAGE_SCOPE = `${JSON.stringify({ type: "module" })}\n`;

/** In each bundle folder: the project folder it was built from (see pruneBuilds). */
export const BUILD_ROOT_FILE = "root";

/**
 * Removes `root`'s older bundles beyond the newest few, and half-written ones left long ago.
 * Copies of the project in other folders that share these dependencies (worktrees, a blue/green
 * pair on one host) have bundles here too, maybe in use by a running tocsin that has yet to load
 * a lazy chunk or restart its Slack ack thread from them: those are left to their own starts.
 */
export async function pruneBuilds(builds: string, current: string, root: string): Promise<void> {
  const names = await readdir(builds);
  const dated = await Promise.all(
    names.map(async (name) => ({
      name,
      mtimeMs: (await stat(path.join(builds, name))).mtimeMs,
      // Undefined for a half-written build, or one made before folders named their project.
      root: await readFile(path.join(builds, name, BUILD_ROOT_FILE), "utf8").catch(() => undefined),
    })),
  );
  const now = Date.now();
  const complete = dated
    .filter((build) => !build.name.endsWith(".partial") && build.name !== current)
    .filter((build) => build.root === undefined || build.root === root)
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  const doomed = [
    ...complete.slice(KEPT_BUILDS - 1),
    ...dated.filter(({ name, mtimeMs }) => name.endsWith(".partial") && now - mtimeMs > ABANDONED_MS),
  ];
  for (const { name } of doomed) await rm(path.join(builds, name), { recursive: true, force: true });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
