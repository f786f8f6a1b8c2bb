// The confidentiality issue's findings, replayed on Matrix (real matrix-js-sdk against the
// homeserver double, the real desk): each test puts a secret (a TLP:RED or restricted title, a
// TLP:AMBER summary line) where it used to leak, then greps everything the double recorded (every
// event of every room: messages, edits, names, topics, aliases, and every uploaded file) for it.
// It may show only where it belongs (the incident's own room, the reader's verified direct chat),
// and must still show there. Negative checks rest on barriers: `say` returns once the bot has
// marked the command handled, after everything it sent for it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessConfig } from "../../../src/access/access-config.ts";
import { parseBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import type { RoomEvent } from "../../doubles/matrix-homeserver.ts";
import { aliceOnCall, incidentIdOf, incidentRoomIdOf, secretExcerpt } from "../../support/confidentiality.ts";
import { until } from "../../support/waiting.ts";
import { SAMPLE_DATA } from "../../unit/bulletins/samples.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

const id = (name: string) => `@${name}:example.org`;
const alice = id("alice");
const bob = id("bob");
const carol = id("carol");
const mallory = "@mallory:evil.example";

// alice and bob respond; carol only views; mallory (another homeserver) is granted viewer.
const ACCESS = `
default: viewer
grants:
  - role: responder
    to: [matrix:${alice}, matrix:${bob}]
  - role: commander
    to: [matrix:${alice}]
  - role: bulletin-editor
    to: [matrix:${alice}]
  - role: viewer
    to: [matrix:${mallory}]
`;

/** A sample CSAF advisory without a TLP label: a subscription takes unlabelled advisories as TLP:AMBER. */
const AMBER_ADVISORY = "cisco-sa-20180328-smi2";

let desk: MatrixDesk;
/** alice, bob, carol: the team's ordinary room (TLP:GREEN). */
let general = "";
/** alice and mallory: a room shared with another organisation. */
let partners = "";
/** A room the bulletin configuration clears for TLP:AMBER. */
let amberDesk = "";
/** A digest subscription's room (cleared AMBER) that someone from another homeserver joins later. */
let digestRoom = "";

beforeAll(async () => {
  desk = await startMatrixDesk({
    access: parseAccessConfig(ACCESS, "access.yaml"),
    oncall: { config: parseOncallConfig(aliceOnCall("matrix", alice), "oncall.yaml") },
    before(hs, bot) {
      for (const name of ["alice", "bob", "carol"]) hs.addUser(name, name);
      hs.addUser(mallory, "Mallory");
      general = teamRoom(hs, alice, [bob, carol], { name: "general", botId: bot.userId });
      partners = teamRoom(hs, alice, [mallory], { name: "partners", botId: bot.userId });
      amberDesk = teamRoom(hs, alice, [bob], { name: "amber-desk", botId: bot.userId });
      digestRoom = teamRoom(hs, alice, [], { name: "digest", botId: bot.userId });
    },
    bulletins: () => ({
      config: parseBulletinConfig(
        `
version: 1
defaultClearance: green
subscriptions:
  - id: amber-desk
    kind: digest
    destination: { matrix: "${amberDesk}" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [csaf]
    lookback: 3000d
  - id: digest
    kind: digest
    destination: { matrix: "${digestRoom}" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [csaf]
    lookback: 3000d
`,
        "bulletins.yaml",
        SAMPLE_DATA,
      ),
    }),
  });
});
afterAll(async () => {
  await desk?.close();
});

// ---- where a secret shows ------------------------------------------------------------------

/**
 * Every place the bot put `secret` outside `allowed` rooms, as `room type` lines: any event it
 * sent (messages, edits, state: names, topics, aliases, invites) after stream position `since`,
 * and any file it uploaded that was not posted in an allowed room. (What people typed is theirs.)
 */
function leaksOf(secret: string, allowed: string[], since = 0): string[] {
  const { hs } = desk;
  const found: string[] = [];
  const fileRooms = new Map<string, string[]>();
  for (const event of hs.eventsSince(0)) {
    const url = (event.content as { url?: unknown }).url;
    if (typeof url === "string") fileRooms.set(url, [...(fileRooms.get(url) ?? []), event.room_id]);
  }
  for (const event of hs.eventsSince(since, desk.bot.userId)) {
    if (allowed.includes(event.room_id)) continue;
    // What the bot wrote: a state event's `unsigned.prev_content` is the earlier state, not new.
    const json = JSON.stringify({ type: event.type, state_key: event.state_key, content: event.content });
    const excerpt = secretExcerpt(json, secret);
    if (excerpt) found.push(`${roomName(event.room_id)} ${event.type}: ${excerpt}`);
  }
  for (const [uri, media] of hs.media) {
    if (!media.content.includes(secret)) continue;
    const rooms = fileRooms.get(uri) ?? [];
    if (!rooms.some((room) => allowed.includes(room))) found.push(`file ${media.filename} (${uri})`);
  }
  return found;
}

function roomName(roomId: string): string {
  const name = desk.hs.state(roomId, "m.room.name")?.name;
  return `${roomId}${typeof name === "string" ? ` (${name})` : ""}`;
}

/** The verified direct chat the bot opened with `user`. */
async function dmOf(user: string): Promise<string> {
  const row = await desk.db.prisma.platformState.findUniqueOrThrow({
    where: { platform_key: { platform: "matrix", key: `dm:${user}` } },
  });
  return row.value;
}

const publicIdOf = (title: string) => incidentIdOf(desk.db.prisma, title);
const roomOf = (publicId: string) => incidentRoomIdOf(desk.db.prisma, publicId, "matrix");

/** alice declares in `where`, and joins the incident's room; returns its id and room. */
async function declare(title: string, options: string, where = general) {
  await desk.say(alice, where, `!inc declare "${title}" ${options}`);
  const publicId = await publicIdOf(title);
  const roomId = await roomOf(publicId);
  desk.hs.join(alice, roomId);
  return { publicId, roomId };
}

const bodies = (events: RoomEvent[], roomId: string) =>
  events.filter((e) => e.room_id === roomId && e.type === "m.room.message").map((e) => JSON.stringify(e));

describe("confidentiality on Matrix", () => {
  it("1. `!inc list` in a team room leaves RED incidents out; the participant gets them in their DM", async () => {
    const secret = "Ransom note on the HR share";
    const red = await declare(secret, "tlp:red sev:1");
    const said = await desk.say(alice, general, "!inc list");
    expect(leaksOf(secret, [red.roomId, await dmOf(alice)])).toEqual([]);
    expect(leaksOf(red.publicId, [red.roomId, await dmOf(alice)])).toEqual([]);
    // The participant still sees it listed, where only she reads it.
    expect(bodies(said.events, await dmOf(alice)).some((b) => b.includes(secret))).toBe(true);
  });

  it("2. `!inc show`/`!inc timeline` of a RED incident typed in another incident's room stay out of it", async () => {
    const other = await declare("Unrelated scanning", "sev:4");
    const secret = "Board member mailbox compromised";
    const summary = "CEO mailbox forwarding rule to attacker";
    const note = "attacker used token from laptop 17";
    const red = await declare(secret, `tlp:red summary:"${summary}"`);
    await desk.say(alice, red.roomId, `!inc note ${note}`);
    const show = await desk.say(alice, other.roomId, `!inc show ${red.publicId}`);
    const timeline = await desk.say(alice, other.roomId, `!inc timeline ${red.publicId}`);
    const allowed = [red.roomId, await dmOf(alice)];
    for (const text of [secret, summary, note]) expect(leaksOf(text, allowed)).toEqual([]);
    // alice takes part: she gets both answers by direct message.
    expect(bodies(show.events, await dmOf(alice)).some((b) => b.includes(summary))).toBe(true);
    expect(bodies(timeline.events, await dmOf(alice)).some((b) => b.includes(note))).toBe(true);
  });

  it("3. once someone from another homeserver joins mid-incident, summaries, topic and report stay out", async () => {
    const title = "Payroll export exfiltrated";
    const summary = "4.2 GB left via the backup VPN";
    const incident = await declare(title, `summary:"${summary}"`);
    // Before: the room is the organisation's and has everything.
    expect(desk.hs.state(incident.roomId, "m.room.topic")?.topic).toContain(title);
    const since = desk.hs.position;
    desk.hs.invite(alice, incident.roomId, mallory);
    desk.hs.join(mallory, incident.roomId);
    const status = await desk.say(alice, incident.roomId, "!inc status investigating");
    await desk.say(alice, incident.roomId, "!inc update still 4.2 GB, now with a second line");
    const report = await desk.say(alice, incident.roomId, "!inc report");
    // Only alice's direct chat (she takes part) gets the update and the answers.
    const dm = await dmOf(alice);
    for (const text of [title, summary, "second line"]) expect(leaksOf(text, [dm], since)).toEqual([]);
    // The topic names the id only; the room learns that something was withheld.
    expect(String(desk.hs.state(incident.roomId, "m.room.topic")?.topic)).not.toContain(title);
    expect(status.text).toContain("withheld");
    expect(report.text).not.toContain(title);
    // The record moved on regardless.
    const stored = await desk.db.prisma.incident.findFirstOrThrow({ where: { title } });
    expect(stored.status).toBe("investigating");
  });

  it("3b. a digest honours a subscription room shared outside since the configuration was written", async () => {
    desk.hs.invite(alice, digestRoom, mallory);
    desk.hs.join(mallory, digestRoom);
    await desk.say(alice, general, "!bulletin publish digest");
    await desk.say(alice, general, "!bulletin publish amber-desk");
    await until(async () => ((await desk.app.services.jobs.runDue()) === 0 ? true : undefined), "jobs done");
    // The room cleared AMBER and still the organisation's gets the AMBER advisory.
    await until(
      () =>
        bodies(desk.hs.eventsSince(0), amberDesk).some((b) => b.includes(AMBER_ADVISORY)) ? true : undefined,
      "the digest in the AMBER room",
    );
    expect(leaksOf(AMBER_ADVISORY, [amberDesk])).toEqual([]);
    const shared = desk.hs.messages(digestRoom, desk.bot.userId).map((e) => String(e.content.body));
    expect(shared.some((body) => body.includes("withheld"))).toBe(true);
  });

  it("4. `!inc declare ... restricted:yes` typed in a team room names neither id nor title there", async () => {
    const secret = "Insider selling customer lists";
    const since = desk.hs.position;
    await desk.say(alice, general, `!inc declare "${secret}" restricted:yes tlp:amber`);
    const publicId = await publicIdOf(secret);
    const own = await roomOf(publicId);
    expect(leaksOf(secret, [own, await dmOf(alice)], since)).toEqual([]);
    expect(leaksOf(publicId, [own, await dmOf(alice)], since)).toEqual([]);
    expect(bodies(desk.hs.eventsSince(since), await dmOf(alice)).some((b) => b.includes(secret))).toBe(true);
  });

  it("5. a viewer from another homeserver gets no TLP:AMBER summary, by DM or otherwise", async () => {
    const title = "Supplier portal credential stuffing";
    const summary = "312 supplier accounts reset";
    const incident = await declare(title, `summary:"${summary}"`);
    const since = desk.hs.position;
    const asked = await desk.say(mallory, partners, `!inc show ${incident.publicId}`);
    expect(asked.text).toContain("may not show you");
    for (const text of [title, summary])
      expect(leaksOf(text, [incident.roomId, await dmOf(alice)], since)).toEqual([]);
    // Typed by alice in the same shared room, it reaches her alone.
    const own = await desk.say(alice, partners, `!inc show ${incident.publicId}`);
    expect(bodies(own.events, await dmOf(alice)).some((b) => b.includes(summary))).toBe(true);
    expect(leaksOf(summary, [incident.roomId, await dmOf(alice)], since)).toEqual([]);
  });

  it("6. a group room created with is_direct is not a direct chat: no labelled answers or DMs land there", async () => {
    const { hs, bot } = desk;
    const title = "Lateral movement from the print server";
    const summary = "print server beacons every 60 s";
    const incident = await declare(title, `summary:"${summary}"`);
    const group = hs.createRoom(alice, {
      preset: "trusted_private_chat",
      invite: [bot.userId],
      isDirect: true,
    });
    await hs.waitFor(
      () => (hs.membership(group, bot.userId) === "join" ? true : undefined),
      5000,
      "bot joined",
    );
    hs.invite(alice, group, mallory);
    hs.join(mallory, group);
    const since = hs.position;
    const shown = await desk.say(alice, group, `!inc show ${incident.publicId}`);
    // A later direct message to alice (the answer to a declare typed elsewhere) goes to her DM too.
    const later = "Second print server beaconing";
    await desk.say(alice, general, `!inc declare "${later}"`);
    const dm = await dmOf(alice);
    expect(dm).not.toBe(group);
    const laterRoom = await roomOf(await publicIdOf(later));
    for (const text of [title, summary, later]) {
      expect(leaksOf(text, [incident.roomId, laterRoom, dm], since)).toEqual([]);
    }
    expect(
      hs
        .eventsSince(since)
        .filter((e) => e.room_id === group && e.sender === bot.userId && e.type === "m.room.message").length,
    ).toBeGreaterThan(0);
    expect(bodies(shown.events, dm).some((b) => b.includes(summary))).toBe(true);
  });

  it("7. `!oncall pages` shows a viewer no restricted or RED incident and no page message about one", async () => {
    const secret = "Domain admin hash dumped";
    const pageText = "please look at the DC backups now";
    const red = await declare(secret, "tlp:red");
    await desk.say(alice, red.roomId, `!inc page csirt ${pageText}`);
    await desk.app.services.jobs.runDue();
    const since = desk.hs.position;
    const viewed = await desk.say(carol, general, "!oncall pages");
    expect(viewed.events.length).toBeGreaterThan(0);
    for (const text of [secret, pageText, red.publicId]) {
      expect(leaksOf(text, [red.roomId, await dmOf(alice)], since)).toEqual([]);
    }
  });

  it("8. merging into a restricted incident reads like merging into a missing one for a non-participant", async () => {
    const red = await declare("Restricted merge target", "tlp:red");
    const mine = await desk.say(bob, general, '!inc declare "Bob duplicate"');
    expect(mine.text).toContain("declared");
    const bobs = await roomOf(await publicIdOf("Bob duplicate"));
    desk.hs.join(bob, bobs);
    const merged = await desk.say(bob, bobs, `!inc status merged ${red.publicId}`);
    const missing = await desk.say(bob, bobs, "!inc status merged INC-2026-0999");
    const words = (text: string) => text.replaceAll(red.publicId, "<id>").replaceAll("INC-2026-0999", "<id>");
    expect(words(merged.text)).toBe(words(missing.text));
    expect(
      (await desk.db.prisma.incident.findFirstOrThrow({ where: { title: "Bob duplicate" } })).status,
    ).not.toBe("merged");
  });

  it("9. a RED incident's room is named by its id alone: no title in name, topic, alias or invites", async () => {
    const secret = "Acquisition target breach";
    const since = desk.hs.position;
    const red = await declare(secret, "tlp:red");
    const { hs } = desk;
    expect(hs.state(red.roomId, "m.room.name")?.name).toBe(red.publicId);
    for (const type of ["m.room.name", "m.room.topic", "m.room.canonical_alias", "m.room.create"]) {
      expect(JSON.stringify(hs.state(red.roomId, type) ?? {})).not.toContain(secret);
    }
    const stateEvents = hs
      .eventsSince(since)
      .filter((e) => e.room_id === red.roomId && e.state_key !== undefined);
    expect(stateEvents.filter((e) => JSON.stringify(e).includes(secret)).map((e) => e.type)).toEqual([]);
    // Inside, the people who take part read it.
    expect(bodies(hs.eventsSince(since), red.roomId).some((b) => b.includes(secret))).toBe(true);
  });

  it("10. a user id typed in a title mentions nobody in any announcement", async () => {
    const since = desk.hs.position;
    const incident = await declare(`Ask ${bob} about the proxy logs`, "sev:3");
    await desk.say(alice, incident.roomId, "!inc status investigating");
    await desk.say(alice, incident.roomId, "!inc sev 2");
    const sent = desk.hs.eventsSince(since, desk.bot.userId).filter((e) => e.type === "m.room.message");
    expect(sent.length).toBeGreaterThan(2);
    for (const event of sent) {
      const mentions = (event.content["m.mentions"] ?? {}) as { user_ids?: string[]; room?: boolean };
      expect(mentions.user_ids ?? []).not.toContain(bob);
      expect(mentions.room ?? false).toBe(false);
      const edited = (event.content["m.new_content"] ?? {}) as Record<string, unknown>;
      const editMentions = (edited["m.mentions"] ?? {}) as { user_ids?: string[] };
      expect(editMentions.user_ids ?? []).not.toContain(bob);
    }
  });

  it("11. one rule: a GREEN room gets neither a TLP:AMBER declaration nor an AMBER bulletin; an AMBER room gets both", async () => {
    const since = desk.hs.position;
    const greenTitle = "Green room amber incident";
    await desk.say(alice, general, `!inc declare "${greenTitle}"`);
    const refused = await desk.say(alice, general, "!bulletin post tlp:amber Green room amber bulletin text");
    expect(refused.text).toContain("Not posted");
    const greenId = await publicIdOf(greenTitle);
    expect(leaksOf(greenTitle, [await roomOf(greenId), await dmOf(alice)], since)).toEqual([]);
    expect(leaksOf("Green room amber bulletin text", [], since)).toEqual([]);

    const amberTitle = "Amber room amber incident";
    const declared = await desk.say(alice, amberDesk, `!inc declare "${amberTitle}"`);
    expect(bodies(declared.events, amberDesk).some((b) => b.includes(amberTitle))).toBe(true);
    const posted = await desk.say(
      alice,
      amberDesk,
      "!bulletin post tlp:amber Amber room amber bulletin text",
    );
    expect(bodies(posted.events, amberDesk).some((b) => b.includes("Amber room amber bulletin text"))).toBe(
      true,
    );
  });
});
