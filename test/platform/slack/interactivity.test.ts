// Modals, buttons, 📌 reactions and the message shortcut all end up as the command line a
// responder would have typed, from the person who clicked, reacted or submitted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions, heading, message } from "../../../src/chat/message.ts";
import { DECLARE_FIELDS, DECLARE_MODAL_CALLBACK_ID } from "../../../src/chat/slack/declare-modal.ts";
import { ADD_TO_TIMELINE_CALLBACK_ID } from "../../../src/chat/slack/inbound.ts";
import type { DoubleChannel } from "../../doubles/slack-web-api.ts";
import { addPeople, alice, bob, type SlackHarness, startSlackHarness } from "./harness.ts";

describe("Slack interactivity", () => {
  let h: SlackHarness;
  let room: DoubleChannel;
  let roomRef: { id: string; name: string };

  beforeAll(async () => {
    h = await startSlackHarness();
    addPeople(h.slack);
    room = h.slack.addChannel({
      name: "inc-2026-0001-phishing-wave",
      isPrivate: true,
      members: [alice.id, bob.id],
    });
    roomRef = { id: room.id, name: room.name };
  });

  afterAll(async () => {
    await h.close();
  });

  /**
   * A barrier for "nothing ran" checks on the Events API: a 📌 reaction sent after the events
   * under test, resolving with its invocation once it has run (by then, so have they).
   */
  async function pushpinBarrier() {
    const marked = h.slack.addMessage(room.id, { user: alice.id, text: "barrier" });
    const sent = await h.sender.event({
      type: "reaction_added",
      user: alice.id,
      reaction: "pushpin",
      item_user: alice.id,
      item: { type: "message", channel: room.id, ts: marked.ts },
      event_ts: `${Date.now() / 1000}`,
    });
    return h.invocation((i) => i.dedupeKey === `event:${sent.eventId}`);
  }

  async function openDeclareModal() {
    const opened = h.slack.views.length;
    await h.sender.slashCommand({ command: "/inc", text: "declare", user: alice, channel: roomRef });
    await h.slack.waitForCall("views.open", () => h.slack.views.length > opened);
    return h.slack.views.at(-1)!;
  }

  it("opens the declare modal for a bare /inc declare and turns its submission into the command line", async () => {
    const sent = await h.sender.slashCommand({
      command: "/inc",
      text: "declare",
      user: alice,
      channel: roomRef,
    });
    expect(sent.status).toBe(200);
    const opened = await h.slack.waitForCall("views.open");
    expect(opened.params.trigger_id).toBe(sent.triggerId);
    const view = h.slack.views.at(-1)!;
    expect(view.view.callback_id).toBe(DECLARE_MODAL_CALLBACK_ID);
    // Nothing runs until the form is submitted.
    expect(h.invocations.some((i) => i.dedupeKey === `command:${sent.triggerId}`)).toBe(false);

    const submitted = await h.sender.submitView({
      user: bob,
      view,
      values: {
        [DECLARE_FIELDS.title]: 'Phishing "wave" against finance',
        [DECLARE_FIELDS.severity]: "2",
        [DECLARE_FIELDS.rsitType]: "phishing",
        [DECLARE_FIELDS.tlp]: "amber+strict",
        [DECLARE_FIELDS.summary]: "Credential harvesting via fake invoice",
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe("");
    const invocation = await h.invocation((i) => i.dedupeKey === `view:${view.id}`);
    expect(invocation.text).toBe(
      '/inc declare "Phishing \\"wave\\" against finance" sev:2 class:phishing tlp:amber+strict summary:"Credential harvesting via fake invoice"',
    );
    expect(invocation.actor.externalId).toBe(bob.id);
    expect(invocation.room).toMatchObject({ roomId: room.id, name: room.name });

    // The answer goes to the channel where /inc declare was typed.
    await h.platform.reply(invocation.replyTarget, {
      visibility: "ephemeral",
      message: message(heading("Declared")),
    });
    const answer = await h.slack.waitForResponseUrlPost((post) => sent.responseUrl.endsWith(post.id));
    expect(answer.body).toMatchObject({ response_type: "ephemeral" });
  });

  it("answers through chat.postEphemeral when the response_url has expired", async () => {
    const view = await openDeclareModal();
    h.slack.expireResponseUrls();
    await h.sender.submitView({
      user: alice,
      view,
      values: {
        [DECLARE_FIELDS.title]: "Late",
        [DECLARE_FIELDS.severity]: "4",
        [DECLARE_FIELDS.tlp]: "green",
      },
    });
    const invocation = await h.invocation((i) => i.dedupeKey === `view:${view.id}`);
    expect(invocation.text).toBe('/inc declare "Late" sev:4 tlp:green');
    await h.platform.reply(invocation.replyTarget, {
      visibility: "ephemeral",
      message: message(heading("Declared late")),
    });
    const answer = h.slack.ephemeralMessages.at(-1);
    expect(answer).toMatchObject({ channel: room.id, user: alice.id });
    expect(answer?.text).toContain("Declared late");
  });

  it("tells the declarer when the modal cannot be opened", async () => {
    h.slack.failWith("views.open", "expired_trigger_id");
    const sent = await h.sender.slashCommand({
      command: "/inc",
      text: "declare ",
      user: alice,
      channel: roomRef,
    });
    const answer = await h.slack.waitForResponseUrlPost((post) => sent.responseUrl.endsWith(post.id));
    expect(String(answer.body.text)).toContain("/inc declare");
  });

  it("runs a button's command as the person who clicked it, in that channel", async () => {
    const summaryTs = await h.platform.post(
      room.id,
      message(
        heading("INC-2026-0001 · Phishing wave"),
        actions(
          {
            label: "Contained",
            command: { group: "inc", name: "status", args: ["contained"] },
            style: "primary",
          },
          { label: "Take commander", command: { group: "inc", name: "role", args: ["commander", "me"] } },
        ),
      ),
    );
    const posted = h.slack.messagesIn(room.id).find((m) => m.ts === summaryTs)!;

    const click = await h.sender.clickButton({
      user: bob,
      channel: roomRef,
      message: posted,
      label: "Take commander",
    });
    expect(click.status).toBe(200);
    const invocation = await h.invocation((i) => i.text === "/inc role commander me");
    expect(invocation.actor).toMatchObject({ externalId: bob.id, displayName: bob.name });
    expect(invocation.room.roomId).toBe(room.id);
    expect(invocation.dedupeKey).toMatch(new RegExp(`^action:${summaryTs}:\\d+\\.\\d+:${bob.id}$`));
  });

  it("adds a 📌-reacted message to the timeline as a note, once even when Slack redelivers", async () => {
    const pinned = h.slack.addMessage(room.id, {
      user: alice.id,
      text: "blocked evil.example &amp; its &lt;IP&gt;",
    });
    const event = {
      type: "reaction_added",
      user: bob.id,
      reaction: "pushpin",
      item_user: alice.id,
      item: { type: "message", channel: room.id, ts: pinned.ts },
      event_ts: `${Date.now() / 1000}`,
    };
    const first = await h.sender.event(event);
    expect(first.status).toBe(200);
    const redelivered = await h.sender.event(event, { eventId: first.eventId, retryNum: 1 });
    expect(redelivered.status).toBe(200);

    const invocation = await h.invocation((i) => i.dedupeKey === `event:${first.eventId}`);
    expect(invocation.text).toBe(`/inc note 📌 from <@${alice.id}>: blocked evil.example & its <IP>`);
    expect(invocation.actor.externalId).toBe(bob.id);
    expect(invocation.room.roomId).toBe(room.id);
    await pushpinBarrier();
    expect(h.invocations.filter((i) => i.dedupeKey === invocation.dedupeKey)).toHaveLength(1);
  });

  it("finds a 📌-reacted thread reply too", async () => {
    const parent = h.slack.addMessage(room.id, { user: alice.id, text: "thread start" });
    const reply = h.slack.addMessage(room.id, {
      user: bob.id,
      text: "reply with the IOC",
      threadTs: parent.ts,
    });
    const sent = await h.sender.event({
      type: "reaction_added",
      user: alice.id,
      reaction: "pushpin",
      item_user: bob.id,
      item: { type: "message", channel: room.id, ts: reply.ts },
      event_ts: `${Date.now() / 1000}`,
    });
    const invocation = await h.invocation((i) => i.dedupeKey === `event:${sent.eventId}`);
    expect(invocation.text).toBe(`/inc note 📌 from <@${bob.id}>: reply with the IOC`);
  });

  it("ignores other reactions", async () => {
    const plain = h.slack.addMessage(room.id, { user: alice.id, text: "nice" });
    const before = h.invocations.length;
    await h.sender.event({
      type: "reaction_added",
      user: bob.id,
      reaction: "tada",
      item_user: alice.id,
      item: { type: "message", channel: room.id, ts: plain.ts },
      event_ts: `${Date.now() / 1000}`,
    });
    const barrier = await pushpinBarrier();
    expect(h.invocations.slice(before)).toEqual([barrier]);
  });

  it("adds a message to the timeline from the message shortcut", async () => {
    const noted = h.slack.addMessage(room.id, { user: alice.id, text: "mail gateway rule deployed" });
    const sent = await h.sender.messageShortcut({
      callbackId: ADD_TO_TIMELINE_CALLBACK_ID,
      user: bob,
      channel: roomRef,
      message: noted,
    });
    expect(sent.status).toBe(200);
    const invocation = await h.invocation((i) => i.text.endsWith("mail gateway rule deployed"));
    expect(invocation.text).toBe(`/inc note 📌 from <@${alice.id}>: mail gateway rule deployed`);
    expect(invocation.actor.externalId).toBe(bob.id);
    expect(invocation.dedupeKey).toMatch(/^shortcut:/);
  });
});
