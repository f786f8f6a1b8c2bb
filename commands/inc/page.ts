import { defineCommand } from "../../src/router/command.ts";
import { pageReply } from "../oncall/page.ts";
import { pageTarget } from "../oncall/targets.ts";

const USAGE = "/inc page [<id>] <team|@person> [message]";

export default defineCommand({
  group: "inc",
  name: "page",
  summary: "Page a team's on-call or a person about this incident (escalates until acknowledged).",
  usage: "page [<id>] <team|@person> [message]",
  examples: ["page csirt", "page @bob need a second pair of eyes on the firewall logs"],
  permission: "responder",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    const incident = ctx.incident!;
    const first = args.text.split(/\s+/)[0] || undefined;
    const target = await pageTarget(ctx, first, USAGE);
    const message = args.text.slice(first?.length ?? 0).trim() || `${incident.publicId} needs you`;
    const outcome = await ctx.services.oncall.paging.page(ctx.origin, { target, message, incident });
    return pageReply(outcome, target);
  },
});
