// Who may see an incident. Restricted incidents (TLP:RED, `restricted:yes`) do not exist for
// people outside them: every place that takes an incident id answers noSuchIncident() for them,
// the same words as for an id nobody used.
import type { Incident, Person } from "../generated/prisma/client.ts";
import { type Incidents, noSuchIncident } from "../incidents/incidents.ts";
import type { PermissionPolicy } from "./permissions.ts";

type Deps = { incidents: Incidents; permissions: PermissionPolicy };
type Where = { platform: string; roomId: string };

/**
 * The incident an id names, if `person` may see it; otherwise noSuchIncident(). A missing
 * incident is checked like a restricted one, so the time the answer takes tells nothing either.
 */
export async function visibleIncident(
  deps: Deps,
  person: Person,
  publicId: string,
  where: Where,
): Promise<Incident> {
  const incident = await deps.incidents.findByPublicId(publicId);
  const checked = incident ?? ({ id: "", restricted: true } as Incident);
  if (!(await mayView(deps, person, checked, where)) || !incident) throw noSuchIncident(publicId);
  return incident;
}

export async function mayView(
  deps: Deps,
  person: Person,
  incident: Incident,
  where: Where,
): Promise<boolean> {
  if (!incident.restricted) return true;
  // Typing in the incident's own room: the room is the platform's access control.
  if ((await deps.incidents.incidentIdOfRoom(where.platform, where.roomId)) === incident.id) return true;
  if (await deps.incidents.takesPart(incident.id, person.id)) return true;
  return deps.permissions.isAdmin(person);
}
