// Issue 14: `list` and `show` stay flat as incidents accumulate because every statement they
// send is bounded by an index, whatever the table holds. Asserted on plan shape (EXPLAIN
// ANALYZE with the values the statement was sent with), never on timing: on 20,000 seeded
// incidents (scripts/bench/incident-seed.ts, as the bench seeds them), the newest 5,000 of them
// closed and restricted, which a walk of the newest incidents filtered afterwards would read
// through. No statement may read incidents by a sequential scan, nor any of its scans read more
// rows (those it returns and those its filter drops) than the LIMIT (50).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedIncidentsUpTo } from "../../../scripts/bench/incident-seed.ts";
import { plansOfWork, type StatementPlan } from "../../../scripts/bench/statement-plans.ts";
import { systemClock } from "../../../src/clock.ts";
import type { Person } from "../../../src/generated/prisma/client.ts";
import type { ListFilter } from "../../../src/incidents/incident-queries.ts";
import { Incidents } from "../../../src/incidents/incidents.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

const SIZE = 20_000;
const LIMIT = 50;

let db: TestDatabase;
let client: pg.Client;
let incidents: Incidents;
let alice: Person;
let ownPublicId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const prisma = db.prisma;
  alice = await prisma.person.create({ data: { displayName: "alice" } });
  const long = new Date(Date.now() - 400 * 86_400_000);
  for (let i = 1; i <= 3; i++) {
    await prisma.incident.create({
      data: {
        publicId: `INC-2025-000${i}`,
        title: `Alice's own ${i}`,
        status: "investigating",
        severity: 3,
        reporterId: alice.id,
        declaredAt: long,
        updatedAt: long,
      },
    });
  }
  ownPublicId = "INC-2025-0001";
  await seedIncidentsUpTo(prisma, SIZE);
  // The newest 5,000: closed and restricted. Alice takes part in three restricted open ones.
  await prisma.$executeRaw`
    update "Incident" set status = 'closed', restricted = true, tlp = 'red'
     where id in (select id from "Incident" order by "declaredAt" desc limit 5000)`;
  await prisma.$executeRaw`
    insert into "Participant" ("incidentId", "personId", "addedAt")
    select id, ${alice.id}, now() from "Incident"
     where restricted and status = 'triage' order by "declaredAt" limit 3`;
  await prisma.$executeRaw`analyze`;
  incidents = new Incidents(prisma, systemClock);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.close();
});

/** The plans of every statement `work` sends. */
const plansOf = (work: () => Promise<unknown>) => plansOfWork(client, work);

function expectBounded(plans: StatementPlan[]) {
  expect(plans.length).toBeGreaterThan(0);
  for (const plan of plans) {
    const where = plan.text.replace(/\s+/g, " ").slice(0, 120);
    expect(plan.scans, where).not.toContain('Seq Scan on "Incident"');
    expect(
      plan.scans.filter((scan) => scan.startsWith("Bitmap Heap Scan")),
      where,
    ).toEqual([]);
    expect(plan.mostRowsRead, where).toBeLessThanOrEqual(LIMIT);
  }
}

describe(`list and show on ${SIZE.toLocaleString("en")} incidents`, () => {
  const cases: Array<[ListFilter, boolean, string]> = [
    ["open", false, "Incident_open_unrestricted_declaredAt_idx"],
    ["all", false, "Incident_unrestricted_declaredAt_idx"],
    ["open", true, "Incident_open_declaredAt_idx"],
    ["all", true, "Incident_declaredAt_idx"],
  ];
  for (const [filter, seeRestricted, index] of cases) {
    it(`list ${filter}${seeRestricted ? " (an admin)" : ""} walks ${index} and stops at its limit`, async () => {
      let listed: Awaited<ReturnType<Incidents["list"]>> = [];
      const plans = await plansOf(async () => {
        listed = await incidents.list(filter, alice, { seeRestricted });
      });
      expect(plans).toHaveLength(1);
      expectBounded(plans);
      expect(plans[0]!.scans).toContain(`Index Scan using ${index} on "Incident"`);
      expect(listed).toHaveLength(LIMIT);
      if (!seeRestricted) {
        // Only the restricted incidents alice takes part in, and those are older than the 50 shown.
        expect(listed.filter((incident) => incident.restricted)).toEqual([]);
      }
    });
  }

  it("list open shows the restricted incidents a person takes part in when they are among the newest", async () => {
    // Alice joins the newest restricted open incident (older than the 5,000 closed ones).
    const [newest] = await db.prisma.$queryRaw<Array<{ id: string }>>`
      select id from "Incident" where restricted and status = 'triage'
       order by "declaredAt" desc limit 1`;
    await db.prisma.participant.create({
      data: { incidentId: newest!.id, personId: alice.id, addedAt: new Date() },
    });
    const listed = await incidents.list("open", alice);
    expect(listed[0]?.id).toBe(newest!.id);
    expect(listed).toHaveLength(LIMIT);
    const others = await db.prisma.person.create({ data: { displayName: "bob" } });
    expect((await incidents.list("open", others)).some((incident) => incident.restricted)).toBe(false);
  });

  it("list mine is found from the person's side", async () => {
    const plans = await plansOf(() => incidents.list("mine", alice));
    expect(plans).toHaveLength(1);
    expectBounded(plans);
    expect(plans[0]!.scans).toContain('Index Scan using Incident_reporterId_idx on "Incident"');
  });

  it("show reads the incident by its public id and its details by its id", async () => {
    const plans = await plansOf(async () => {
      const incident = await incidents.requireByPublicId(ownPublicId);
      await incidents.details(incident.id);
    });
    expect(plans).toHaveLength(2);
    expectBounded(plans);
    expect(plans[0]!.scans).toEqual(['Index Scan using Incident_publicId_key on "Incident"']);
    expect(plans[1]!.scans).toContain('Index Scan using Incident_pkey on "Incident"');
  });
});
