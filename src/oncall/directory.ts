// The on-call directory: the configuration in use (ONCALL_CONFIG), its people linked to the
// desk's Persons, and the overrides stored in the database.
//
// - The file is validated before tocsin starts (a bad file stops start-up with its problems) and
//   again by `/oncall reload`; a reload that fails keeps the configuration in use and answers
//   with the problems, so a typo never leaves the desk without an on-call schedule.
// - Each configured person is linked to a Person through their identities (slack, matrix,
//   console) and email; a Person is created for someone who never typed a command yet, so a page
//   can reach them. Overrides name configuration person ids and live in the database (they come
//   from chat), so a reload never loses them.
import type { Logger } from "pino";
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { PlatformName } from "../chat/invocation.ts";
import { platformDescriptors } from "../chat/platforms.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { OncallOverride } from "../generated/prisma/client.ts";
import { claimEvent } from "../incidents/incidents.ts";
import type { People } from "../people/people.ts";
import { loadOncallConfig, type OncallConfig, type OncallPerson, type Team } from "./config.ts";
import type { Override } from "./override.ts";
import { type OnCall, onCallPersonAt, whoIsOnCall } from "./schedule.ts";

export const NOT_CONFIGURED =
  "On-call is not configured: set ONCALL_CONFIG to a YAML file describing people, teams, rotations and escalation policies (see examples/oncall.yaml), then restart tocsin.";

export interface ReloadResult {
  config: OncallConfig;
  /** Identities the configuration gives someone that another Person already holds. */
  warnings: string[];
  /** Overrides in force or to come: a reload keeps them. */
  overridesKept: number;
}

export interface OverrideInput {
  teamId: string;
  /** Configuration person id. */
  personId: string;
  start: Date;
  end: Date;
  rotationId?: string;
  reason?: string;
}

export class OncallDirectory {
  readonly #db: Db;
  readonly #people: People;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #path: string | undefined;
  /** Desk time zone, for teams without rotations. */
  readonly #timeZone: string;
  #config: OncallConfig | undefined;
  /** configuration person id -> Person id */
  #personIds = new Map<string, string>();
  /** Person id -> configuration person id (several Persons may be the same configured person) */
  #configIds = new Map<string, string>();
  #warnings: string[] = [];

  constructor(options: {
    db: Db;
    people: People;
    clock: Clock;
    log: Logger;
    timeZone: string;
    /** ONCALL_CONFIG, read again by reload(). */
    path?: string;
    /** The configuration already validated at start-up (main.ts), linked by activate(). */
    config?: OncallConfig;
  }) {
    this.#db = options.db;
    this.#people = options.people;
    this.#clock = options.clock;
    this.#log = options.log.child({ component: "oncall" });
    this.#path = options.path;
    this.#timeZone = options.timeZone;
    this.#config = options.config;
  }

  get configured(): boolean {
    return this.#config !== undefined;
  }

