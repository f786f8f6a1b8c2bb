// The whole desk on Slack: real Bolt (mounted on tocsin's HTTP server), the real WebClient
// against the Slack double, the real router and domain on a test database. The same incident
// scenario as the console, typed as slash commands and clicked as buttons.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../../src/app.ts";
import { ManualClock } from "../../../src/clock.ts";
import type { TestDatabase } from "../../database.ts";
import {
  type DoubleChannel,
  type SlackRequestSender,
  type SlackWebApiDouble,
  slashCommandFields,
} from "../../doubles/slack-web-api.ts";
import { type SlackDesk, startSlackDesk } from "../../support/slack-desk.ts";
import { until } from "../../support/waiting.ts";
import { alice, bob } from "./harness.ts";

let db: TestDatabase;
let slack: SlackWebApiDouble;
let desk: SlackDesk;
let app: App;
let sender: SlackRequestSender;
let soc: DoubleChannel;
let clock: ManualClock;

// A fresh desk for every test (its own database cloned from the template, its own Slack double),
// so each test can run alone; the scenario's earlier steps are set up by the helpers below.
beforeEach(async () => {
  clock = new ManualClock("2026-03-10T09:00:00Z");
  desk = await startSlackDesk({
    clock,
    setUp(double) {
      soc = double.addChannel({ name: "soc", members: [alice.id, bob.id] });
    },
    app: () => ({ archiveRoomsAfterMs: 24 * 3_600_000 }),
  });
  ({ db, slack, app, sender } = desk);
});

afterEach(async () => {
  await desk?.close();
});

const textsIn = (channel: DoubleChannel) => slack.messagesIn(channel.id).map((m) => m.text);

/** Alice declares INC-2026-0001 "Phishing wave" from #soc; resolves once its channel is set up. */
async function declarePhishingWave(): Promise<{
  room: DoubleChannel;
  sent: { status: number; elapsedMs: number };
}> {
  const sent = await sender.slashCommand({
    command: "/inc",
    text: 'declare "Phishing wave" sev:2 class:phishing',
    user: alice,
    channel: soc,
  });
  const room = await until(() => slack.channelByName("inc-2026-0001-phishing-wave"), "the incident channel");
  // The channel exists before the incident is bound to it; the declare's answer comes after.
  await slack.waitForResponseUrlPost((post) => JSON.stringify(post.body).includes("INC-2026-0001 declared"));
  await until(() => room.members.has(alice.id) || undefined, "alice invited");
  await until(() => room.pins.size === 1 || undefined, "the pinned summary");
  return { room, sent };
}

/** Types `/inc <line>` in `channel` as `user` and waits for `announced` to appear there. */
async function typeAndSee(user: typeof alice, channel: DoubleChannel, line: string, announced: string) {
  await sender.slashCommand({ command: "/inc", text: line, user, channel });
  return until(() => textsIn(channel).find((t) => t.includes(announced)), JSON.stringify(announced));
}

