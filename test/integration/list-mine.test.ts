// `list mine` is found from the person's side (reporter, role holder, participant), not by
// walking every incident: the same incidents as the rule says, whatever the table's size.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk;
beforeAll(async () => {
  desk = await startConsoleDesk();
});
afterAll(async () => {
  await desk?.close();
});

describe("list mine", () => {
  it("lists the open incidents a person reported, holds a role in or takes part in, newest first", async () => {
    for (const title of ["Reported by bob", "Bob leads", "Bob invited", "Bob closed", "Not bob's"]) {
      await desk.type(`/inc declare "${title}" sev:3`);
    }
    const db = desk.db.prisma;
    const byTitle = new Map((await db.incident.findMany()).map((incident) => [incident.title, incident]));
    const bob = await db.person.create({ data: { displayName: "bob" } });
    const at = desk.clock.now();
    await db.incident.update({
      where: { id: byTitle.get("Reported by bob")!.id },
      data: { reporterId: bob.id },
    });
    await db.roleAssignment.create({
      data: { incidentId: byTitle.get("Bob leads")!.id, role: "commander", personId: bob.id, assignedAt: at },
    });
    await db.participant.create({
      data: { incidentId: byTitle.get("Bob invited")!.id, personId: bob.id, addedAt: at },
    });
    await db.participant.create({
      data: { incidentId: byTitle.get("Bob closed")!.id, personId: bob.id, addedAt: at },
    });
    await db.incident.update({ where: { id: byTitle.get("Bob closed")!.id }, data: { status: "closed" } });
    // Distinct declaration times, so the order is the rule's and not the insertion's.
    for (const [i, title] of ["Reported by bob", "Bob leads", "Bob invited"].entries()) {
      await db.incident.update({
        where: { id: byTitle.get(title)!.id },
        data: { declaredAt: new Date(at.getTime() - (i + 1) * 60_000) },
      });
    }

    const mine = await desk.app.services.incidents.list("mine", bob);
    expect(mine.map((incident) => incident.title)).toEqual(["Reported by bob", "Bob leads", "Bob invited"]);
    expect(await desk.app.services.incidents.list("mine", bob, { limit: 2 })).toHaveLength(2);
  });
});
