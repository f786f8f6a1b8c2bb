// The cleaning of JSON text at intake and commit (storable-json.ts storableJson) and the label names dropped as
// array indices (draft.ts isArrayIndex): one pass each, exact at the edges.
import { describe, expect, it } from "vitest";
import { isArrayIndex } from "../../../src/alerts/intake/draft.ts";
import { storableJson } from "../../../src/alerts/storable-json.ts";

describe("storableJson", () => {
  it("removes NUL escapes and replaces lone surrogate escapes, and nothing else", () => {
    const value = {
      "k\u0000": "a\u0000b",
      lone: "x\udfffy",
      pair: "😀",
      slash: "\\u0000 stays",
      quote: '"\u0000"',
    };
    const cleaned = JSON.parse(storableJson(JSON.stringify(value)));
    expect(cleaned).toEqual({ k: "ab", lone: "x\ufffdy", pair: "😀", slash: "\\u0000 stays", quote: '""' });
  });

  it("returns clean text as it is", () => {
    const json = JSON.stringify({ a: ["b", 1, { c: "\\\\" }] });
    expect(storableJson(json)).toBe(json);
  });
});

describe("isArrayIndex", () => {
  it("is true for canonical indices below 2^32 - 1 only", () => {
    for (const name of ["0", "7", "1023", "4294967294"]) expect(isArrayIndex(name)).toBe(true);
    for (const name of ["", "01", "-1", "1.5", "4294967295", "12345678901", "a1", "1a", " 1"])
      expect(isArrayIndex(name)).toBe(false);
  });
});
