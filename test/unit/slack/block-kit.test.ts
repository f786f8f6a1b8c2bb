import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  actions,
  type Block,
  code,
  context,
  fields,
  heading,
  list,
  type Message,
  mentionOf,
  message,
  table,
  text,
} from "../../../src/chat/message.ts";
import {
  BLOCK_KIT_LIMITS,
  COMMAND_ACTION_ID_PREFIX,
  escapeMrkdwn,
  renderBlockKit,
  splitEscaped,
} from "../../../src/chat/slack/block-kit.ts";

// Loose views of rendered blocks, enough to check content and limits.
interface RenderedBlock {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{
    type: string;
    text: string | { text: string };
    action_id?: string;
    value?: string;
    style?: string;
  }>;
}

function render(msg: Message): RenderedBlock[] {
  return renderBlockKit(msg).blocks as unknown as RenderedBlock[];
}

function expectWithinLimits(blocks: RenderedBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.blocksPerMessage);
  const actionIds = new Set<string>();
  for (const block of blocks) {
    if (block.type === "section") {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.sectionText);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.fieldsPerSection);
      for (const field of block.fields ?? [])
        expect(field.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.fieldText);
      expect(Boolean(block.text?.text) || Boolean(block.fields?.length)).toBe(true);
    }
    if (block.type === "header")
      expect(block.text?.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.headerText);
    if (block.type === "context") {
      for (const element of block.elements ?? []) {
        expect(String(element.text).length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.contextText);
      }
    }
    if (block.type === "actions") {
      expect(block.elements?.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.buttonsPerActions);
      for (const element of block.elements ?? []) {
        expect(actionIds.has(element.action_id!)).toBe(false);
        actionIds.add(element.action_id!);
        expect(element.value!.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.buttonValue);
      }
    }
  }
}

