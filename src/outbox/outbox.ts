// The outbox: the one holder of the chat platforms, so the one way out of tocsin. Every outbound
// item (a reply, a post, a summary edit, a topic, a room name, a direct message, a page, a file,
// an invitation) comes with what it is about (a Subject). The outbox resolves the destination's
// audience now (an incident's own room, a configured room and its clearance, a verified two-person
// direct chat, a room shared outside the organisation, or unknown) and sends, filters, or refuses
// by one rule (./audience.ts). Nothing else can reach a platform: `npm run lint` forbids importing
// src/chat/platform.ts anywhere but here, in the platforms and in the composition root.
import type { Logger } from "pino";
import type { Invocation, PlatformName, PlatformUser, Reply } from "../chat/invocation.ts";
import { type ChatFile, text } from "../chat/message.ts";
import type { ChatPlatform, CreatedRoom, SentDirectMessage } from "../chat/platform.ts";
import type { Metrics } from "../http/metrics.ts";
import type { TlpLabel } from "../incidents/tlp.ts";
import { type Audience, decide, hiddenFromOutsiders, type IncidentFacts, type Subject } from "./audience.ts";
import { PageSends } from "./page-sends.ts";
import { RoomChanges, type ShownAfter, type ShownBefore } from "./room-changes.ts";
import {
  type Content,
  decisionReason,
  type OutboundKind,
  type Outcome,
  type Rendered,
  renderFor,
} from "./verdicts.ts";

export type { Content, IncidentFacts, OutboundKind, Outcome, Rendered, ShownAfter, ShownBefore, Subject };

/** A room on a platform. */
export interface RoomAddress {
  platform: PlatformName;
  roomId: string;
}

/** What the outbox needs to know from the desk's records and configuration to resolve audiences. */
export interface AudienceDirectory {
  /** The incident whose own room this is, if any. */
  incidentOfRoom(platform: PlatformName, roomId: string): Promise<string | undefined>;
  /** The configured clearance of a room (one configuration for every kind of content). */
  roomClearance(platform: PlatformName, roomId: string): { clearance: TlpLabel; external: boolean };
  /** Of these incidents, the ones this person may see whatever their label (takes part, or admin). */
  incidentsOpenTo(platform: PlatformName, externalId: string, incidentIds: string[]): Promise<Set<string>>;
}

export interface OutboxOptions {
  platforms: Iterable<ChatPlatform>;
  directory: AudienceDirectory;
  log: Logger;
  metrics?: Metrics;
}

const POINTER_TO_DM =
  "📬 This answer carries TLP-labelled incident content: I sent it to you in a direct message.";
const WITHHELD_FOR_YOU = "🔒 That answer carries content I may not show you here.";

export class Outbox {
  readonly #platforms: ReadonlyMap<PlatformName, ChatPlatform>;
  readonly #directory: AudienceDirectory;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  /** The summary edits and topics (room-changes.ts). */
  readonly #roomChanges: RoomChanges;