describe("the incident desk on Slack", () => {
  it("declare opens a private channel named after the incident, with topic and pinned summary", async () => {
    const { room, sent } = await declarePhishingWave();
    expect(sent.status).toBe(200);
    expect(sent.elapsedMs).toBeLessThan(3000);
    expect(room.isPrivate).toBe(true);
    expect(room.topic).toBe("INC-2026-0001 · SEV2 (high) · triage · TLP:AMBER · IC: none · Phishing wave");
    // #soc is an ordinary channel (TLP:GREEN unless configured): the AMBER answer goes to alice alone.
    const answer = await slack.waitForResponseUrlPost((post) =>
      JSON.stringify(post.body).includes("INC-2026-0001 declared"),
    );
    expect(answer.body).toMatchObject({ response_type: "ephemeral" });
    expect(textsIn(soc).some((t) => t.includes("INC-2026-0001 declared"))).toBe(false);
    const incident = await db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
      include: { reporter: true },
    });
    // The Person came from the Slack profile, email linked.
    expect(incident.reporter).toMatchObject({ displayName: "alice", email: "alice@example.org" });
  });

  it("a retried slash command does not declare twice", async () => {
    const fields = slashCommandFields(slack, {
      command: "/inc",
      text: "declare Retried",
      user: alice,
      channel: soc,
    });
    const body = new URLSearchParams(fields).toString();
    await sender.send(body, "application/x-www-form-urlencoded");
    await sender.send(body, "application/x-www-form-urlencoded", { retryNum: 1 });
    await until(() => slack.channelByName("inc-2026-0001-retried"), "the retried incident's channel");
    // Both requests were answered, so whatever each started is in the app's in-flight set.
    await app.settled();
    expect(await db.prisma.incident.count({ where: { title: "Retried" } })).toBe(1);
    expect(slack.channelByName("inc-2026-0002-retried")).toBeUndefined();
  });

  it("a status change typed in the incident channel is announced there and refreshes the summary", async () => {
    const { room } = await declarePhishingWave();
    await sender.slashCommand({ command: "/inc", text: "status investigating", user: alice, channel: room });
    await until(
      () => textsIn(room).find((t) => t.includes("INC-2026-0001: status triage → investigating")),
      "the announcement",
    );
    await until(() => slack.callsTo("chat.update").length > 0 || undefined, "the summary update");
    // The topic is set right after the summary update.
    await until(() => room.topic.includes("investigating") || undefined, "the topic refreshed");
  });

  it("a forged button value is read like the clicker typing it: checked, refused, audited", async () => {
    const { room } = await declarePhishingWave();
    const summary = slack.messagesIn(room.id).find((m) => room.pins.has(m.ts))!;
    // A real button whose value was changed on the way: it names a command bob's roles do not allow.
    const forged = await sender.clickButton({
      user: bob,
      channel: room,
      message: summary,
      label: "Add me",
      forgedValue: "/inc audit INC-2026-0001",
    });
    expect(forged.status).toBe(200);
    const refusal = await slack.waitForResponseUrlPost((post) => JSON.stringify(post.body).includes("admin"));
    expect(JSON.stringify(refusal.body)).not.toContain("declared:");
    const audited = await until(
      async () =>
        (await db.prisma.auditEntry.findFirst({
          where: { action: "permission.refused" },
          include: { actor: true },
        })) ?? undefined,
      "the refusal audited",
    );
    expect(audited.actor?.displayName).toBe("Bob Marley");
  });

  it("a mention maps to a Person from the Slack profile and invites them", async () => {
    const { room } = await declarePhishingWave();
    await sender.slashCommand({ command: "/inc", text: "lead <@U0BOB|bob>", user: alice, channel: room });
    await until(
      () => textsIn(room).find((t) => t.includes("Bob Marley is now commander")),
      "the role announcement",
    );
    expect([...room.members]).toContain(bob.id);
  });

  it("a button on the pinned summary changes the status as the clicking user", async () => {
    const { room } = await declarePhishingWave();
    await typeAndSee(alice, room, "status investigating", "status triage → investigating");
    await until(() => room.topic.includes("investigating") || undefined, "the summary refreshed");
    const summary = slack.messagesIn(room.id).find((m) => room.pins.has(m.ts));
    expect(summary).toBeDefined();
    const click = await sender.clickButton({
      user: bob,
      channel: room,
      message: summary!,
      label: "→ contained",
    });
    expect(click.status).toBe(200);
    await until(
      () => textsIn(room).find((t) => t.includes("status investigating → contained")),
      "the status change from the click",
    );
    const entry = await db.prisma.timelineEntry.findFirstOrThrow({
      where: { kind: "status", text: { contains: "→ contained" } },
      include: { actor: true },
    });
    expect(entry.actor?.displayName).toBe("Bob Marley");
  });

  it("bad input gets a friendly answer only the caller sees", async () => {
    const { room } = await declarePhishingWave();
    const sent = await sender.slashCommand({
      command: "/inc",
      text: "stauts contained",
      user: alice,
      channel: room,
    });
    const answer = await slack.waitForResponseUrlPost((p) => JSON.stringify(p.body).includes("stauts"));
    expect(answer.body.response_type ?? "ephemeral").toBe("ephemeral");
    expect(String(answer.body.text)).toContain('/inc has no command "stauts". Did you mean `/inc status`?');
    expect(sent.status).toBe(200);
  });

  it("close and reopen work from Slack", async () => {
    const { room } = await declarePhishingWave();
    await typeAndSee(alice, room, "status investigating", "status triage → investigating");
    await sender.slashCommand({
      command: "/inc",
      text: "close phishing kit taken down",
      user: bob,
      channel: room,
    });
    await until(
      () => textsIn(room).find((t) => t.includes("→ closed: phishing kit taken down")),
      "the close",
    );
    await sender.slashCommand({ command: "/inc", text: "reopen new victims", user: bob, channel: room });
    await until(
      () => textsIn(room).find((t) => t.includes("closed → investigating: new victims")),
      "the reopen",
    );
  });

  it("the post-incident report arrives as a file in the channel", async () => {
    const { room } = await declarePhishingWave();
    await sender.slashCommand({ command: "/inc", text: "report", user: alice, channel: room });
    const file = await until(() => slack.files.find((f) => f.channel === room.id), "the report file");
    expect(file.filename).toMatch(/INC-2026-0001.*\.md/i);
    expect(file.content).toContain("TLP:AMBER");
    expect(file.content).toContain("Phishing wave");
  });

  it("closing posts the final summary and archives the channel a day later, unless reopened", async () => {
    const { room } = await declarePhishingWave();
    await sender.slashCommand({ command: "/inc", text: "declare Retried", user: alice, channel: soc });
    await until(() => slack.channelByName("inc-2026-0002-retried"), "the second incident's channel");
    clock.advance(60_000);
    await sender.slashCommand({ command: "/inc", text: "close resolved for good", user: bob, channel: room });
    await until(
      () => textsIn(room).find((t) => t.includes("→ closed: resolved for good")),
      "the final close",
    );
    const final = slack.messagesIn(room.id).find((m) => m.text.includes("→ closed: resolved for good"));
    expect(JSON.stringify(final?.blocks)).toContain("Resolution: resolved for good");
    clock.advance(23 * 3_600_000);
    await app.services.jobs.runDue();
    expect(room.archived).toBe(false);
    clock.advance(3_600_000);
    await app.services.jobs.runDue();
    expect(room.archived).toBe(true);
    expect(textsIn(room).at(-1)).toContain("INC-2026-0001 is closed; archiving this room.");

    // A reopened incident keeps its room.
    const other = await db.prisma.incidentRoom.findFirstOrThrow({
      where: { incident: { publicId: "INC-2026-0002" } },
    });
    await sender.slashCommand({
      command: "/inc",
      text: "close INC-2026-0002 dup",
      user: alice,
      channel: soc,
    });
    await until(
      async () =>
        (await db.prisma.incident.findUnique({ where: { publicId: "INC-2026-0002" } }))?.status === "closed"
          ? true
          : undefined,
      "the close of INC-2026-0002",
    );
    clock.advance(60_000);
    await sender.slashCommand({
      command: "/inc",
      text: "reopen INC-2026-0002 not a dup",
      user: alice,
      channel: soc,
    });
    await until(
      async () =>
        (await db.prisma.incident.findUnique({ where: { publicId: "INC-2026-0002" } }))?.status ===
        "investigating"
          ? true
          : undefined,
      "the reopen of INC-2026-0002",
    );
    clock.advance(25 * 3_600_000);
    await app.services.jobs.runDue();
    expect(slack.channels.get(other.roomId)?.archived).toBe(false);
  });

  it("20 concurrent declares are all acked within 3 s and create 20 channels", async () => {
    const before = await db.prisma.incident.count();
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sender.slashCommand({
          command: "/inc",
          text: `declare "Burst ${i}" sev:3`,
          user: alice,
          channel: soc,
        }),
      ),
    );
    expect(sent.every((s) => s.status === 200 && s.elapsedMs < 3000)).toBe(true);
    await until(
      async () => ((await db.prisma.incidentRoom.count()) === before + 20 ? true : undefined),
      "20 rooms",
      15_000,
    );
    const names = (await db.prisma.incidentRoom.findMany()).map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
