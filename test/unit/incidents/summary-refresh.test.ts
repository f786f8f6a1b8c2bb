// Pinned summaries are refreshed per incident one at a time, and a burst coalesces: while one
// refresh runs, any number that arrive meanwhile become one more, rendered from the state read
// when it starts (the latest), never from what an earlier change returned.
import { describe, expect, it } from "vitest";
import type { Incident } from "../../../src/generated/prisma/client.ts";
import { IncidentRooms } from "../../../src/incidents/incident-rooms.ts";
import type { IncidentDetails, Incidents } from "../../../src/incidents/incidents.ts";
import { silentLogger } from "../../../src/logging.ts";
import type { Outbox } from "../../../src/outbox/outbox.ts";
import type { People } from "../../../src/people/people.ts";

const T0 = new Date("2026-03-10T09:00:00Z");
const incident: Incident = {
  id: "inc-1",
  publicId: "INC-2026-0001",
  title: "Burst",
  summary: "",
  status: "triage",
  severity: 3,
  rsitType: null,
  tlp: "green",
  restricted: false,
  resolution: null,
  mergedIntoId: null,
  teamId: null,
  reporterId: "p-1",
  declaredAt: T0,
  investigatingAt: null,
  containedAt: null,
  eradicatedAt: null,
  recoveredAt: null,
  closedAt: null,
  updatedAt: T0,
};
const person = { id: "p-1", displayName: "Alice", email: null, timeZone: null, createdAt: T0 };
const detailsAt = (status: Incident["status"]): IncidentDetails => ({
  ...incident,
  status,
  reporter: person,
  roles: [],
  participants: [{ person }],
  tasks: [],
});
const ROOM = {
  platform: "console" as const,
  roomId: "#inc",
  name: "#inc",
  summaryMessageId: "m-1",
  topicShown: null,
  summaryShown: null,
  shownVersion: 0,
};

function desk() {
  const edits: string[] = [];
  let release = () => {};
  let gate: Promise<void> | undefined = new Promise<void>((resolve) => {
    release = resolve;
  });
  let stored: IncidentDetails = detailsAt("triage");
  const reads = { details: 0 };
  const outbox = {
    runs: () => true,
    async update(
      _room: unknown,
      _id: string,
      message: { blocks: Array<{ kind: string; fields?: unknown }> },
    ) {
      edits.push(JSON.stringify(message.blocks[1]));
      const waiting = gate;
      gate = undefined;
      await waiting;
      return { sent: true, shown: "edited", unchanged: false };
    },
    setTopic: async () => ({ sent: true, shown: "set", unchanged: false }),
  } as unknown as Outbox;
  const incidents = {
    async details() {
      reads.details++;
      return stored;
    },
    rooms: async () => [ROOM],
    // A refresh given no rooms reads the details and the rooms together.
    async detailsAndRooms() {
      reads.details++;
      return { details: stored, rooms: [ROOM] };
    },
    recordShown: async () => [],
  } as unknown as Incidents;
  const rooms = new IncidentRooms({
    outbox,
    incidents,
    people: {} as People,
    log: silentLogger,
    timeZone: "UTC",
  });
  return {
    rooms,
    edits,
    reads,
    release: () => release(),
    store: (details: IncidentDetails) => {
      stored = details;
    },
  };
}

describe("summary refreshes of one incident", () => {
  it("render from the details a change returned, reading nothing", async () => {
    const d = desk();
    d.release();
    await d.rooms.refreshSummaries(incident.id, [ROOM], detailsAt("investigating"));
    expect(d.reads.details).toBe(0);
    expect(d.edits).toHaveLength(1);
    expect(d.edits[0]).toContain("investigating");
  });

  it("coalesce a burst of ten into one more edit, with the latest state", async () => {
    const d = desk();
    const first = d.rooms.refreshSummaries(incident.id, [ROOM], detailsAt("investigating"));
    const burst = ["contained", "eradicated", "recovered"].flatMap((status) =>
      [0, 1, 2].map(() => d.rooms.refreshSummaries(incident.id, [ROOM], detailsAt(status as "contained"))),
    );
    burst.push(d.rooms.refreshSummaries(incident.id, [ROOM], detailsAt("contained")));
    // What the database holds by the time the coalesced refresh runs.
    d.store(detailsAt("recovered"));
    d.release();
    await Promise.all([first, ...burst]);
    expect(d.edits).toHaveLength(2);
    expect(d.edits[0]).toContain("investigating");
    expect(d.edits[1]).toContain("recovered");
    expect(d.reads.details).toBe(1);
  });
});
