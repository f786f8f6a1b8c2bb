// Slack as configuration and commands see it: user ids `U…`, channel ids `C…`, `<@U123>` mentions.
import { z } from "zod";
import type { PlatformDescriptor } from "../platform-descriptor.ts";
import { slackEnvironment } from "./environment.ts";
import { parseSlackMention } from "./mentions.ts";

export const slackDescriptor: PlatformDescriptor = {
  name: "slack",
  title: "Slack",
  userId: {
    schema: z
      .string()
      .regex(/^[UW][A-Z0-9]+$/, 'a Slack user id looks like "U024BE7LH" (not the display name)'),
    example: "U123",
    normalise: (id) => id,
  },
  roomId: {
    schema: z.string().regex(/^[CG][A-Z0-9]+$/, 'a Slack channel id looks like "C024BE91L" (not the #name)'),
    example: "<channel id>",
  },
  parseMention: parseSlackMention,
  // Slack users reach the router only from the installation's own workspace (team_id is checked).
  belongsTo: () => true,
  // Slack allows 50 blocks and about 40,000 characters of text per message (3,000 per section,
  // which the renderer splits). Room is left for a signature note.
  limits: { maxChars: 12_000, maxBlocks: 46 },
  environment: slackEnvironment,
  mirrorable: true,
};
