// The platforms read the words that start a command from a leaf (src/chat/command-words.ts), so
// they never import the command declarations; the declarations stay the source of those words.
import { describe, expect, it } from "vitest";
import { VOCABULARY } from "../../../commands/index.ts";
import { COMMAND_WORDS } from "../../../src/chat/command-words.ts";

describe("the words that start a command", () => {
  it("are exactly the ones the command declarations give", () => {
    expect([...COMMAND_WORDS.groups]).toEqual([...VOCABULARY.groups]);
    expect(COMMAND_WORDS.prefixes("!")).toEqual(VOCABULARY.prefixes("!"));
    expect(COMMAND_WORDS.prefixes("/")).toEqual(VOCABULARY.prefixes("/"));
    expect(COMMAND_WORDS.helpHint).toBe(VOCABULARY.helpHint);
  });
});
