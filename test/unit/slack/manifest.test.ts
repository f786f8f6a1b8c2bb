// The shipped manifest must ask Slack for exactly what the adapter listens to and calls.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ADD_TO_TIMELINE_CALLBACK_ID, SLASH_COMMANDS } from "../../../src/chat/slack/inbound.ts";
import { SLACK_EVENTS_PATH } from "../../../src/chat/slack/slack-platform.ts";

interface Manifest {
  features: {
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
