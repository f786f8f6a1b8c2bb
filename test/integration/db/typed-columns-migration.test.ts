// The migration that turns statuses, roles, delivery kinds and states and platforms into enums
// converts the columns in place: rows written before it keep their values (and their keys).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createDatabaseIfMissing } from "../../../src/db/database.ts";
import { migrate, readMigrations } from "../../../src/db/migrate.ts";

const MIGRATION = "typed_statuses_and_platforms";

describe(`the ${MIGRATION} migration`, () => {
  it("keeps existing rows' values, now typed", async () => {
    const adminUrl = inject("postgresAdminUrl");
    const name = `migration_${randomBytes(6).toString("hex")}`;
    await createDatabaseIfMissing(adminUrl, name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const all = await readMigrations();
    const at = all.findIndex((m) => m.name.endsWith(`_${MIGRATION}`));
    expect(at).toBeGreaterThan(0);
    await migrate(url.toString(), all.slice(0, at));

    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(`
        insert into "Person" (id, "displayName") values ('p1', 'alice');
        insert into "PersonIdentity" (platform, "externalId", "personId") values ('slack', 'U1', 'p1');
        insert into "Incident" (id, "publicId", title, status, severity, "reporterId", "declaredAt", "updatedAt")
          values ('i1', 'INC-2026-0001', 'Phish', 'contained', 2, 'p1', now(), now());
        insert into "IncidentRoom" (id, "incidentId", platform, "roomId", name)
          values ('r1', 'i1', 'matrix', '!room:x', 'inc-1');
        insert into "RoleAssignment" ("incidentId", role, "personId", "assignedAt") values ('i1', 'scribe', 'p1', now());
        insert into "Page" (id, message, status, "createdAt") values ('pg1', 'help', 'acked', now());
        insert into "PageDelivery" (id, "pageId", kind, state, platform, target, level, round, "createdAt")
          values ('d1', 'pg1', 'notice', 'held', 'console', 'alice', 0, 0, now());`);
      await migrate(url.toString(), all);
      const row = async (sql: string) => (await client.query(sql)).rows[0];
      expect(await row(`select status::text, pg_typeof(status)::text as type from "Incident"`)).toEqual({
        status: "contained",
        type: '"IncidentStatus"',
      });
      expect(await row(`select platform::text from "PersonIdentity"`)).toEqual({ platform: "slack" });
      expect(await row(`select platform::text from "IncidentRoom"`)).toEqual({ platform: "matrix" });
      expect(await row(`select role::text from "RoleAssignment"`)).toEqual({ role: "scribe" });
      expect(await row(`select status::text from "Page"`)).toEqual({ status: "acked" });
      expect(await row(`select kind::text, state::text, platform::text from "PageDelivery"`)).toEqual({
        kind: "notice",
        state: "held",
        platform: "console",
      });
      // Defaults survive the conversion, and the database now refuses unknown values.
      await client.query(`insert into "Page" (id, message, "createdAt") values ('pg2', 'x', now())`);
      expect(await row(`select status::text from "Page" where id = 'pg2'`)).toEqual({ status: "open" });
      await expect(client.query(`update "Incident" set status = 'paused'`)).rejects.toThrow(
        /invalid input value for enum/,
      );
    } finally {
      await client.end();
    }
  });
});
