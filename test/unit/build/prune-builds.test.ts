// ATTACK (availability): start bundles of every copy of the project that shares one
// node_modules (worktrees, a blue/green pair on one host) live in one folder, and each start
// kept only the four newest of them all. Four starts of other copies deleted the bundle a
// running tocsin came from: its lazily loaded chunks, and the module its Slack ack thread is
// restarted from, were gone (a thread that died stayed dead). A start prunes only its own
// copy's older bundles.
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILD_ROOT_FILE, pruneBuilds } from "../../../src/build/start-bundle.ts";

let builds: string;

beforeEach(async () => {
  builds = await mkdtemp(path.join(tmpdir(), "tocsin-builds-"));
});
afterEach(async () => {
  await rm(builds, { recursive: true, force: true });
});

/** A finished bundle folder built from `root`, `ageS` seconds old. */
async function build(name: string, root: string, ageS: number): Promise<void> {
  const dir = path.join(builds, name);
  await mkdir(dir);
  await writeFile(path.join(dir, "main.js"), "");
  await writeFile(path.join(dir, BUILD_ROOT_FILE), root);
  const at = new Date(Date.now() - ageS * 1000);
  await utimes(dir, at, at);
}

describe("pruning start bundles", () => {
  it("leaves other copies' bundles alone, and keeps this copy's newest", async () => {
    await build("a-running", "/srv/tocsin-a", 600);
    for (let i = 1; i <= 5; i++) await build(`b-${i}`, "/srv/tocsin-b", 100 - i);
    await pruneBuilds(builds, "b-5", "/srv/tocsin-b");
    expect((await readdir(builds)).sort()).toEqual(["a-running", "b-2", "b-3", "b-4", "b-5"]);
  });
});
