// Commands read like their help text: they get domain services through a narrow context and
// reach no platform, database client, HTTP server or metrics, not even by importing them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../../commands/", import.meta.url).pathname;
const FORBIDDEN = [
  /src\/outbox\//,
  /src\/chat\/platform\.ts/,
  /src\/chat\/(slack|matrix|console)\//,
  /src\/db\//,
  /src\/http\//,
  /src\/services\.ts/,
  /@prisma\//,
  /@slack\//,
  /matrix-js-sdk/,
];

function commandFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? commandFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("command modules", () => {
  it("import nothing that reaches a platform, the database, HTTP or metrics", () => {
    const offending: string[] = [];
    for (const file of commandFiles(ROOT)) {
      const imports = readFileSync(file, "utf8").match(/from\s+"[^"]+"/g) ?? [];
      for (const line of imports) {
        if (FORBIDDEN.some((pattern) => pattern.test(line)))
          offending.push(`${file.slice(ROOT.length)}: ${line}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("use no raw database access and no non-null assertion on the incident", () => {
    for (const file of commandFiles(ROOT)) {
      const source = readFileSync(file, "utf8");
      expect(source, file).not.toMatch(/\.db\./);
      expect(source, file).not.toContain("ctx.incident!");
    }
  });
});
