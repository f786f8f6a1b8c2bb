// Authority comes from configuration, never from the incident itself (issue 11): who may take
// or hand out incident roles, what an incident role lifts, ending an incident however it is
// typed, strangers from other homeservers, one answer for "missing" and "not yours", and
// refusals on the record. Each test starts its own desk.
import { describe, expect, it } from "vitest";
import closeCommand from "../../commands/inc/close.ts";
import { parseAccessConfig } from "../../src/access/access-config.ts";
import { accessPolicy } from "../../src/access/policy.ts";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";
import { captureLog } from "../support/waiting.ts";

// alice commands, tina leads a team, rita and bob respond, dave only looks, root administers.
const ACCESS = parseAccessConfig(
  `
default: viewer
groups:
  csirt: [console:alice, console:rita, console:bob]
grants:
  - role: responder
    to: [group:csirt]
  - role: commander
    to: [console:alice]
  - role: team-lead
    to: [console:tina]
  - role: admin
    to: [console:root]
`,
  "access.yaml",
);

async function withDesk(
  test: (desk: ConsoleDesk) => Promise<void>,
  options: Parameters<typeof startConsoleDesk>[0] = { access: ACCESS },
): Promise<void> {
  const desk = await startConsoleDesk(options);
  try {
    await test(desk);
  } finally {
    await desk.close();
  }
}

const incident = (desk: ConsoleDesk, publicId = "INC-2026-0001") =>
  desk.db.prisma.incident.findUniqueOrThrow({
    where: { publicId },
    include: { roles: { include: { person: true } } },
  });

describe("taking and handing out incident roles", () => {
  it("does not let a responder make themselves commander to do what they were refused", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Phishing wave");
      await desk.type("/as @rita");
      expect(await desk.type("/inc tlp INC-2026-0001 clear")).toContain(
        "`/inc tlp` needs the commander role",
      );
      expect(await desk.type("/inc lead INC-2026-0001 me")).toContain(
        "`/inc lead` needs the commander, team-lead or admin role (or be the one who declared the incident, to name its first commander); you have: viewer, responder.",
      );
      expect(await desk.type("/inc role INC-2026-0001 deputy me")).toContain(
        "`/inc role` needs the commander",
      );
      expect(await desk.type("/inc tlp INC-2026-0001 clear")).toContain(
        "`/inc tlp` needs the commander role",
      );
      expect(await desk.type("/inc close INC-2026-0001 done")).toContain(
        "`/inc close` needs the commander role",
      );
      expect(await incident(desk)).toMatchObject({ tlp: "amber", status: "triage", roles: [] });
    });
  });

  it("lets commanders and team leads hand out roles, but only to people who may respond", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Phishing wave");
      await desk.type("/as @dave");
      await desk.type("/inc list"); // dave exists once he has typed a command
      await desk.type("/as @alice");
      expect(await desk.type("/inc lead INC-2026-0001 @dave")).toContain(
        "dave can't take an incident role: it needs the responder role and their roles are viewer.",
      );
      expect(await desk.type("/inc role INC-2026-0001 scribe @dave")).toContain(
        "dave can't take an incident role",
      );
      expect(await desk.type("/inc lead INC-2026-0001 @bob")).toContain("bob is now commander");
      await desk.type("/as @tina");
      expect(await desk.type("/inc role INC-2026-0001 scribe @rita")).toContain("rita is now scribe");
      expect((await incident(desk)).roles.map((r) => [r.role, r.person.displayName]).sort()).toEqual([
        ["commander", "bob"],
        ["scribe", "rita"],
      ]);
    });
  });

  it("lets the declarer name the first commander of their own incident, and nothing more", async () => {
    await withDesk(async (desk) => {
      await desk.type("/as @rita");
      await desk.type("/inc declare Lost laptop");
      expect(await desk.type("/inc role INC-2026-0001 deputy @bob")).toContain(
        "`/inc role` needs the commander",
      );
      // The summary's "I'm commander" button runs this very command.
      expect(await desk.type("/inc lead INC-2026-0001 me")).toContain("rita is now commander");
      expect(await desk.type("/inc lead INC-2026-0001 @bob")).toContain("`/inc lead` needs the commander");
      expect(await desk.type("/inc role INC-2026-0001 scribe @bob")).toContain(
        "`/inc role` needs the commander",
      );
      // Her own incident's commander: the commander permission for this incident only.
      expect(await desk.type("/inc tlp INC-2026-0001 green")).toContain("TLP TLP:AMBER → TLP:GREEN");
      await desk.type("/as @bob");
      await desk.type("/inc declare Someone else's");
      await desk.type("/as @rita");
      expect(await desk.type("/inc tlp INC-2026-0002 clear")).toContain(
        "`/inc tlp` needs the commander role",
      );
    });
  });

  it("lifts nobody whose configured role is below responder, whatever role they hold", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Phishing wave");
      await desk.type("/inc lead INC-2026-0001 me");
      await desk.type("/as @dave");
      await desk.type("/inc list");
      // As if dave had been named commander before the access file demoted him.
      const dave = await desk.db.prisma.personIdentity.findFirstOrThrow({ where: { externalId: "dave" } });
      await desk.db.prisma.roleAssignment.updateMany({ data: { personId: dave.personId } });
      expect(await desk.type("/inc close INC-2026-0001 done")).toContain(
        "`/inc close` needs the commander role (or be the incident's commander or deputy); you have: viewer.",
      );
      expect(await desk.type("/inc tlp INC-2026-0001 clear")).toContain("needs the commander role");
      expect(await incident(desk)).toMatchObject({ tlp: "amber", status: "triage" });
    });
  });
});

