import { text } from "../../src/chat/message.ts";
import type { PageOutcome, PageTarget } from "../../src/paging/paging.ts";
import { type CommandResult, defineCommand } from "../../src/router/command.ts";
import { pageTarget } from "./targets.ts";

const USAGE = "/oncall page <team|@person> <message>";

export default defineCommand({
  group: "oncall",
  name: "page",
  summary:
    "Page a team's on-call (with its escalation policy) or one person. In an incident's room the page belongs to the incident.",
  usage: "page [<incident id>] <team|@person> <message>",
  examples: ["page csirt Suspicious logins on the VPN gateway", "page @bob Can you look at the WAF alerts?"],
  permission: "responder",
  incident: "optional",
  positional: "raw",
  async handler(ctx, args) {
    const first = args.text.split(/\s+/)[0] || undefined;
    const target = await pageTarget(ctx, first, USAGE);
    const message = args.text.slice(first?.length ?? 0).trim();
    const outcome = await ctx.services.oncall.paging.page(ctx.origin, {
      target,
      message,
      incident: ctx.incident,
    });
    return pageReply(outcome, target);
  },
});

/** What the caller is told about a page they made. */
export function pageReply(outcome: PageOutcome, target: PageTarget): CommandResult {
  const who = target.kind === "team" ? `${target.team.name}'s on-call` : target.person.displayName;
  const line = outcome.merged
    ? `📟 Merged into page #${outcome.page.number} to ${who}: the same page is already open (${outcome.page.mergedCount} merged so far).`
    : `📟 Page #${outcome.page.number} to ${who} sent: ${outcome.page.message}`;
  return { reply: { visibility: "room", message: { blocks: [text(line)] } } };
}
