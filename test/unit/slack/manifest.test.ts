// The shipped manifest must ask Slack for exactly what the adapter listens to and calls.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BOT_EVENTS,
  FEATURES,
  requiredBotScopes,
  WEB_API_METHODS,
} from "../../../src/chat/slack/api-scopes.ts";
import { ADD_TO_TIMELINE_CALLBACK_ID, SLASH_COMMANDS } from "../../../src/chat/slack/inbound.ts";
import { SLACK_EVENTS_PATH } from "../../../src/chat/slack/slack-platform.ts";

interface Manifest {
  features: {
    app_home: { messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    slash_commands: Array<{ command: string; url: string; usage_hint: string; should_escape: boolean }>;
    shortcuts: Array<{ type: string; callback_id: string }>;
    bot_user: { display_name: string };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

describe("slack/manifest.yaml", async () => {
  const manifest = parse(
    await readFile(new URL("../../../slack/manifest.yaml", import.meta.url), "utf8"),
  ) as Manifest;

  it("declares every slash command the adapter handles, with escaped mentions", () => {
    const commands = manifest.features.slash_commands;
    expect(commands.map((c) => c.command).sort()).toEqual([...SLASH_COMMANDS].sort());
    for (const command of commands) {
      expect(command.url.endsWith(SLACK_EVENTS_PATH)).toBe(true);
      expect(command.usage_hint.length).toBeGreaterThan(0);
      expect(command.should_escape).toBe(true);
    }
  });

  it("sends interactivity and events to the same endpoint", () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url.endsWith(SLACK_EVENTS_PATH)).toBe(true);
    expect(manifest.settings.event_subscriptions.request_url.endsWith(SLACK_EVENTS_PATH)).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain("reaction_added");
    expect(manifest.features.shortcuts).toContainEqual(
      expect.objectContaining({ type: "message", callback_id: ADD_TO_TIMELINE_CALLBACK_ID }),
    );
  });

  it("asks for exactly the scopes of the Web API methods, events and features tocsin uses", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(requiredBotScopes());
    // The uploads of signed bulletins and reports, and conversations.info in direct messages.
    expect(requiredBotScopes()).toEqual(expect.arrayContaining(["files:write", "im:read"]));
  });

  it("has an entry in the scope table for every Web API method the Slack adapter calls", async () => {
    const called = await webApiMethodsCalled();
    expect(called.length).toBeGreaterThan(10);
    for (const method of called) expect(Object.keys(WEB_API_METHODS), method).toContain(method);
    // And no stale entries: each method in the table is still called.
    expect([...Object.keys(WEB_API_METHODS)].sort()).toEqual(called);
  });

  it("subscribes to exactly the events in the scope table, message.im with a writable Messages tab", async () => {
    const events = manifest.settings.event_subscriptions.bot_events;
    expect([...events].sort()).toEqual(Object.keys(BOT_EVENTS).sort());
    const { messages_tab_enabled, messages_tab_read_only_enabled } = manifest.features.app_home;
    // People can write to the bot exactly when tocsin listens to what they write there.
    expect(messages_tab_enabled && !messages_tab_read_only_enabled).toBe(events.includes("message.im"));
    const sources = await slackSources();
    expect(sources).toContain('app.event("reaction_added"');
    expect(sources).toContain('app.event("message"');
  });

  it("explains every scope in the README's scope table", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Install in Slack"), readme.indexOf("## Use on Matrix"));
    const documented = [...section.matchAll(/^ *\| `([a-z:._]+)` +\|/gm)].map((match) => match[1]).sort();
    expect(documented).toEqual(requiredBotScopes());
    expect(Object.keys(FEATURES).length).toBeGreaterThan(0);
  });

  it("asks for the scopes the adapter's Web API calls need", () => {
    const scopes = manifest.oauth_config.scopes.bot;
    for (const scope of [
      "commands",
      "chat:write",
      "groups:write",
      "groups:history",
      "channels:history",
      "pins:write",
      "reactions:read",
      "users:read",
      "users:read.email",
      "im:write",
    ]) {
      expect(scopes).toContain(scope);
    }
  });
});

const SLACK_SOURCES = fileURLToPath(new URL("../../../src/chat/slack/", import.meta.url));

async function slackSources(): Promise<string> {
  const files = (await readdir(SLACK_SOURCES, { recursive: true })).filter((file) => file.endsWith(".ts"));
  const texts = await Promise.all(files.map((file) => readFile(path.join(SLACK_SOURCES, file), "utf8")));
  return texts.join("\n");
}

/** `chat.postMessage`, ...: every `client.<family>.<method>(` and `apiCall("<method>")` in the adapter. */
async function webApiMethodsCalled(): Promise<string[]> {
  const sources = await slackSources();
  const methods = new Set<string>();
  for (const match of sources.matchAll(/\bclient\.([a-zA-Z]+)\.([a-zA-Z0-9]+)\s*\(/g)) {
    methods.add(`${match[1]}.${match[2]}`);
  }
  for (const match of sources.matchAll(/\bapiCall\(\s*["'`]([\w.]+)["'`]/g)) methods.add(match[1] as string);
  // The hot writes go through the thin poster (web-api-poster.ts), named by string.
  for (const match of sources.matchAll(/\bposter\.call\(\s*["'`]([\w.]+)["'`]/g))
    methods.add(match[1] as string);
  return [...methods].sort();
}