describe("Block Kit rendering", () => {
  it("renders each neutral block as its Slack counterpart", () => {
    const blocks = render(
      message(
        heading("INC-2026-0001 · Phishing wave"),
        text("Reported by the mail team"),
        fields([
          ["Status", "triage"],
          ["Severity", "SEV2"],
        ]),
        list(["block sender", "reset passwords"]),
        list(["first", "second"], true),
        table(["Who", "Role"], [["alice", "commander"]]),
        code("grep evil /var/log/mail.log"),
        context("declared by alice"),
      ),
    );
    expect(blocks.map((b) => b.type)).toEqual([
      "header",
      "section",
      "section",
      "section",
      "section",
      "section",
      "section",
      "context",
    ]);
    expect(blocks[0]?.text).toEqual({
      type: "plain_text",
      text: "INC-2026-0001 · Phishing wave",
      emoji: true,
    });
    expect(blocks[1]?.text).toEqual({ type: "mrkdwn", text: "Reported by the mail team" });
    expect(blocks[2]?.fields?.map((f) => f.text)).toEqual(["*Status*\ntriage", "*Severity*\nSEV2"]);
    expect(blocks[3]?.text?.text).toBe("• block sender\n• reset passwords");
    expect(blocks[4]?.text?.text).toBe("1. first\n2. second");
    expect(blocks[5]?.text?.text).toBe("```\nWho    Role\n-----  ---------\nalice  commander\n```");
    expect(blocks[6]?.text?.text).toBe("```\ngrep evil /var/log/mail.log\n```");
    expect(blocks[7]?.elements?.[0]).toEqual({ type: "mrkdwn", text: "declared by alice" });
  });

  it("puts the TLP label first, in capitals", () => {
    const blocks = render({ ...message(text("secret")), tlp: "amber+strict" });
    expect(blocks[0]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "*TLP:AMBER+STRICT*" }],
    });
    expect(renderBlockKit({ ...message(text("secret")), tlp: "red" }).text.startsWith("TLP:RED")).toBe(true);
  });

  it("turns actions into buttons that carry their command", () => {
    const blocks = render(
      message(
        actions({
          label: "Contained",
          command: { group: "inc", name: "status", args: ["contained"] },
          style: "primary",
        }),
        actions(
          { label: "Close", command: { group: "inc", name: "close", args: ["all done"] }, style: "danger" },
          { label: "Add me", command: { group: "inc", name: "join" } },
        ),
      ),
    );
    const buttons = blocks.flatMap((b) => b.elements ?? []);
    expect(buttons.map((b) => b.value)).toEqual([
      "/inc status contained",
      '/inc close "all done"',
      "/inc join",
    ]);
    expect(buttons.map((b) => b.style)).toEqual(["primary", "danger", undefined]);
    expect(new Set(buttons.map((b) => b.action_id)).size).toBe(3);
    expect(buttons.every((b) => b.action_id?.startsWith(COMMAND_ACTION_ID_PREFIX))).toBe(true);
  });

  it("splits more than 25 buttons over several action blocks", () => {
    const many = Array.from(
      { length: 30 },
      (_, i) => ({ label: `B${i}`, command: { group: "inc", name: "note", args: [i] } }) as const,
    );
    const blocks = render(message(actions(...many)));
    expect(blocks.map((b) => b.elements?.length)).toEqual([25, 5]);
    expectWithinLimits(blocks);
  });

  it("escapes &, < and >, so typed mentions stay text and only the bot's own mentions notify", () => {
    expect(escapeMrkdwn("a < b && c > d")).toBe("a &lt; b &amp;&amp; c &gt; d");
    // Typed by a person (a title, a note): inert, it pings nobody on every announcement.
    expect(escapeMrkdwn("ask <@U123> in <#C42|soc>")).toBe("ask &lt;@U123&gt; in &lt;#C42|soc&gt;");
    // Written by the bot (a page's on-call): a live mention.
    expect(escapeMrkdwn(`paging ${mentionOf("U123")}`)).toBe("paging <@U123>");
    expect(escapeMrkdwn("<!channel> <script>")).toBe("&lt;!channel&gt; &lt;script&gt;");
    expect(render(message(code("if (a < b) {}")))[0]?.text?.text).toBe("```\nif (a &lt; b) {}\n```");
  });

  it("splits text over 3000 characters into several sections at line breaks", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    const blocks = render(message(text(lines.join("\n"))));
    expect(blocks.length).toBeGreaterThan(2);
    expectWithinLimits(blocks);
    expect(blocks.map((b) => b.text?.text).join("\n")).toBe(lines.join("\n"));
  });

  it("splits an endless word without cutting an escaped entity", () => {
    const blocks = render(message(text("&".repeat(2000))));
    expectWithinLimits(blocks);
    for (const block of blocks) expect(block.text?.text).toMatch(/^(&amp;)+$/);
    expect(blocks.map((b) => b.text?.text).join("")).toBe("&amp;".repeat(2000));
  });

  it("splits long code into several fenced sections", () => {
    const log = Array.from({ length: 300 }, (_, i) => `${i} GET /login 401`).join("\n");
    const blocks = render(message(code(log)));
    expect(blocks.length).toBeGreaterThan(1);
    expectWithinLimits(blocks);
    for (const block of blocks) expect(block.text?.text).toMatch(/^```\n[\s\S]*\n```$/);
  });

  it("puts at most 10 fields in a section and cuts long values", () => {
    const entries = Array.from({ length: 23 }, (_, i): [string, string] => [
      `F${i}`,
      "v".repeat(i === 0 ? 5000 : 3),
    ]);
    const blocks = render(message(fields(entries)));
    expect(blocks.map((b) => b.fields?.length)).toEqual([10, 10, 3]);
    expectWithinLimits(blocks);
    expect(blocks[0]?.fields?.[0]?.text.endsWith("…")).toBe(true);
  });

  it("cuts a heading to 150 characters", () => {
    const [header] = render(message(heading("h".repeat(400))));
    expect(header?.text?.text).toHaveLength(150);
    expect(header?.text?.text.endsWith("…")).toBe(true);
  });

  it("truncates past 50 blocks with a pointer, keeping the trailing buttons", () => {
    const body: Block[] = Array.from({ length: 80 }, (_, i) => text(`entry ${i}`));
    const blocks = render({
      ...message(
        heading("Timeline"),
        ...body,
        actions({ label: "Show all", command: { group: "inc", name: "show" } }),
      ),
      tlp: "green",
    });
    expect(blocks).toHaveLength(50);
    expectWithinLimits(blocks);
    expect(blocks.at(-1)?.type).toBe("actions");
    const pointer = blocks.at(-2);
    expect(pointer?.type).toBe("context");
    // 1 TLP + 1 heading + 46 entries kept; 34 entries left out.
    expect(pointer?.elements?.[0]?.text).toBe("… truncated: 34 more lines, see /inc show");
    expect(blocks[0]?.elements?.[0]?.text).toBe("*TLP:GREEN*");
  });

  it("keeps the notification text short", () => {
    const payload = renderBlockKit(message(text("y".repeat(10_000))));
    expect(payload.text.length).toBeLessThanOrEqual(3000);
  });

  it("splits at spaces when a paragraph has no line break", () => {
    const chunks = splitEscaped(`${"word ".repeat(1000)}`.trim(), 100);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(chunk.startsWith(" ") || chunk.endsWith(" ")).toBe(false);
    }
  });

  it("stays within Slack's limits for any message", () => {
    const anyText = fc.string({ maxLength: 5000, unit: "grapheme" });
    const anyBlock: fc.Arbitrary<Block> = fc.oneof(
      anyText.map(heading),
      anyText.map(text),
      anyText.map(code),
      anyText.map(context),
      fc.array(fc.tuple(anyText, anyText), { maxLength: 25 }).map(fields),
      fc.array(anyText, { maxLength: 30 }).map((items) => list(items)),
      fc
        .array(
          fc.record({
            label: anyText.filter((s) => s.length > 0),
            command: anyText.map((words) => ({ group: "inc", name: "note", args: [words] }) as const),
          }),
          { maxLength: 30 },
        )
        .map((items) => actions(...items)),
    );
    fc.assert(
      fc.property(fc.array(anyBlock, { maxLength: 70 }), (blocks) => {
        expectWithinLimits(render(message(...blocks)));
      }),
      { numRuns: 150 },
    );
  });
});
