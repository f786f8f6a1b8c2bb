// A signal writes what it changes (issue 15, point 6): an open alert is read without its
// content, a trigger replaces labels, links and details, acknowledge and resolve keep them as
// stored, and members are written back only when one came or changed status. Checked on the
// stored rows, so a missing column in the write would show as lost content.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { startOncallDesk } from "../oncall/fixture.ts";
import { signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const firing = (id: string) => ({ id, status: "firing" as const });

describe("what a later signal writes", () => {
  it("keeps labels, links and details on acknowledge; a trigger replaces them", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    await alerts.receive([signal({ details: { runbook: "r1" } })]);
    await alerts.receive([signal({ action: "acknowledge", labels: {}, links: [], details: {} })]);
    const acked = await desk.db.prisma.alert.findFirstOrThrow();
    expect(acked).toMatchObject({
      status: "acked",
      signalCount: 2,
      labels: { alertname: "HighErrorRate", instance: "api-1:9100" },
      links: [{ href: "https://grafana.example.org/d/api", text: "Dashboard" }],
      details: { runbook: "r1" },
    });
    await alerts.receive([signal({ labels: { alertname: "Other" }, links: [], details: { runbook: "r2" } })]);
    expect(await desk.db.prisma.alert.findFirstOrThrow()).toMatchObject({
      status: "acked",
      signalCount: 3,
      labels: { alertname: "Other" },
      links: [],
      details: { runbook: "r2" },
    });
  });

  it("keeps the members as stored when a repeat changes none, and merges a new one or a new status", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    await alerts.receive([signal({ members: [firing("a"), firing("b")] })]);
    // Repeats naming known members with the same status, in one batch and in another.
    await alerts.receive([signal({ members: [firing("a")] }), signal({ members: [firing("b")] })]);
    await alerts.receive([signal({ members: [firing("b")] })]);
    expect(await desk.db.prisma.alert.findFirstOrThrow()).toMatchObject({
      signalCount: 4,
      members: { a: "firing", b: "firing" },
    });
    await alerts.receive([signal({ members: [firing("c"), { id: "a", status: "resolved" }] })]);
    expect(await desk.db.prisma.alert.findFirstOrThrow()).toMatchObject({
      status: "firing",
      members: { a: "resolved", b: "firing", c: "firing" },
    });
    // The last firing members resolve: the group is resolved.
    await alerts.receive([
      signal({
        members: [
          { id: "b", status: "resolved" },
          { id: "c", status: "resolved" },
        ],
      }),
    ]);
    expect(await desk.db.prisma.alert.findFirstOrThrow()).toMatchObject({
      status: "resolved",
      members: { a: "resolved", b: "resolved", c: "resolved" },
    });
  });
});

describe("the columns a repeat writes", () => {
  it("are in no index of Alert, so PostgreSQL updates the row in place (HOT) on a repeat", async () => {
    desk = await startOncallDesk();
    // What a repeated trigger may change (store.ts, the batch's update): none of it indexed, or
    // every repeat adds an entry to every index (measured: most of the write at 1,000/s).
    const written = [
      "summary",
      "source",
      "severity",
      "tlp",
      "rsitType",
      "teamId",
      "labels",
      "links",
      "details",
      "members",
      "signalCount",
      "lastSignalAt",
      "ackedAt",
      "resolvedAt",
    ];
    const indexes = await desk.db.prisma.$queryRaw<
      Array<{ name: string; columns: string[]; predicate: string | null }>
    >`
      select c.relname::text as name,
             array(select a.attname::text from pg_attribute a
                    where a.attrelid = i.indrelid and a.attnum = any(i.indkey)) as columns,
             pg_get_expr(i.indpred, i.indrelid) as predicate
        from pg_index i join pg_class c on c.oid = i.indexrelid
       where i.indrelid = '"Alert"'::regclass`;
    expect(indexes.map((index) => index.name)).toContain("Alert_open_number_idx");
    for (const index of indexes) {
      const used = [
        ...index.columns,
        ...Array.from((index.predicate ?? "").matchAll(/"?([A-Za-z]+)"?/g), (m) => m[1]),
      ];
      expect({ index: index.name, written: used.filter((column) => written.includes(column ?? "")) }).toEqual(
        {
          index: index.name,
          written: [],
        },
      );
    }
  });
});
