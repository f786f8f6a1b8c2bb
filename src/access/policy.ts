// The permission policy from the access configuration. The router asks it before every command,
// from the role the command declares. An incident's own commander and deputy count as holding
// the commander role for that incident, whatever the file says.
import type { Db } from "../db/database.ts";
import { UserError } from "../errors.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { CommandSpec, Permission } from "../router/command.ts";
import type { PermissionPolicy } from "../router/permissions.ts";
import { type AccessConfig, ROLE_INCLUDES, type RoleName } from "./access-config.ts";

export class ConfiguredPolicy implements PermissionPolicy {
  readonly #db: Db;
  readonly #config: AccessConfig;

  constructor(db: Db, config: AccessConfig) {
    this.#db = db;
    this.#config = config;
  }

  /** Roles granted to a person through their identities, email and groups. */
  async rolesOf(person: Person): Promise<Set<RoleName>> {
    const identities = await this.#db.personIdentity.findMany({ where: { personId: person.id } });
    const subjects = new Set(identities.map((i) => `${i.platform}:${i.externalId}`));
    if (person.email) subjects.add(`email:${person.email.toLowerCase()}`);
    for (const [group, members] of Object.entries(this.#config.groups)) {
      if (members.some((m) => subjects.has(normalise(m)))) subjects.add(`group:${group}`);
    }
    const roles = new Set<RoleName>();
    if (this.#config.default !== "none") roles.add(this.#config.default);
    for (const grant of this.#config.grants) {
      if (grant.to.some((s) => subjects.has(normalise(s)))) roles.add(grant.role);
    }
    return roles;
  }

  async require(
    person: Person,
    permission: Permission,
    target: { incident?: Incident; command: CommandSpec },
  ): Promise<void> {
    const roles = await this.rolesOf(person);
    if ([...roles].some((role) => ROLE_INCLUDES[role].includes(permission))) return;
    if (permission === "commander" && target.incident && (await this.#leads(person, target.incident))) return;
    const held = roles.size ? `you have: ${[...roles].join(", ")}` : "you have no role";
    const incidentHint = permission === "commander" ? " (or be the incident's commander or deputy)" : "";
    throw new UserError(
      `\`/${target.command.group} ${target.command.name}\` needs the ${permission} role${incidentHint}; ${held}. An admin can grant it in the access configuration.`,
    );
  }

  async isAdmin(person: Person): Promise<boolean> {
    return (await this.rolesOf(person)).has("admin");
  }

  async #leads(person: Person, incident: Incident): Promise<boolean> {
    const held = await this.#db.roleAssignment.count({
      where: { incidentId: incident.id, personId: person.id, role: { in: ["commander", "deputy"] } },
    });
    return held > 0;
  }
}

/** Emails compare case-insensitively; platform ids as written. */
function normalise(subject: string): string {
  return subject.startsWith("email:") ? subject.toLowerCase() : subject;
}
