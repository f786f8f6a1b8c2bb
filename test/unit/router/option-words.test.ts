import { describe, expect, it } from "vitest";
import { readOptionWord } from "../../../src/router/option-words.ts";
import { tokenize } from "../../../src/router/tokenizer.ts";

const DECLARE = ["sev", "class", "tlp", "summary", "restricted", "team"];

/** How each word of a line is read in a command declaring `declared`. */
function read(line: string, declared = DECLARE) {
  const tokens = tokenize(line);
  return tokens.map((token, i) => readOptionWord(token, tokens[i + 1], declared));
}

const refusal = (line: string) => {
  const found = read(line).find((r) => r.kind === "refused");
  return found?.kind === "refused" ? found.message : undefined;
};

describe("option-shaped words", () => {
  it("takes exactly declared key:value options, whatever the key's case", () => {
    expect(read('sev:2 TLP:red summary:"two words"')).toEqual([
      { kind: "option", key: "sev", value: "2" },
      { kind: "option", key: "tlp", value: "red" },
      { kind: "option", key: "summary", value: "two words" },
    ]);
  });

  it("refuses near misses with the right spelling", () => {
    expect(refusal("Breach at HR tlp=red")).toBe(
      '"tlp=red" looks like an option: did you mean `tlp:red`? To keep it as text, put it in quotes.',
    );
    expect(refusal("Breach at HR tlp: red")).toBe(
      '"tlp: red" looks like an option: did you mean `tlp:red`? (no space after the colon)',
    );
    expect(refusal("Breach sev=2")).toContain("did you mean `sev:2`?");
    expect(refusal("Breach severity:2")).toContain("did you mean `sev:2`?");
    expect(refusal("Breach Severity: 2")).toContain("did you mean `sev:2`?");
    expect(refusal("Breach classification:phishing")).toContain("did you mean `class:phishing`?");
    expect(refusal("Breach label:red")).toContain("did you mean `tlp:red`?");
    expect(refusal("Breach prio:1")).toContain("did you mean `sev:1`?");
    expect(refusal('Breach summary="two words"')).toContain('did you mean `summary:"two words"`?');
    expect(refusal("Breach tlp:")).toBe(
      "The option tlp: has no value: write `tlp:<value>`, with no space after the colon.",
    );
  });

  it("refuses unknown keys, naming the close one or the options there are", () => {
    expect(refusal("Breach svv:2")).toBe(
      '"svv:2" is not an option here: did you mean `sev:2`? To keep it as text, put it in quotes.',
    );
    expect(refusal("Breach owner:bob")).toBe(
      '"owner:bob" is not an option here: this command takes sev:, class:, tlp:, summary:, restricted:, team:. To keep it as text, put it in quotes.',
    );
  });

  it("keeps quoted words, addresses, times, numbers and `Word:` before a title's text", () => {
    for (const line of [
      '"Breach at HR tlp=red"',
      '"tlp=red"',
      "see https://intranet.example/x at 09:00",
      "10.0.0.1:443 sha256:ab12",
      "Breach: HR mailboxes",
      "Phishing: tlp",
    ]) {
      expect(
        read(line).every((r) => r.kind === "text"),
        line,
      ).toBe(true);
    }
  });

  it("leaves commands without declared options alone (they read their own words)", () => {
    expect(read("TLP:AMBER", [])).toEqual([{ kind: "text" }]);
    expect(read('rsit:fraud="phishing"', [])).toEqual([{ kind: "text" }]);
  });
});
