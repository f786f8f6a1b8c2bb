// The code's lists of statuses and roles and the database enums of the same names are
// one set each: these assertions fail the typecheck when a value is added to one side only (the
// migration that adds it to the database enum is then due too).
import type { IncidentRole, IncidentStatus } from "../generated/prisma/client.ts";
import type { Status } from "../incidents/lifecycle.ts";
import type { Role } from "../incidents/roles.ts";

/** `true` only when A and B are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const ENUMS_MATCH = {
  status: true satisfies Same<Status, IncidentStatus>,
  role: true satisfies Same<Role, IncidentRole>,
} as const;
