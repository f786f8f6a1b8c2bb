// The end of a page, shown everywhere it was: an ack or a resolve edits the page's posts (they lose
// their buttons, so nobody clicks a stale Ack) and says who settled it, in each room and DM once.
// A job enqueued by the responses, in the transaction that settled the page.
import type { Logger } from "pino";
import { z } from "zod";
import type { Message } from "../chat/message.ts";
import type { Db } from "../db/database.ts";
import type { PageDelivery } from "../generated/prisma/client.ts";
import { aboutIncident } from "../incidents/incident-rooms.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { JobKind } from "../jobs/queue.ts";
import type { Outbox, Subject } from "../outbox/outbox.ts";
import { outcomeText, RESTRICTED_PAGE_TEXT, settledDirectMessage, settledPageMessage } from "./messages.ts";
import { type PageHooks, type PagingOptions, pageSubject } from "./model.ts";

export const PAGE_OUTCOME_JOB = "paging.show-outcome";

const outcomePayload = z.object({ pageId: z.string() });

export class PageOutcomes {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #incidents: Incidents;
  readonly #outbox: Outbox;
  readonly #timeZone: string;
  readonly #hooks: PageHooks;
  /** Shows an ack or a resolve everywhere the page was shown (enqueued by the responses). */
  readonly job: JobKind<typeof outcomePayload>;

  constructor(options: PagingOptions, hooks: PageHooks, log: Logger) {
    this.#hooks = hooks;
    this.#db = options.db;
    this.#log = log;
    this.#incidents = options.incidents;
    this.#outbox = options.outbox;
    this.#timeZone = options.timeZone;
    this.job = options.jobs.define({
      kind: PAGE_OUTCOME_JOB,
      payload: outcomePayload,
      handler: (job) => this.#showOutcome(job.payload),
    });
  }

  /** Shows an ack or a resolve everywhere the page was shown. */
  async #showOutcome({ pageId }: z.output<typeof outcomePayload>): Promise<void> {
    const page = await this.#db.page.findUnique({ where: { id: pageId }, include: { deliveries: true } });
    if (!page) return;
    const byId = page.status === "resolved" ? page.resolvedById : page.ackedById;
    const body = await this.#hooks.content?.(page);
    // Nobody settled a page with a body (an alert) when its sender did.
    const by = byId
      ? ((await this.#db.person.findUnique({ where: { id: byId } }))?.displayName ?? "someone")
      : body
        ? "its sender"
        : "someone";
    const line = {
      blocks: [{ kind: "text", text: outcomeText(page, by, this.#timeZone) }],
    } satisfies Message;
    const incident = page.incidentId ? await this.#incidents.findById(page.incidentId) : null;
    const hidden = incident !== null && (incident.restricted || incident.tlp === "red");
    // Each edit says no more than its post did: the incident's rooms read the page as the
    // incident's content; a team channel never learns a restricted incident's page text.
    const settledIn = (kind: string) =>
      settledPageMessage(
        page,
        outcomeText(page, by, this.#timeZone),
        hidden && kind !== "room" ? RESTRICTED_PAGE_TEXT : page.message,
        body,
      );
    const subjectIn = (kind: string, message: Message): Subject =>
      incident && kind === "room" ? aboutIncident(incident) : pageSubject(message);
    // A DM says what it said without its buttons, and how the page ended, in its reader's zone.
    const from = page.createdById
      ? ((await this.#db.person.findUnique({ where: { id: page.createdById } }))?.displayName ?? "someone")
      : "tocsin";
    const timeZones = await this.#timeZonesOf(page.deliveries);
    const settledDm = (personId: string | null) => {
      const timeZone = (personId && timeZones.get(personId)) || this.#timeZone;
      return settledDirectMessage(
        { page, incident, from, position: "", timeZone, body },
        outcomeText(page, by, timeZone),
      );
    };
    const shown = page.deliveries.filter((d) => d.state === "sent");
    const done = new Set<string>();
    for (const delivery of shown) {
      const platform = delivery.platform;
      if (!this.#outbox.runs(platform)) continue;
      const isDm = delivery.kind === "dm" || delivery.kind === "notice";
      const room = { platform, roomId: delivery.target };
      try {
        // Room messages and DMs lose their buttons, so nobody clicks a stale Ack.
        if (!isDm && delivery.messageId) {
          const settled = settledIn(delivery.kind);
          await this.#outbox.update(room, delivery.messageId, settled, subjectIn(delivery.kind, settled));
        }
        if (delivery.kind === "dm" && delivery.messageId && delivery.dmRoomId) {
          const settled = settledDm(delivery.personId);
          await this.#outbox.updateDirectMessage(
            { platform, externalId: delivery.target },
            { roomId: delivery.dmRoomId, messageId: delivery.messageId },
            settled,
            pageSubject(settled),
            "page",
          );
        }
        const where = `${delivery.platform}:${isDm ? "dm" : "room"}:${delivery.target}`;
        if (done.has(where)) continue;
        done.add(where);
        if (isDm) {
          await this.#outbox.directMessage(
            { platform, externalId: delivery.target },
            line,
            pageSubject(line),
            "page",
          );
        } else await this.#outbox.post(room, line, pageSubject(line), "page");
      } catch (error) {
        this.#log.warn(
          { err: error, page: page.number, platform: delivery.platform },
          "page outcome not shown",
        );
      }
    }
  }

  /** The time zones of the people a page's DMs went to. */
  async #timeZonesOf(deliveries: readonly PageDelivery[]): Promise<Map<string, string | null>> {
    const ids = [
      ...new Set(
        deliveries.flatMap((d) => (d.kind === "dm" && d.dmRoomId && d.personId ? [d.personId] : [])),
      ),
    ];
    if (ids.length === 0) return new Map();
    const people = await this.#db.person.findMany({
      where: { id: { in: ids } },
      select: { id: true, timeZone: true },
    });
    return new Map(people.map((person) => [person.id, person.timeZone]));
  }
}
