// The incident service: one facade over declaring (incident-declarations.ts), changing
// (incident-changes.ts), reading (incident-queries.ts), room bindings (room-bindings.ts), who
// takes part (participation.ts) and pending announcements (pending-announcements.ts). They share
// the remembered facts (lasting-facts.ts) and the hooks registered here.
import type { Origin } from "../activity/origin.ts";
import type { PlatformName } from "../chat/invocation.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import type { Incident, IncidentRoom, Person, Task } from "../generated/prisma/client.ts";
import type { IncidentDetails, RoomOfIncident } from "./change-statements.ts";
import type { Change, ClosedHook, DeclaredHook, SeverityHook } from "./incident-change.ts";
import { IncidentChanges } from "./incident-changes.ts";
import { type DeclareInput, IncidentDeclarations } from "./incident-declarations.ts";
import { IncidentQueries, type ListFilter } from "./incident-queries.ts";
import { LastingFacts } from "./lasting-facts.ts";
import type { Severity, Status } from "./lifecycle.ts";
import { Participation } from "./participation.ts";
import { PendingAnnouncements } from "./pending-announcements.ts";
import { IncidentIds } from "./public-id.ts";
import type { Role } from "./roles.ts";
import { RoomBindings, type RoomShown, type Shown } from "./room-bindings.ts";
import type { TlpLabel } from "./tlp.ts";

export type { ClosedHook, DeclaredHook, SeverityHook } from "./incident-change.ts";
export {
  type Change,
  claimEvent,
  DEFAULT_SEVERITY,
  DuplicateEvent,
  MAX_TEXT_LENGTH,
  MAX_TITLE_LENGTH,
} from "./incident-change.ts";
export type { DeclareInput } from "./incident-declarations.ts";
export { type ListFilter, noSuchIncident } from "./incident-queries.ts";
export type { IncidentDetails, RoomOfIncident, RoomShown };

export class Incidents {
  /** The shape of this desk's incident ids (the configured prefix). */
  readonly ids: IncidentIds;
  readonly #closedHooks: ClosedHook[] = [];
  readonly #declaredHooks: DeclaredHook[] = [];
  readonly #severityHooks: SeverityHook[] = [];
  readonly #queries: IncidentQueries;
  readonly #rooms: RoomBindings;
  readonly #participation: Participation;
  readonly #declarations: IncidentDeclarations;
  readonly #changes: IncidentChanges;
  readonly #announcements: PendingAnnouncements;

