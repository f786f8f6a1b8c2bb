// An incident's rooms, on every platform: opening one (create, bind, invite, pin the summary),
// announcing changes in all of them, keeping pinned summaries and topics current, inviting and
// granting moderator power, and archiving them after closing. Everything goes out through the
// outbox, which decides per room (a room shared outside the organisation takes at most
// TLP:GREEN); a failing platform never blocks the others, and failures are logged with the id.
import type { Logger } from "pino";
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import { context, type Message, text } from "../chat/message.ts";
import type { DbTransaction } from "../db/database.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { JobQueue } from "../jobs/queue.ts";
import { fingerprintOf } from "../outbox/fingerprint.ts";
import type { IncidentFacts, Outbox, RoomAddress, Subject } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";
import type { IncidentDetails, Incidents, RoomOfIncident, RoomShown } from "./incidents.ts";
import { changeMessage, incidentSummary, incidentTopic } from "./render.ts";
import { ShownRecords } from "./shown-records.ts";
import { storedTlp } from "./tlp.ts";

export const ARCHIVE_ROOMS_JOB = "incident.archive-rooms";

export interface PostedTo {
  platform: PlatformName;
  roomId: string;
}

/** An incident and its rooms as a change returned them (Change.incident, Change.rooms). */
export interface AnnouncedChange {
  incident: Incident;
  rooms: RoomOfIncident[];
  /** The details after the change, when its statement read them: the summary is rendered from them. */
  details?: IncidentDetails;
}

/** A room whose refresh failed (a call, or the record of what it shows): it may show an older state. */
export interface RefreshFailure {
  incidentId: string;
  platform: string;
  roomId: string;
  /** What failed, when a platform call did (its Retry-After, if a rate limit: Outbox.retryAfterMs). */
  error?: unknown;
}

/** A summary refresh waiting for the one of its incident that runs (see refreshSummaries). */
interface QueuedRefresh {
  done: Promise<void>;
  finished: () => void;
}

export type OpenedRoom = { ok: true; name: string; platform: PlatformName } | { ok: false; reason: string };

/** What the outbox needs to know of an incident to decide who may read about it. */
export function incidentFacts(incident: Pick<Incident, "id" | "tlp" | "restricted">): IncidentFacts {
  const tlp = storedTlp(incident.tlp);
  return { id: incident.id, tlp, restricted: incident.restricted || tlp === "red" };
}

export function aboutIncident(incident: Pick<Incident, "id" | "tlp" | "restricted">): Subject {
  return { kind: "incidents", incidents: [incidentFacts(incident)] };
}

export class IncidentRooms {
  readonly #outbox: Outbox;
  readonly #incidents: Incidents;
  readonly #people: People;
  readonly #log: Logger;
  readonly #timeZone: string;
  /** Per incident: the refresh running, and whether another is to follow it. */
  readonly #refreshing = new Map<string, { queued?: QueuedRefresh }>();
  /** What rooms were shown, as this process recorded it after the rows it was given were read. */
  readonly #shown = new ShownRecords();
  /** Told of rooms a refresh left unrefreshed (room-refresh-retries.ts retries them durably). */
  #onFailed: ((failures: RefreshFailure[]) => Promise<void>) | undefined;

  constructor(options: {
    outbox: Outbox;
    incidents: Incidents;
    people: People;
    log: Logger;
    timeZone: string;
  }) {
    this.#outbox = options.outbox;
    this.#incidents = options.incidents;
    this.#people = options.people;
    this.#log = options.log;
    this.#timeZone = options.timeZone;
  }