  /** The configuration in use, or a UserError explaining how to configure on-call. */
  get config(): OncallConfig {
    if (!this.#config) throw new UserError(NOT_CONFIGURED, { code: "oncall.not_configured" });
    return this.#config;
  }

  get configIfAny(): OncallConfig | undefined {
    return this.#config;
  }

  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /** Links the start-up configuration's people to Persons (called when the app starts). */
  async activate(): Promise<void> {
    if (!this.#config) return;
    await this.#link(this.#config);
  }

  /**
   * Reads ONCALL_CONFIG again. On success the new configuration is in use; on failure this
   * throws the OncallConfigError (a UserError listing every problem) and the old one stays.
   */
  readonly #reloadListeners: Array<(config: OncallConfig) => Promise<void>> = [];

  async reload(): Promise<ReloadResult> {
    if (!this.#path) throw new UserError(NOT_CONFIGURED, { code: "oncall.not_configured" });
    const config = await loadOncallConfig(this.#path);
    await this.#link(config);
    const overridesKept = await this.#db.oncallOverride.count({
      where: { endsAt: { gt: this.#clock.now() }, removedAt: null },
    });
    for (const listener of this.#reloadListeners) await listener(config);
    return { config, warnings: this.#warnings, overridesKept };
  }

  /** Runs after each successful reload (e.g. heartbeats declared by the new file get their checks). */
  afterReload(listener: (config: OncallConfig) => Promise<void>): void {
    this.#reloadListeners.push(listener);
  }

  readonly #swapListeners: Array<() => void> = [];

  /**
   * Runs in the same step as the configuration in use is replaced, before anything awaits: for
   * what must never lag behind it (the alert edge's keys; src/alerts/intake/routes.ts). After
   * the swap, reload() still awaits the database (and may fail there), so afterReload listeners
   * come late, or never.
   */
  onSwap(listener: () => void): void {
    this.#swapListeners.push(listener);
  }

  async #link(config: OncallConfig): Promise<void> {
    const personIds = new Map<string, string>();
    const configIds = new Map<string, string>();
    const warnings: string[] = [];
    // One transaction under one lock: replicas (re)loading together link each person once.
    await this.#db
      .$transaction(
        async (tx) => {
          await tx.$executeRaw(sql`select pg_advisory_xact_lock(hashtext('tocsin:oncall-directory'))`);
          for (const person of config.people) {
            const linked = await this.#people.link(
              {
                displayName: person.name,
                email: person.email,
                timeZone: person.timeZone,
                identities: identitiesOf(person),
              },
              tx,
            );
            personIds.set(person.id, linked.personId);
            for (const id of [linked.personId, ...linked.alsoKnownAs]) configIds.set(id, person.id);
            for (const conflict of linked.conflicts) {
              warnings.push(
                `${person.id}: the ${conflict.platform} identity "${conflict.externalId}" already belongs to another person in tocsin; both are treated as ${person.id}`,
              );
            }
          }
        },
        { timeout: 60_000 },
      )
      .finally(() => this.#people.linked());
    for (const warning of warnings) this.#log.warn(warning);
    const swapped = config !== this.#config;
    this.#config = config;
    this.#personIds = personIds;
    this.#configIds = configIds;
    this.#warnings = warnings;
    if (!swapped) return;
    for (const listener of this.#swapListeners) {
      // One listener failing must not keep the others (or the reload) from the new configuration.
      try {
        listener();
      } catch (error) {
        this.#log.error({ err: error }, "a listener of the on-call configuration's swap failed");
      }
    }
  }

  // ---- people and teams ---------------------------------------------------------------------

  /** The team with this id, or a UserError listing the teams. */
  team(id: string): Team {
    const config = this.config;
    const team = config.teams.find((t) => t.id === id.toLowerCase());
    if (!team) {
      throw new UserError(`There is no team "${id}". Teams: ${config.teams.map((t) => t.id).join(", ")}.`, {
        code: "team.not_found",
      });
    }
    return team;
  }

  findTeam(id: string): Team | undefined {
    return this.#config?.teams.find((t) => t.id === id.toLowerCase());
  }

  /**
   * The team owning a new incident: the one asked for (`team:`), else `defaultTeam`, else the
   * first team; undefined when on-call is not configured and no team was asked for.
   */
  owningTeam(requested: string | undefined): Team | undefined {
    if (requested !== undefined) return this.team(requested);
    const config = this.#config;
    if (!config) return undefined;
    return config.teams.find((t) => t.id === config.defaultTeam) ?? config.teams[0];
  }

  /** The team a command is about: the one named, else the caller's only team, else the only team. */
  teamFor(requested: string | undefined, callerPersonId: string): Team {
    if (requested) return this.team(requested);
    const config = this.config;
    if (config.teams.length === 1) return config.teams[0]!;
    const mine = this.teamsOf(callerPersonId);
    if (mine.length === 1) return mine[0]!;
    throw new UserError(`Which team? Name one of: ${config.teams.map((t) => t.id).join(", ")}.`, {
      code: "team.unspecified",
    });
  }

  /** The configured person a Person is, if any. */
  configPersonOf(personId: string): OncallPerson | undefined {
    const configId = this.#configIds.get(personId);
    return configId === undefined ? undefined : this.#config?.people.find((p) => p.id === configId);
  }

  /** The Person id of a configured person. */
  personIdOf(configPersonId: string): string | undefined {
    return this.#personIds.get(configPersonId);
  }

  personName(configPersonId: string): string {
    return this.#config?.people.find((p) => p.id === configPersonId)?.name ?? configPersonId;
  }

  /** Teams the Person is a member or a lead of. */
  teamsOf(personId: string): Team[] {
    const configId = this.#configIds.get(personId);
    if (configId === undefined || !this.#config) return [];
    return this.#config.teams.filter((t) => t.members.includes(configId) || t.leads.includes(configId));
  }

  isLead(personId: string, team: Team): boolean {
    const configId = this.#configIds.get(personId);
    return configId !== undefined && team.leads.includes(configId);
  }

  isMember(personId: string, team: Team): boolean {
    const configId = this.#configIds.get(personId);
    return configId !== undefined && (team.members.includes(configId) || team.leads.includes(configId));
  }

  leadNames(team: Team): string {
    return team.leads.length ? team.leads.map((id) => this.personName(id)).join(", ") : "none configured";
  }

  /** The zone a team's times are shown in: its first rotation's, else the desk's. */
  teamZone(team: Team): string {
    return team.rotations[0]?.timeZone ?? this.#timeZone;
  }

  // ---- schedules and overrides ------------------------------------------------------------

  /** The team's overrides in force that end after `from` (all that can still matter). */
  async overrides(teamId: string, from: Date, client: Db | DbTransaction = this.#db): Promise<Override[]> {
    const rows = await client.oncallOverride.findMany({
      where: { teamId, endsAt: { gt: from }, removedAt: null },
      orderBy: { createdAt: "asc" },
    });
    return rows.map(toOverride);
  }

  /**
   * Overrides of every team that end after `from`, removed ones included: calendar feeds need
   * the whole history to number event versions (calendar.ts skips removed ones for the shifts).
   */
  async overrideHistoryByTeam(from: Date): Promise<Map<string, Override[]>> {
    const rows = await this.#db.oncallOverride.findMany({
      where: { endsAt: { gt: from } },
      orderBy: { createdAt: "asc" },
    });
    const byTeam = new Map<string, Override[]>(this.config.teams.map((team) => [team.id, []]));
    for (const row of rows) byTeam.get(row.teamId)?.push(toOverride(row));
    return byTeam;
  }

  /** The team's overrides in force that are not over at `now`, by start (`/oncall override list`). */
  async currentOverrides(team: Team, now: Date): Promise<OncallOverride[]> {
    return this.#db.oncallOverride.findMany({
      where: { teamId: team.id, endsAt: { gt: now }, removedAt: null },
      orderBy: [{ startsAt: "asc" }, { number: "asc" }],
    });
  }

  /** Who is on call for the team at `at` (default now), with overrides. */
  async onCall(team: Team, at: Date = this.#clock.now()): Promise<OnCall> {
    return whoIsOnCall(team, await this.overrides(team.id, at), at);
  }

  /**
   * Only who is on call for the team at `at` (their id in the configuration, or null), for
   * paging; `client`: the caller's transaction, when it holds locks (its reads must not wait
   * for another pool connection).
   */
  async onCallPersonAt(team: Team, at: Date, client?: Db | DbTransaction): Promise<string | null> {
    return onCallPersonAt(team, await this.overrides(team.id, at, client), at);
  }

  /**
   * Stores an override. Permission (the person themselves or a lead of the team) is checked
   * here, so every way of making one obeys it.
   */
  async addOverride(origin: Origin, input: OverrideInput): Promise<{ id: string; number: number }> {
    const team = this.team(input.teamId);
    const person = this.#requireMayArrange(origin, team, input.personId, (name) => `put ${name} on call`);
    if (input.rotationId !== undefined && !team.rotations.some((r) => r.id === input.rotationId)) {
      throw new UserError(
        `${team.name} has no rotation "${input.rotationId}". Rotations: ${team.rotations.map((r) => r.id).join(", ") || "none"}.`,
        { code: "rotation.not_found" },
      );
    }
    if (input.end.getTime() <= input.start.getTime())
      throw new UserError("The end must be after the start.", { code: "override.end_before_start" });
    const now = this.#clock.now();
    if (input.end.getTime() <= now.getTime())
      throw new UserError("That time is already over.", { code: "override.over" });
    const actor = actorOf(origin);
    return this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const row = await tx.oncallOverride.create({
        data: {
          teamId: team.id,
          personId: person.id,
          rotationId: input.rotationId ?? null,
          startsAt: input.start,
          endsAt: input.end,
          reason: input.reason ?? "",
          createdById: origin.actor.id,
          createdAt: now,
        },
      });
      await recordActivity(tx, {
        actor,
        at: now,
        action: "oncall.override",
        detail: {
          overrideId: row.id,
          teamId: team.id,
          personId: person.id,
          rotationId: input.rotationId,
          startsAt: input.start.toISOString(),
          endsAt: input.end.toISOString(),
        },
      });
      return { id: row.id, number: row.number };
    });
  }

