// A declaration is one statement on the driver (issue 14): the event's claim, the year's next
// number, the incident, its first participant, its timeline and audit entries and the jobs it
// schedules, atomic without a transaction. Pinned here: the statements a declare sends, that a
// connection killed inside the statement leaves nothing (not even a number taken), and that the
// ids the statement writes are the ones IncidentIds.format names.
import { afterEach, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";
import { statementsOf } from "../support/statements.ts";
import { until } from "../support/waiting.ts";

const desks: ConsoleDesk[] = [];
afterEach(async () => {
  for (const desk of desks.splice(0)) await desk.close();
});

async function desk(): Promise<ConsoleDesk> {
  const started = await startConsoleDesk();
  desks.push(started);
  return started;
}

let serial = 0;

/** Handles one line through the intake as a person typing it, its marks after the answer included. */
async function declare(d: ConsoleDesk, text: string): Promise<void> {
  await d.app.intake.handle({
    platform: "console",
    actor: { externalId: "alice", displayName: "alice" },
    room: { roomId: "#soc", name: "#soc" },
    text,
    dedupeKey: `declare-statement:${++serial}`,
    replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
  });
  await d.app.settled();
}

/** Rows of the tables a declaration writes. */
async function counts(d: ConsoleDesk) {
  const [row] = await d.db.prisma.$queryRaw<Array<Record<string, number | null>>>`
    select (select count(*)::int from "Incident") as incidents,
           (select count(*)::int from "Participant") as participants,
           (select count(*)::int from "TimelineEntry") as timeline,
           (select count(*)::int from "AuditEntry") as audit,
           (select count(*)::int from "Job") as jobs,
           (select count(*)::int from "ProcessedEvent") as events,
           (select last from "IncidentCounter" where year = 2026) as counter`;
  return row;
}

describe("a declaration", () => {
  it("is one statement: no transaction, its jobs in it, then the room's binding and summary", async () => {
    const d = await desk();
    // The first command prepares what later ones reuse and fills the identity cache.
    await declare(d, "/inc declare Warm-up sev:3");
    const before = await counts(d);
    // SEV1: a commander and an update reminder (the default reminders), scheduled by the statement.
    const sent = await statementsOf(() => declare(d, '/inc declare "One statement" sev:1'));
    expect(sent).toEqual([
      expect.stringMatching(/^insert into "InboundClaim"/),
      expect.stringMatching(/^with claimed as \( insert into "ProcessedEvent".* insert into "Job"/),
      expect.stringMatching(/^insert into "IncidentRoom"/),
      expect.stringMatching(/^update "IncidentRoom" set "summaryMessageId"/),
      // The claim answered (the declaration's timeline entry is never pending).
      expect.stringMatching(/^with announced as/),
    ]);
    const incident = await d.db.prisma.incident.findFirstOrThrow({
      where: { title: "One statement" },
      include: { participants: true, timeline: true, rooms: true },
    });
    expect(incident.publicId).toBe("INC-2026-0002");
    expect(incident.participants.map((p) => p.personId)).toEqual([incident.reporterId]);
    expect(incident.timeline.map((t) => [t.kind, t.announcementPending])).toEqual([["declared", false]]);
    expect(incident.rooms).toHaveLength(1);
    const audit = await d.db.prisma.auditEntry.findMany({ where: { incidentId: incident.id } });
    expect(audit.map((a) => [a.action, a.detail])).toEqual([
      ["incident.declared", { title: "One statement", severity: 1 }],
    ]);
    const jobs = await d.db.prisma.job.findMany({
      where: { key: { startsWith: `incident:${incident.id}:` } },
    });
    expect(jobs.map((j) => j.kind).sort()).toEqual([
      "incident.commander-reminder",
      "incident.update-reminder",
    ]);
    expect(jobs.find((j) => j.kind === "incident.commander-reminder")?.dueAt.toISOString()).toBe(
      "2026-03-10T09:05:00.000Z",
    );
    expect(await counts(d)).toEqual({
      incidents: before!.incidents! + 1,
      participants: before!.participants! + 1,
      timeline: before!.timeline! + 1,
      audit: before!.audit! + 1,
      jobs: before!.jobs! + 2,
      events: before!.events! + 1,
      counter: 2,
    });
  });

  it("killed inside its statement leaves no incident, no entry, no job and no number taken", async () => {
    const d = await desk();
    await declare(d, "/inc declare Warm-up sev:3");
    // The statement stops at its audit entry and waits there until its connection is killed.
    await d.db.prisma.$executeRawUnsafe(`
      create function stall_declaration() returns trigger language plpgsql as $$
      begin
        if new.detail->>'title' = 'Killed midway' then perform pg_sleep(600); end if;
        return new;
      end $$`);
    await d.db.prisma.$executeRawUnsafe(
      `create trigger stall_declaration before insert on "AuditEntry" for each row execute function stall_declaration()`,
    );
    const before = await counts(d);
    const answered = d.type('/inc declare "Killed midway" sev:1');
    const pid = await until(async () => {
      const [found] = await d.db.prisma.$queryRaw<Array<{ pid: number }>>`
        select pid from pg_stat_activity
         where wait_event = 'PgSleep' and query like '%"IncidentCounter"%' and datname = current_database()`;
      return found?.pid;
    }, "the declaration's statement to stall inside");
    // Inside the statement the incident, its participant and its number are already written.
    await d.db.prisma.$queryRaw`select pg_terminate_backend(${pid}::int)`;
    const answer = await answered;
    expect(answer).not.toMatch(/^\s+at |Error:/m);
    expect(answer).not.toContain("INC-2026-0002");
    expect(await counts(d)).toEqual(before);

    await d.db.prisma.$executeRawUnsafe(`drop trigger stall_declaration on "AuditEntry"`);
    await declare(d, '/inc declare "After the kill" sev:1');
    const next = await d.db.prisma.incident.findFirstOrThrow({ where: { title: "After the kill" } });
    // The number the killed statement had taken was never taken.
    expect(next.publicId).toBe("INC-2026-0002");
    expect(await d.db.prisma.incident.count({ where: { title: "Killed midway" } })).toBe(0);
  });

  it("writes the id IncidentIds formats, past four digits too", async () => {
    const d = await desk();
    await declare(d, "/inc declare Warm-up sev:3");
    await d.db.prisma.$executeRaw`update "IncidentCounter" set last = 9999 where year = 2026`;
    await declare(d, '/inc declare "Ten thousandth" sev:3');
    const incident = await d.db.prisma.incident.findFirstOrThrow({ where: { title: "Ten thousandth" } });
    expect(incident.publicId).toBe(d.app.services.incidents.ids.format(2026, 10_000));
    expect(incident.publicId).toBe("INC-2026-10000");
  });

  it("of a retried event writes nothing and answers nothing more", async () => {
    const d = await desk();
    await declare(d, "/inc declare Warm-up sev:3");
    const before = await counts(d);
    const invocation = {
      platform: "console" as const,
      actor: { externalId: "alice", displayName: "alice" },
      room: { roomId: "#soc", name: "#soc" },
      text: '/inc declare "Retried" sev:1',
      dedupeKey: "declare-statement:retried",
      replyTarget: { platform: "console" as const, roomId: "#soc", callerId: "alice" },
    };
    const origin = {
      actor: await d.db.prisma.person.findFirstOrThrow({ where: { displayName: "alice" } }),
      actorExternalId: "alice",
      platform: "console" as const,
      room: invocation.room,
      correlationId: "retried",
      dedupeKey: invocation.dedupeKey,
    };
    await d.app.services.incidents.declare(origin, { title: "Retried" });
    await expect(d.app.services.incidents.declare(origin, { title: "Retried again" })).rejects.toThrow(
      /already processed/,
    );
    const after = await counts(d);
    expect(after).toEqual({
      ...before,
      incidents: before!.incidents! + 1,
      participants: before!.participants! + 1,
      timeline: before!.timeline! + 1,
      audit: before!.audit! + 1,
      events: before!.events! + 1,
      counter: 2,
    });
  });
});