  /**
   * Opens a room for the incident on a platform: created (named by the id alone when the
   * incident is restricted), bound to the incident, then the people who take part invited, the
   * summary posted and pinned. `alsoInvite` adds the caller on the platform they typed on.
   */
  async open(
    incident: Incident,
    on: PlatformName,
    alsoInvite: string[] = [],
    known?: IncidentDetails,
  ): Promise<OpenedRoom> {
    if (!this.#outbox.runs(on)) return { ok: false, reason: `${on} is not configured here` };
    try {
      // A declaration knows its details (its reporter, nobody else yet): no need to read them.
      const details = known?.id === incident.id ? known : await this.#incidents.details(incident.id);
      const people = [...new Set([details.reporterId, ...details.participants.map((p) => p.person.id)])];
      const identities = await this.#people.identitiesOn(on, people);
      const invite = new Set([...identities.map((i) => i.externalId), ...alsoInvite]);
      // Created empty and bound before anyone is invited: a command typed in the room as soon
      // as someone is in it is that incident's command (an unbound room's would be refused or
      // taken as a command of no incident).
      const topic = incidentTopic(details);
      const room = await this.#outbox.createIncidentRoom(on, {
        incident: incidentFacts(incident),
        publicId: incident.publicId,
        title: incident.title,
        topic,
        invite: [],
      });
      await this.#incidents.bindRoom(incident.id, on, room.roomId, room.name, {
        fingerprint: fingerprintOf(topic),
        renderedFrom: details.updatedAt,
      });
      const address = { platform: on, roomId: room.roomId };
      await this.#outbox.invite(address, [...invite]);
      await this.#postSummary(details, address);
      return { ok: true, name: room.name, platform: on };
    } catch (error) {
      this.#log.error(
        { err: error, incidentId: incident.publicId, platform: on },
        "incident room not opened",
      );
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Posts `message` in every room of the incident, then refreshes summaries and topics unless
   * the change does not show in them (a note, an update).
   */
  async announce(
    incidentId: string,
    message: Message,
    options: { refreshSummary?: boolean; changed?: AnnouncedChange } = {},
  ): Promise<PostedTo[]> {
    // A change read its incident and rooms in its own statement: no need to read them again.
    const changed = options.changed?.incident.id === incidentId ? options.changed : undefined;
    const [incident, rooms] = changed
      ? [changed.incident, changed.rooms]
      : await Promise.all([this.#incidents.findById(incidentId), this.#incidents.rooms(incidentId)]);
    if (!incident) return [];
    const subject = aboutIncident(incident);
    const posted: PostedTo[] = [];
    await Promise.all(
      rooms.map(async (room) => {
        const address = addressOf(room);
        if (!address || !this.#outbox.runs(address.platform)) return;
        try {
          const outcome = await this.#outbox.post(address, message, subject, "announcement");
          if (outcome.sent) posted.push(address);
        } catch (error) {
          this.#log.error({ err: error, incidentId, ...address }, "announcement not delivered");
        }
      }),
    );
    if (options.refreshSummary ?? true) await this.refreshSummaries(incidentId, rooms, changed?.details);
    return posted;
  }

  /**
   * The summary refresh of an announced change, run apart from the announcement (a command's
   * answer goes between the two), from the rooms and details the change read when it has them.
   */
  async refreshAfter(incidentId: string, changed?: AnnouncedChange): Promise<void> {
    const own = changed?.incident.id === incidentId ? changed : undefined;
    await this.refreshSummaries(incidentId, own?.rooms, own?.details);
  }

  /** `listener` is told of rooms a refresh failed in, after the refresh (awaited, its failure logged). */
  onRefreshFailed(listener: (failures: RefreshFailure[]) => Promise<void>): void {
    this.#onFailed = listener;
  }

  async #refreshFailed(failures: RefreshFailure[]): Promise<void> {
    if (failures.length === 0 || !this.#onFailed) return;
    try {
      await this.#onFailed(failures);
    } catch (error) {
      this.#log.error({ err: error, rooms: failures.length }, "failed refreshes not scheduled for a retry");
    }
  }

  /** The incident's rooms on running platforms. */
  async roomsOf(incidentId: string): Promise<Array<RoomAddress & { name: string }>> {
    return (await this.#incidents.rooms(incidentId)).flatMap((room) => {
      const address = addressOf(room);
      return address && this.#outbox.runs(address.platform) ? [{ ...address, name: room.name }] : [];
    });
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
        : { tlp: storedTlp(incident.tlp), blocks: [text(`${incident.publicId}: ${entry.text}`)] };
      await this.announce(incident.id, line);
      this.#log.info(
        { incidentId: incident.publicId, kind: entry.kind },
        "announced a change a crash had left unannounced",
      );
    }
    return pending.length;
  }

  /**
   * Completes declarations a crash interrupted after the incident was committed and before its
   * room was bound (kill -9 right after the platform created the channel; the retry of the
   * command is deduplicated away). Run at start and every so often, like announcement recovery:
   * an open incident declared more than `graceMs` ago (and within a week) with no room gets one
   * on the platform it was declared from, its summary pinned, and the declarer is told by direct
   * message. Each incident is claimed once across replicas.
   */
  async recoverUnopenedRooms(now: Date, graceMs = 120_000): Promise<number> {
    const orphans = await this.#incidents.declaredWithoutRoom(
      new Date(now.getTime() - 7 * 24 * 3_600_000),
      new Date(now.getTime() - graceMs),
      this.#outbox.platformNames,
    );
    let opened = 0;
    for (const orphan of orphans) {
      if (!this.#outbox.runs(orphan.platform)) continue;
      if (!(await this.#incidents.claimRecovery(`room-recovery:${orphan.incident.id}`))) continue;
      const declarer = orphan.declarerId
        ? (await this.#people.identitiesOn(orphan.platform, [orphan.declarerId]))[0]?.externalId
        : undefined;
      const room = await this.open(orphan.incident, orphan.platform, declarer ? [declarer] : []);
      this.#log.warn(
        { incidentId: orphan.incident.publicId, platform: orphan.platform, opened: room.ok },
        "completed a declaration a crash had left without its room",
      );
      if (!room.ok) continue;
      opened++;
      if (declarer) {
        await this.#outbox.directMessage(
          { platform: orphan.platform, externalId: declarer },
          {
            blocks: [
              text(
                `🚨 ${orphan.incident.publicId} was declared, but tocsin stopped before its room was ready. Its room is open now: ${room.name}.`,
              ),
            ],
          },
          aboutIncident(orphan.incident),
        );
      }
    }
    return opened;
  }

  /**
   * Edits the pinned summary and sets the topic in every room of the incident, from the details
   * a change already read when it gives them. Coalesced per incident: while one refresh runs,
   * the next waits, and however many arrive meanwhile run as one that reads the latest state
   * (a burst of ten changes edits each summary twice at most, the last time with the latest).
   */
  async refreshSummaries(
    incidentId: string,
    knownRooms?: RoomOfIncident[],
    knownDetails?: IncidentDetails,
  ): Promise<void> {
    const lane = this.#refreshing.get(incidentId);
    if (lane) {
      if (lane.queued) return lane.queued.done;
      let finished = () => {};
      const done = new Promise<void>((resolve) => {
        finished = resolve;
      });
      lane.queued = { done, finished };
      return done;
    }
    const running: { queued?: QueuedRefresh } = {};
    this.#refreshing.set(incidentId, running);
    await this.#refreshNow(incidentId, knownRooms, knownDetails);
    // Those that arrived meanwhile: one more refresh, reading the state as it is now.
    while (running.queued) {
      const queued = running.queued;
      running.queued = undefined;
      await this.#refreshNow(incidentId);
      queued.finished();
    }
    this.#refreshing.delete(incidentId);
  }

  /**
   * One refresh: in each room, the summary edited and the topic set unless the room shows them
   * already (what it was last shown is recorded on its row, shared by replicas and restarts: in
   * Slack every topic set is a visible message in the channel). Then what was shown is recorded,
   * only where nobody recorded anything since this refresh read the rows; where someone did, the
   * two refreshes' calls may have landed in either order, so the record is dropped and the rooms
   * refreshed once more from what the database holds now.
   */
  async #refreshNow(
    incidentId: string,
    knownRooms?: RoomOfIncident[],
    knownDetails?: IncidentDetails,
    retry = false,
  ): Promise<void> {
    let details: IncidentDetails;
    let rooms: RoomOfIncident[];
    // A change whose refresh comes after one of a later change (its announcement was slow) holds
    // details older than what this process showed and recorded since its statement read the
    // rooms: compared with that record they would go out as new (a summary of before a raise to
    // RED, under its TLP:GREEN). Its rooms are still right; its details are read as they are now.
    if (knownDetails && knownRooms?.some((room) => this.#shown.newerThan(room))) knownDetails = undefined;
    try {
      // Rooms read no later than the details: a change of TLP after the rooms were read resets
      // their records and raises their versions (a trigger), so what this refresh shows from
      // details of before it is not recorded; rooms read after it with details of before it would be.
      if (knownRooms) {
        [details, rooms] = [knownDetails ?? (await this.#incidents.details(incidentId)), knownRooms];
      } else {
        ({ details, rooms } = await this.#incidents.detailsAndRooms(incidentId));
      }
    } catch (error) {
      this.#log.warn({ err: error, incidentId }, "summaries not refreshed");
      await this.#refreshFailed(
        (knownRooms ?? []).map((room) => ({ incidentId, platform: room.platform, roomId: room.roomId })),
      );
      return;
    }
    const summary = incidentSummary(details, (p) => p.displayName, this.#timeZone);
    const topic = incidentTopic(details);
    const subject = aboutIncident(details);
    const shown: RoomShown[] = [];
    const failures: RefreshFailure[] = [];
    await Promise.all(
      rooms.map(async (room) => {
        const address = addressOf(room);
        if (!address || !this.#outbox.runs(address.platform)) return;
        const before = this.#shown.latest(room);
        const after: RoomShown = { ...address, ...before };
        shown.push(after);
        // Once per room, before its first call that changes it (none when it shows all already).
        let markedUnknown: Promise<void> | undefined;
        const changing = () => {
          markedUnknown ??= this.#incidents.markShownUnknown(after).then((version) => {
            after.version = version;
          });
          return markedUnknown;
        };
        try {
          // Each unknown (null) while its call runs: a failed one may or may not have reached the
          // room. One not made (the edit before it failed) leaves the room as it was.
          if (room.summaryMessageId) {
            after.summary = null;
            after.summary = (
              await this.#outbox.update(address, room.summaryMessageId, summary, subject, {
                shown: before.summary,
                changing,
              })
            ).shown;
          }
          after.topic = null;
          after.topic = (
            await this.#outbox.setTopic(address, topic, subject, withheldTopic(details.publicId), {
              shown: before.topic,
              changing,
            })
          ).shown;
        } catch (error) {
          this.#log.warn({ err: error, incidentId, ...address }, "summary not refreshed");
          failures.push({ incidentId, ...address, error });
        }
      }),
    );
    try {
      const raced = await this.#incidents.recordShown(shown);
      for (const room of shown) if (!raced.includes(room)) this.#shown.recorded(room);
      if (raced.length > 0) {
        this.#shown.forget(raced);
        await this.#incidents.forgetShown(raced);
        if (!retry) await this.#refreshNow(incidentId, undefined, undefined, true);
        // Raced again: left unknown (forgotten above), and refreshed again later.
        else
          for (const room of raced)
            failures.push({ incidentId, platform: room.platform, roomId: room.roomId });
      }
    } catch (error) {
      this.#log.warn({ err: error, incidentId }, "what the rooms show was not recorded");
      // The rooms marked unknown stay so, whatever their calls did: each is refreshed again.
      for (const { platform, roomId } of shown) failures.push({ incidentId, platform, roomId });
    }
    await this.#refreshFailed(failures);
  }

  /** Gives the incident's leads moderator power in its rooms, where platforms have such a thing. */
  async grantModerators(incidentId: string, people: Person[]): Promise<void> {
    await this.#forEachRoomOf(incidentId, people, "moderator power not granted", (room, ids) =>
      this.#outbox.setModerators(room, ids),
    );
  }

  /** Invites people to every room of the incident, on each platform where they have an identity. */
  async inviteToRooms(incidentId: string, people: Person[]): Promise<void> {
    await this.#forEachRoomOf(incidentId, people, "invite failed", (room, ids) =>
      this.#outbox.invite(room, ids),
    );
  }

  /**
   * Archives the incident's rooms some time after it closed (TOCSIN_ARCHIVE_AFTER), on the
   * platforms that can (Slack). A durable job per closing, so a restart does not forget it; the
   * job re-checks that the incident is still closed (a reopen cancels the archiving in effect).
   */
  scheduleArchiving(jobs: JobQueue, afterMs: number): void {
    const archive = jobs.define({
      kind: ARCHIVE_ROOMS_JOB,
      payload: z.object({ incidentId: z.string(), closedAt: z.iso.datetime() }),
      handler: (job) => this.#archive(job.payload),
    });
    this.#incidents.onClosed(async (tx: DbTransaction, incident, now) => {
      await archive.enqueue(tx, {
        key: `archive:${incident.id}:${now.toISOString()}`,
        payload: { incidentId: incident.id, closedAt: now.toISOString() },
        dueAt: new Date(now.getTime() + afterMs),
      });
    });
  }

  async #archive({ incidentId, closedAt }: { incidentId: string; closedAt: string }): Promise<void> {
    const incident = await this.#incidents.findById(incidentId);
    // Reopened since (and maybe closed again, which scheduled its own job): leave the rooms.
    const lastChange = await this.#incidents.lastStatusChangeAt(incidentId);
    if (incident?.status !== "closed" || (lastChange && lastChange.getTime() > Date.parse(closedAt))) return;
    for (const room of await this.roomsOf(incidentId)) {
      if (!this.#outbox.canArchive(room.platform)) continue;
      await this.#outbox.post(
        room,
        {
          blocks: [
            text(`${incident.publicId} is closed; archiving this room.`),
            context("The record stays in tocsin: /inc show"),
          ],
        },
        aboutIncident(incident),
      );
      await this.#outbox.archive(room);
      this.#log.info({ incidentId: incident.publicId, ...room }, "incident room archived");
    }
  }

  /** Posts and pins the summary in a newly bound room. */
  async #postSummary(details: IncidentDetails, room: RoomAddress): Promise<void> {
    const summary = incidentSummary(details, (p) => p.displayName, this.#timeZone);
    const outcome = await this.#outbox.post(room, summary, aboutIncident(details), "summary");
    if (!outcome.sent || !outcome.messageId) return;
    // Independent of each other (a row and a Web API call): one wait instead of two. Sent, so
    // the room got `summary` itself: its fingerprint is what the room shows (an edit of the same
    // is left out, and "unknown" on the row means a refresh of it failed).
    const messageId = outcome.messageId;
    await Promise.all([
      this.#incidents.setSummaryMessage(room.platform, room.roomId, messageId, {
        fingerprint: fingerprintOf(summary),
        renderedFrom: details.updatedAt,
      }),
      this.#outbox.pin(room, messageId),
    ]);
  }

  /** Runs `act` for each room of the incident with the people's ids on that room's platform. */
  async #forEachRoomOf(
    incidentId: string,
    people: Person[],
    failure: string,
    act: (room: RoomAddress, externalIds: string[]) => Promise<void>,
  ): Promise<void> {
    const rooms = await this.roomsOf(incidentId);
    const identities = (await Promise.all(people.map((p) => this.#people.identities(p.id)))).flat();
    await Promise.all(
      rooms.map(async (room) => {
        const ids = identities.filter((i) => i.platform === room.platform).map((i) => i.externalId);
        if (ids.length === 0) return;
        try {
          await act(room, ids);
        } catch (error) {
          this.#log.warn({ err: error, incidentId, ...room }, failure);
        }
      }),
    );
  }
}

function addressOf(room: RoomOfIncident): RoomAddress | undefined {
  return { platform: room.platform, roomId: room.roomId };
}

/** The topic of a room that may not see the incident's details: its id and why, nothing more. */
function withheldTopic(publicId: string): string {
  return `${publicId} · details withheld: this room is shared outside the organisation`;
}
