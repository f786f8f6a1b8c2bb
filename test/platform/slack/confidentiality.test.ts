// The confidentiality issue's findings, replayed on Slack (real Bolt on tocsin's HTTP server, the
// real WebClient against the Slack double, the real desk): each test puts a secret (a TLP:RED or
// restricted title, a TLP:AMBER summary line) where it used to leak, then greps every Web API call
// the bot made (messages, updates, topics, channel names, DMs) and every file it uploaded for it.
// It may show only where it belongs (the incident's own channel, the caller's ephemeral answer,
// the caller's DM), and must still show there. Barriers: every command's own answer (its
// response_url post) comes after everything it sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessConfig } from "../../../src/access/access-config.ts";
import { accessPolicy } from "../../../src/access/policy.ts";
import type { App } from "../../../src/app.ts";
import { parseBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { ManualClock } from "../../../src/clock.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import type { TestDatabase } from "../../database.ts";
import type {
  DoubleChannel,
  SlackActor,
  SlackRequestSender,
  SlackWebApiDouble,
} from "../../doubles/slack-web-api.ts";
import { aliceOnCall, incidentIdOf, incidentRoomIdOf, secretExcerpt } from "../../support/confidentiality.ts";
import { type SlackDesk, startSlackDesk } from "../../support/slack-desk.ts";
import { until } from "../../support/waiting.ts";
import { SAMPLE_DATA } from "../../unit/bulletins/samples.ts";
import { alice, bob } from "./harness.ts";

const carol = { id: "U0CAROL", name: "carol" };
const AMBER_ADVISORY = "cisco-sa-20180328-smi2";

let db: TestDatabase;
let slack: SlackWebApiDouble;
let app: App;
let sender: SlackRequestSender;
/** alice, bob, carol: an ordinary channel (TLP:GREEN). */
let general: DoubleChannel;
/** A channel the bulletin configuration clears for TLP:AMBER. */
let amberDesk: DoubleChannel;
/** A digest subscription's channel (cleared AMBER) that becomes Slack Connect shared. */
let digestChannel: DoubleChannel;
const clock = new ManualClock("2026-03-10T09:00:00Z");

let desk: SlackDesk;

beforeAll(async () => {
  const digest = (id: string, channel: DoubleChannel) => `
  - id: ${id}
    kind: digest
    destination: { slack: ${channel.id} }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [csaf]
    lookback: 3000d`;
  desk = await startSlackDesk({
    clock,
    platformUsesClock: true,
    setUp(double) {
      double.addUser({ id: carol.id, name: carol.name, realName: "Carol" });
      general = double.addChannel({ name: "general", members: [alice.id, bob.id, carol.id] });
      amberDesk = double.addChannel({ name: "amber-desk", members: [alice.id, bob.id] });
      digestChannel = double.addChannel({ name: "digest", members: [alice.id] });
    },
    app: (db) => ({
      permissions: accessPolicy(db.prisma, {
        config: parseAccessConfig(
          `
default: viewer
grants:
  - role: responder
    to: [slack:${alice.id}, slack:${bob.id}]
  - role: commander
    to: [slack:${alice.id}]
  - role: bulletin-editor
    to: [slack:${alice.id}]
`,
          "access.yaml",
        ),
      }),
      oncall: {
        config: parseOncallConfig(aliceOnCall("slack", alice.id), "oncall.yaml"),
      },
      bulletins: {
        config: parseBulletinConfig(
          `version: 1
defaultClearance: green
subscriptions:${digest("amber-desk", amberDesk)}${digest("digest", digestChannel)}
`,
          "bulletins.yaml",
          SAMPLE_DATA,
        ),
      },
    }),
  });
  ({ db, slack, app, sender } = desk);
});

afterAll(async () => {
  await desk?.close();
});

// ---- where a secret shows ------------------------------------------------------------------

/**
 * Every place the bot put `secret` outside `allowed` channels, as `method channel` lines: any Web
 * API call from index `since` (messages, updates, topics, channel names: `conversations.create`
 * names no channel, so it is never allowed) and any uploaded file shared in another channel.
 * Ephemeral answers (response_url, chat.postEphemeral) reach their caller alone and are checked
 * by each test where the caller may not read the secret.
 */
function leaksOf(secret: string, allowed: string[], since = 0): string[] {
  const found: string[] = [];
  for (const call of slack.calls.slice(since)) {
    if (call.method === "chat.postEphemeral") continue;
    const channel = String(call.params.channel ?? call.params.channel_id ?? "");
    if (channel && allowed.includes(channel)) continue;
    const excerpt = secretExcerpt(JSON.stringify(call.params), secret);
    if (excerpt) found.push(`${call.method} ${channel}: ${excerpt}`);
  }
  for (const file of slack.files) {
    if (file.content.includes(secret) && !allowed.includes(file.channel))
      found.push(`file ${file.filename} in ${file.channel}`);
  }
  return found;
}

/**
 * Sends a slash command; resolves once it is handled (the barrier): by default when its own
 * answer (its response_url post) arrives, which comes after everything else it sent; for commands
 * answered by a post in the channel, when `done` finds what that post should show.
 */
async function command(user: SlackActor, channel: DoubleChannel, line: string, done?: () => unknown) {
  const [name, ...rest] = line.split(" ");
  const sent = await sender.slashCommand({ command: name ?? "", text: rest.join(" "), user, channel });
  expect(sent.status).toBe(200);
  if (done) {
    await until(async () => ((await done()) ? true : undefined), `the effect of ${line}`, 10_000);
    return "";
  }
  const id = sent.responseUrl.slice(sent.responseUrl.lastIndexOf("/") + 1);
  const answer = await slack.waitForResponseUrlPost((post) => post.id === id, 10_000);
  return JSON.stringify(answer.body);
}

/** A probe: the bot posted a message containing `text` in `channel`. */
const postedIn = (channel: DoubleChannel, text: string) => () =>
  slack.messagesIn(channel.id).some((m) => m.botId && JSON.stringify(m).includes(text));

const publicIdOf = (title: string) => incidentIdOf(db.prisma, title);

async function channelOf(publicId: string): Promise<DoubleChannel> {
  const roomId = await incidentRoomIdOf(db.prisma, publicId, "slack");
  return until(() => slack.channels.get(roomId), "the incident channel");
}

/** alice declares in `where`; resolves with the incident's id and channel once it is open. */
async function declare(title: string, options: string, where = general) {
  const inRoom = where !== general;
  const answer = await command(
    alice,
    where,
    `/inc declare "${title}" ${options}`,
    inRoom ? postedIn(where, `declared: ${title.split(" ")[0]}`) : undefined,
  );
  const publicId = await publicIdOf(title);
  const channel = await channelOf(publicId);
  await until(() => (channel.pins.size === 1 ? true : undefined), "the pinned summary");
  return { publicId, channel, answer };
}

function dmOf(user: SlackActor): string {
  return [...slack.channels.values()].find((c) => c.isIm && c.members.has(user.id))?.id ?? "no DM";
}

/** The mrkdwn texts of Block Kit blocks (Slack parses mentions in these). */
function mrkdwnOf(blocks: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (record.type === "mrkdwn" && typeof record.text === "string") found.push(record.text);
      for (const value of Object.values(record)) visit(value);
    }
  };
  visit(blocks);
  return found;
}

