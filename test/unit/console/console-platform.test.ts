// The console platform on injected streams: piped and terminal input, compact labels, pasted
// clear-signed blocks, files written instead of printed, help within 100 columns, and the count
// of refused lines a piped script's exit code comes from.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../commands/index.ts";
import { CONSOLE_WIDTH, ConsolePlatform } from "../../../src/chat/console/console-platform.ts";
import type { Invocation, Reply } from "../../../src/chat/invocation.ts";
import { text } from "../../../src/chat/message.ts";
import { ManualClock } from "../../../src/clock.ts";
import { IncidentIds } from "../../../src/incidents/public-id.ts";
import { commandHelp, groupHelp } from "../../../src/router/help.ts";

const SIGNED = [
  "-----BEGIN PGP SIGNED MESSAGE-----",
  "Hash: SHA512",
  "",
  "Advisory digest, 2 advisories.",
  '- "quoted" and \'unbalanced',
  "-----BEGIN PGP SIGNATURE-----",
  "",
  "wnUEARYKACcFgmkAAAAJkFakeSignatureBytes==",
  "-----END PGP SIGNATURE-----",
];

interface Harness {
  platform: ConsolePlatform;
  input: PassThrough;
  invocations: Invocation[];
  output(): string;
}

/** A console over streams; `answer` decides the reply to each invocation. */
async function startConsole(
  options: {
    interactive?: boolean;
    filesDir?: string;
    answer?: (i: Invocation, reply: (r: Reply) => Promise<void>) => Promise<void>;
  } = {},
): Promise<Harness> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const invocations: Invocation[] = [];
  const platform = new ConsolePlatform({
    input,
    output,
    interactive: options.interactive ?? false,
    user: "alice",
    filesDir: options.filesDir,
  });
  await platform.start(async (invocation) => {
    invocations.push(invocation);
    await options.answer?.(invocation, (reply) => platform.reply(invocation.replyTarget, reply));
    return "answered here";
  });
  // Terminal mode writes escape sequences (cursor moves, prompt redraws); the text is what counts.
  const plain = () => stripVTControlCharacters(printed);
  return { platform, input, invocations, output: plain };
}

async function pipe(harness: Harness, lines: string[]): Promise<void> {
  harness.input.end(`${lines.join("\n")}\n`);
  await harness.platform.finished;
}