describe("ending an incident, however it is typed", () => {
  it("needs the commander permission for closed, declined and merged, as /inc close does", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Phishing wave");
      await desk.type("/inc declare Same wave");
      await desk.type("/as @bob");
      for (const [line, status] of [
        ["/inc status INC-2026-0001 closed done", "closed"],
        ["/inc status INC-2026-0001 declined not ours", "declined"],
        ["/inc status INC-2026-0002 merged INC-2026-0001", "merged"],
      ]) {
        expect(await desk.type(line as string), line).toContain(
          `\`/inc status ${status}\` needs the commander role (or be the incident's commander or deputy); you have: viewer, responder.`,
        );
      }
      // Other moves stay a responder's.
      expect(await desk.type("/inc status INC-2026-0001 investigating")).toContain("triage → investigating");
      const statuses = await desk.db.prisma.incident.findMany({ orderBy: { publicId: "asc" } });
      expect(statuses.map((i) => i.status)).toEqual(["investigating", "triage"]);
    });
  });

  it("needs a reason for every ending", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Phishing wave");
      expect(await desk.type("/inc status INC-2026-0001 closed")).toContain("Say how it ended");
      expect(await desk.type("/inc status INC-2026-0001 declined")).toContain(
        "Say why it is not an incident",
      );
      expect(await desk.type("/inc status INC-2026-0001 merged")).toContain(
        "Say which incident this one duplicates",
      );
      expect((await incident(desk)).status).toBe("triage");
      expect(await desk.type("/inc status INC-2026-0001 closed sender blocked")).toContain(
        "triage → closed: sender blocked",
      );
      expect((await incident(desk)).resolution).toBe("sender blocked");
    });
  });
});

describe("strangers", () => {
  const closing = { command: closeCommand };

  it("get no role from other homeservers without an access configuration", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Phishing wave");
      const { people } = desk.app.services;
      const policy = accessPolicy(desk.db.prisma, { matrixUserId: "@tocsin:example.org" });
      const ours = await people.resolve("matrix", { externalId: "@amelie:example.org" });
      const stranger = await people.resolve("matrix", { externalId: "@eve:evil.example" });
      const target = { ...closing, incident: await incident(desk) };
      await expect(policy.require(ours, "commander", target)).resolves.toBeUndefined();
      await expect(policy.require(stranger, "commander", target)).rejects.toThrow(
        "`/inc close` needs the commander role (or be the incident's commander or deputy); you have no role: people from outside the organisation (another homeserver) get one only from the access configuration.",
      );
      await expect(policy.require(stranger, "viewer", target)).rejects.toThrow("needs the viewer role");
    });
  });

  it("get only what the access configuration grants them; listed homeservers are the organisation's", async () => {
    await withDesk(async (desk) => {
      const config = parseAccessConfig(
        `
default: responder
organisation:
  homeservers: [cert.example.net]
grants:
  - role: viewer
    to: ["matrix:@carol:partner.example"]
`,
        "access.yaml",
      );
      const policy = accessPolicy(desk.db.prisma, { config, matrixUserId: "@tocsin:example.org" });
      const { people } = desk.app.services;
      const roles = async (externalId: string) =>
        [...(await policy.rolesOf(await people.resolve("matrix", { externalId })))].sort();
      expect(await roles("@amelie:example.org")).toEqual(["responder"]);
      expect(await roles("@bruno:CERT.example.net")).toEqual(["responder"]);
      expect(await roles("@carol:partner.example")).toEqual(["viewer"]);
      expect(await roles("@eve:evil.example")).toEqual([]);
      expect(await roles("@eve:example.org.evil.example")).toEqual([]);
    });
  });
});

