import { describe, expect, it } from "vitest";
import {
  commandFromMessage,
  htmlToText,
  stripReplyFallback,
} from "../../../src/chat/matrix/command-message.ts";
import { parseMatrixMention, userIdFromPermalink } from "../../../src/chat/matrix/mentions.ts";

const PREFIXES = ["!inc", "!oncall", "!bulletin"];
const command = (content: Record<string, unknown>) => commandFromMessage(content, PREFIXES);

describe("commands in Matrix messages", () => {
  it("takes m.text messages starting with a prefix word, as typed", () => {
    expect(command({ msgtype: "m.text", body: "!inc declare Phishing wave sev:2" })).toBe(
      "!inc declare Phishing wave sev:2",
    );
    expect(command({ msgtype: "m.text", body: "  !INC list" })).toBe("!INC list");
    expect(command({ msgtype: "m.text", body: "!oncall" })).toBe("!oncall");
  });

  it("ignores notices, other prefixes, edits and non-text messages", () => {
    expect(command({ msgtype: "m.notice", body: "!inc list" })).toBeUndefined();
    expect(command({ msgtype: "m.text", body: "!incc list" })).toBeUndefined();
    expect(command({ msgtype: "m.text", body: "say !inc list" })).toBeUndefined();
    expect(command({ msgtype: "m.image", body: "!inc list" })).toBeUndefined();
    expect(
      command({
        msgtype: "m.text",
        body: "* !inc declare X",
        "m.new_content": { msgtype: "m.text", body: "!inc declare X" },
        "m.relates_to": { rel_type: "m.replace", event_id: "$1" },
      }),
    ).toBeUndefined();
  });

  it("reads pills from the HTML as user ids, and keeps the body verbatim otherwise", () => {
    expect(
      command({
        msgtype: "m.text",
        body: "!inc invite Bob and Carol",
        format: "org.matrix.custom.html",
        formatted_body:
          '!inc invite <a href="https://matrix.to/#/@bob:example.org">Bob</a> and <a href="https://matrix.to/#/%40carol%3Aexample.org?via=example.org">Carol &amp; co</a>',
      }),
    ).toBe("!inc invite @bob:example.org and @carol:example.org");
    expect(
      command({
        msgtype: "m.text",
        body: "!inc note see *bold* https://evil.example/x",
        format: "org.matrix.custom.html",
        formatted_body:
          '!inc note see <em>bold</em> <a href="https://evil.example/x">https://evil.example/x</a>',
      }),
    ).toBe("!inc note see *bold* https://evil.example/x");
  });

  it("drops reply fallbacks in front of a command", () => {
    expect(stripReplyFallback("> <@bob:example.org> hello\n> there\n\n!inc list")).toBe("!inc list");
    expect(
      command({
        msgtype: "m.text",
        body: "> <@bob:example.org> hello\n\n!inc lead Bob",
        format: "org.matrix.custom.html",
        formatted_body:
          '<mx-reply><blockquote>hello</blockquote></mx-reply>!inc lead <a href="https://matrix.to/#/@bob:example.org">Bob</a>',
      }),
    ).toBe("!inc lead @bob:example.org");
  });

  it("runs the body only when the HTML says the same command", () => {
    const html = (body: string, formatted_body: string) =>
      command({ msgtype: "m.text", body, format: "org.matrix.custom.html", formatted_body });
    expect(html("!inc sev 1", "good morning")).toBeUndefined();
    expect(html("!inc sev 1", "<p>!inc sev 2</p>")).toBeUndefined();
    expect(html("good morning", "!inc sev 1")).toBeUndefined();
    expect(html("!inc sev 1", "<p>!inc  sev&nbsp;1</p>")).toBe("!inc sev 1");
    expect(html("!inc note **done** `x_y`", "!inc note <strong>done</strong> <code>x_y</code>")).toBe(
      "!inc note **done** `x_y`",
    );
    expect(command({ msgtype: "m.text", body: `!inc note ${"x".repeat(200 * 1024)}` })).toBeUndefined();
  });

  it("turns HTML into text with entities decoded", () => {
    expect(htmlToText("a&lt;b&gt; &#x1F600; &#233;<br/>line<p>para</p>")).toBe("a<b> 😀 é\nline\npara\n");
  });
});

describe("Matrix mentions", () => {
  it("parses user ids, permalinks and matrix: URIs", () => {
    expect(parseMatrixMention("@alice:example.org")).toBe("@alice:example.org");
    expect(parseMatrixMention("@alice:example.org,")).toBe("@alice:example.org");
    expect(parseMatrixMention("@alice:matrix.example.org:8448")).toBe("@alice:matrix.example.org:8448");
    expect(parseMatrixMention("@alice:[::1]:8448")).toBe("@alice:[::1]:8448");
    expect(parseMatrixMention("https://matrix.to/#/@bob:example.org")).toBe("@bob:example.org");
    expect(userIdFromPermalink("matrix:u/bob:example.org?action=chat")).toBe("@bob:example.org");
    expect(parseMatrixMention("@alice")).toBeUndefined();
    expect(parseMatrixMention("alice:example.org")).toBeUndefined();
    expect(parseMatrixMention("https://matrix.to/#/#room:example.org")).toBeUndefined();
    expect(parseMatrixMention(`@${"a".repeat(300)}:example.org`)).toBeUndefined();
  });
});
