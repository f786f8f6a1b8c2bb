// The permission policy. Authority comes from configuration: the access file's roles (or, without
// one, everything but admin for the organisation's people), never from the incident itself. An
// incident's own commander and deputy hold the commander permission for that incident only if
// their configured roles allow at least responder; taking or handing out incident roles needs a
// configured role that includes it, except that whoever declared an incident may name its first
// commander.
import type { Db } from "../db/database.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { Role } from "../incidents/roles.ts";
import { type IdentityCache, identityCacheOf } from "../people/identity-cache.ts";
import { type AccessConfig, ROLE_INCLUDES, type RoleName } from "./access-config.ts";
import { isInternal, type Organisation, organisationOf } from "./organisation.ts";
import type { Permission } from "./permissions.ts";
import {
  PERMISSION_HOLDERS,
  type PermissionPolicy,
  PermissionRefused,
  type PermissionTarget,
} from "./permissions.ts";

/** Without an access configuration: one team trying tocsin out may do everything but admin tasks. */
const WITHOUT_CONFIGURATION: readonly RoleName[] = ["commander", "team-lead", "bulletin-editor"];

export interface AccessSettings {
  /** The access configuration (ACCESS_CONFIG); undefined: the organisation may do all but admin. */
  config?: AccessConfig;
  /** MATRIX_USER_ID: its server is the organisation's own homeserver. */
  matrixUserId?: string;
}

/** The policy for these settings; the composition root builds it from configuration. */
export function accessPolicy(db: Db, settings: AccessSettings = {}): ConfiguredPolicy {
  return new ConfiguredPolicy(db, settings.config, organisationOf(settings.config, settings.matrixUserId));
}

interface HeldRoles {
  roles: Set<RoleName>;
  /** False for people from outside the organisation (another Matrix homeserver). */
  internal: boolean;
}

export class ConfiguredPolicy implements PermissionPolicy {
  readonly #db: Db;
  readonly #config: AccessConfig | undefined;
  readonly #organisation: Organisation;
  readonly #defaultRoles: readonly RoleName[];
  /** A Person's identities, shared with People and cleared by its writes (identity-cache.ts). */
  readonly #identities: IdentityCache;

  constructor(db: Db, config: AccessConfig | undefined, organisation: Organisation) {
    this.#db = db;
    this.#identities = identityCacheOf(db);
    this.#config = config;
    this.#organisation = organisation;
    this.#defaultRoles = !config ? WITHOUT_CONFIGURATION : config.default === "none" ? [] : [config.default];
  }

  /** Roles granted to a person through their identities, email and groups. */
  async rolesOf(person: Person): Promise<Set<RoleName>> {
    return (await this.#held(person)).roles;
  }

  async requireBeforeIncident(
    person: Person,
    permission: Permission,
    target: PermissionTarget & { incidentId?: string },
  ): Promise<void> {
    const held = await this.#held(person);
    // Commander and incident-roles may come from the incident, but only to a responder.
    const floor = permission === "commander" || permission === "incident-roles" ? "responder" : permission;
    if (!includes(held.roles, floor)) throw this.#refusal(person, permission, held, target);
  }

  async require(person: Person, permission: Permission, target: PermissionTarget): Promise<void> {
    const held = await this.#held(person);
    if (includes(held.roles, permission)) return;
    const { incident } = target;
    if (incident && includes(held.roles, "responder")) {
      if (permission === "commander" && (await this.#leads(person, incident))) return;
      if (permission === "incident-roles" && (await this.#mayNameFirstCommander(person, incident))) return;
    }
    throw this.#refusal(person, permission, held, target);
  }

  async requireRoleAssignment(
    person: Person,
    assignee: Person,
    role: Role,
    target: PermissionTarget & { incident: Incident },
  ): Promise<void> {
    const held = await this.#held(person);
    const mayAssign =
      includes(held.roles, "incident-roles") ||
      (role === "commander" &&
        includes(held.roles, "responder") &&
        (await this.#mayNameFirstCommander(person, target.incident)));
    if (!mayAssign) throw this.#refusal(person, "incident-roles", held, target);
    const theirs = await this.#held(assignee);
    if (!includes(theirs.roles, "responder")) {
      const roles = theirs.roles.size
        ? `their roles are ${[...theirs.roles].join(", ")}`
        : "they have no role";
      throw new PermissionRefused(
        `${assignee.displayName} can't take an incident role: it needs the responder role and ${roles}. An admin can grant it in the access configuration.`,
        { permission: "incident-roles", person, ...target },
      );
    }
  }

  async isAdmin(person: Person): Promise<boolean> {
    return (await this.rolesOf(person)).has("admin");
  }

  async #held(person: Person): Promise<HeldRoles> {
    const identities = await this.#identities.identities(person.id, () =>
      this.#db.personIdentity.findMany({
        where: { personId: person.id },
        select: { platform: true, externalId: true },
      }),
    );
    const internal = identities.some((identity) => isInternal(this.#organisation, identity));
    const subjects = new Set(identities.map((i) => `${i.platform}:${i.externalId}`));
    if (person.email) subjects.add(`email:${person.email.toLowerCase()}`);
    const roles = new Set<RoleName>(internal ? this.#defaultRoles : []);
    if (!this.#config) return { roles, internal };
    for (const [group, members] of Object.entries(this.#config.groups)) {
      if (members.some((m) => subjects.has(normalise(m)))) subjects.add(`group:${group}`);
    }
    for (const grant of this.#config.grants) {
      if (grant.to.some((s) => subjects.has(normalise(s)))) roles.add(grant.role);
    }
    return { roles, internal };
  }

  #refusal(
    person: Person,
    permission: Permission,
    held: HeldRoles,
    target: PermissionTarget & { incidentId?: string },
  ): PermissionRefused {
    const action = target.action ?? `\`/${target.command.group} ${target.command.name}\``;
    const details = { permission, person, ...target };
    if (permission === "admin" && !this.#config) {
      return new PermissionRefused(
        `${action} needs the admin role; without an access configuration (ACCESS_CONFIG) nobody has it.`,
        details,
      );
    }
    const have = held.roles.size
      ? `you have: ${[...held.roles].join(", ")}`
      : held.internal
        ? "you have no role"
        : "you have no role: people from outside the organisation (another homeserver) get one only from the access configuration";
    return new PermissionRefused(
      `${action} needs ${PERMISSION_HOLDERS[permission]}; ${have}. An admin can grant it in the access configuration.`,
      details,
    );
  }

  async #leads(person: Person, incident: Incident): Promise<boolean> {
    const held = await this.#db.roleAssignment.count({
      where: { incidentId: incident.id, personId: person.id, role: { in: ["commander", "deputy"] } },
    });
    return held > 0;
  }

  /** The declarer of an incident that has no commander yet may name one. */
  async #mayNameFirstCommander(person: Person, incident: Incident): Promise<boolean> {
    if (incident.reporterId !== person.id) return false;
    const commanders = await this.#db.roleAssignment.count({
      where: { incidentId: incident.id, role: "commander" },
    });
    return commanders === 0;
  }
}

function includes(roles: ReadonlySet<RoleName>, permission: Permission): boolean {
  return [...roles].some((role) => ROLE_INCLUDES[role].includes(permission));
}

/** Emails compare case-insensitively; platform ids as written. */
function normalise(subject: string): string {
  return subject.startsWith("email:") ? subject.toLowerCase() : subject;
}
