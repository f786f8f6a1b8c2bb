// The sample data shipped in examples/data (and the bundled RSIT file) are third-party documents
// kept byte for byte: each must match the SHA-256 its provenance note records, and none may be
// there without one.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DATA = path.join(ROOT, "examples/data");

/** `file` → sha256 from the table rows of SOURCES.md: a backticked path and a 64-digit hash. */
async function recordedChecksums(): Promise<Map<string, string>> {
  const sources = await readFile(path.join(DATA, "SOURCES.md"), "utf8");
  const recorded = new Map<string, string>();
  for (const line of sources.split("\n")) {
    const file = line.match(/^\| `([^`]+)`/)?.[1];
    const sha = line.match(/\b[0-9a-f]{64}\b/)?.[0];
    if (file && sha) recorded.set(file.startsWith("src/") ? file : `examples/data/${file}`, sha);
  }
  return recorded;
}

async function sha256(file: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path.join(ROOT, file)))
    .digest("hex");
}

describe("sample data provenance", () => {
  it("records a checksum for every shipped sample file, and each file matches it", async () => {
    const recorded = await recordedChecksums();
    const shipped = (await readdir(DATA, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name !== "SOURCES.md")
      .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)))
      .sort();
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped).toEqual([...recorded.keys()].filter((file) => !file.startsWith("src/")).sort());
    for (const [file, expected] of recorded)
      expect({ file, sha: await sha256(file) }).toEqual({ file, sha: expected });
  });

  it("bundles the reference RSIT machinev1 file unchanged", async () => {
    const recorded = await recordedChecksums();
    // ENISA's working_copy/machinev1, RSIT 1.3 (version 1003).
    expect(recorded.get("src/incidents/rsit-machinev1.json")).toBe(
      "bfaa07dd3d578ffa628170c49cdaa04b6fea8f27d8b80b2850569503fb0a53d6",
    );
    expect(await sha256("src/incidents/rsit-machinev1.json")).toBe(
      "bfaa07dd3d578ffa628170c49cdaa04b6fea8f27d8b80b2850569503fb0a53d6",
    );
  });
});
