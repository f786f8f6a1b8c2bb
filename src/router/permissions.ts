// The permission check the router runs for every command, from the command's declared role.
import { UserError } from "../errors.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { CommandSpec, Permission } from "./command.ts";

export interface PermissionPolicy {
  /** Throws a UserError naming the missing role when `person` may not run the command. */
  require(
    person: Person,
    permission: Permission,
    target: { incident?: Incident; command: CommandSpec },
  ): Promise<void>;
  /** Admins see restricted incidents they do not take part in (audits, oversight). */
  isAdmin(person: Person): Promise<boolean>;
}

/**
 * Everyone may do everything except what only admins may: the policy when no access
 * configuration is given (one team trying tocsin out). ACCESS_CONFIG replaces it
 * (src/access/policy.ts).
 */
export const openPolicy: PermissionPolicy = {
  async require(_person, permission, target) {
    if (permission === "admin") {
      throw new UserError(
        `\`/${target.command.group} ${target.command.name}\` needs the admin role; without an access configuration (ACCESS_CONFIG) nobody has it.`,
      );
    }
  },
  async isAdmin() {
    return false;
  },
};
