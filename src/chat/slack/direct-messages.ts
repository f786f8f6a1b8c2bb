// Messages typed to the bot in its Messages tab. The tab stays writable because slash commands
// typed there are how a person talks to tocsin privately (a direct message is cleared for
// TLP:AMBER); tocsin reads no chat, so a plain message gets a pointer to the commands instead of
// silence. Needs the `message.im` event and the im:history scope (slack/manifest.yaml).

import type { App } from "@slack/bolt";
import type { Logger } from "pino";
import { COMMAND_WORDS } from "../command-words.ts";
import type { Reply } from "../invocation.ts";
import { text } from "../message.ts";
import type { RecentKeys } from "./recent-keys.ts";
import type { SlackReplyTarget } from "./reply-target.ts";

export const DIRECT_MESSAGE_HINT = `I take commands, not messages: type ${COMMAND_WORDS.helpHint} here or in any channel.`;

/** What the hint needs of the platform: a log, the events already seen and a way to answer. */
export interface DirectMessageDeps {
  log: Logger;
  seen: RecentKeys;
  reply(target: SlackReplyTarget, reply: Reply): Promise<void>;
}

export function registerDirectMessageHint(app: App, deps: DirectMessageDeps): void {
  app.event("message", async ({ event, body }) => {
    const message = event as { channel_type?: string; subtype?: string; bot_id?: string; user?: string };
    // Edits, joins, file shares and every bot's messages (tocsin's own pages among them) are not a person writing.
    if (message.channel_type !== "im" || message.subtype || message.bot_id || !message.user) return;
    if (!deps.seen.firstSighting(`event:${body.event_id}`)) return;
    await deps
      .reply(
        { channelId: event.channel, userId: message.user },
        { visibility: "room", message: { blocks: [text(DIRECT_MESSAGE_HINT)] } },
      )
      .catch((error: unknown) => deps.log.warn({ err: error }, "could not answer a direct message"));
  });
}
