// A page about a restricted incident that reaches a team channel (nobody acknowledged it) says a
// restricted incident needs someone: never its id or title. The paged person's DM keeps the id.
import { describe, expect, it } from "vitest";
import { renderPlainText } from "../../../src/chat/plain-text.ts";
import type { Incident, Page } from "../../../src/generated/prisma/client.ts";
import {
  DIRECT_MESSAGE,
  incidentLine,
  pageDirectMessage,
  pageFallbackMessage,
  teamChannel,
} from "../../../src/paging/messages.ts";

const incident = (over: Partial<Incident>) =>
  ({
    id: "i1",
    publicId: "INC-2026-0042",
    title: "Board member extortion",
    severity: 1,
    tlp: "amber",
    restricted: false,
    ...over,
  }) as Incident;
const page = { number: 7, message: "INC-2026-0042 declared, SEV1 (critical)" } as Page;
const context = (i: Incident) => ({
  page,
  incident: i,
  from: "tocsin",
  position: "level 1 of 1",
  timeZone: "UTC",
});

describe("pages about restricted incidents", () => {
  for (const over of [{ restricted: true }, { tlp: "red" }]) {
    it(`name nothing in a team channel (${JSON.stringify(over)})`, () => {
      const secret = incident(over);
      const posted = renderPlainText(pageFallbackMessage(context(secret), teamChannel("SOC", "slack")));
      expect(posted).not.toContain("INC-2026-0042");
      expect(posted).not.toContain("Board member");
      expect(posted).toContain("restricted incident");
      expect(incidentLine(secret, teamChannel("SOC", "slack")).line).not.toContain("INC-2026-0042");
    });

    it(`keep the id, not the title, in the paged person's DM (${JSON.stringify(over)})`, () => {
      const dm = renderPlainText(pageDirectMessage(context(incident(over))));
      expect(dm).toContain("INC-2026-0042");
      if (over.tlp === "red") expect(dm).not.toContain("Board member");
      expect(incidentLine(incident(over), DIRECT_MESSAGE).line).toContain("INC-2026-0042");
    });
  }

  it("leave an unrestricted incident's page as it was", () => {
    const posted = renderPlainText(
      pageFallbackMessage(context(incident({ tlp: "green" })), teamChannel("SOC", "slack")),
    );
    expect(posted).toContain("INC-2026-0042 · SEV1 (critical) · Board member extortion");
  });
});
