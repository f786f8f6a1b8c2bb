// Who takes part in an incident (reporter, role holder or participant): the rule that decides
// who may see a restricted incident, shared with list() and the outbox.
import type { Db } from "../db/database.ts";
import type { LastingFacts } from "./lasting-facts.ts";

export class Participation {
  readonly #db: Db;
  readonly #facts: LastingFacts;

  constructor(db: Db, facts: LastingFacts) {
    this.#db = db;
    this.#facts = facts;
  }

  /** True when the person takes part in the incident (reporter, role holder or participant). */
  async takesPart(incidentId: string, personId: string): Promise<boolean> {
    // The same rule as list() and the outbox (takingPart): reporter, role holder or participant.
    return (await this.takingPart(personId, [incidentId])).has(incidentId);
  }

  /** Of these incidents, the ones the person takes part in (reporter, role holder, participant). */
  async takingPart(personId: string, incidentIds: string[]): Promise<Set<string>> {
    const known = new Set(incidentIds.filter((id) => this.#facts.takesPart(id, personId)));
    const unknown = incidentIds.filter((id) => !known.has(id));
    if (unknown.length === 0) return known;
    const rows = await this.#db.incident.findMany({
      where: {
        id: { in: unknown },
        OR: [
          { reporterId: personId },
          { roles: { some: { personId } } },
          { participants: { some: { personId } } },
        ],
      },
      select: { id: true },
    });
    for (const row of rows) {
      this.#facts.tookPart(row.id, personId);
      known.add(row.id);
    }
    return known;
  }
}
