// Permissions from the access configuration, and restricted incidents, through the console.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAccessConfig } from "../../src/access/access-config.ts";
import { ConfigFileError } from "../../src/config-file.ts";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

const ACCESS = `
default: viewer
groups:
  csirt: [console:alice, console:bob, console:carol]
grants:
  - role: responder
    to: [group:csirt]
  - role: commander
    to: [console:alice]
  - role: admin
    to: [console:root]
`;

// A fresh desk (its own database cloned from the template, in milliseconds) for every test, so
// each can run alone; each test declares the incidents it needs, typing as alice.
let desk: ConsoleDesk;
beforeEach(async () => {
  desk = await startConsoleDesk({ access: parseAccessConfig(ACCESS, "access.yaml") });
});
afterEach(async () => {
  await desk?.close();
});

describe("access configuration", () => {
  it("names file, path and line for mistakes", () => {
    const problems = (text: string) => {
      try {
        parseAccessConfig(text, "access.yaml");
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigFileError);
        return (error as Error).message;
      }
      throw new Error("the configuration was accepted");
    };
    const shape = problems(
      "default: admin\ngrants:\n  - role: wizard\n    to: [slack:U1]\n  - role: admin\n    to: [bob]\n",
    );
    expect(shape).toContain("The access configuration has 3 problems:");
    expect(shape).toMatch(/access\.yaml:1:10: default: /);
    expect(shape).toMatch(/access\.yaml:3:11: grants\[0\]\.role: /);
    expect(shape).toMatch(/access\.yaml:6:10: grants\[1\]\.to\[0\]: write platform:id/);
    // References are checked once the shape is right.
    expect(problems("grants:\n  - role: admin\n    to: [group:nobody]\n")).toContain(
      'access.yaml:3:10: grants[0].to[0]: unknown group "nobody"; declare it under groups',
    );
  });

  it("lets responders declare and viewers only look, saying which role is needed", async () => {
    expect(await desk.type("/inc declare Malware on laptop sev:3")).toContain("INC-2026-0001 declared");
    await desk.type("/as @dave");
    expect(await desk.type("/inc list")).toContain("INC-2026-0001");
    const refused = await desk.type("/inc note INC-2026-0001 I was here");
    expect(refused).toContain("`/inc note` needs the responder role; you have: viewer.");
    expect(await desk.db.prisma.timelineEntry.count({ where: { kind: "note" } })).toBe(0);
  });

  it("lets an incident's commander close it without the commander role, and nobody else", async () => {
    expect(await desk.type("/inc declare Malware on laptop sev:3")).toContain("INC-2026-0001 declared");
    await desk.type("/as @bob");
    expect(await desk.type("/inc close INC-2026-0001 done")).toContain(
      "`/inc close` needs the commander role (or be the incident's commander or deputy); you have: viewer, responder.",
    );
    await desk.type("/as @alice");
    await desk.type("/inc lead INC-2026-0001 @bob");
    await desk.type("/as @bob");
    expect(await desk.type("/inc close INC-2026-0001 cleaned")).toContain("→ closed: cleaned");
  });

  it("hides restricted incidents from those outside them, but not from admins", async () => {
    await desk.type("/inc declare Malware on laptop sev:3");
    await desk.type("/inc declare Insider case tlp:red");
    await desk.type("/inc declare Board member phished restricted:yes");
    await desk.type("/as @carol");
    const list = await desk.type("/inc list all");
    expect(list).not.toContain("Insider case");
    expect(list).not.toContain("Board member phished");
    expect(await desk.type("/inc show INC-2026-0002")).toContain("There is no incident INC-2026-0002.");
    expect(await desk.type("/inc timeline INC-2026-0003")).toContain("There is no incident INC-2026-0003.");
    await desk.type("/as @alice");
    await desk.type("/inc invite INC-2026-0002 @carol");
    await desk.type("/as @carol");
    expect(await desk.type("/inc list all")).toContain("Insider case");
    await desk.type("/as @root");
    const all = await desk.type("/inc list all");
    expect(all).toContain("Insider case");
    expect(all).toContain("Board member phished");
  });

  it("exports the audit log to admins only", async () => {
    await desk.type("/inc declare Malware on laptop sev:3");
    await desk.type("/as @dave");
    await desk.type("/inc note INC-2026-0001 I was here");
    await desk.type("/as @alice");
    await desk.type("/inc lead INC-2026-0001 @bob");
    expect(await desk.type("/inc audit INC-2026-0001")).toContain("`/inc audit` needs the admin role");
    await desk.type("/as @root");
    const audit = await desk.type("/inc audit INC-2026-0001");
    // Changes are audited (declare, role), and so are refusals (dave's note, alice's export):
    // they change nothing else.
    expect(audit).toContain("Audit log of INC-2026-0001 (4 entries)");
    expect(audit).toMatch(/"action":"permission.refused".*"command":"inc audit".*"permission":"admin"/);
    expect(audit).toMatch(/"action":"incident.declared".*"platform":"console"/);
    expect(audit).toMatch(/"action":"incident.role","platform":"console".*"correlationId":"[0-9a-f]{8}"/);
  });
});

describe("without an access configuration", () => {
  it("nobody is admin, so the audit export says how to get it", async () => {
    const open = await startConsoleDesk();
    try {
      await open.type("/inc declare X");
      expect(await open.type("/inc audit INC-2026-0001")).toContain(
        "needs the admin role; without an access configuration (ACCESS_CONFIG) nobody has it.",
      );
    } finally {
      await open.close();
    }
  });
});

describe("the shipped example", () => {
  it("validates", async () => {
    const { loadAccessConfig } = await import("../../src/access/access-config.ts");
    const config = await loadAccessConfig(new URL("../../examples/access.yaml", import.meta.url).pathname);
    expect(config.grants.map((g) => g.role)).toEqual([
      "responder",
      "commander",
      "team-lead",
      "bulletin-editor",
      "admin",
    ]);
  });
});
