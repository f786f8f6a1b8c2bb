// Refusals carry stable codes (issue 13.5): the router logs each refusal with its code, permission
// refusals are audited with it, and the domain's "what next" hints are added by the router.
// These tests match codes, not wording.
import { describe, expect, it } from "vitest";
import { parseAccessConfig } from "../../src/access/access-config.ts";
import { startConsoleDesk } from "../support/console-desk.ts";
import { captureLog } from "../support/waiting.ts";

const ACCESS = parseAccessConfig(
  `
default: viewer
grants:
  - role: commander
    to: [console:alice]
`,
  "access.yaml",
);

describe("refusal codes", () => {
  it("logs each refusal with its code: domain, router, command and permission refusals", async () => {
    const captured = captureLog();
    const desk = await startConsoleDesk({ access: ACCESS, log: captured.log });
    try {
      await desk.type("/inc declare Phishing wave");
      const typed: Array<[string, string]> = [
        ["/inc show INC-2026-0099", "incident.not_found"],
        ["/inc status INC-2026-0001 closed", "status.resolution_missing"],
        ["/inc status INC-2026-0001 merged", "status.merge_target_missing"],
        ["/inc status INC-2026-0001 recovered", "status.transition"],
        ["/inc declare", "incident.title_missing"],
        ["/inc frobnicate", "command.unknown"],
        ["/inc tlp INC-2026-0001 purple", "tlp.unknown"],
        ["/inc sev INC-2026-0001 9", "inc.sev.invalid"],
        ["/as @dave", ""],
        ["/inc close INC-2026-0001 done", "permission.refused"],
      ];
      for (const [line] of typed) await desk.type(line);
      const refused = captured.entries.filter((e) => e.msg === "command refused").map((e) => e.code);
      expect(refused).toEqual(typed.map(([, code]) => code).filter(Boolean));
      const audit = await desk.db.prisma.auditEntry.findFirstOrThrow({
        where: { action: "permission.refused" },
      });
      expect(audit.detail).toMatchObject({ code: "permission.refused", command: "inc close" });
      const logged = captured.entries.find((e) => e.msg === "permission refused");
      expect(logged).toMatchObject({ code: "permission.refused" });
    } finally {
      await desk.close();
    }
  });

  it("adds the router's hint to a domain refusal that knows no command syntax", async () => {
    const desk = await startConsoleDesk();
    try {
      await desk.type("/inc declare Phishing wave");
      expect(await desk.type("/inc show INC-2026-0099")).toContain(
        "There is no incident INC-2026-0099. `/inc list all` shows them.",
      );
      expect(await desk.type("/inc status INC-2026-0001 merged")).toContain(
        "Say which incident this one duplicates. `/inc status merged INC-2026-0002`.",
      );
    } finally {
      await desk.close();
    }
  });
});
