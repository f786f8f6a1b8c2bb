// What a room was shown, as a short digest to keep on the room's row: a refresh compares the
// digest of what it would show with the one recorded, and leaves the room alone when they are
// equal (in Slack every topic change is a visible "set the channel topic" message, and an edit of
// the pinned summary a notification for nothing). A digest, not the text: the row stays small and
// carries nothing of an incident that the room itself did not get.
import { createHash } from "node:crypto";
import type { Message } from "../chat/message.ts";

export function fingerprintOf(shown: string | Message): string {
  const text = typeof shown === "string" ? `topic:${shown}` : `message:${JSON.stringify(shown)}`;
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}