  /**
   * Takes an override back (`/oncall override remove 3`): the schedule decides again. Whoever
   * may make that override may remove it; one already over is history and stays.
   */
  async removeOverride(origin: Origin, number: number): Promise<{ override: OncallOverride; team: Team }> {
    const now = this.#clock.now();
    const row = await this.#db.oncallOverride.findUnique({ where: { number } });
    if (!row || row.removedAt) {
      throw new UserError(`There is no override #${number}.`, {
        code: "override.not_found",
      });
    }
    const team = this.team(row.teamId);
    this.#requireMayArrange(origin, team, row.personId, (name) => `remove an override of ${name}`);
    if (row.endsAt.getTime() <= now.getTime())
      throw new UserError(`Override #${number} is already over.`, { code: "override.already_over" });
    const actor = actorOf(origin);
    return this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const { count } = await tx.oncallOverride.updateMany({
        where: { id: row.id, removedAt: null },
        data: { removedAt: now, removedById: origin.actor.id },
      });
      if (count === 0)
        throw new UserError(`Override #${number} was just removed.`, { code: "override.already_removed" });
      await recordActivity(tx, {
        actor,
        at: now,
        action: "oncall.override-removed",
        detail: {
          overrideId: row.id,
          number,
          teamId: team.id,
          personId: row.personId,
        },
      });
      return { override: { ...row, removedAt: now, removedById: origin.actor.id }, team };
    });
  }

  /** The configured person, when the caller may arrange their shifts: themselves or a team lead. */
  #requireMayArrange(
    origin: Origin,
    team: Team,
    configPersonId: string,
    doing: (name: string) => string,
  ): OncallPerson {
    const person = this.config.people.find((p) => p.id === configPersonId);
    if (!person)
      throw new UserError(`${configPersonId} is not in the on-call configuration.`, {
        code: "person.not_configured",
      });
    const self = this.#configIds.get(origin.actor.id) === person.id;
    if (!self && !this.isLead(origin.actor.id, team)) {
      throw new UserError(
        `Only ${person.name} themselves or a lead of ${team.name} (${this.leadNames(team)}) may ${doing(person.name)} for ${team.name}.`,
        { code: "oncall.arrange_refused" },
      );
    }
    return person;
  }
}

function toOverride(row: OncallOverride): Override {
  return {
    id: row.id,
    personId: row.personId,
    start: row.startsAt,
    end: row.endsAt,
    createdAt: row.createdAt,
    rotationId: row.rotationId,
    removedAt: row.removedAt,
  };
}

function identitiesOf(person: OncallPerson): Array<{ platform: PlatformName; externalId: string }> {
  const identities: Array<{ platform: PlatformName; externalId: string }> = [];
  for (const platform of platformDescriptors()) {
    const externalId = person.identities[platform.name];
    if (externalId === undefined) continue;
    // As the platform reports it (console handles lose "@" and case).
    identities.push({ platform: platform.name, externalId: platform.userId.normalise(externalId) });
  }
  return identities;
}
