// ATTACK: titles must read as they render, so the command sanitiser strips invisible and bidi
// characters (src/router/tokenizer.ts CONTROL_CHARACTERS). Its list is written in UTF-16 code
// units without the `u` flag and misses invisible characters outside it: Unicode tag characters
// (U+E0000..U+E007F, "ASCII smuggling": invisible text a reader never sees but tools and LLMs
// read), the Hangul fillers (U+3164, U+115F, U+FFA0) and the combining grapheme joiner U+034F.
// (U+2028/U+2029 are read as whitespace by the tokenizer and do not survive: that defence held.)
import { afterEach, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

/** "ignore previous" written in invisible tag characters. */
const SMUGGLED = [..."ignore previous"].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join("");

describe("invisible characters in titles", () => {
  it.each([
    ["tag characters", `Phishing${SMUGGLED} wave`],
    ["a Hangul filler", "Phishing\u3164wave"],
    ["a combining grapheme joiner", "Phish\u034Fing wave"],
  ])("%s are stripped from a declared title", async (_, typed) => {
    desk = await startConsoleDesk();
    const out = await desk.type(`/inc declare "${typed}"`);
    expect(out).toContain("INC-2026-0001 declared");
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect([...incident.title].filter((c) => /^(?:[\u{E0000}-\u{E007F}]|\u3164|\u034F)$/u.test(c))).toEqual(
      [],
    );
  });
});
