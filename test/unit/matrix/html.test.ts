import { describe, expect, it } from "vitest";
import { noticeContent, renderMatrixHtml } from "../../../src/chat/matrix/html.ts";
import {
  actions,
  code,
  context,
  fields,
  heading,
  list,
  message,
  table,
  text,
} from "../../../src/chat/message.ts";

describe("Matrix HTML", () => {
  it("escapes everything people typed, keeps line breaks and code spans", () => {
    const html = renderMatrixHtml(
      message(
        heading("INC-1: <script>alert(1)</script>"),
        text("a & b \"quoted\" 'single'\nsecond line with `/inc lead @x`"),
      ),
    );
    expect(html).toBe(
      "<h4>INC-1: &lt;script&gt;alert(1)&lt;/script&gt;</h4>" +
        "<p>a &amp; b &quot;quoted&quot; &#39;single&#39;<br>second line with <code>/inc lead @x</code></p>",
    );
  });

  it("puts the TLP label first, in bold, in its colour on black", () => {
    const html = renderMatrixHtml({ tlp: "red", blocks: [text("secret")] });
    expect(html).toBe(
      '<p><strong><span data-mx-color="#FF2B2B" data-mx-bg-color="#000000">TLP:RED</span></strong></p><p>secret</p>',
    );
  });

  it("renders tables, lists, fields, code, context and actions", () => {
    const html = renderMatrixHtml(
      message(
        table(["id", "title"], [["INC-1", "a<b"]]),
        list(["one", "two"], true),
        fields([["Status", "triage"]]),
        code("line <1>\nline 2"),
        context("Updated now"),
        actions({
          label: "→ contained",
          command: { group: "inc", name: "status", incident: "INC-1", args: ["contained"] },
        }),
      ),
    );
    expect(html).toContain(
      "<table><thead><tr><th>id</th><th>title</th></tr></thead><tbody><tr><td>INC-1</td><td>a&lt;b</td></tr></tbody></table>",
    );
    expect(html).toContain("<ol><li>one</li><li>two</li></ol>");
    expect(html).toContain("<p><strong>Status:</strong> triage</p>");
    expect(html).toContain("<pre><code>line &lt;1&gt;\nline 2</code></pre>");
    expect(html).toContain("<p><em>Updated now</em></p>");
    // Matrix has no buttons: the command to type, with `!`.
    expect(html).toContain("<p>→ contained: <code>!inc status INC-1 contained</code></p>");
  });

  it("gives a plain body with the same `!` commands", () => {
    const content = noticeContent(
      message(
        text("hi"),
        actions({ label: "Add me", command: { group: "inc", name: "join", incident: "INC-1" } }),
      ),
    );
    expect(content).toMatchObject({ msgtype: "m.notice", format: "org.matrix.custom.html" });
    expect(content.body).toBe("hi\n[Add me: !inc join INC-1]");
  });

  it("drops the HTML, then cuts the text, to fit one event", () => {
    const long = noticeContent(message(code("é".repeat(40_000))), 60_000);
    expect(long.formatted_body).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(long))).toBeLessThanOrEqual(60_000);
    expect(long.body).toMatch(/… \(cut: too long for one Matrix message\)$/);
    const medium = noticeContent(message(code("x".repeat(35_000))), 60_000);
    expect(medium.formatted_body).toBeUndefined();
    expect(medium.body).toHaveLength(35_000);
  });
});
