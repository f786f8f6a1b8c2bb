// The Matrix platform keeps what survives restarts through the PlatformStateStore port it is
// given: no module of src/chat/matrix reaches the database, Prisma, or the desk's domain.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const MATRIX_DIR = path.resolve(import.meta.dirname, "../../../src/chat/matrix");
const SRC_DIR = path.resolve(MATRIX_DIR, "../..");

/** `from "..."` specifiers of a module's static imports and re-exports. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";/gms)].map((m) => m[1] ?? "");
}

describe("the Matrix platform's imports", () => {
  const modules = readdirSync(MATRIX_DIR).filter((name) => name.endsWith(".ts"));

  it("reach no database module, Prisma or domain service", () => {
    const offending: string[] = [];
    for (const name of modules) {
      for (const specifier of importsOf(readFileSync(path.join(MATRIX_DIR, name), "utf8"))) {
        if (specifier.includes("prisma")) offending.push(`${name} → ${specifier}`);
        if (!specifier.startsWith(".")) continue;
        const target = path.relative(SRC_DIR, path.resolve(MATRIX_DIR, specifier));
        // Leaves: the chat seam, TLP, the helpers its environment variables are declared with, and
        // the keep-alive HTTP client (node:http and node:https only) it talks to its homeserver with,
        // and the internal address ranges (node:net only) its redirects are checked against.
        const allowed =
          target.startsWith("chat/") ||
          target === "incidents/tlp.ts" ||
          target === "config-variables.ts" ||
          target === "http/keep-alive-fetch.ts" ||
          target === "http/internal-addresses.ts";
        if (!allowed) offending.push(`${name} → ${target}`);
      }
    }
    expect(modules.length).toBeGreaterThan(5);
    expect(offending).toEqual([]);
  });
});
