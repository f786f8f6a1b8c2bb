// Turns what Slack sends (slash commands, button clicks, the declare modal, 📌 reactions and the
// "Add to timeline" shortcut) into Invocations: one command path for typed and clicked commands.
// Every listener acks first (Slack wants an answer within 3 s) and lets the command run after.

import type { App, BlockAction, ButtonAction, MessageShortcut } from "@slack/bolt";
import type { Logger } from "pino";
import { COMMAND_WORDS } from "../command-words.ts";
import type { Invocation, PlatformUser, Reply, ReplyTarget, RoomRef } from "../invocation.ts";
import { message, text } from "../message.ts";
import { COMMAND_ACTION_ID_PREFIX } from "./block-kit.ts";
import {
  DECLARE_MODAL_CALLBACK_ID,
  type DeclareModalOrigin,
  declareCommandLine,
  declareModalView,
  parseDeclareModalOrigin,
} from "./declare-modal.ts";
import { registerDirectMessageHint } from "./direct-messages.ts";
import type { RecentKeys } from "./recent-keys.ts";
import type { SlackReplyTarget } from "./reply-target.ts";
import type { RsitTypeChoice } from "./rsit-types.ts";

/** The groups are Slack slash commands (a shorthand like `/ack` is not registered with Slack). */
export const SLASH_COMMANDS: readonly string[] = COMMAND_WORDS.groups.map((group) => `/${group}`);
export const ADD_TO_TIMELINE_CALLBACK_ID = "add_to_timeline";
const TIMELINE_REACTION = "pushpin";

export interface InboundDeps {
  log: Logger;
  seen: RecentKeys;
  rsitTypes: readonly RsitTypeChoice[];
  /** Starts a command without waiting for it (the adapter tracks it for a clean stop). */
  run(invocation: Invocation): void;
  reply(target: SlackReplyTarget, reply: Reply): Promise<void>;
  openView(triggerId: string, view: ReturnType<typeof declareModalView>): Promise<void>;
  fetchMessage(channelId: string, ts: string): Promise<{ text: string; user?: string } | undefined>;
}

interface InvocationSpec {
  actor: PlatformUser;
  room: RoomRef;
  text: string;
  dedupeKey: string;
  target: SlackReplyTarget;
}

export function registerInboundListeners(app: App, deps: InboundDeps): void {
  const commandPattern = new RegExp(
    `^(${SLASH_COMMANDS.map((name) => name.replace("/", "\\/")).join("|")})$`,
  );

  app.command(commandPattern, async ({ command, ack, context }) => {
    await ack();
    // trigger_id is unique per typed command and repeated on a redelivery.
    const dedupeKey = `command:${command.trigger_id}`;
    if (!claim(deps, dedupeKey, context.retryNum)) return;
    const target: SlackReplyTarget = {
      channelId: command.channel_id,
      userId: command.user_id,
      responseUrl: command.response_url,
    };
    if (command.command === "/inc" && command.text.trim().toLowerCase() === "declare") {
      await openDeclareModal(deps, command.trigger_id, target, command.channel_name);
      return;
    }
    start(deps, {
      actor: { externalId: command.user_id, displayName: command.user_name },
      room: roomOf(command.channel_id, command.channel_name),
      text: `${command.command} ${command.text}`.trim(),
      dedupeKey,
      target,
    });
  });

  app.view(
    { callback_id: DECLARE_MODAL_CALLBACK_ID, type: "view_submission" },
    async ({ ack, body, view, context }) => {
      await ack();
      const dedupeKey = `view:${view.id}`;
      if (!claim(deps, dedupeKey, context.retryNum)) return;
      const origin = parseDeclareModalOrigin(view.private_metadata);
      if (!origin) {
        deps.log.warn({ viewId: view.id }, "declare modal submitted without its origin channel: ignored");
        return;
      }
      start(deps, {
        actor: { externalId: body.user.id, displayName: body.user.name },
        room: roomOf(origin.channelId, origin.channelName),
        text: declareCommandLine(view.state.values),
        dedupeKey,
        target: { channelId: origin.channelId, userId: body.user.id, responseUrl: origin.responseUrl },
      });
    },
  );

  app.action<BlockAction<ButtonAction>>(
    { type: "block_actions", action_id: new RegExp(`^${COMMAND_ACTION_ID_PREFIX}`) },
    async ({ ack, body, action, context }) => {
      await ack();
      const messageTs = String(body.container?.message_ts ?? body.message?.ts ?? "");
      const dedupeKey = `action:${messageTs}:${action.action_ts}:${body.user.id}`;
      if (!claim(deps, dedupeKey, context.retryNum)) return;
      if (!action.value || !body.channel) {
        deps.log.warn({ actionId: action.action_id }, "button click without a command or a channel: ignored");
        return;
      }
      start(deps, {
        actor: { externalId: body.user.id, displayName: body.user.name ?? body.user.username },
        room: roomOf(body.channel.id, body.channel.name),
        text: action.value,
        dedupeKey,
        target: { channelId: body.channel.id, userId: body.user.id, responseUrl: body.response_url },
      });
    },
  );

  app.event("reaction_added", async ({ event, body, context }) => {
    if (event.reaction !== TIMELINE_REACTION || event.item.type !== "message") return;
    // event_id is the same on each of Slack's redeliveries of one event.
    const dedupeKey = `event:${body.event_id}`;
    if (!claim(deps, dedupeKey, context.retryNum)) return;
    const { channel, ts } = event.item;
    let pinned: { text: string; user?: string } | undefined;
    try {
      pinned = await deps.fetchMessage(channel, ts);
    } catch (error) {
      deps.log.error({ err: error, channel, ts }, "could not read the 📌 message");
      return;
    }
    if (!pinned) {
      deps.log.warn({ channel, ts }, "📌 on a message the bot cannot read: ignored");
      return;
    }
    start(deps, {
      actor: { externalId: event.user },
      room: roomOf(channel),
      text: timelineNoteCommand(pinned.text, pinned.user),
      dedupeKey,
      target: { channelId: channel, userId: event.user },
    });
  });

  app.shortcut<MessageShortcut>(
    { callback_id: ADD_TO_TIMELINE_CALLBACK_ID, type: "message_action" },
    async ({ ack, shortcut, context }) => {
      await ack();
      const dedupeKey = `shortcut:${shortcut.trigger_id}`;
      if (!claim(deps, dedupeKey, context.retryNum)) return;
      start(deps, {
        actor: { externalId: shortcut.user.id, displayName: shortcut.user.name ?? shortcut.user.username },
        room: roomOf(shortcut.channel.id, shortcut.channel.name),
        text: timelineNoteCommand(shortcut.message.text ?? "", shortcut.message.user),
        dedupeKey,
        target: {
          channelId: shortcut.channel.id,
          userId: shortcut.user.id,
          responseUrl: shortcut.response_url,
        },
      });
    },
  );

  registerDirectMessageHint(app, deps);
}

