// The incident table the scale measurement (incident-scale.ts), its plans (scale-plans.ts) and
// the plan test grow: a few incidents of the caller's own, declared through the app and made
// older than everything else, then the rest seeded by one SQL statement (generate_series), not
// through the app: most of them closed, one in ten restricted (TLP:RED), all reported by
// someone else and newer than the caller's own, so `list mine` has to look past every one.
import type { Db } from "../../src/db/database.ts";

/** Makes every incident there is now (the caller's own) older than any seeded one. */
export async function ageOwnIncidents(db: Db): Promise<void> {
  await db.$executeRaw`update "Incident" set "declaredAt" = now() - interval '400 days'`;
}

/** Seeds incidents until the table holds `size` (none when it already does); then ANALYZE. */
export async function seedIncidentsUpTo(db: Db, size: number): Promise<number> {
  const [existing] = await db.$queryRaw<Array<{ n: number }>>`select count(*)::int as n from "Incident"`;
  const from = (existing?.n ?? 0) + 1;
  await db.$executeRaw`
    with seeder as (
      insert into "Person" (id, "displayName") values (gen_random_uuid()::text, 'Seeder') returning id)
    insert into "Incident"
      (id, "publicId", title, status, severity, restricted, tlp, "reporterId", "declaredAt", "updatedAt")
    select gen_random_uuid()::text, 'SEED-' || lpad(g::text, 7, '0'), 'Seeded incident ' || g,
           (array['triage', 'investigating', 'closed', 'closed', 'closed', 'closed', 'declined', 'recovered'])[1 + g % 8]::"IncidentStatus",
           1 + g % 4, g % 10 = 0, case when g % 10 = 0 then 'red' else 'amber' end,
           seeder.id, now() - interval '300 days' + g * interval '1 minute', now()
      from seeder, generate_series(${from}::int, ${size}::int) g`;
  await db.$executeRaw`analyze "Incident"`;
  return Math.max(size, from - 1);
}
