// Every Slack Web API method tocsin calls and every event it subscribes to, with the bot token
// scopes each needs and why. slack/manifest.yaml must ask for exactly the union of these, and the
// README's scope table must explain each one: test/unit/slack/manifest.test.ts checks both, and
// scans src/chat/slack for client calls, so a new call without an entry here fails the tests.
// (A missing scope only shows on a real workspace: without files:write every signed bulletin
// upload failed with missing_scope.)

export interface ScopedUse {
  /** Bot token scopes tocsin needs for this use, for the kinds of conversation it uses it on. */
  scopes: readonly string[];
  /** What tocsin does with it. */
  why: string;
}

/** Web API methods, by the name the client calls (`files.uploadV2` is the client's helper). */
export const WEB_API_METHODS: Readonly<Record<string, ScopedUse>> = {
  "auth.test": { scopes: [], why: "learn the bot's own user id at start" },
  "users.info": {
    scopes: ["users:read", "users:read.email"],
    why: "map Slack users to people, with their email when the workspace shares it",
  },
  "conversations.create": { scopes: ["groups:write"], why: "create an incident's private channel" },
  "conversations.invite": { scopes: ["groups:write"], why: "invite people to incident channels" },
  "conversations.setTopic": { scopes: ["groups:write"], why: "keep the incident channel's topic current" },
  "conversations.archive": {
    scopes: ["groups:write"],
    why: "archive incident channels after closing (TOCSIN_ARCHIVE_AFTER)",
  },
  "conversations.info": {
    scopes: ["channels:read", "groups:read", "im:read", "mpim:read"],
    why: "whether a channel, private channel, direct message or group DM is shared outside the organisation (Slack Connect), for the TLP gate",
  },
  "conversations.open": { scopes: ["im:write"], why: "open a direct message for pages and reminders" },
  "conversations.history": {
    scopes: ["channels:history", "groups:history", "im:history"],
    why: "read the message behind a 📌 reaction or the Add to timeline shortcut",
  },
  "conversations.replies": {
    scopes: ["channels:history", "groups:history", "im:history"],
    why: "the same for a message in a thread",
  },
  "chat.postMessage": { scopes: ["chat:write"], why: "post announcements, pages, digests and answers" },
  "chat.update": { scopes: ["chat:write"], why: "keep the pinned incident summary current" },
  "chat.postEphemeral": { scopes: ["chat:write"], why: "answers only the caller sees" },
  "pins.add": { scopes: ["pins:write"], why: "pin the incident summary" },
  "files.uploadV2": {
    scopes: ["files:write"],
    why: "signed bulletins, post-incident reports and charts travel as files",
  },
  "views.open": { scopes: [], why: "the declare form (allowed by the trigger of a command or click)" },
};

/** Events API subscriptions (`settings.event_subscriptions.bot_events`). */
export const BOT_EVENTS: Readonly<Record<string, ScopedUse>> = {
  reaction_added: { scopes: ["reactions:read"], why: "a 📌 reaction puts a message on the timeline" },
  channel_shared: {
    scopes: ["channels:read", "groups:read"],
    why: "a channel shared with another organisation takes at most TLP:GREEN from that moment",
  },
  channel_unshared: {
    scopes: ["channels:read", "groups:read"],
    why: "a channel no longer shared is asked about again",
  },
  "message.im": {
    scopes: ["im:history"],
    why: "a message typed in the bot's Messages tab is answered with the commands",
  },
};

/** Features that need a scope of their own. */
export const FEATURES: Readonly<Record<string, ScopedUse>> = {
  "slash commands and shortcuts": {
    scopes: ["commands"],
    why: "/inc, /oncall, /bulletin and the Add to timeline shortcut",
  },
};

/** Every bot scope tocsin needs, sorted: what the manifest must ask for. */
export function requiredBotScopes(): string[] {
  const uses = [...Object.values(WEB_API_METHODS), ...Object.values(BOT_EVENTS), ...Object.values(FEATURES)];
  return [...new Set(uses.flatMap((use) => use.scopes))].sort();
}
