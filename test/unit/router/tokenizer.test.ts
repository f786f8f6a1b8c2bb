import { describe, expect, it } from "vitest";
import { sanitizeCommandLine, TokenizeError, tokenize } from "../../../src/router/tokenizer.ts";

const values = (input: string) => tokenize(input).map((t) => t.value);

describe("tokenizer", () => {
  it("splits words on whitespace", () => {
    expect(values("  declare  Phishing   wave ")).toEqual(["declare", "Phishing", "wave"]);
  });

  it("keeps quoted strings together, with double, single and typographic quotes", () => {
    expect(values(`declare "Phishing wave" 'second one' “third one” „vierte“`)).toEqual([
      "declare",
      "Phishing wave",
      "second one",
      "third one",
      "vierte",
    ]);
    expect(tokenize(`"a b"`)[0]?.quoted).toBe(true);
  });

  it("resolves backslash escapes inside quotes", () => {
    expect(values(String.raw`"say \"hi\" now" 'it\'s'`)).toEqual(['say "hi" now', "it's"]);
  });

  it("recognises key:value options, including quoted values", () => {
    const tokens = tokenize(`sev:2 tlp:AMBER+STRICT summary:"Mass mail to finance" class:phishing`);
    expect(tokens.map((t) => t.option)).toEqual([
      { key: "sev", separator: ":", value: "2" },
      { key: "tlp", separator: ":", value: "AMBER+STRICT" },
      { key: "summary", separator: ":", value: "Mass mail to finance" },
      { key: "class", separator: ":", value: "phishing" },
    ]);
  });

  it("lowercases option keys but not values", () => {
    expect(tokenize("TLP:Red")[0]?.option).toEqual({ key: "tlp", separator: ":", value: "Red" });
  });

  it("marks URLs and times as option candidates only; the router decides", () => {
    expect(tokenize("https://example.org")[0]?.option).toEqual({
      key: "https",
      separator: ":",
      value: "//example.org",
    });
    expect(tokenize("09:00")[0]?.option).toBeUndefined();
  });

  it("marks every option-shaped word: key=value, a bare key:, a quoted value after =", () => {
    expect(tokenize("tlp=red")[0]?.option).toEqual({ key: "tlp", separator: "=", value: "red" });
    expect(tokenize("tlp: red").map((t) => t.option)).toEqual([
      { key: "tlp", separator: ":", value: "" },
      undefined,
    ]);
    expect(tokenize(`summary="two words"`)[0]?.option).toEqual({
      key: "summary",
      separator: "=",
      value: "two words",
    });
    // A key is letters: hashes, times and addresses with digits first are never option-shaped.
    expect(tokenize("sha256:abcd 10.0.0.1:443 2026-03-10T09:00").map((t) => t.option)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("takes time linear in the line, however many option-shaped words it holds", () => {
    const line = "a:b ".repeat(100_000);
    const started = performance.now();
    expect(tokenize(line)).toHaveLength(100_000);
    // Quadratic work on 400,000 characters takes minutes; linear takes milliseconds.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("does not treat a quoted key:value as an option", () => {
    expect(tokenize(`"sev:2"`)[0]?.option).toBeUndefined();
  });

  it("keeps offsets so the rest of a line can be taken verbatim", () => {
    const input = "note   blocked 10.0.0.1:443";
    const tokens = tokenize(input);
    expect(input.slice(tokens[1]!.start)).toBe("blocked 10.0.0.1:443");
  });

  it("rejects an unclosed quote, showing where", () => {
    expect(() => tokenize(`declare "Phishing wave`)).toThrow(TokenizeError);
    expect(() => tokenize(`declare "Phishing wave`)).toThrow('A quote is never closed: "Phishing wave');
  });

  it("keeps mentions as plain tokens for the platform to recognise", () => {
    expect(values("<@U123|alice> @bob:example.org @carol")).toEqual([
      "<@U123|alice>",
      "@bob:example.org",
      "@carol",
    ]);
  });

  it("returns nothing for an empty line", () => {
    expect(tokenize("   ")).toEqual([]);
  });
});

describe("sanitizeCommandLine", () => {
  it("removes control and bidi-override characters, keeps newlines", () => {
    expect(sanitizeCommandLine("/inc note a\u0000b\u202ec\u0007\nnext")).toBe("/inc note abc\nnext");
  });

  it("normalises to NFC", () => {
    expect(sanitizeCommandLine("e\u0301")).toBe("é");
  });
});
