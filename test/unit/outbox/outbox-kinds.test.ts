// Every outbound kind through the real Outbox, to every kind of destination, with every label:
// the platform receives the content, an id-free notice, or nothing, by the one rule.
import { describe, expect, it } from "vitest";
import type { Reply, ReplyTarget } from "../../../src/chat/invocation.ts";
import { type ChatFile, type Message, text } from "../../../src/chat/message.ts";
import type { ChatPlatform } from "../../../src/chat/platform.ts";
import { TLP_LABELS, type TlpLabel } from "../../../src/incidents/tlp.ts";
import { createLogger } from "../../../src/logging.ts";
import { Outbox, type Subject } from "../../../src/outbox/outbox.ts";

const SECRET = "Payroll database exfiltrated";
const OWN = "inc-own";

interface Call {
  kind: string;
  roomId: string;
  body: string;
}

function desk(options: { ephemeral: boolean }) {
  const calls: Call[] = [];
  /** The incident ids the desk was asked who takes part in, per question. */
  const asked: string[][] = [];
  const record = (kind: string, roomId: string, body: unknown) =>
    calls.push({ kind, roomId, body: JSON.stringify(body) });
  const platform = {
    name: "matrix",
    ephemeralReplies: options.ephemeral,
    async post(roomId: string, message: Message) {
      record("post", roomId, message);
      return "m1";
    },
    async update(roomId: string, _id: string, message: Message) {
      record("update", roomId, message);
    },
    async setTopic(roomId: string, topic: string) {
      record("topic", roomId, topic);
    },
    async postFile(roomId: string, file: ChatFile) {
      record("file", roomId, file);
    },
    async directMessage(externalId: string, message: Message) {
      record("dm", externalId, message);
    },
    async reply(target: ReplyTarget, reply: Reply) {
      record(`reply:${reply.visibility}`, target.roomId, reply.message);
    },
    async createIncidentRoom(spec: { publicId: string; title: string }) {
      record("create", spec.publicId, spec.title);
      return { roomId: "!new", name: spec.title ? `${spec.publicId} ${spec.title}` : spec.publicId };
    },
    async isExternal(roomId: string) {
      return roomId === "!shared" || roomId === "!own-shared";
    },
    async isDirectWith(roomId: string, person: string) {
      return roomId === "!dm" && person === "@alice:example.org";
    },
    isExternalUser: (id: string) => !id.endsWith(":example.org"),
  } as unknown as ChatPlatform;
  const outbox = new Outbox({
    platforms: [platform],
    log: createLogger("silent"),
    directory: {
      incidentOfRoom: async (_p, roomId) => (roomId.startsWith("!own") ? OWN : undefined),
      roomClearance: (_p, roomId) => ({
        clearance: roomId === "!amber-team" ? "amber" : "green",
        external: false,
      }),
      incidentsOpenTo: async (_p, person, ids) => {
        asked.push(ids);
        return new Set(person === "@alice:example.org" ? ids : []);
      },
    },
  });
  return { outbox, calls, asked };
}

const about = (tlp: TlpLabel, restricted = false): Subject => ({
  kind: "incidents",
  incidents: [{ id: OWN, tlp, restricted: restricted || tlp === "red" }],
});
const content = (tlp: TlpLabel): Message => ({ tlp, blocks: [text(SECRET)] });

const ROOMS = ["!own", "!own-shared", "!amber-team", "!team", "!shared"] as const;

/** May the room read content of OWN labelled `tlp` (unrestricted)? */
function roomMay(room: (typeof ROOMS)[number], tlp: TlpLabel): boolean {
  const rank = TLP_LABELS.indexOf(tlp);
  switch (room) {
    case "!own":
      return true;
    case "!own-shared":
    case "!shared":
      return rank <= 1;
    case "!amber-team":
      return rank <= 2;
    case "!team":
      return rank <= 1;
  }
}