/** `/inc note 📌 from <@U123>: <text>`: the pinned message's author is credited in the note. */
export function timelineNoteCommand(messageText: string, author: string | undefined): string {
  const from = author ? `<@${author}>` : "an app";
  return `/inc note 📌 from ${from}: ${unescapeSlackText(messageText)}`;
}

/** Slack sends message text with `&`, `<`, `>` escaped; the timeline keeps what people wrote. */
function unescapeSlackText(value: string): string {
  return value.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function roomOf(channelId: string, channelName?: string): RoomRef {
  // Slack names a DM "directmessage" in command payloads; DM ids start with D.
  const direct = channelName === "directmessage" || channelId.startsWith("D");
  return channelName ? { roomId: channelId, name: channelName, direct } : { roomId: channelId, direct };
}

/** False (and logged) when this process has already taken this delivery. */
function claim(deps: InboundDeps, dedupeKey: string, retryNum: number | undefined): boolean {
  if (deps.seen.firstSighting(dedupeKey)) return true;
  deps.log.info({ dedupeKey, retryNum }, "Slack redelivery of an event already taken: dropped");
  return false;
}

/** The outbox's handle on where to answer; the Slack platform reads its own part back. */
function slackReplyTarget(target: SlackReplyTarget): ReplyTarget & { slack: SlackReplyTarget } {
  return { platform: "slack", roomId: target.channelId, callerId: target.userId, slack: target };
}

function start(deps: InboundDeps, spec: InvocationSpec): void {
  deps.run({
    platform: "slack",
    actor: spec.actor,
    room: spec.room,
    text: spec.text,
    dedupeKey: spec.dedupeKey,
    replyTarget: slackReplyTarget(spec.target),
  });
}

async function openDeclareModal(
  deps: InboundDeps,
  triggerId: string,
  target: SlackReplyTarget,
  channelName: string,
): Promise<void> {
  const origin: DeclareModalOrigin = { channelId: target.channelId, channelName };
  if (target.responseUrl) origin.responseUrl = target.responseUrl;
  try {
    await deps.openView(triggerId, declareModalView(origin, deps.rsitTypes));
  } catch (error) {
    deps.log.error({ err: error, channel: target.channelId }, "could not open the declare modal");
    await deps
      .reply(target, {
        visibility: "ephemeral",
        message: message(
          text('The declare form could not be opened. Type it instead: /inc declare "<title>" sev:<1-4>'),
        ),
      })
      .catch((replyError) => deps.log.error({ err: replyError }, "could not tell the declarer either"));
  }
}
