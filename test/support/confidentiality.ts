// What the confidentiality tests of every platform share: the same small on-call team, finding
// an incident and its room by what the test declared, and showing where a secret turned up.
import type { Db } from "../../src/db/database.ts";

/** On-call configuration with one team whose only member, alice, is always on call. */
export function aliceOnCall(platform: string, aliceId: string): string {
  return `people:
  - id: alice
    name: Alice
    timeZone: Europe/Paris
    identities: { ${platform}: "${aliceId}" }
teams:
  - id: csirt
    name: CSIRT
    members: [alice]
    escalationPolicy: standard
    rotations:
      - id: primary
        type: weekly
        participants: [alice]
        start: "2026-03-09"
        handoff: "09:00"
        timeZone: Europe/Paris
escalationPolicies:
  - id: standard
    levels:
      - target: { oncall: csirt }
        after: 5m
`;
}

/** The id of the incident the test declared with `title`. */
export async function incidentIdOf(db: Db, title: string): Promise<string> {
  return (await db.incident.findFirstOrThrow({ where: { title } })).publicId;
}

/** The id of the incident's room on `platform`. */
export async function incidentRoomIdOf(db: Db, publicId: string, platform: string): Promise<string> {
  const room = await db.incidentRoom.findFirstOrThrow({ where: { incident: { publicId }, platform } });
  return room.roomId;
}

/** `…context…` around the first `secret` in `json`, for a leak report; undefined when absent. */
export function secretExcerpt(json: string, secret: string): string | undefined {
  const at = json.indexOf(secret);
  return at < 0 ? undefined : `…${json.slice(Math.max(0, at - 80), at + 40)}…`;
}