describe("one answer for a missing incident and one that is not yours", () => {
  it("answers people without the role the same whether the incident exists or not", async () => {
    const noDefault = parseAccessConfig(
      "default: none\ngrants:\n  - role: admin\n    to: [console:root]\n",
      "a.yaml",
    );
    await withDesk(
      async (desk) => {
        await desk.type("/as @root");
        await desk.type("/inc declare Phishing wave");
        await desk.type("/inc declare Insider case tlp:red");
        await desk.type("/as @zed");
        for (const command of ["show", "timeline", "report", "audit", "tasks"]) {
          const answers = new Set<string>();
          for (const id of ["INC-2026-0001", "INC-2026-0002", "INC-2026-0099"]) {
            answers.add((await desk.type(`/inc ${command} ${id}`)).replaceAll(id, "<id>"));
          }
          expect([...answers], command).toHaveLength(1);
          expect([...answers][0]).toMatch(/needs the (viewer|admin) role/);
        }
      },
      { access: noDefault },
    );
  });

  it("answers responders the same for a restricted incident and a missing one, whatever the command", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Insider case tlp:red");
      await desk.type("/as @bob");
      for (const command of [
        "show",
        "timeline",
        "tasks",
        "report",
        "note hello",
        "role scribe me",
        "lead me",
        "invite @bob",
        "join",
        "page @alice look",
        "mirror matrix",
        "deadlines",
        "close done",
        "tlp clear",
        "status closed done",
      ]) {
        const [name, ...rest] = command.split(" ");
        const answer = async (id: string) =>
          (await desk.type(`/inc ${name} ${id} ${rest.join(" ")}`)).replaceAll(id, "<id>");
        const missing = await answer("INC-2026-0099");
        expect(missing, command).toContain("There is no incident <id>.");
        expect(await answer("INC-2026-0001"), command).toBe(missing);
      }
      expect(await desk.db.prisma.timelineEntry.count()).toBe(1);
    });
  });

  it("refuses merging into a restricted incident exactly as into a missing one", async () => {
    await withDesk(async (desk) => {
      await desk.type("/inc declare Insider case tlp:red");
      await desk.type("/as @bob");
      await desk.type("/inc declare Odd logins");
      await desk.type("/inc lead INC-2026-0002 me");
      const answer = async (id: string) =>
        (await desk.type(`/inc status INC-2026-0002 merged ${id}`)).replaceAll(id, "<id>");
      const missing = await answer("INC-2026-0099");
      expect(missing).toContain("There is no incident <id>.");
      expect(await answer("INC-2026-0001")).toBe(missing);
      expect((await incident(desk, "INC-2026-0002")).status).toBe("triage");
      // Alice takes part in the restricted one, so she may merge into it.
      await desk.type("/as @alice");
      expect(await desk.type("/inc status INC-2026-0002 merged INC-2026-0001 same person")).toContain(
        "triage → merged",
      );
    });
  });
});

describe("refusals on the record", () => {
  it("logs every refusal and audits the ones that concern an incident", async () => {
    const captured = captureLog();
    await withDesk(
      async (desk) => {
        await desk.type("/inc declare Phishing wave");
        await desk.type("/inc declare Insider case tlp:red");
        await desk.type("/as @bob");
        await desk.type("/inc close INC-2026-0001 done");
        await desk.type("/inc audit INC-2026-0002");
        await desk.type("/as @dave");
        await desk.type("/inc declare Not mine to declare");
        const refusals = await desk.db.prisma.auditEntry.findMany({
          where: { action: "permission.refused" },
          include: { incident: true, actor: true },
        });
        const described = refusals.map((r) => {
          const detail = r.detail as { command?: string; permission?: string };
          return [r.incident?.publicId, r.actor?.displayName, detail.command, detail.permission, r.roomId];
        });
        expect(described.sort()).toEqual([
          ["INC-2026-0001", "bob", "inc close", "commander", "#general"],
          ["INC-2026-0002", "bob", "inc audit", "admin", "#general"],
        ]);
        const logged = captured.entries.filter((e) => e.msg === "permission refused");
        expect(logged.map((e) => [e.command, e.permission, e.incidentId])).toEqual([
          ["inc close", "commander", "INC-2026-0001"],
          ["inc audit", "admin", "INC-2026-0002"],
          ["inc declare", "responder", undefined],
        ]);
      },
      { access: ACCESS, log: captured.log },
    );
  });
});
