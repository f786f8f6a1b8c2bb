// The permission check the router runs for every command, from the command's declared role.
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { CommandSpec, Permission } from "./command.ts";

export interface PermissionPolicy {
  /** Throws a UserError naming the missing role when `person` may not run the command. */
  require(
    person: Person,
    permission: Permission,
    target: { incident?: Incident; command: CommandSpec },
  ): Promise<void>;
}

/**
 * Everyone may do everything: the policy of a single team trying tocsin out. Role grants from
 * configuration (viewer, responder, commander, team lead, bulletin editor, admin) replace it.
 */
export const openPolicy: PermissionPolicy = {
  async require() {},
};