describe("console platform", () => {
  it("counts the refused and failed lines of a script, after handling every line", async () => {
    const harness = await startConsole({
      answer: async (invocation, reply) => {
        const failed = invocation.text.includes("refuse")
          ? "refused"
          : invocation.text.includes("break")
            ? "error"
            : undefined;
        await reply({ visibility: "ephemeral", message: { blocks: [text("answer")] }, failed });
      },
    });
    await pipe(harness, ["/inc ok", "/inc refuse", "just words", "/as", "/inc break", "/inc last"]);
    expect(harness.invocations.map((i) => i.text)).toEqual([
      "/inc ok",
      "/inc refuse",
      "/inc break",
      "/inc last",
    ]);
    expect(harness.platform.failedLines).toBe(4);
  });

  it("labels lines compactly: incident id, room, only-you answers, direct messages", async () => {
    const harness = await startConsole({
      answer: async (_invocation, reply) => {
        await reply({ visibility: "ephemeral", message: { blocks: [text("only for you")] } });
      },
    });
    const room = await harness.platform.createIncidentRoom({
      publicId: "INC-2026-0001",
      title: "Phishing wave against finance",
      topic: "",
      invite: ["alice"],
    } as never);
    expect(room.roomId).toBe("#inc-2026-0001-phishing-wave-against-finance");
    await harness.platform.post(room.roomId, { blocks: [text("status triage → investigating")] });
    await harness.platform.post("#general", { blocks: [text("🚨 declared")] });
    await harness.platform.directMessage("bob", { blocks: [text("📟 Page #1")] });
    await harness.platform.submit("/room INC-2026-0001");
    await harness.platform.submit("/inc show");
    // A room from before a restart is recognised by its name.
    await harness.platform.post("#inc-2025-0042-old-case", { blocks: [text("still here")] });
    const out = harness.output();
    expect(out).toContain(
      "[INC-2026-0001] (private room #inc-2026-0001-phishing-wave-against-finance created; members: @alice)",
    );
    expect(out).toContain("[INC-2026-0001] status triage → investigating");
    expect(out).toContain("[#general] 🚨 declared");
    expect(out).toContain("[DM @bob] 📟 Page #1");
    expect(out).toContain("You are now in #inc-2026-0001-phishing-wave-against-finance (INC-2026-0001).");
    expect(out).toContain("[INC-2026-0001 · you] only for you");
    expect(out).toContain("[INC-2025-0042] still here");
    expect(harness.invocations[0]?.room.roomId).toBe(room.roomId);
  });

  it("keeps labels unambiguous: a second room claiming an incident's label keeps its full name", async () => {
    const harness = await startConsole();
    await harness.platform.post("#inc-2026-0007-first", { blocks: [text("one")] });
    await harness.platform.post("#inc-2026-0007-impostor", { blocks: [text("two")] });
    expect(harness.output()).toContain("[INC-2026-0007] one");
    expect(harness.output()).toContain("[#inc-2026-0007-impostor] two");
  });

  it.each([
    ["on the next line", ["/bulletin verify", ...SIGNED]],
    ["on the command's line", [`/bulletin verify ${SIGNED[0]}`, ...SIGNED.slice(1)]],
  ])("takes a piped clear-signed block %s as one command", async (_, lines) => {
    const harness = await startConsole();
    await pipe(harness, [...lines, "/inc list"]);
    expect(harness.invocations.map((i) => i.text)).toEqual([
      ["/bulletin verify", ...SIGNED].join("\n"),
      "/inc list",
    ]);
  });

  it("takes a clear-signed block pasted in a terminal as one command", async () => {
    const harness = await startConsole({ interactive: true });
    harness.input.write("/bulletin verify\n");
    for (const line of SIGNED) harness.input.write(`${line}\n`);
    await pipe(harness, ["/quit"]);
    expect(harness.invocations.map((i) => i.text)).toEqual([["/bulletin verify", ...SIGNED].join("\n")]);
    expect(harness.output()).toContain("Paste the clear-signed text");
  });

  it("runs a bare /bulletin verify alone when no signed text follows, and keeps the next line", async () => {
    const harness = await startConsole();
    await pipe(harness, ["/bulletin verify", "/inc list"]);
    expect(harness.invocations.map((i) => i.text)).toEqual(["/bulletin verify", "/inc list"]);
  });

  it("writes posted files to the files directory and prints their path, never their content", async () => {
    const filesDir = await mkdtemp(path.join(tmpdir(), "tocsin-console-files-"));
    const harness = await startConsole({ filesDir });
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>';
    await harness.platform.postFile("#general", { filename: "stats.svg", content: svg, title: "Chart" });
    await harness.platform.postFile("#general", { filename: "stats.svg", content: "<svg/>" });
    await harness.platform.postFile("#general", { filename: "../../escape.txt", content: "x" });
    const out = harness.output();
    expect(out).not.toContain("<svg");
    const saved = [...out.matchAll(/saved as (\S+)\)/g)].map((m) => m[1]!);
    expect(saved.map((file) => path.relative(filesDir, path.resolve(file)))).toEqual([
      "stats.svg",
      "stats-2.svg",
      "escape.txt",
    ]);
    expect(await readFile(saved[0]!, "utf8")).toBe(svg);
    expect(out).toContain(`[#general] (file stats.svg: Chart saved as ${saved[0]})`);
  });

  it.each([false, true])("fits help into 100 columns (terminal: %s)", async (interactive) => {
    const ids = new IncidentIds(new ManualClock("2026-03-10T09:00:00Z"));
    const helps = [
      groupHelp(
        "inc",
        COMMANDS.filter((c) => c.group === "inc"),
      ),
      groupHelp(
        "oncall",
        COMMANDS.filter((c) => c.group === "oncall"),
      ),
      ...(interactive ? COMMANDS.map((c) => commandHelp(c, ids)) : []),
    ];
    const harness = await startConsole({ interactive });
    for (const message of helps) await harness.platform.post("#general", message);
    const lines = harness.output().split("\n");
    const tooLong = lines.filter((line) => [...line].length > CONSOLE_WIDTH);
    expect(tooLong).toEqual([]);
    // Values stay beside their usage or indented under it, never pushed to column 150.
    expect(lines.some((line) => line.startsWith("[#general] /inc declare"))).toBe(true);
  });
});