describe("every outbound kind through the outbox", () => {
  for (const room of ROOMS) {
    for (const tlp of TLP_LABELS) {
      const may = roomMay(room, tlp);
      it(`post, summary edit, topic and file in ${room} with TLP:${tlp}: ${may ? "sent" : "withheld"}`, async () => {
        const { outbox, calls } = desk({ ephemeral: false });
        const where = { platform: "matrix" as const, roomId: room };
        await outbox.post(where, content(tlp), about(tlp), "announcement");
        await outbox.update(where, "m0", content(tlp), about(tlp));
        await outbox.setTopic(where, `${OWN} · ${SECRET}`, about(tlp), `${OWN} · withheld`);
        await outbox.postFile(where, { filename: "report.md", content: SECRET }, about(tlp));
        const leaked = calls.filter((c) => c.body.includes(SECRET)).map((c) => c.kind);
        expect(leaked).toEqual(may ? ["post", "update", "topic", "file"] : []);
        if (!may) {
          // The room learns something was withheld (post, summary, topic), never what; of a
          // restricted (RED) incident, a room not its own gets no notice at all.
          const noticed = room.startsWith("!own") || tlp !== "red";
          expect(calls.map((c) => c.kind)).toEqual(
            noticed ? ["post", "update", "topic"] : ["update", "topic"],
          );
        }
      });
    }
  }

  for (const tlp of TLP_LABELS) {
    it(`restricted TLP:${tlp} content outside its own room: not even a notice`, async () => {
      const { outbox, calls } = desk({ ephemeral: false });
      for (const room of ["!team", "!amber-team", "!shared"]) {
        await outbox.post(
          { platform: "matrix", roomId: room },
          content(tlp),
          about(tlp, true),
          "announcement",
        );
      }
      await outbox.directMessage(
        { platform: "matrix", externalId: "@bob:example.org" },
        content(tlp),
        about(tlp, true),
      );
      expect(calls).toEqual([]);
    });
  }

  it("names a restricted incident's room by its id alone", async () => {
    const { outbox, calls } = desk({ ephemeral: false });
    await outbox.createIncidentRoom("matrix", {
      incident: { id: OWN, tlp: "amber", restricted: true },
      publicId: "INC-2026-0009",
      title: SECRET,
      topic: "",
      invite: [],
    });
    await outbox.createIncidentRoom("matrix", {
      incident: { id: "x", tlp: "green", restricted: false },
      publicId: "INC-2026-0010",
      title: "Port scan",
      topic: "",
      invite: [],
    });
    expect(calls.map((c) => [c.roomId, JSON.parse(c.body)])).toEqual([
      ["INC-2026-0009", ""],
      ["INC-2026-0010", "Port scan"],
    ]);
  });

  it("sends a direct message to a participant whatever its label, and to an outsider at most GREEN", async () => {
    for (const tlp of TLP_LABELS) {
      const { outbox, calls } = desk({ ephemeral: false });
      await outbox.directMessage(
        { platform: "matrix", externalId: "@alice:example.org" },
        content(tlp),
        about(tlp),
        "page",
      );
      await outbox.directMessage(
        { platform: "matrix", externalId: "@eve:partner.example" },
        content(tlp),
        about(tlp),
        "page",
      );
      const got = calls.filter((c) => c.body.includes(SECRET)).map((c) => c.roomId);
      const outsider = TLP_LABELS.indexOf(tlp) <= 1 && tlp !== "red";
      expect(got, `TLP:${tlp}`).toEqual(
        outsider ? ["@alice:example.org", "@eve:partner.example"] : ["@alice:example.org"],
      );
    }
  });

  it("answers in a room that may see it; elsewhere to the caller alone, by DM where there are no ephemeral answers", async () => {
    for (const ephemeral of [true, false]) {
      const { outbox, calls } = desk({ ephemeral });
      const invocation = {
        platform: "matrix" as const,
        actor: { externalId: "@alice:example.org" },
        room: { roomId: "!team" },
        text: "!inc show",
        dedupeKey: "e1",
        replyTarget: { platform: "matrix" as const, roomId: "!team", callerId: "@alice:example.org" },
      };
      await outbox.reply(invocation, { visibility: "room", message: content("amber") }, about("amber"));
      const leakedToRoom = calls.filter((c) => c.kind === "reply:room" && c.body.includes(SECRET));
      expect(leakedToRoom).toEqual([]);
      const toCaller = calls.filter((c) => c.body.includes(SECRET)).map((c) => c.kind);
      expect(toCaller).toEqual(ephemeral ? ["reply:ephemeral"] : ["dm"]);
    }
  });

  it("takes a verified two-person chat for its person, and any other 'direct' room for a room", async () => {
    const { outbox, calls } = desk({ ephemeral: false });
    const ask = (roomId: string) =>
      outbox.reply(
        {
          platform: "matrix",
          actor: { externalId: "@alice:example.org" },
          room: { roomId, direct: true },
          text: "!inc show",
          dedupeKey: roomId,
          replyTarget: { platform: "matrix", roomId, callerId: "@alice:example.org" },
        },
        { visibility: "ephemeral", message: content("amber") },
        about("amber"),
      );
    await ask("!dm");
    await ask("!group-marked-direct");
    expect(calls.filter((c) => c.body.includes(SECRET)).map((c) => [c.kind, c.roomId])).toEqual([
      ["reply:ephemeral", "!dm"],
      ["dm", "@alice:example.org"],
    ]);
  });

  it("asks who takes part only about the restricted incidents of a list answered to a person", async () => {
    const { outbox, calls, asked } = desk({ ephemeral: true });
    const list = (ids: Array<[string, TlpLabel, boolean]>): Subject => ({
      kind: "incidents",
      incidents: ids.map(([id, tlp, restricted]) => ({ id, tlp, restricted: restricted || tlp === "red" })),
    });
    const answer = (subject: Subject) =>
      outbox.reply(
        {
          platform: "matrix",
          actor: { externalId: "@alice:example.org" },
          room: { roomId: "!team" },
          text: "!inc list",
          dedupeKey: `list-${asked.length}`,
          replyTarget: { platform: "matrix", roomId: "!team", callerId: "@alice:example.org" },
        },
        { visibility: "ephemeral", message: content("amber") },
        subject,
      );
    await answer(
      list([
        ["a", "amber", false],
        ["b", "green", false],
        ["c", "amber+strict", false],
      ]),
    );
    await answer(
      list([
        ["a", "amber", false],
        ["r", "amber", true],
        ["x", "red", false],
      ]),
    );
    expect(asked).toEqual([["r", "x"]]);
    expect(calls.filter((c) => c.body.includes(SECRET)).map((c) => c.kind)).toEqual([
      "reply:ephemeral",
      "reply:ephemeral",
    ]);
  });

  it("asks about a TLP:RED incident even when its facts do not say restricted (the rule reads RED as restricted)", async () => {
    // audience.ts hides a RED incident from a person who does not take part whatever its
    // restricted flag says: the question of who takes part must cover it too, or a person who
    // does take part is refused their own incident's content.
    const { outbox, calls, asked } = desk({ ephemeral: true });
    await outbox.reply(
      {
        platform: "matrix",
        actor: { externalId: "@alice:example.org" },
        room: { roomId: "!team" },
        text: "!inc show",
        dedupeKey: "red-unflagged",
        replyTarget: { platform: "matrix", roomId: "!team", callerId: "@alice:example.org" },
      },
      { visibility: "ephemeral", message: content("red") },
      { kind: "incidents", incidents: [{ id: "x", tlp: "red", restricted: false }] },
    );
    expect(asked).toEqual([["x"]]);
    expect(calls.filter((c) => c.body.includes(SECRET)).map((c) => c.kind)).toEqual(["reply:ephemeral"]);
  });

  it("tells an outsider asking for AMBER content that it may not be shown, without it", async () => {
    const { outbox, calls } = desk({ ephemeral: false });
    await outbox.reply(
      {
        platform: "matrix",
        actor: { externalId: "@eve:partner.example" },
        room: { roomId: "!shared" },
        text: "!inc show",
        dedupeKey: "e2",
        replyTarget: { platform: "matrix", roomId: "!shared", callerId: "@eve:partner.example" },
      },
      { visibility: "ephemeral", message: content("amber") },
      about("amber"),
    );
    expect(calls.some((c) => c.body.includes(SECRET))).toBe(false);
    expect(calls.map((c) => c.kind)).toEqual(["reply:ephemeral"]);
  });

  it("edits a direct message with what its room may read now: a DM room others joined is a room", async () => {
    // ATTACK: on Matrix a paged person has full power in the bot's DM room (trusted private
    // chat) and may invite anyone, an outsider too; the ack or resolve edit of the page DM then
    // showed the page's latest content to everyone in it. A new DM checks that the room is
    // still a two-person chat; the edit did not.
    const { outbox, calls } = desk({ ephemeral: false });
    const alice = { platform: "matrix" as const, externalId: "@alice:example.org" };
    const label: Subject = { kind: "label", tlp: "amber" };
    await outbox.updateDirectMessage(
      alice,
      { roomId: "!dm", messageId: "m1" },
      content("amber"),
      label,
      "page",
    );
    await outbox.updateDirectMessage(
      alice,
      { roomId: "!group-marked-direct", messageId: "m2" },
      content("amber"),
      label,
      "page",
    );
    expect(calls.map((c) => [c.kind, c.roomId, c.body.includes(SECRET)])).toEqual([
      ["update", "!dm", true],
      ["update", "!group-marked-direct", false],
    ]);
  });
});