  constructor(db: Db, clock: Clock, publicIdPrefix?: string) {
    this.ids = new IncidentIds(clock, publicIdPrefix);
    // Room bindings and participation: once true, true for good (see lasting-facts.ts).
    const facts = new LastingFacts();
    this.#queries = new IncidentQueries(db);
    this.#rooms = new RoomBindings(db, facts);
    this.#participation = new Participation(db, facts);
    this.#declarations = new IncidentDeclarations({
      db,
      clock,
      ids: this.ids,
      declaredHooks: this.#declaredHooks,
      facts,
    });
    this.#changes = new IncidentChanges({
      db,
      clock,
      ids: this.ids,
      closedHooks: this.#closedHooks,
      severityHooks: this.#severityHooks,
    });
    this.#announcements = new PendingAnnouncements(db);
  }

  onClosed(hook: ClosedHook): void {
    this.#closedHooks.push(hook);
  }

  onDeclared(hook: DeclaredHook): void {
    this.#declaredHooks.push(hook);
  }

  onSeverityChanged(hook: SeverityHook): void {
    this.#severityHooks.push(hook);
  }

  // ---- reading ---------------------------------------------------------------------------

  findById(id: string): Promise<Incident | null> {
    return this.#queries.findById(id);
  }

  /** When the incident last changed status (declared counts), for jobs that check "still so?". */
  lastStatusChangeAt(incidentId: string): Promise<Date | undefined> {
    return this.#queries.lastStatusChangeAt(incidentId);
  }

  findByPublicId(publicId: string): Promise<Incident | null> {
    return this.#queries.findByPublicId(publicId);
  }

  requireByPublicId(publicId: string): Promise<Incident> {
    return this.#queries.requireByPublicId(publicId);
  }

  /** The incident with its reporter, roles, participants and tasks (one statement). */
  details(incidentId: string): Promise<IncidentDetails> {
    return this.#queries.details(incidentId);
  }

  detailsAndRooms(incidentId: string): Promise<{ details: IncidentDetails; rooms: RoomOfIncident[] }> {
    return this.#queries.detailsAndRooms(incidentId);
  }

  list(
    filter: ListFilter,
    person: Person,
    options: { seeRestricted?: boolean; limit?: number } = {},
  ): Promise<Incident[]> {
    return this.#queries.list(filter, person, options);
  }

  declaredWithoutRoom(
    from: Date,
    until: Date,
    platforms: readonly PlatformName[],
  ): Promise<Array<{ incident: Incident; platform: PlatformName; declarerId: string | null }>> {
    return this.#queries.declaredWithoutRoom(from, until, platforms);
  }

  timeline(incidentId: string, limit = 100) {
    return this.#queries.timeline(incidentId, limit);
  }

  /** Every status change of the incident, oldest first (the post-incident report's phases). */
  statusChanges(incidentId: string) {
    return this.#queries.statusChanges(incidentId);
  }

  /** The incident's audit log, oldest first, with who acted (`/inc audit`). */
  auditLog(incidentId: string) {
    return this.#queries.auditLog(incidentId);
  }

  tasks(incidentId: string): Promise<Task[]> {
    return this.#queries.tasks(incidentId);
  }

  findByRoom(platform: string, roomId: string): Promise<Incident | null> {
    return this.#rooms.findByRoom(platform, roomId);
  }

  /** The id of the incident whose room this is, if any (remembered: see lasting-facts.ts). */
  incidentIdOfRoom(platform: string, roomId: string): Promise<string | undefined> {
    return this.#rooms.incidentIdOfRoom(platform, roomId);
  }

  rooms(incidentId: string): Promise<IncidentRoom[]> {
    return this.#rooms.rooms(incidentId);
  }

  bindRoom(
    incidentId: string,
    platform: PlatformName,
    roomId: string,
    name: string,
    topicShown?: Shown,
  ): Promise<void> {
    return this.#rooms.bindRoom(incidentId, platform, roomId, name, topicShown);
  }

  setSummaryMessage(
    platform: PlatformName,
    roomId: string,
    messageId: string,
    summaryShown?: Shown,
  ): Promise<void> {
    return this.#rooms.setSummaryMessage(platform, roomId, messageId, summaryShown);
  }

  /** Records what a refresh showed in rooms; returns those another refresh recorded in meanwhile. */
  recordShown(shown: RoomShown[]): Promise<RoomShown[]> {
    return this.#rooms.recordShown(shown);
  }

  /** Before a call changes what a room shows (see RoomBindings.markShownUnknown). */
  markShownUnknown(room: RoomShown): Promise<number> {
    return this.#rooms.markShownUnknown(room);
  }

  forgetShown(rooms: Array<{ platform: string; roomId: string }>): Promise<void> {
    return this.#rooms.forgetShown(rooms);
  }

  /** True when the person takes part in the incident (reporter, role holder or participant). */
  takesPart(incidentId: string, personId: string): Promise<boolean> {
    return this.#participation.takesPart(incidentId, personId);
  }

  /** Of these incidents, the ones the person takes part in (reporter, role holder, participant). */
  takingPart(personId: string, incidentIds: string[]): Promise<Set<string>> {
    return this.#participation.takingPart(personId, incidentIds);
  }

  // ---- changing --------------------------------------------------------------------------

  declare(origin: Origin, input: DeclareInput): Promise<Change> {
    return this.#declarations.declare(origin, input);
  }

  changeStatus(
    origin: Origin,
    incidentId: string,
    to: Status,
    note?: string,
    seen?: Pick<Incident, "status">,
  ): Promise<Change> {
    return this.#changes.changeStatus(origin, incidentId, to, note, seen);
  }

  close(origin: Origin, incidentId: string, resolution: string): Promise<Change> {
    return this.#changes.close(origin, incidentId, resolution);
  }

  reopen(origin: Origin, incidentId: string, reason?: string): Promise<Change> {
    return this.#changes.reopen(origin, incidentId, reason);
  }

  setSeverity(origin: Origin, incidentId: string, severity: Severity): Promise<Change> {
    return this.#changes.setSeverity(origin, incidentId, severity);
  }

  setClassification(origin: Origin, incidentId: string, rsitType: string): Promise<Change> {
    return this.#changes.setClassification(origin, incidentId, rsitType);
  }

  setTlp(origin: Origin, incidentId: string, tlp: TlpLabel): Promise<Change> {
    return this.#changes.setTlp(origin, incidentId, tlp);
  }

  setTitle(origin: Origin, incidentId: string, title: string): Promise<Change> {
    return this.#changes.setTitle(origin, incidentId, title);
  }

  assignRole(origin: Origin, incidentId: string, role: Role, person: Person): Promise<Change> {
    return this.#changes.assignRole(origin, incidentId, role, person);
  }

  invite(origin: Origin, incidentId: string, people: Person[]): Promise<Change> {
    return this.#changes.invite(origin, incidentId, people);
  }

  /** A timeline note (`note`) or a stakeholder status update (`update`). */
  addEntry(origin: Origin, incidentId: string, kind: "note" | "update", text: string): Promise<Change> {
    return this.#changes.addEntry(origin, incidentId, kind, text);
  }

  addTask(origin: Origin, incidentId: string, text: string): Promise<Change & { task: Task }> {
    return this.#changes.addTask(origin, incidentId, text);
  }

  completeTask(origin: Origin, incidentId: string, number: number): Promise<Change> {
    return this.#changes.completeTask(origin, incidentId, number);
  }

  /** True once per key across replicas and restarts (a ProcessedEvent row of tocsin's own). */
  claimRecovery(key: string): Promise<boolean> {
    return this.#announcements.claimRecovery(key);
  }

  /** The change of this timeline entry has been announced in the incident's rooms. */
  announced(timelineEntryId: string): Promise<void> {
    return this.#announcements.announced(timelineEntryId);
  }

  markAnnouncedWith(mark: (timelineEntryId: string) => void): void {
    this.#announcements.markAnnouncedWith(mark);
  }

  claimPendingAnnouncements(olderThan: Date, limit = 100) {
    return this.#announcements.claimPendingAnnouncements(olderThan, limit);
  }
}