describe("confidentiality on Slack", () => {
  it("1. `/inc list` in a team channel leaves RED incidents out; the caller sees them in her ephemeral answer", async () => {
    const secret = "Ransom note on the HR share";
    const red = await declare(secret, "tlp:red sev:1");
    const since = slack.calls.length;
    const answer = await command(alice, general, "/inc list");
    expect(leaksOf(secret, [red.channel.id], since)).toEqual([]);
    expect(leaksOf(red.publicId, [red.channel.id], since)).toEqual([]);
    expect(answer).toContain(secret);
    expect(answer).toContain('"response_type":"ephemeral"');
    // bob does not take part: his answer has neither the title nor the id.
    const bobs = await command(bob, general, "/inc list");
    expect(bobs).not.toContain(secret);
    expect(bobs).not.toContain(red.publicId);
  });

  it("2. `/inc show`/`/inc timeline` of a RED incident typed in another incident's channel stay out of it", async () => {
    const other = await declare("Unrelated scanning", "sev:4");
    const secret = "Board member mailbox compromised";
    const summary = "CEO mailbox forwarding rule to attacker";
    const note = "attacker used token from laptop 17";
    const red = await declare(secret, `tlp:red summary:"${summary}"`);
    await command(alice, red.channel, `/inc note ${note}`, postedIn(red.channel, note));
    const since = slack.calls.length;
    const show = await command(alice, other.channel, `/inc show ${red.publicId}`);
    const timeline = await command(alice, other.channel, `/inc timeline ${red.publicId}`);
    for (const text of [secret, summary, note]) expect(leaksOf(text, [red.channel.id], since)).toEqual([]);
    expect(show).toContain(summary);
    expect(timeline).toContain(note);
  });

  it("3. once the incident channel becomes Slack Connect shared mid-incident, summaries, topic and report stay out", async () => {
    const title = "Payroll export exfiltrated";
    const summary = "4.2 GB left via the backup VPN";
    const incident = await declare(title, `summary:"${summary}"`);
    expect(incident.channel.topic).toContain(title);
    // Slack Connect: the channel is shared and Slack tells the app so (channel_shared); the
    // platform asking Slack about the channel again is the barrier.
    const beforeShare = slack.calls.length;
    slack.shareExternally(incident.channel.id);
    await sender.event({
      type: "channel_shared",
      connected_team_id: "T0PARTNER",
      channel: incident.channel.id,
    });
    await until(
      () =>
        slack.calls
          .slice(beforeShare)
          .some((c) => c.method === "conversations.info" && c.params.channel === incident.channel.id) ||
        undefined,
      "the channel asked about again",
    );
    const since = slack.calls.length;
    const responses = slack.responseUrlPosts.length;
    const id = incident.channel.id;
    const calledSince = (mark: number, methods: string[]) => () =>
      slack.calls.slice(mark).some((c) => methods.includes(c.method) && c.params.channel === id);
    // Barriers: the topic refresh and the caller's answer end a status change (withheld from the
    // channel, the change comes to alice alone); a post in the channel or her answer ends the others.
    let mark = slack.calls.length;
    await command(
      alice,
      incident.channel,
      "/inc status investigating",
      () => calledSince(mark, ["conversations.setTopic"])() && slack.responseUrlPosts.length > responses,
    );
    mark = slack.calls.length;
    const updateResponses = slack.responseUrlPosts.length;
    await command(
      alice,
      incident.channel,
      "/inc update still 4.2 GB, now with a second line",
      () => calledSince(mark, ["chat.postMessage"])() || slack.responseUrlPosts.length > updateResponses,
    );
    mark = slack.calls.length;
    const reportResponses = slack.responseUrlPosts.length;
    await command(
      alice,
      incident.channel,
      "/inc report",
      () => slack.responseUrlPosts.length > reportResponses || slack.files.some((f) => f.channel === id),
    );
    for (const text of [title, summary, "second line"]) {
      expect(leaksOf(text, [dmOf(alice)], since)).toEqual([]);
    }
    expect(incident.channel.topic).not.toContain(title);
    const pinned = incident.channel.messages.find((m) => incident.channel.pins.has(m.ts));
    expect(JSON.stringify(pinned)).not.toContain(summary);
    // alice, who takes part, still gets the change in her own answer.
    const answers = JSON.stringify(slack.responseUrlPosts.slice(responses));
    expect(answers).toContain("→ investigating");
    expect(slack.files.filter((f) => f.channel === incident.channel.id)).toEqual([]);
  });

  it("3b. a digest honours a subscription channel shared outside since the configuration was written", async () => {
    slack.shareExternally(digestChannel.id);
    await command(alice, general, "/bulletin publish digest");
    await command(alice, general, "/bulletin publish amber-desk");
    await until(async () => ((await app.services.jobs.runDue()) === 0 ? true : undefined), "jobs done");
    await until(
      () =>
        slack.files.some((f) => f.channel === amberDesk.id && f.content.includes(AMBER_ADVISORY))
          ? true
          : undefined,
      "the digest in the AMBER channel",
    );
    expect(leaksOf(AMBER_ADVISORY, [amberDesk.id])).toEqual([]);
    expect(slack.messagesIn(digestChannel.id).some((m) => m.text.includes("withheld"))).toBe(true);
  });

  it("4. `/inc declare ... restricted:yes` typed in a public channel names neither id nor title there", async () => {
    const secret = "Insider selling customer lists";
    const since = slack.calls.length;
    const { publicId, channel, answer } = await declare(secret, "restricted:yes");
    expect(leaksOf(secret, [channel.id], since)).toEqual([]);
    expect(leaksOf(publicId, [channel.id], since)).toEqual([]);
    expect(answer).toContain(secret);
  });

  it("7. `/oncall pages` shows a viewer no RED incident and no page message about one", async () => {
    const secret = "Domain admin hash dumped";
    const pageText = "please look at the DC backups now";
    const red = await declare(secret, "tlp:red");
    await command(alice, red.channel, `/inc page csirt ${pageText}`, async () => db.prisma.page.count());
    await app.services.jobs.runDue();
    const since = slack.calls.length;
    const answer = await command(carol, general, "/oncall pages");
    for (const text of [secret, pageText, red.publicId]) {
      expect(leaksOf(text, [red.channel.id, dmOf(alice)], since)).toEqual([]);
      expect(answer).not.toContain(text);
    }
  });

  it("9. a RED incident's channel is named by its id alone, and its topic carries no title", async () => {
    const secret = "Acquisition target breach";
    const since = slack.calls.length;
    const red = await declare(secret, "tlp:red");
    expect(red.channel.name).toBe(red.publicId.toLowerCase());
    expect(red.channel.topic).not.toContain(secret);
    const named = slack.calls
      .slice(since)
      .filter((c) => ["conversations.create", "conversations.setTopic"].includes(c.method));
    expect(named.filter((c) => JSON.stringify(c.params).includes(secret))).toEqual([]);
    // Inside, the people who take part read it.
    expect(JSON.stringify(slack.messagesIn(red.channel.id))).toContain(secret);
  });

  it("10. `<@U…>` typed in a title is escaped in every announcement: it pings nobody", async () => {
    const since = slack.calls.length;
    const incident = await declare(`Ask <@${bob.id}> about the proxy logs`, "sev:3", amberDesk);
    await command(
      alice,
      incident.channel,
      "/inc status investigating",
      postedIn(incident.channel, "→ investigating"),
    );
    await command(alice, incident.channel, "/inc sev 2", postedIn(incident.channel, "SEV2"));
    const sent = slack.calls
      .slice(since)
      .filter((c) => ["chat.postMessage", "chat.update", "chat.postEphemeral"].includes(c.method));
    expect(sent.length).toBeGreaterThan(2);
    const withTitle = sent.filter((c) => JSON.stringify(c.params).includes(`@${bob.id}`));
    expect(withTitle.length).toBeGreaterThan(2);
    // Slack parses mentions in mrkdwn and in a message's `text`; plain_text (headers, buttons) never pings.
    for (const call of withTitle) {
      const parsed = [String(call.params.text ?? ""), ...mrkdwnOf(call.params.blocks)];
      for (const text of parsed.filter((t) => t.includes(`@${bob.id}`))) {
        expect(text).not.toContain(`<@${bob.id}>`);
        expect(text).toContain(`&lt;@${bob.id}&gt;`);
      }
    }
  });

  it("11. one rule: a GREEN channel gets neither a TLP:AMBER declaration nor an AMBER bulletin; an AMBER channel gets both", async () => {
    const since = slack.calls.length;
    const green = await declare("Green room amber incident", "");
    const refused = await command(alice, general, "/bulletin post tlp:amber Green room amber bulletin text");
    expect(refused).toContain("Not posted");
    expect(leaksOf("Green room amber incident", [green.channel.id], since)).toEqual([]);
    expect(leaksOf("Green room amber bulletin text", [], since)).toEqual([]);

    // The AMBER channel reads both.
    await declare("Amber room amber incident", "", amberDesk);
    await command(
      alice,
      amberDesk,
      "/bulletin post tlp:amber Amber room amber bulletin text",
      postedIn(amberDesk, "Amber room amber bulletin text"),
    );
  });
});
