// `npm start` runs the start bundle built from the current sources (src/build/): the desk works
// from it, a second start reuses it, and TOCSIN_FROM_SOURCE=1 runs the TypeScript sources.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startBundle } from "../../src/build/start-bundle.ts";
import { tempRootPerFile } from "../support/temp-root.ts";
import { startTocsin } from "../support/tocsin-process.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const temp = tempRootPerFile("tocsin-bundle-");

describe("the start bundle", () => {
  it("is built once from the current sources and then reused", async () => {
    const entry = await startBundle(ROOT);
    expect(entry).toMatch(/node_modules\/\.cache\/tocsin-build\/[0-9a-f]{16}\/main\.js$/);
    const built = (await stat(entry!)).mtimeMs;
    expect(await startBundle(ROOT)).toBe(entry);
    expect((await stat(entry!)).mtimeMs).toBe(built);
    // Its folder says its files are ES modules, so Node does not parse each one first to tell.
    const scope = JSON.parse(await readFile(path.join(path.dirname(entry!), "package.json"), "utf8"));
    expect(scope).toEqual({ type: "module" });
  }, 120_000);

  it("runs the desk under npm start", async () => {
    const tocsin = startTocsin({ TOCSIN_DATA_DIR: temp.path("bundle"), LOG_LEVEL: "info" }, { via: "npm" });
    tocsin.type("/inc declare Bundled desk");
    tocsin.type("/inc list all");
    expect(await tocsin.finish()).toBe(0);
    expect(tocsin.stdout()).toMatch(/INC-\d{4}-\d{4}\s+SEV3\s+triage\s+TLP:AMBER\s+Bundled desk/);
    expect(tocsin.stderr()).toContain('"code":"bundle"');
  }, 120_000);

  it("is left aside with TOCSIN_FROM_SOURCE=1", async () => {
    const tocsin = startTocsin(
      { TOCSIN_DATA_DIR: temp.path("sources"), TOCSIN_FROM_SOURCE: "1", LOG_LEVEL: "info" },
      { via: "npm" },
    );
    tocsin.type("/inc declare From the sources");
    expect(await tocsin.finish()).toBe(0);
    expect(tocsin.stdout()).toContain("From the sources");
    expect(tocsin.stderr()).toContain('"code":"sources"');
  }, 120_000);
});
