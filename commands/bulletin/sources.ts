import { context, heading, list, text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "sources",
  summary: "List the advisory sources of the subscriptions, reading each one now to show what it yields.",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const desk = bulletinDesk(ctx);
    const users = new Map<string, string[]>();
    for (const s of desk.subscriptions) {
      if (s.kind !== "digest") continue;
      for (const source of s.sources) users.set(source, [...(users.get(source) ?? []), s.id]);
    }
    if (users.size === 0) {
      return {
        reply: {
          visibility: "ephemeral",
          message: {
            blocks: [text("No advisory sources configured (BULLETIN_CONFIG, digest subscriptions).")],
          },
        },
      };
    }
    const lines = await Promise.all(
      [...users.entries()].map(async ([source, ids]) => {
        const loaded = await desk.inspectSource(source);
        const problems = loaded.skipped.length
          ? `, ${loaded.skipped.length} skipped (first: ${loaded.skipped[0]?.where}: ${loaded.skipped[0]?.reason})`
          : "";
        return `${source}: ${loaded.advisories.length} advisories${problems}; used by ${ids.join(", ")}`;
      }),
    );
    return {
      reply: {
        visibility: "ephemeral",
        message: {
          blocks: [
            heading("Advisory sources"),
            list(lines),
            context("Read just now; a run reads them again. Malformed documents are skipped, never fatal."),
          ],
        },
      },
    };
  },
});
