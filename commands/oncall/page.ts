import { text } from "../../src/chat/message.ts";
import type { PageOutcome, PageTarget } from "../../src/paging/paging.ts";
import { type CommandResult, defineCommand } from "../../src/router/command.ts";
import { pageTarget } from "./targets.ts";

export default defineCommand({
  group: "oncall",
  name: "page",
  summary:
    "Page a team's on-call (with its escalation policy) or one person. In an incident's room the page belongs to the incident.",
  words: "<team|@person> <message>",
  examples: ["page csirt Suspicious logins on the VPN gateway", "page @bob Can you look at the WAF alerts?"],
  permission: "responder",
  incident: "optional",
  positional: "raw",
  // The team or person to page: a mention is resolved by the router.
  leadingWords: 1,
  knownMentionsOnly: true,
  async handler(ctx, args) {
    const target = await pageTarget(ctx, args);
    const message = args.text;
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
