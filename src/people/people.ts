// People: a Person is known on each platform by an identity. The first time someone types a
// command (or is mentioned) on a platform, they get a Person from their platform profile;
// an email shared by two platforms links both identities to the same Person.
import type { PlatformName, PlatformUser } from "../chat/platform.ts";
import type { Db } from "../db/database.ts";
import type { Person } from "../generated/prisma/client.ts";

export type PersonWithIdentities = Person & { identities: Array<{ platform: string; externalId: string }> };

export class People {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async findByIdentity(platform: PlatformName, externalId: string): Promise<Person | null> {
    const identity = await this.#db.personIdentity.findUnique({
      where: { platform_externalId: { platform, externalId } },
      include: { person: true },
    });
    return identity?.person ?? null;
  }

  /** The Person behind a platform user, created (or linked by email) on first sight. */
  async resolve(platform: PlatformName, user: PlatformUser): Promise<Person> {
    const known = await this.findByIdentity(platform, user.externalId);
    if (known) return known;
    const email = user.email?.trim().toLowerCase() || undefined;
    try {
      return await this.#db.$transaction(async (tx) => {
        const byEmail = email ? await tx.person.findUnique({ where: { email } }) : null;
        const person =
          byEmail ??
          (await tx.person.create({
            data: { displayName: user.displayName?.trim() || user.externalId, email },
          }));
        await tx.personIdentity.create({
          data: { platform, externalId: user.externalId, personId: person.id },
        });
        return person;
      });
    } catch (error) {
      // Two first commands from the same new user raced; the other one created them.
      const raced = await this.findByIdentity(platform, user.externalId);
      if (raced) return raced;
      throw error;
    }
  }

  async identities(personId: string): Promise<Array<{ platform: string; externalId: string }>> {
    return this.#db.personIdentity.findMany({
      where: { personId },
      select: { platform: true, externalId: true },
    });
  }
}
