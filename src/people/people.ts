// People: a Person is known on each platform by an identity. The first time someone types a
// command (or is mentioned) on a platform, they get a Person from their platform profile;
// an email shared by two platforms links both identities to the same Person.

import { inertText } from "../chat/inert-text.ts";
import type { PlatformName, PlatformUser } from "../chat/invocation.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { personRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import type { Person } from "../generated/prisma/client.ts";
import { type IdentityCache, identityCacheOf } from "./identity-cache.ts";

export type PersonWithIdentities = Person & {
  identities: Array<{ platform: PlatformName; externalId: string }>;
};

/** A person as a directory (the on-call configuration) describes them. */
export interface DirectoryEntry {
  displayName: string;
  email?: string;
  timeZone?: string;
  identities: Array<{ platform: PlatformName; externalId: string }>;
}

export interface LinkedPerson {
  personId: string;
  /** Other Persons that hold one of the entry's identities or its email. */
  alsoKnownAs: string[];
  conflicts: Array<{ platform: string; externalId: string; heldBy: string }>;
}

export class People {
  readonly #db: Db;
  /** Shared with the permission policy; cleared by every write here (see identity-cache.ts). */
  readonly #cache: IdentityCache;

  constructor(db: Db) {
    this.#db = db;
    this.#cache = identityCacheOf(db);
  }

  async findById(id: string): Promise<Person | null> {
    return this.#db.person.findUnique({ where: { id } });
  }

  async findByIdentity(platform: PlatformName, externalId: string): Promise<Person | null> {
    return this.#cache.person(platform, externalId, async () => {
      // SQL rather than the query builder: every command runs this (see Incidents.findByRoom).
      const [person] = rows(
        personRow,
        await this.#db.$queryRaw(sql`
          select p.* from "PersonIdentity" i join "Person" p on p.id = i."personId"
           where i.platform = ${platform} and i."externalId" = ${externalId}`),
      );
      return person ?? null;
    });
  }

  /** The Person behind a platform user, created (or linked by email) on first sight. */
  async resolve(platform: PlatformName, user: PlatformUser): Promise<Person> {
    const known = await this.findByIdentity(platform, user.externalId);
    if (known) return known;
    const email = user.email?.trim().toLowerCase() || undefined;
    let created: Person | undefined;
    const before = this.#cache.generation;
    try {
      created = await this.#db.$transaction(async (tx) => {
        const byEmail = email ? await tx.person.findUnique({ where: { email } }) : null;
        const person =
          byEmail ??
          (await tx.person.create({
            // A profile name is typed by its owner: inert, like every other text people type.
            data: { displayName: inertText(user.displayName ?? "").trim() || user.externalId, email },
          }));
        await tx.personIdentity.create({
          data: { platform, externalId: user.externalId, personId: person.id },
        });
        return person;
      });
      return created;
    } catch (error) {
      // Two first commands from the same new user raced; the other one created them.
      const raced = await this.findByIdentity(platform, user.externalId);
      if (raced) return raced;
      throw error;
    } finally {
      // Committed or not: what was read while it ran (an email-linked Person's identities) is stale.
      this.#cache.written();
      // What was just committed is known, though: the person's next command needs no read.
      // Unless another write ended meanwhile (see rememberPerson).
      if (created) this.#cache.rememberPerson(platform, user.externalId, created, before);
    }
  }

  /**
   * The Person a directory entry (the on-call configuration's `people`) describes: found by any
   * of its identities or its email, created when none is known, given the identities it lacks
   * and the entry's name, time zone and email. An identity already held by another Person stays
   * there (Persons are never merged: their history points at them); it is reported as a conflict
   * and that Person is returned as `alsoKnownAs`, so both count as the entry.
   */
  async link(entry: DirectoryEntry, tx: DbTransaction): Promise<LinkedPerson> {
    const email = entry.email?.trim().toLowerCase() || undefined;
    const owners = await tx.personIdentity.findMany({
      where: { OR: entry.identities.map(({ platform, externalId }) => ({ platform, externalId })) },
    });
    const ownerOf = (identity: { platform: string; externalId: string }) =>
      owners.find((o) => o.platform === identity.platform && o.externalId === identity.externalId)?.personId;
    const byEmail = email ? await tx.person.findUnique({ where: { email } }) : null;
    const personId =
      entry.identities.map(ownerOf).find((id) => id !== undefined) ??
      byEmail?.id ??
      (
        await tx.person.create({
          data: { displayName: entry.displayName, email, timeZone: entry.timeZone },
        })
      ).id;
    const conflicts: LinkedPerson["conflicts"] = [];
    for (const identity of entry.identities) {
      const owner = ownerOf(identity);
      if (owner === undefined) await tx.personIdentity.create({ data: { ...identity, personId } });
      else if (owner !== personId) conflicts.push({ ...identity, heldBy: owner });
    }
    const person = await tx.person.findUniqueOrThrow({ where: { id: personId } });
    const emailFree = email !== undefined && (byEmail === null || byEmail.id === personId);
    await tx.person.update({
      where: { id: personId },
      data: {
        displayName: entry.displayName,
        timeZone: entry.timeZone,
        ...(emailFree && person.email !== email ? { email } : {}),
      },
    });
    const alsoKnownAs = [
      ...new Set([
        ...conflicts.map((c) => c.heldBy),
        ...(byEmail && byEmail.id !== personId ? [byEmail.id] : []),
      ]),
    ];
    return { personId, alsoKnownAs, conflicts };
  }

  /**
   * The transaction that linked people (`link`) has ended: forget the identities and Persons
   * read so far, so a role that came from an identity or email changed there ends at once here.
   */
  linked(): void {
    this.#cache.written();
  }

  /** The identities these people have on one platform. */
  async identitiesOn(
    platform: PlatformName,
    personIds: string[],
  ): Promise<Array<{ personId: string; externalId: string }>> {
    // One Person (a declaration's room: its reporter) goes through the cache.
    if (personIds.length === 1) {
      const [personId] = personIds as [string];
      return (await this.identities(personId))
        .filter((identity) => identity.platform === platform)
        .map((identity) => ({ personId, externalId: identity.externalId }));
    }
    return this.#db.personIdentity.findMany({
      where: { platform, personId: { in: personIds } },
      select: { personId: true, externalId: true },
    });
  }

  /** Display names by Person id (those that exist). */
  async displayNames(personIds: string[]): Promise<Map<string, string>> {
    const people = await this.#db.person.findMany({ where: { id: { in: personIds } } });
    return new Map(people.map((p) => [p.id, p.displayName]));
  }

  async identities(
    personId: string,
    client: Db | DbTransaction = this.#db,
  ): Promise<Array<{ platform: PlatformName; externalId: string }>> {
    return this.#cache.identities(personId, () =>
      client.personIdentity.findMany({
        where: { personId },
        select: { platform: true, externalId: true },
      }),
    );
  }
}
