// The permission checks the router and commands run, from the role a command declares. Who holds
// what is the access policy's business (src/access/policy.ts); this is the contract. It lives with
// access, below the router, so the domain never imports the router to learn what a permission is.
import { UserError } from "../errors.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { Role } from "../incidents/roles.ts";

/** Roles a command may require. Who holds which is decided by the permission policy. */
export type Permission =
  | "viewer"
  | "responder"
  | "commander"
  | "incident-roles"
  | "team-lead"
  | "bulletin-editor"
  | "admin";

/** The command a check is for, as refusals and the audit name it. */
export interface CommandRef {
  group: string;
  name: string;
  /** Whether it acts on an incident (`none`: a refusal is not looked up against one). */
  incident?: "none" | "required" | "optional";
}

export interface PermissionTarget {
  command: CommandRef;
  /** The incident the command acts on, once looked up. */
  incident?: Incident;
  /** What the refusal names instead of the command, e.g. "`/inc status closed`". */
  action?: string;
}

export interface PermissionPolicy {
  /**
   * Checked before any incident is looked up: refuses whoever could not hold `permission` on any
   * incident, so a refusal never depends on whether an incident exists. `incidentId` is the id
   * typed, kept on the refusal for the audit trail.
   */
  requireBeforeIncident(
    person: Person,
    permission: Permission,
    target: PermissionTarget & { incidentId?: string },
  ): Promise<void>;
  /** Throws a PermissionRefused naming the missing role when `person` may not run the command. */
  require(person: Person, permission: Permission, target: PermissionTarget): Promise<void>;
  /**
   * Refuses giving `role` of `target.incident` to `assignee` when `person` may not hand it out, or
   * when the assignee's configured roles are below responder (an incident role never lifts
   * anyone above what the configuration gives them).
   */
  requireRoleAssignment(
    person: Person,
    assignee: Person,
    role: Role,
    target: PermissionTarget & { incident: Incident },
  ): Promise<void>;
  /** Admins see restricted incidents they do not take part in (audits, oversight). */
  isAdmin(person: Person): Promise<boolean>;
}

/** A permission refusal: the router logs it and audits it when it concerns an incident. */
export class PermissionRefused extends UserError {
  readonly permission: Permission;
  readonly person: Person;
  readonly command: CommandRef;
  readonly incident?: Incident;
  readonly incidentId?: string;

  constructor(
    message: string,
    details: { permission: Permission; person: Person } & PermissionTarget & { incidentId?: string },
  ) {
    super(message, { code: "permission.refused" });
    this.name = "PermissionRefused";
    this.permission = details.permission;
    this.person = details.person;
    this.command = details.command;
    this.incident = details.incident;
    this.incidentId = details.incidentId;
  }
}

/** Who holds a permission, in words, for help and refusals. */
export const PERMISSION_HOLDERS: Record<Permission, string> = {
  viewer: "the viewer role",
  responder: "the responder role",
  commander: "the commander role (or be the incident's commander or deputy)",
  "incident-roles":
    "the commander, team-lead or admin role (or be the one who declared the incident, to name its first commander)",
  "team-lead": "the team-lead role",
  "bulletin-editor": "the bulletin-editor role",
  admin: "the admin role",
};
