import { describe, expect, it } from "vitest";
import { type RawEvent, readInvite, readJoinedRoom } from "../../../src/chat/matrix/sync-batch.ts";

const BOT = "@tocsin:example.org";
let n = 0;
const message = (sender: string, body: string, msgtype = "m.text"): RawEvent => ({
  event_id: `$${++n}`,
  type: "m.room.message",
  sender,
  content: { msgtype, body },
});
const member = (userId: string, membership: string, previous?: string): RawEvent => ({
  event_id: `$${++n}`,
  type: "m.room.member",
  sender: userId,
  state_key: userId,
  content: { membership },
  unsigned: previous ? { prev_content: { membership: previous } } : {},
});
const bodies = (events: RawEvent[]) => events.map((e) => e.content.body);

describe("reading a joined room's sync batch", () => {
  it("keeps people's m.text messages only", () => {
    const reading = readJoinedRoom(
      {
        timeline: {
          events: [
            message("@alice:example.org", "!inc list"),
            message("@otherbot:example.org", "!inc list", "m.notice"),
            message(BOT, "!inc list"),
          ],
        },
      },
      BOT,
    );
    expect(bodies(reading.candidates)).toEqual(["!inc list"]);
    expect(reading.gapBefore).toBeUndefined();
  });

  it("skips history from before the bot's own join, and asks for no gap in a room just joined", () => {
    const reading = readJoinedRoom(
      {
        timeline: {
          events: [
            message("@alice:example.org", "old"),
            member(BOT, "join", "invite"),
            message("@alice:example.org", "new"),
          ],
          limited: true,
          prev_batch: "t1",
        },
      },
      BOT,
    );
    expect(bodies(reading.candidates)).toEqual(["new"]);
    expect(reading.gapBefore).toBeUndefined();
  });

  it("a profile change of the bot is not a join; a cut timeline in a known room is a gap", () => {
    const reading = readJoinedRoom(
      {
        timeline: {
          events: [
            message("@alice:example.org", "a"),
            member(BOT, "join", "join"),
            message("@alice:example.org", "b"),
          ],
          limited: true,
          prev_batch: "t7",
        },
      },
      BOT,
    );
    expect(bodies(reading.candidates)).toEqual(["a", "b"]);
    expect(reading.gapBefore).toBe("t7");
  });

  it("notices encrypted messages from people", () => {
    const encrypted: RawEvent = {
      event_id: "$e",
      type: "m.room.encrypted",
      sender: "@alice:example.org",
      content: {},
    };
    expect(readJoinedRoom({ timeline: { events: [encrypted] } }, BOT).encryptedFromPeople).toBe(true);
  });

  it("reads who invited the bot and whether as a DM", () => {
    const invite = [
      { type: "m.room.name", state_key: "", sender: "@alice:example.org", content: { name: "ops" } },
      {
        type: "m.room.member",
        state_key: BOT,
        sender: "@alice:example.org",
        content: { membership: "invite", is_direct: true },
      },
    ];
    expect(readInvite(invite, BOT)).toEqual({ inviter: "@alice:example.org", direct: true });
    expect(readInvite([], BOT)).toEqual({ inviter: undefined, direct: false });
  });
});