  constructor(options: OutboxOptions) {
    this.#platforms = new Map([...options.platforms].map((p) => [p.name, p]));
    this.#directory = options.directory;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#roomChanges = new RoomChanges({
      platform: (name) => this.#require(name),
      roomAudience: (platform, roomId, subject) => this.#roomAudience(platform, roomId, undefined, subject),
      count: (platform, kind, outcome) => this.#count(platform, kind, outcome),
    });
  }

  // ---- what is running ----------------------------------------------------------------------

  /** Page deliveries (posts and direct messages of kind "page"): in flight, and taken so far. */
  readonly pageSends = new PageSends();

  get platformNames(): PlatformName[] {
    return [...this.#platforms.keys()];
  }

  runs(platform: string): platform is PlatformName {
    return this.#platforms.has(platform as PlatformName);
  }

  /** Whether files can be posted on the platform (else signed text goes in a code block). */
  takesFiles(platform: PlatformName): boolean {
    return this.#platforms.get(platform)?.postFile !== undefined;
  }

  canArchive(platform: PlatformName): boolean {
    return this.#platforms.get(platform)?.archiveRoom !== undefined;
  }

  // ---- people on platforms (inbound help: nothing leaves) ------------------------------------

  parseMention(platform: PlatformName, token: string): string | undefined {
    return this.#platforms.get(platform)?.parseMention(token);
  }

  async lookupUser(platform: PlatformName, externalId: string): Promise<PlatformUser | undefined> {
    return this.#platforms.get(platform)?.lookupUser(externalId);
  }

  /**
   * Whether a room would receive this subject now, without sending anything: for previews shown
   * in the room a command came from, and for plans (a digest leaves out what the room may not get).
   */
  async admits(
    room: RoomAddress,
    subject: Subject,
    callerId?: string,
  ): Promise<{ allowed: true } | { allowed: false; reason: string }> {
    const platform = this.#require(room.platform);
    const decision = decide(await this.#roomAudience(platform, room.roomId, callerId, subject), subject);
    return decision.action === "send"
      ? { allowed: true }
      : { allowed: false, reason: decisionReason(decision) };
  }

  /** Whether the room has members from another organisation now (unknown counts as shared). */
  async sharedOutside(room: RoomAddress): Promise<boolean> {
    const platform = this.#require(room.platform);
    try {
      return (await platform.isExternal?.(room.roomId)) ?? false;
    } catch (error) {
      this.#log.warn({ err: error, ...room }, "could not tell whether the room is shared: treated as shared");
      return true;
    }
  }

  // ---- answers ------------------------------------------------------------------------------

  /**
   * Answers an invocation. An answer the room may not see goes to the caller alone (an ephemeral
   * answer, or a verified direct chat on platforms without them), and the room is told only that;
   * an answer the caller may not see either is replaced by a sentence saying so.
   */
  async reply(invocation: Invocation, reply: Reply, subject: Subject, content?: Content): Promise<void> {
    const platform = this.#require(invocation.platform);
    const target = invocation.replyTarget;
    const body = content ?? reply.message;
    const privately = reply.visibility === "ephemeral" && platform.ephemeralReplies;
    const audience = privately
      ? await this.#personAudience(platform, target.callerId, subject)
      : await this.#roomAudience(platform, target.roomId, target.callerId, subject);
    const decision = decide(audience, subject);
    const verdict = renderFor(decision, body, subject);
    // An answer meant for the caller alone that the room would get only in part (Matrix, where
    // "only you" is the room) goes to the caller whole, as on platforms with ephemeral answers.
    const forCallerOnly = reply.visibility === "ephemeral" && !privately && decision.action === "filter";
    if (verdict.message && !forCallerOnly) {
      await platform.reply(target, { ...reply, message: verdict.message });
      this.#count(platform.name, "reply", "sent");
      return;
    }
    this.#log.info(
      { platform: platform.name, roomId: target.roomId, reason: verdict.reason },
      "answer withheld from the room",
    );
    // The room may not see it: the caller alone, if they may.
    const person = await this.#personAudience(platform, target.callerId, subject);
    const forCaller = renderFor(decide(person, subject), body, subject);
    if (!forCaller.message) {
      await platform.reply(target, {
        visibility: "ephemeral",
        message: { blocks: [text(WITHHELD_FOR_YOU)] },
      });
      this.#count(platform.name, "reply", "refused");
      return;
    }
    if (platform.ephemeralReplies) {
      await platform.reply(target, { visibility: "ephemeral", message: forCaller.message });
    } else {
      await platform.directMessage(target.callerId, forCaller.message);
      await platform.reply(target, { visibility: "ephemeral", message: { blocks: [text(POINTER_TO_DM)] } });
    }
    this.#count(platform.name, "reply", "sent");
  }

  // ---- rooms --------------------------------------------------------------------------------

  /** Posts in a room, or the id-free notice that something was withheld, or nothing. */
  post(room: RoomAddress, content: Content, subject: Subject, kind: OutboundKind = "post"): Promise<Outcome> {
    return this.pageSends.count(kind === "page", () => this.#post(room, content, subject, kind));
  }

  async #post(room: RoomAddress, content: Content, subject: Subject, kind: OutboundKind): Promise<Outcome> {
    const platform = this.#require(room.platform);
    const verdict = renderFor(
      decide(await this.#roomAudience(platform, room.roomId, undefined, subject), subject),
      content,
      subject,
    );
    try {
      if (verdict.message) {
        const messageId = await platform.post(room.roomId, verdict.message, { urgent: kind === "page" });
        this.#count(platform.name, kind, "sent");
        return { sent: true, messageId };
      }
      this.#log.warn(
        { platform: platform.name, roomId: room.roomId, kind, reason: verdict.reason },
        "withheld from a room",
      );
      if (verdict.notice) await platform.post(room.roomId, { blocks: [text(verdict.notice)] });
      this.#count(platform.name, kind, "refused");
      return { sent: false, reason: verdict.reason, noticed: verdict.notice !== undefined };
    } catch (error) {
      this.#count(platform.name, kind, "failed");
      throw error;
    }
  }

  /**
   * Replaces an earlier post (a pinned summary); a summary the room may not see becomes a notice.
   * `before.shown` is the fingerprint of what the room shows now (see fingerprint.ts), when known:
   * the edit is left out when the room would get exactly that again.
   */
  update(
    room: RoomAddress,
    messageId: string,
    content: Content,
    subject: Subject,
    before?: ShownBefore,
  ): Promise<Outcome & ShownAfter> {
    return this.#roomChanges.update(room, messageId, content, subject, before);
  }

  /**
   * Sets a room's topic; a room that may not see it gets `withheldTopic` (which names nothing).
   * Left out when `before.shown`, the fingerprint of the topic the room has now, says it has that one.
   */
  setTopic(
    room: RoomAddress,
    topic: string,
    subject: Subject,
    withheldTopic: string,
    before?: ShownBefore,
  ): Promise<Outcome & ShownAfter> {
    return this.#roomChanges.setTopic(room, topic, subject, withheldTopic, before);
  }

  /**
   * How long the platform asked to wait before another call, when `error` (a failed summary
   * edit or topic) is its rate limit; undefined otherwise (a durable retry then backs off).
   */
  retryAfterMs(platform: PlatformName, error: unknown): number | undefined {
    return this.#roomChanges.retryAfterMs(platform, error);
  }

  /** Posts a file where the platform takes files; the caller falls back to text otherwise. */
  async postFile(room: RoomAddress, file: ChatFile, subject: Subject): Promise<Outcome> {
    const platform = this.#require(room.platform);
    if (!platform.postFile) return { sent: false, reason: `${platform.name} takes no files`, noticed: false };
    const decision = decide(await this.#roomAudience(platform, room.roomId, undefined, subject), subject);
    if (decision.action !== "send") {
      this.#count(platform.name, "file", "refused");
      return { sent: false, reason: decisionReason(decision), noticed: false };
    }
    await platform.postFile(room.roomId, file);
    this.#count(platform.name, "file", "sent");
    return { sent: true };
  }

  /**
   * Opens an incident's room. A restricted incident's room is named by its id alone, so its
   * title shows nowhere but inside (room lists, notifications, links carry the name).
   */
  async createIncidentRoom(
    platform: PlatformName,
    spec: { incident: IncidentFacts; publicId: string; title: string; topic: string; invite: string[] },
  ): Promise<CreatedRoom> {
    const restricted = spec.incident.restricted || spec.incident.tlp === "red";
    return this.#require(platform).createIncidentRoom({
      publicId: spec.publicId,
      title: restricted ? "" : spec.title,
      topic: spec.topic,
      invite: spec.invite,
    });
  }

  async invite(room: RoomAddress, externalIds: string[]): Promise<void> {
    if (externalIds.length) await this.#require(room.platform).invite(room.roomId, externalIds);
  }

  async pin(room: RoomAddress, messageId: string): Promise<void> {
    await this.#require(room.platform).pin(room.roomId, messageId);
  }

  async setModerators(room: RoomAddress, externalIds: string[]): Promise<void> {
    await this.#require(room.platform).setModerators?.(room.roomId, externalIds);
  }

  async archive(room: RoomAddress): Promise<void> {
    await this.#require(room.platform).archiveRoom?.(room.roomId);
  }

  // ---- people -------------------------------------------------------------------------------

  /** A direct message to a person, as much of it as they may read (nothing, when none). */
  directMessage(
    person: { platform: PlatformName; externalId: string },
    content: Content,
    subject: Subject,
    kind: OutboundKind = "dm",
  ): Promise<Outcome> {
    return this.pageSends.count(kind === "page", () => this.#directMessage(person, content, subject, kind));
  }

  async #directMessage(
    person: { platform: PlatformName; externalId: string },
    content: Content,
    subject: Subject,
    kind: OutboundKind,
  ): Promise<Outcome> {
    const platform = this.#require(person.platform);
    const verdict = await this.#verdictForPerson(platform, person.externalId, content, subject);
    if (!verdict.message) {
      this.#log.warn(
        { platform: platform.name, kind, reason: verdict.reason },
        "withheld from a direct message",
      );
      if (verdict.notice) await platform.directMessage(person.externalId, { blocks: [text(verdict.notice)] });
      this.#count(platform.name, kind, "refused");
      return { sent: false, reason: verdict.reason, noticed: verdict.notice !== undefined };
    }
    try {
      const dm = await platform.directMessage(person.externalId, verdict.message, {
        urgent: kind === "page",
      });
      this.#count(platform.name, kind, "sent");
      return dm ? { sent: true, dm } : { sent: true };
    } catch (error) {
      this.#count(platform.name, kind, "failed");
      throw error;
    }
  }

  /** What a person may read of `content` in a direct message (the same decision for new and edited DMs). */
  async #verdictForPerson(platform: ChatPlatform, externalId: string, content: Content, subject: Subject) {
    return renderFor(
      decide(await this.#personAudience(platform, externalId, subject), subject),
      content,
      subject,
    );
  }

  /**
   * Edits a direct message sent earlier (a page's DM following its page), decided for the person
   * as a new DM would be: content they may no longer read replaces it with a notice. A DM room
   * that is no longer a two-person chat (on Matrix the person may invite anyone into it) is
   * decided for as the room it has become.
   */
  async updateDirectMessage(
    person: { platform: PlatformName; externalId: string },
    sent: SentDirectMessage,
    content: Content,
    subject: Subject,
    kind: OutboundKind = "dm",
  ): Promise<Outcome> {
    const platform = this.#require(person.platform);
    const direct = await platform.isDirectWith(sent.roomId, person.externalId).catch(() => false);
    const verdict = direct
      ? await this.#verdictForPerson(platform, person.externalId, content, subject)
      : renderFor(
          decide(await this.#roomAudience(platform, sent.roomId, undefined, subject), subject),
          content,
          subject,
        );
    if (verdict.message) {
      await platform.update(sent.roomId, sent.messageId, verdict.message);
      this.#count(platform.name, kind, "sent");
      return { sent: true };
    }
    const notice = verdict.notice ?? "🔒 This message is withheld here.";
    await platform.update(sent.roomId, sent.messageId, { blocks: [text(notice)] });
    this.#count(platform.name, kind, "refused");
    return { sent: false, reason: verdict.reason, noticed: true };
  }

  // ---- audiences ----------------------------------------------------------------------------

  /**
   * Who reads a room now. A verified two-person direct chat (never an incident's room) is its
   * person; anything unknown is external.
   */
  async #roomAudience(
    platform: ChatPlatform,
    roomId: string,
    callerId: string | undefined,
    subject: Subject,
  ): Promise<Audience> {
    if (subject.kind === "interface") return { kind: "unknown" };
    try {
      const [incidentId, external, directWith] = await Promise.all([
        this.#directory.incidentOfRoom(platform.name, roomId),
        platform.isExternal ? platform.isExternal(roomId) : Promise.resolve(false),
        callerId ? platform.isDirectWith(roomId, callerId) : Promise.resolve(false),
      ]);
      // An incident's room is never a person's direct chat, even while only the caller and the
      // bot are in it: the people invited later read its history.
      if (directWith && callerId && !incidentId) return this.#personAudience(platform, callerId, subject);
      const configured = this.#directory.roomClearance(platform.name, roomId);
      const shared = external || configured.external;
      if (incidentId)
        return { kind: "incident-room", incidentId, external: shared, clearance: configured.clearance };
      return { kind: "room", clearance: configured.clearance, external: shared };
    } catch (error) {
      this.#log.warn(
        { err: error, platform: platform.name, roomId },
        "audience unknown: treated as outside the organisation",
      );
      return { kind: "unknown" };
    }
  }

  async #personAudience(platform: ChatPlatform, externalId: string, subject: Subject): Promise<Audience> {
    // Only restricted incidents (TLP:RED ones whatever their flag says: the rule's own test) are
    // asked about: for any other, taking part changes nothing a person may read (audience.ts,
    // mayRead: inside the organisation everything unrestricted is within the reader's ceiling,
    // outside it the ceiling alone decides). A list of 50 open incidents then costs no statement
    // at all, whatever the table's size.
    const ids =
      subject.kind === "incidents" ? subject.incidents.filter(hiddenFromOutsiders).map((i) => i.id) : [];
    const open = ids.length
      ? await this.#directory.incidentsOpenTo(platform.name, externalId, ids)
      : new Set<string>();
    return { kind: "person", external: platform.isExternalUser(externalId), takesPart: (id) => open.has(id) };
  }

  #require(name: PlatformName): ChatPlatform {
    const platform = this.#platforms.get(name);
    if (!platform) throw new Error(`platform ${name} is not running`);
    return platform;
  }

  #count(platform: PlatformName, kind: OutboundKind, outcome: "sent" | "refused" | "failed"): void {
    this.#metrics?.posts.inc({ platform, kind, outcome });
  }
}
