// A permission refusal is logged, and written to the incident's audit trail when it concerns
// one: admins see who tried what on an incident, including on ones the person may not see.
import type { Logger } from "pino";
import { recordActivity } from "../activity/activity.ts";
import type { PlatformName } from "../chat/invocation.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { PermissionRefused } from "./permissions.ts";

/** Never throws: a failed record is logged, the refusal itself already answered. */
export async function recordRefusal(
  deps: { db: Db; incidents: Incidents; clock: Clock },
  refusal: PermissionRefused,
  where: { platform: PlatformName; roomId: string; correlationId: string },
  log: Logger,
): Promise<void> {
  const command = `${refusal.command.group} ${refusal.command.name}`;
  try {
    // Refused before the lookup: the incident named by id, or the one whose room this is.
    const incident =
      refusal.incident ??
      (refusal.command.incident === "none"
        ? null
        : refusal.incidentId
          ? await deps.incidents.findByPublicId(refusal.incidentId)
          : await deps.incidents.findByRoom(where.platform, where.roomId));
    log.info(
      {
        code: refusal.code,
        command,
        permission: refusal.permission,
        actorId: refusal.person.id,
        incidentId: incident?.publicId,
      },
      "permission refused",
    );
    if (!incident) return;
    await recordActivity(deps.db, {
      actor: { personId: refusal.person.id, ...where },
      at: deps.clock.now(),
      action: "permission.refused",
      incidentId: incident.id,
      detail: { code: refusal.code, command, permission: refusal.permission, reason: refusal.message },
    });
  } catch (error) {
    log.error({ err: error, command }, "could not record a permission refusal");
  }
}
