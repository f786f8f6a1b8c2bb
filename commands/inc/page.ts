import { defineCommand } from "../../src/router/command.ts";
import { pageReply } from "../oncall/page.ts";
import { pageTarget } from "../oncall/targets.ts";

export default defineCommand({
  group: "inc",
  name: "page",
  summary: "Page a team's on-call or a person about this incident (escalates until acknowledged).",
  words: "<team|@person> [message]",
  examples: ["page csirt", "page @bob need a second pair of eyes on the firewall logs"],
  permission: "responder",
  incident: "required",
  positional: "raw",
  // The team or person to page: a mention is resolved by the router.
  leadingWords: 1,
  knownMentionsOnly: true,
  async handler(ctx, args) {
    const incident = ctx.incident;
    const target = await pageTarget(ctx, args);
    const message = args.text || `${incident.publicId} needs you`;
    const outcome = await ctx.services.oncall.paging.page(ctx.origin, { target, message, incident });
    return pageReply(outcome, target);
  },
});
