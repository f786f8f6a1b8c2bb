// Every UserError thrown from src/ names its stable code (issue 13.5); only commands/ may leave
// it to the router to derive. A source scan, since the type system cannot tell the folders apart.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";

const SRC = path.resolve(import.meta.dirname, "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** The text of the call starting at `open` (the index of its "("), to its matching ")". */
function callAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

describe("error codes", () => {
  it("every UserError constructed in src/ names its code", () => {
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/new UserError\(/g)) {
        const call = callAt(text, match.index + match[0].length - 1);
        if (!/\bcode\b/.test(call)) {
          const line = text.slice(0, match.index).split("\n").length;
          missing.push(`${path.relative(SRC, file)}:${line}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("keeps an explicit code over the derived one, and refuses malformed codes", () => {
    const explicit = new UserError("No.", { code: "incident.not_found" });
    explicit.assignCode("inc.show.invalid");
    expect(explicit.code).toBe("incident.not_found");
    const derived = new UserError("No.");
    derived.assignCode("inc.show.invalid");
    expect(derived.code).toBe("inc.show.invalid");
    expect(() => new UserError("No.", { code: "Not a code" })).toThrow(/not an error code/);
  });
});
