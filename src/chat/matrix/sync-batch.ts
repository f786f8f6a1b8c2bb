// Reading one /sync response the way the bot needs it: which timeline events of a joined room
// are addressed to it, whether part of the timeline is missing, who sent an invite.

export interface RawEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts?: number;
  state_key?: string;
  content: Record<string, unknown>;
  unsigned?: { prev_content?: Record<string, unknown> };
}

/** A joined room's part of a /sync response (`rooms.join[roomId]`). */
export interface JoinedRoomBatch {
  timeline?: { events?: RawEvent[]; limited?: boolean; prev_batch?: string };
  state?: { events?: RawEvent[] };
  "org.matrix.msc4222.state_after"?: { events?: RawEvent[] };
}

export interface JoinedRoomReading {
  /** Messages from people that may be commands, oldest first. */
  candidates: RawEvent[];
  /**
   * Set when the timeline was cut (`limited`) in a room the bot was already in: the events
   * between the previous sync and this token must be fetched with /messages.
   */
  gapBefore?: string;
  /** People wrote encrypted messages the bot cannot read. */
  encryptedFromPeople: boolean;
}

export function readJoinedRoom(joined: JoinedRoomBatch, botUserId: string): JoinedRoomReading {
  const timeline = joined.timeline?.events ?? [];
  const state = joined.state?.events ?? joined["org.matrix.msc4222.state_after"]?.events ?? [];
  const ownJoin = timeline.findLastIndex((event) => isJoinOf(event, botUserId));
  const newlyJoined = ownJoin >= 0 || state.some((event) => isJoinOf(event, botUserId));
  // History from before the bot joined is not addressed to it (a room it just joined comes with
  // its recent history); nor is a gap in it worth fetching.
  const addressed = ownJoin >= 0 ? timeline.slice(ownJoin + 1) : timeline;
  return {
    candidates: addressed.filter((event) => mayBeCommand(event, botUserId)),
    gapBefore: !newlyJoined && joined.timeline?.limited ? joined.timeline.prev_batch : undefined,
    encryptedFromPeople: addressed.some((e) => e.type === "m.room.encrypted" && e.sender !== botUserId),
  };
}

/**
 * Only `m.text` from people: never the bot's own messages, and never an `m.notice`, which is what
 * bots send (tocsin included), so two bots cannot answer each other forever.
 */
export function mayBeCommand(event: RawEvent, botUserId: string): boolean {
  if (event.sender === botUserId) return false;
  if (event.type === "m.room.message") return event.content?.msgtype === "m.text";
  // A ✅ on one of the bot's messages runs its acknowledge action (pages).
  return event.type === "m.reaction" && ACK_KEYS.has(String(reactionOf(event)?.key ?? ""));
}

/** Reactions that mean "acknowledged". */
export const ACK_KEYS = new Set(["✅", "✔️", "☑️", "👍"]);

export function reactionOf(event: RawEvent): { event_id?: string; key?: string } | undefined {
  const relation = event.content?.["m.relates_to"] as
    | { rel_type?: string; event_id?: string; key?: string }
    | undefined;
  return relation?.rel_type === "m.annotation" ? relation : undefined;
}

/** The bot's own join (not a profile change of a member who was already in). */
function isJoinOf(event: RawEvent, userId: string): boolean {
  return (
    event.type === "m.room.member" &&
    event.state_key === userId &&
    event.content?.membership === "join" &&
    event.unsigned?.prev_content?.membership !== "join"
  );
}

export interface StrippedStateEvent {
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
}

/**
 * Who invited the bot (the sender of the invite event itself, never another member event), and
 * whether as a direct chat, from an invite's stripped state. Several member events for the bot
 * mean forged state: no inviter.
 */
export function readInvite(
  inviteState: readonly StrippedStateEvent[],
  botUserId: string,
): { inviter?: string; direct: boolean } {
  const own = inviteState.filter((e) => e.type === "m.room.member" && e.state_key === botUserId);
  const invite = own.length === 1 && own[0]?.content?.membership === "invite" ? own[0] : undefined;
  const inviter = typeof invite?.sender === "string" ? invite.sender : undefined;
  return { inviter, direct: invite?.content?.is_direct === true };
}
