// Reading pages: the open ones, as table rows for `/oncall pages`.
import { incidentFacts } from "../incidents/incident-rooms.ts";
import { formatTime } from "../incidents/render.ts";
import type { PageRow } from "./messages.ts";
import type { PagingOptions } from "./model.ts";
import { describePosition, escalationPlanSchema } from "./plan.ts";

export class PageQueries {
  readonly #db: PagingOptions["db"];
  readonly #directory: PagingOptions["directory"];
  readonly #timeZone: string;

  constructor(options: PagingOptions) {
    this.#db = options.db;
    this.#directory = options.directory;
    this.#timeZone = options.timeZone;
  }

  /** Pages not resolved yet, newest first, as table rows. */
  async openPages(limit = 50): Promise<PageRow[]> {
    const pages = await this.#db.page.findMany({
      where: { status: { in: ["open", "acked"] } },
      orderBy: { createdAt: "desc" },
      take: limit,
    });
    const personIds = pages.flatMap((p) =>
      [p.targetPersonId, p.ackedById].filter((id): id is string => id !== null),
    );
    const incidentIds = pages.flatMap((p) => p.incidentId ?? []);
    const [people, incidents] = await Promise.all([
      this.#db.person.findMany({ where: { id: { in: personIds } } }),
      this.#db.incident.findMany({ where: { id: { in: incidentIds } } }),
    ]);
    const nameOf = (id: string | null) => people.find((p) => p.id === id)?.displayName ?? "?";
    return pages.map((page) => {
      const plan = escalationPlanSchema.safeParse(page.plan);
      const team = page.teamId ? this.#directory.findTeam(page.teamId) : undefined;
      const target = page.targetPersonId
        ? nameOf(page.targetPersonId)
        : `${team?.name ?? page.teamId} on-call`;
      let escalation: string;
      if (page.status === "acked") escalation = `acked by ${nameOf(page.ackedById)}`;
      else if (page.exhaustedAt) escalation = "exhausted (fallback used)";
      else escalation = plan.success ? describePosition(plan.data, page.round, page.level) : "?";
      const incident = incidents.find((i) => i.id === page.incidentId);
      return {
        about: incident ? incidentFacts(incident) : undefined,
        number: page.number,
        status: page.status,
        target,
        escalation,
        incident: incident?.publicId ?? "",
        created: formatTime(page.createdAt, this.#timeZone),
        message: page.mergedCount ? `${page.message} (+${page.mergedCount} merged)` : page.message,
      };
    });
  }
}
