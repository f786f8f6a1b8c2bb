// Fans incident changes out to every room bound to the incident, on every platform, and keeps
// each room's pinned summary and topic current. A failing platform never blocks the others;
// failures are logged with the incident id.
import type { Logger } from "pino";
import type { Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import type { Incidents } from "../incidents/incidents.ts";
import { changeMessage, incidentSummary, incidentTopic } from "../incidents/render.ts";
import type { TlpLabel } from "../incidents/tlp.ts";
import type { People } from "../people/people.ts";
import { type Message, text } from "./message.ts";
import type { ChatPlatform, PlatformName } from "./platform.ts";
import { type Destination, tlpGate } from "./tlp-gate.ts";

export interface PostedTo {
  platform: PlatformName;
  roomId: string;
}

export class Notifier {
  readonly #platforms: ReadonlyMap<PlatformName, ChatPlatform>;
  readonly #incidents: Incidents;
  readonly #people: People;
  readonly #log: Logger;
  readonly #timeZone: string;
  readonly #metrics: Metrics | undefined;

  constructor(
    platforms: ReadonlyMap<PlatformName, ChatPlatform>,
    incidents: Incidents,
    people: People,
    log: Logger,
    timeZone: string,
    metrics?: Metrics,
  ) {
    this.#metrics = metrics;
    this.#platforms = platforms;
    this.#incidents = incidents;
    this.#people = people;
    this.#log = log;
    this.#timeZone = timeZone;
  }

  /**
   * Posts `message` in every room of the incident, then refreshes summaries and topics unless
   * the change does not show in them (a note, an update).
   */
  async announce(
    incidentId: string,
    message: Message,
    options: { refreshSummary?: boolean } = {},
  ): Promise<PostedTo[]> {
    const rooms = await this.#incidents.rooms(incidentId);
    const posted: PostedTo[] = [];
    await Promise.all(
      rooms.map(async (room) => {
        const platform = this.#platforms.get(room.platform as PlatformName);
        if (!platform) return;
        try {
          const decision = tlpGate(
            await this.#destinationOf(platform, room.roomId, incidentId),
            message,
            incidentId,
          );
          if (!decision.allowed) {
            // Say something was withheld, never what: the room's people know to look elsewhere.
            this.#log.warn({ incidentId, platform: platform.name, roomId: room.roomId }, decision.reason);
            await platform.post(room.roomId, {
              blocks: [text(`🔒 An update was withheld here: ${decision.reason}`)],
            });
            return;
          }
          await platform.post(room.roomId, message);
          posted.push({ platform: platform.name, roomId: room.roomId });
          this.#metrics?.posts.inc({ platform: platform.name, outcome: "ok" });
        } catch (error) {
          this.#metrics?.posts.inc({ platform: platform.name, outcome: "failed" });
          this.#log.error(
            { err: error, incidentId, platform: platform.name, roomId: room.roomId },
            "announcement not delivered",
          );
        }
      }),
    );
    if (options.refreshSummary ?? true) await this.refreshSummaries(incidentId, rooms);
    return posted;
  }

  /**
   * Announces changes whose announcement a crash lost (committed, never posted). Run at start
   * and every so often; claims each entry first, so replicas do not post it twice.
   */
  async recoverPendingAnnouncements(now: Date, graceMs = 30_000): Promise<number> {
    const pending = await this.#incidents.claimPendingAnnouncements(new Date(now.getTime() - graceMs));
    for (const entry of pending) {
      const incident = await this.#incidents.findById(entry.incidentId);
      const actor = entry.actorId ? await this.#people.findById(entry.actorId) : null;
      if (!incident) continue;
      const line = actor
        ? changeMessage(incident, actor, entry.text, (p) => p.displayName)
        : { tlp: incident.tlp as TlpLabel, blocks: [text(`${incident.publicId}: ${entry.text}`)] };
      await this.announce(incident.id, line);
      this.#log.info(
        { incidentId: incident.publicId, kind: entry.kind },
        "announced a change a crash had left unannounced",
      );
    }
    return pending.length;
  }

  /** An incident room as the TLP gate sees it: cleared for its incident, unless shared outside. */
  async #destinationOf(platform: ChatPlatform, roomId: string, incidentId: string): Promise<Destination> {
    const external = (await platform.isExternal?.(roomId)) ?? false;
    return { description: `${roomId} on ${platform.name}`, clearance: "red", external, incidentId };
  }

  async refreshSummaries(
    incidentId: string,
    knownRooms?: Awaited<ReturnType<Incidents["rooms"]>>,
  ): Promise<void> {
    const [details, rooms] = await Promise.all([
      this.#incidents.details(incidentId),
      knownRooms ?? this.#incidents.rooms(incidentId),
    ]);
    const summary = incidentSummary(details, (p) => p.displayName, this.#timeZone);
    const topic = incidentTopic(details);
    await Promise.all(
      rooms.map(async (room) => {
        const platform = this.#platforms.get(room.platform as PlatformName);
        if (!platform) return;
        try {
          if (room.summaryMessageId) await platform.update(room.roomId, room.summaryMessageId, summary);
          await platform.setTopic(room.roomId, topic);
        } catch (error) {
          this.#log.warn(
            { err: error, incidentId, platform: platform.name, roomId: room.roomId },
            "summary not refreshed",
          );
        }
      }),
    );
  }

  /** Posts and pins the summary in a newly bound room. */
  async openRoom(incidentId: string, platform: ChatPlatform, roomId: string): Promise<void> {
    const details = await this.#incidents.details(incidentId);
    const summary = incidentSummary(details, (p) => p.displayName, this.#timeZone);
    const messageId = await platform.post(roomId, summary);
    await this.#incidents.setSummaryMessage(platform.name, roomId, messageId);
    await platform.pin(roomId, messageId);
  }

  /** Gives the incident's leads moderator power in its rooms, where platforms have such a thing. */
  async grantModerators(incidentId: string, people: Person[]): Promise<void> {
    await this.#forEachRoomOf(
      incidentId,
      people,
      "moderator power not granted",
      async (platform, roomId, ids) => {
        await platform.setModerators?.(roomId, ids);
      },
    );
  }

  /** Invites people to every room of the incident, on each platform where they have an identity. */
  async inviteToRooms(incidentId: string, people: Person[]): Promise<void> {
    await this.#forEachRoomOf(incidentId, people, "invite failed", (platform, roomId, ids) =>
      platform.invite(roomId, ids),
    );
  }

  /** Runs `act` for each room of the incident with the people's ids on that room's platform. */
  async #forEachRoomOf(
    incidentId: string,
    people: Person[],
    failure: string,
    act: (platform: ChatPlatform, roomId: string, externalIds: string[]) => Promise<void>,
  ): Promise<void> {
    const rooms = await this.#incidents.rooms(incidentId);
    const identities = (await Promise.all(people.map((p) => this.#people.identities(p.id)))).flat();
    await Promise.all(
      rooms.map(async (room) => {
        const platform = this.#platforms.get(room.platform as PlatformName);
        const ids = identities.filter((i) => i.platform === room.platform).map((i) => i.externalId);
        if (!platform || ids.length === 0) return;
        try {
          await act(platform, room.roomId, ids);
        } catch (error) {
          this.#log.warn({ err: error, incidentId, platform: platform.name, roomId: room.roomId }, failure);
        }
      }),
    );
  }
}
