// The outbox's changes of a room that stay on screen: the pinned summary's edit and the topic.
// Each is decided for the room's audience now (a room that may not see the incident gets a notice
// or the withheld topic, which name nothing), and left out when the room shows exactly that
// already (its fingerprint, see fingerprint.ts, compared with the caller's record). Part of the
// Outbox (its methods `update` and `setTopic` call these): the platforms stay in the outbox.

import type { PlatformName } from "../chat/invocation.ts";
import { type Message, text } from "../chat/message.ts";
import type { ChatPlatform } from "../chat/platform.ts";
import { type Audience, decide, type Subject } from "./audience.ts";
import { fingerprintOf } from "./fingerprint.ts";
import { type Content, type OutboundKind, type Outcome, renderFor } from "./verdicts.ts";

/**
 * What a room shows after a summary edit or a topic (its fingerprint, see fingerprint.ts), and
 * whether nothing was sent because it showed that already.
 */
export interface ShownAfter {
  shown: string;
  unchanged: boolean;
}

/** What a room shows now (its fingerprint, null when unknown) for a summary edit or a topic. */
export interface ShownBefore {
  shown: string | null;
  /**
   * Runs just before the call that changes the room, and the call is not made when it fails: the
   * caller marks its record of the room unknown there, so that a record it never gets to write
   * after the call (the process dies, its connection drops) does not keep saying what the room
   * showed before.
   */
  changing?: () => Promise<void>;
}

/** What the room changes use of the outbox: its platforms, audiences and counters. */
export interface RoomChangeSeam {
  platform(name: PlatformName): ChatPlatform;
  roomAudience(platform: ChatPlatform, roomId: string, subject: Subject): Promise<Audience>;
  count(platform: PlatformName, kind: OutboundKind, outcome: "sent" | "refused" | "failed"): void;
}

export class RoomChanges {
  readonly #seam: RoomChangeSeam;

  constructor(seam: RoomChangeSeam) {
    this.#seam = seam;
  }

  /** See Outbox.update. */
  async update(
    room: { platform: PlatformName; roomId: string },
    messageId: string,
    content: Content,
    subject: Subject,
    before?: ShownBefore,
  ): Promise<Outcome & ShownAfter> {
    const platform = this.#seam.platform(room.platform);
    const verdict = renderFor(
      decide(await this.#seam.roomAudience(platform, room.roomId, subject), subject),
      content,
      subject,
    );
    const message: Message = verdict.message ?? {
      blocks: [text(verdict.notice ?? "🔒 This summary is withheld here.")],
    };
    const outcome: Outcome = verdict.message
      ? { sent: true }
      : { sent: false, reason: verdict.reason, noticed: true };
    const shown = fingerprintOf(message);
    const unchanged = await unlessShown(shown, before, async () => {
      await platform.update(room.roomId, messageId, message);
      this.#seam.count(platform.name, "summary", verdict.message ? "sent" : "refused");
    });
    return { ...outcome, shown, unchanged };
  }

  /** See Outbox.setTopic. */
  async setTopic(
    room: { platform: PlatformName; roomId: string },
    topic: string,
    subject: Subject,
    withheldTopic: string,
    before?: ShownBefore,
  ): Promise<Outcome & ShownAfter> {
    const platform = this.#seam.platform(room.platform);
    const decision = decide(await this.#seam.roomAudience(platform, room.roomId, subject), subject);
    const allowed = decision.action === "send";
    const outcome: Outcome = allowed
      ? { sent: true }
      : { sent: false, reason: "topic withheld", noticed: true };
    const set = allowed ? topic : withheldTopic;
    const shown = fingerprintOf(set);
    const unchanged = await unlessShown(shown, before, () => platform.setTopic(room.roomId, set));
    return { ...outcome, shown, unchanged };
  }

  /** See Outbox.retryAfterMs. */
  retryAfterMs(platform: PlatformName, error: unknown): number | undefined {
    try {
      return this.#seam.platform(platform).retryAfterMs?.(error);
    } catch {
      return undefined;
    }
  }
}

/**
 * Runs `change` unless the room shows `shown` already (true then); `before.changing` runs first,
 * and a failure there leaves the room unchanged.
 */
async function unlessShown(
  shown: string,
  before: ShownBefore | undefined,
  change: () => Promise<void>,
): Promise<boolean> {
  if (shown === before?.shown) return true;
  await before?.changing?.();
  await change();
  return false;
}
