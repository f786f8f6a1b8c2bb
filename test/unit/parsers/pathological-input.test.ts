// Every parser that reads what strangers send runs in linear time: 64 KB of the worst input we
// could think of (unclosed tags, runs of `<`, quotes, backslashes, `@`, punctuation) must be read
// well within a time budget, on a loaded 2-core machine too. A quadratic version of any of them
// takes seconds on these inputs.
import { describe, expect, it } from "vitest";
import { PayloadError, parseForm } from "../../../src/alerts/intake/body.ts";
import {
  jsonShapeFault,
  MAX_JSON_DEPTH,
  MAX_JSON_VALUES,
  nestsDeeperThan,
} from "../../../src/chat/json-nesting.ts";
import {
  commandFromMessage,
  htmlToText,
  stripReplyFallback,
} from "../../../src/chat/matrix/command-message.ts";
import { parseMatrixMention, userIdFromPermalink } from "../../../src/chat/matrix/mentions.ts";
import { parseDeclareModalOrigin } from "../../../src/chat/slack/declare-modal.ts";
import { timelineNoteCommand } from "../../../src/chat/slack/inbound.ts";
import { parseSlackMention } from "../../../src/chat/slack/mentions.ts";
import { parseSlackBody } from "../../../src/chat/slack/request-gate.ts";
import { parseRequestTarget } from "../../../src/http/server.ts";
import { sanitizeCommandLine, tokenize } from "../../../src/router/tokenizer.ts";

const SIZE = 64 * 1024;
/** Generous for a busy shared machine; the quadratic versions take 1-10 s on these inputs. */
const BUDGET_MS = 200;
const PILL = '<a href="https://matrix.to/#/@alice:example.org">Alice</a>';

const fill = (unit: string, prefix = "", suffix = "x") =>
  prefix + unit.repeat(Math.ceil((SIZE - prefix.length - suffix.length) / unit.length)) + suffix;

const HOSTILE: Record<string, string> = {
  "run of <": fill("<"),
  "pill then run of <": fill("<", `!inc invite ${PILL} `),
  "unclosed anchors": fill('<a href="https://matrix.to/#/@a:b">'),
  "unclosed anchor attributes": fill('<a href="'),
  "anchor with spaced href": fill(" href = ", "<a"),
  "unclosed mx-reply": fill("<mx-reply>"),
  "run of quotes": fill('"'),
  "nested quotes": fill(`"'“„«‘`),
  "run of backslashes": fill("\\"),
  "quote then backslashes": fill("\\", '!inc note "'),
  "run of @": fill("@"),
  "run of &": fill("&"),
  "entities without ;": fill("&#x1F600", "", ""),
  "punctuation then a letter": fill(",;.!?)]"),
  "mention-like": fill(":", "@a"),
  "permalink-like": fill("/", "https://matrix.to/#/@"),
  "slack mention-like": fill("|", "<@U"),
  "key:value runs": fill("a:"),
  "option with long key": fill("a", "", ':"x'),
  "whitespace runs": fill(" \t\n"),
  "control characters": fill("\u202e\u0007"),
  "run of [": fill("["),
  "string of escaped quotes": fill('\\"', '["'),
};

const PARSERS: Record<string, (input: string) => unknown> = {
  htmlToText,
  "commandFromMessage (HTML)": (input) =>
    commandFromMessage(
      { msgtype: "m.text", body: input, format: "org.matrix.custom.html", formatted_body: input },
      ["!inc"],
    ),
  "commandFromMessage (body)": (input) => commandFromMessage({ msgtype: "m.text", body: input }, ["!inc"]),
  stripReplyFallback: (input) => stripReplyFallback(`> ${input}`),
  parseMatrixMention,
  userIdFromPermalink,
  parseSlackMention,
  timelineNoteCommand: (input) => timelineNoteCommand(input, "U1"),
  parseDeclareModalOrigin,
  "parseSlackBody (form)": (input) => parseSlackBody(`payload=${encodeURIComponent(input)}`, true),
  "parseSlackBody (JSON)": (input) => parseSlackBody(input, false),
  parseRequestTarget: (input) => parseRequestTarget(`/${input}`),
  nestsDeeperThan: (input) => nestsDeeperThan(input),
  jsonShapeFault: (input) => jsonShapeFault(input, MAX_JSON_DEPTH, MAX_JSON_VALUES),
  "parseForm (alert form)": (input) => {
    try {
      return parseForm(input);
    } catch (error) {
      if (error instanceof PayloadError) return undefined; // Too many fields is an answer too.
      throw error;
    }
  },
  sanitizeCommandLine,
  tokenize: (input) => {
    try {
      return tokenize(input);
    } catch {
      return undefined; // An unclosed quote is an answer too.
    }
  },
};

describe("parsers on pathological input", () => {
  for (const [parser, parse] of Object.entries(PARSERS)) {
    it(`${parser} reads 64 KB of each hostile input in under ${BUDGET_MS} ms`, () => {
      const slow: string[] = [];
      for (const [name, input] of Object.entries(HOSTILE)) {
        expect(input.length).toBeGreaterThanOrEqual(SIZE - 16);
        // Best of two: a pause of the machine should not fail a linear parser.
        let best = Number.POSITIVE_INFINITY;
        for (let run = 0; run < 2 && best >= BUDGET_MS; run++) {
          const started = performance.now();
          parse(input);
          best = Math.min(best, performance.now() - started);
        }
        if (best >= BUDGET_MS) slow.push(`${name}: ${Math.round(best)} ms`);
      }
      expect(slow).toEqual([]);
    });
  }

  it("still reads what people send", () => {
    expect(htmlToText(`x ${PILL} <b>y</b>`)).toBe("x @alice:example.org y");
    expect(htmlToText("<a href='https://matrix.to/#/@bob:example.org'>Bob")).toBe("Bob");
    expect(htmlToText("a < b and c > d")).toBe("a  d");
    expect(htmlToText("1 < 2")).toBe("1 < 2");
    expect(parseMatrixMention("@alice:example.org,;.")).toBe("@alice:example.org");
  });
});
