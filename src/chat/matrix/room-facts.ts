// What a command needs to know about the room it was typed in, read from the room's state: its
// name, who created it, how many members it has, their display names and whether it is a direct
// chat. The same function reads matrix-js-sdk's room state and the homeserver's /state answer.

export interface StateEventLike {
  type: string;
  state_key?: string;
  sender?: string;
  content: Record<string, unknown>;
}

export interface RoomFacts {
  name?: string;
  alias?: string;
  /** Who created the room: rooms the bot created have their membership decided by the desk. */
  creator?: string;
  joinedMembers: number;
  /** Display names of members, by user id. */
  displayNames: Map<string, string>;
  /** Whether a membership event of `me` carries `is_direct` (how clients mark a DM invite). */
  markedDirect: boolean;
  /** Homeservers of joined and invited members: more than the bot's own means federation. */
  memberServers: Set<string>;
  /** Joined and invited members: who can read the room now or soon. */
  members: Set<string>;
}

export function roomFactsFromState(events: Iterable<StateEventLike>, me: string): RoomFacts {
  const facts: RoomFacts = {
    joinedMembers: 0,
    displayNames: new Map(),
    markedDirect: false,
    memberServers: new Set(),
    members: new Set(),
  };
  for (const event of events) {
    const content = event.content ?? {};
    switch (event.type) {
      case "m.room.create":
        facts.creator = event.sender ?? (typeof content.creator === "string" ? content.creator : undefined);
        break;
      case "m.room.name":
        if (typeof content.name === "string" && content.name.trim()) facts.name = content.name;
        break;
      case "m.room.canonical_alias":
        if (typeof content.alias === "string") facts.alias = content.alias;
        break;
      case "m.room.member": {
        const userId = event.state_key ?? "";
        if (content.membership === "join") facts.joinedMembers++;
        if (content.membership === "join" || content.membership === "invite") {
          facts.memberServers.add(serverOf(userId));
          facts.members.add(userId);
        }
        if (typeof content.displayname === "string" && content.displayname.trim()) {
          facts.displayNames.set(userId, content.displayname);
        }
        if (userId === me && content.is_direct === true) facts.markedDirect = true;
        break;
      }
    }
  }
  return facts;
}

/**
 * A direct chat: one the bot knows as a DM (it made it, or was invited with `is_direct`), one
 * marked direct, or an unnamed room of exactly two members (the person and the bot).
 */
export function isDirectChat(facts: RoomFacts, knownDirect: boolean): boolean {
  return knownDirect || facts.markedDirect || (facts.joinedMembers === 2 && !facts.name && !facts.alias);
}

/** `@alice:example.org` → `example.org` (server names may carry a port: `example.org:8448`). */
export function serverOf(userId: string): string {
  return userId.slice(userId.indexOf(":") + 1);
}
