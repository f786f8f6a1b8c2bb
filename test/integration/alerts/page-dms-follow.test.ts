// A page's DMs follow the page, through the outbox. Found defect: a person paged by DM kept
// seeing an open alert (with its Ack button) after it had been resolved; only the channel posts
// were edited. Now an ack or resolve edits it to the settled page without its buttons, showing
// the page's latest body. Later signals are not edited into DMs one by one (the channel post
// shows them, once a second): a DM follows the page's state, and a flapping alert costs no edit
// of every paged person's DM every second. The console cannot edit a printed line, so these
// tests give it DMs that can be edited and record the edits.
import { afterEach, describe, expect, it } from "vitest";
import { ConsolePlatform } from "../../../src/chat/console/console-platform.ts";
import type { Message } from "../../../src/chat/message.ts";
import { renderPlainText } from "../../../src/chat/plain-text.ts";
import type { SentDirectMessage } from "../../../src/chat/platform.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, startOncallDesk } from "../oncall/fixture.ts";
import { receive, signal } from "./fixture.ts";

/** A console whose DMs can be edited: each DM gets an id, each edit of one is recorded. */
class EditableDms extends ConsolePlatform {
  readonly sent: Array<SentDirectMessage & { to: string }> = [];
  readonly edits: Array<{ messageId: string; text: string }> = [];

  override async directMessage(externalId: string, message: Message): Promise<SentDirectMessage> {
    await super.directMessage(externalId, message);
    const sent = { roomId: `dm:${externalId}`, messageId: `dm-${this.sent.length + 1}` };
    this.sent.push({ ...sent, to: externalId });
    return sent;
  }

  /** Its DM rooms are two-person chats (the outbox checks before it edits one). */
  override async isDirectWith(roomId?: string, person?: string): Promise<boolean> {
    return roomId === `dm:${person}`;
  }

  override async update(roomId: string, messageId: string, message: Message): Promise<void> {
    if (roomId.startsWith("dm:")) this.edits.push({ messageId, text: renderPlainText(message) });
    else await super.update(roomId, messageId, message);
  }
}

let desk: ConsoleDesk | undefined;
let platform: EditableDms;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

async function start(): Promise<void> {
  desk = await startOncallDesk({
    platform: (options) => {
      platform = new EditableDms(options);
      return platform;
    },
  });
}

describe("an alert page's DMs", () => {
  it("end without buttons once resolved, showing the page's latest signal, with no edit per signal before", async () => {
    await start();
    const active = desk as ConsoleDesk;
    await receive(active, signal());
    const page = platform.sent.find((dm) => dm.to === "bob");
    expect(page).toBeDefined();
    const delivery = await active.db.prisma.pageDelivery.findFirstOrThrow({
      where: { kind: "dm", target: "bob" },
    });
    expect([delivery.dmRoomId, delivery.messageId]).toEqual([page?.roomId, page?.messageId]);

    // A flapping sender: three signals, and the second's show job has run (advance runs the
    // jobs due): the DM is not edited for them.
    for (const rate of [30, 45, 60])
      await active.app.services.alerts.receive([
        signal({ summary: `HighErrorRate on api-gateway (now ${rate}%)` }),
      ]);
    await advance(active, 1000);
    expect(platform.edits.filter((edit) => edit.messageId === page?.messageId)).toHaveLength(0);

    await receive(active, signal({ action: "resolve" }));
    await advance(active, 1000);
    const resolvedEdits = platform.edits.filter((edit) => edit.messageId === page?.messageId);
    expect(resolvedEdits).toHaveLength(1);
    const last = resolvedEdits.at(-1);
    expect(last?.text).toContain("Page #1 resolved by its sender");
    expect(last?.text).not.toContain("[Ack:");
    expect(last?.text).toContain("HighErrorRate on api-gateway (now 60%)");
    // Nothing more for a settled page, however long.
    const edits = platform.edits.length;
    await advance(active, 5000);
    expect(platform.edits.length).toBe(edits);
  });

  it("end acknowledged without buttons when someone acks the page", async () => {
    await start();
    const active = desk as ConsoleDesk;
    await receive(active, signal());
    const page = platform.sent.find((dm) => dm.to === "bob");
    await active.type("/oncall ack 1");
    await advance(active, 0);
    const last = platform.edits.filter((edit) => edit.messageId === page?.messageId).at(-1);
    expect(last?.text).toContain("Page #1 acknowledged by Alice");
    expect(last?.text).not.toContain("[Ack:");
  });
});
