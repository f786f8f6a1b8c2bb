import { unreadableSourcesNotice } from "../../src/bulletins/digest.ts";
import type { DigestPlan } from "../../src/bulletins/digest-run.ts";
import { countByLabel } from "../../src/bulletins/digest-run.ts";
import type { Bulletins } from "../../src/bulletins/service.ts";
import { describeSourceFailure } from "../../src/bulletins/sources.ts";
import { type PeriodSpec, parsePeriodSpec } from "../../src/bulletins/statistics.ts";
import type { Subscription } from "../../src/bulletins/subscriptions.ts";
import { type Block, context, fields, heading, list, type Message, text } from "../../src/chat/message.ts";
import { formatTime } from "../../src/incidents/render.ts";
import { stricterTlp, type TlpLabel } from "../../src/incidents/tlp.ts";
import type { CommandContext } from "../../src/router/command.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk, chosenSubscriptions } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "preview",
  summary: "Show what a subscription would post if it ran now, without posting or remembering anything.",
  words: "[subscription]",
  examples: ["preview", "preview soc-daily"],
  permission: "viewer",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const desk = bulletinDesk(ctx);
    const blocks: Block[] = [];
    let label: TlpLabel | undefined;
    for (const subscription of chosenSubscriptions(ctx, args)) {
      const preview = await previewOf(ctx, desk, subscription);
      blocks.push(...preview.blocks);
      if (preview.tlp) label = label ? stricterTlp(label, preview.tlp) : preview.tlp;
    }
    const message: Message = label ? { tlp: label, blocks } : { blocks };
    return { reply: { visibility: "ephemeral", message } };
  },
});

async function previewOf(ctx: CommandContext, desk: Bulletins, subscription: Subscription): Promise<Message> {
  const now = ctx.services.clock.now();
  const next = desk.nextRun(subscription);
  const where = `${subscription.destination.roomId} on ${subscription.destination.platform}`;
  const blocks: Block[] = [
    heading(`Preview of ${subscription.id} → ${where}`),
    fields([["Next run", next ? formatTime(next, subscription.schedule.timeZone) : "never"]]),
  ];
  let content: Message | undefined;
  if (subscription.kind === "digest") {
    const plan = await desk.planDigest(subscription, now);
    blocks.push(fields(planSummary(plan)));
    if (plan.skipped.length > 0) {
      blocks.push(list(plan.skipped.slice(0, 5).map((skip) => `skipped ${skip.where}: ${skip.reason}`)));
    }
    if (plan.digest) content = plan.digest.message;
    else if (plan.failedSources.length > 0) {
      // Not "nothing new": a run now would post this warning instead of a digest.
      blocks.push(
        ...unreadableSourcesNotice(plan.failedSources.map(describeSourceFailure), {
          language: subscription.language,
          title: subscription.title,
          sourceCount: subscription.sources.length,
        }).blocks,
      );
    } else blocks.push(text("Nothing new: a run now would post nothing."));
  } else {
    const spec = parsePeriodSpec(subscription.period, { scheduled: true }) as PeriodSpec;
    const bulletin = await desk.statisticsBulletin(spec, {
      now,
      timeZone: subscription.schedule.timeZone,
      tlp: subscription.tlp,
      language: subscription.language,
      title: subscription.title,
    });
    content = bulletin.message;
  }
  if (!content) return { blocks };
  // The preview is shown in this room (to the caller only): the TLP gate still decides.
  const decision = await desk.mayShowHere(ctx.origin, content);
  if (!decision.allowed) {
    blocks.push(
      text(
        `The content is not shown here: ${decision.reason} Run the preview in ${where} or in a direct message.`,
      ),
    );
    return { blocks };
  }
  blocks.push(...content.blocks, context("Preview only: nothing was posted or remembered."));
  return content.tlp ? { tlp: content.tlp, blocks } : { blocks };
}

function planSummary(plan: DigestPlan): Array<[string, string]> {
  const unreadable: Array<[string, string]> =
    plan.failedSources.length > 0 ? [["Unreadable sources", String(plan.failedSources.length)]] : [];
  return [
    ...unreadable,
    ["Advisories read", `${plan.loadedCount} (${plan.skipped.length} documents skipped)`],
    ["New for the room", String(plan.included.length)],
    ["Withheld by TLP", plan.withheld.length ? countByLabel(plan.withheld) : "none"],
    ["Digest parts", String(plan.parts.length)],
  ];
}
