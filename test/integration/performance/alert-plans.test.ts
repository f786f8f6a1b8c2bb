// The open alerts are found by the partial index Alert_open_number_idx (schema.prisma: no index
// holds a column a repeated signal writes), whatever the table holds: `/alert list` and the show
// job must not read the resolved alerts of months. Asserted on plan shape (EXPLAIN ANALYZE with
// the values each statement was sent with), never on timing, over 20,000 resolved alerts and a
// few open ones.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plansOfWork, type StatementPlan } from "../../../scripts/bench/statement-plans.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { signal } from "../alerts/fixture.ts";
import { startOncallDesk } from "../oncall/fixture.ts";

const RESOLVED = 20_000;
const OPEN = 3;

let desk: ConsoleDesk;
let client: pg.Client;

beforeAll(async () => {
  desk = await startOncallDesk();
  const prisma = desk.db.prisma;
  await prisma.$executeRaw`
    insert into "Alert" (id, "integrationId", "dedupKey", "openKey", status, summary, severity,
                         "firstSignalAt", "lastSignalAt", "resolvedAt")
    select gen_random_uuid()::text, 'prometheus', 'old-' || g, null, 'resolved', 'old ' || g, 3,
           now() - interval '90 days' + g * interval '1 minute',
           now() - interval '90 days' + g * interval '1 minute',
           now() - interval '90 days' + g * interval '1 minute'
      from generate_series(1, ${RESOLVED}::int) g`;
  for (let i = 1; i <= OPEN; i++) await desk.app.services.alerts.receive([signal({ dedupKey: `open-${i}` })]);
  await desk.app.services.jobs.runDue();
  await prisma.$executeRaw`analyze "Alert"`;
  client = new pg.Client({ connectionString: desk.db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await desk?.close();
});

const plansOf = (work: () => Promise<unknown>) => plansOfWork(client, work);

const readsAlerts = (plan: StatementPlan) => plan.scans.some((scan) => scan.endsWith(' on "Alert"'));

function expectOpenOnly(plan: StatementPlan) {
  const where = plan.text.replace(/\s+/g, " ").slice(0, 160);
  expect(plan.scans, where).not.toContain('Seq Scan on "Alert"');
  expect(
    plan.scans.some((scan) => scan.includes("using Alert_open_number_idx")),
    `${where}: ${plan.scans.join(", ")}`,
  ).toBe(true);
  // The open alerts, not the resolved ones.
  expect(plan.mostRowsRead, where).toBeLessThanOrEqual(OPEN);
}

describe(`open alerts among ${RESOLVED.toLocaleString("en")} resolved ones`, () => {
  it("/alert list reads the open alerts by the partial index", async () => {
    let listed = 0;
    const plans = (
      await plansOf(async () => {
        listed = (await desk.app.services.alerts.actions.open()).length;
      })
    ).filter(readsAlerts);
    expect(listed).toBe(OPEN);
    expect(plans).toHaveLength(1);
    expectOpenOnly(plans[0]!);
  });

  it("the show job reads its second's open alerts by the partial index", async () => {
    // A repeat: its edit is shown by the job of its second, due at the end of it.
    await desk.app.services.alerts.receive([signal({ dedupKey: "open-1", summary: "again" })]);
    desk.clock.advance(2_000);
    const plans = (await plansOf(() => desk.app.services.jobs.runDue())).filter((plan) =>
      /"lastSignalAt" >=/.test(plan.text),
    );
    expect(plans).toHaveLength(1);
    expectOpenOnly(plans[0]!);
  });
});
