// Announcements a change still owes: marked done once made (batched by the app with the intake's
// answered marks), and claimed after a crash so that each is made once across replicas.
import { z } from "zod";
import type { Db } from "../db/database.ts";
import { sqlOf } from "../db/sql.ts";
import { sql } from "../db/statement.ts";

// Built once, not at every claim (each start and every 15 s).
const pendingAnnouncementRow = z.object({
  id: z.string(),
  incidentId: z.string(),
  kind: z.string(),
  text: z.string(),
  actorId: z.string().nullable(),
});

export class PendingAnnouncements {
  readonly #db: Db;
  #markAnnounced: ((timelineEntryId: string) => void) | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /** True once per key across replicas and restarts (a ProcessedEvent row of tocsin's own). */
  async claimRecovery(key: string): Promise<boolean> {
    const claimed = await this.#db.$executeRaw(sql`
      insert into "ProcessedEvent" (platform, key, "processedAt") values ('tocsin', ${key}, now())
      on conflict do nothing`);
    return claimed > 0;
  }

  /** The change of this timeline entry has been announced in the incident's rooms. */
  async announced(timelineEntryId: string): Promise<void> {
    if (this.#markAnnounced) return this.#markAnnounced(timelineEntryId);
    await this.#db.$executeRaw(sql`
      update "TimelineEntry" set "announcementPending" = false where id = ${timelineEntryId}`);
  }

  /**
   * Where announced marks go instead of a statement each: the app batches them with the intake's
   * answered marks (InboundClaims.announced), off the answer's path.
   */
  markAnnouncedWith(mark: (timelineEntryId: string) => void): void {
    this.#markAnnounced = mark;
  }

  /**
   * Claims changes whose announcement was never made (the process died between the change and
   * its announcement), older than `olderThan` so commands still running are left alone. Claimed
   * means cleared: with several replicas each entry is announced once.
   */
  async claimPendingAnnouncements(olderThan: Date, limit = 100) {
    // On the driver: run at every start and every 15 s, it would otherwise be what loads Prisma's
    // query compiler in an idle tocsin (CPU on the start's path, memory at idle).
    return sqlOf(this.#db).rows(
      pendingAnnouncementRow,
      sql`
        update "TimelineEntry" set "announcementPending" = false
         where id in (select id from "TimelineEntry" where "announcementPending" and at < ${olderThan}
                       order by at limit ${limit} for update skip locked)
        returning id, "incidentId", kind, text, "actorId"`,
      { prepared: true },
    );
  }
}
