// ATTACK: a lone surrogate typed in a command (JSON, which Slack events and Matrix events are,
// can carry "\ud800" as it is). The title goes into the declaration's audit detail, which is
// jsonb: JSON.stringify writes the surrogate as a "\ud800" escape and PostgreSQL refuses it, so
// the declaration failed ("Something went wrong ...", an error logged) instead of declaring. The
// command sanitiser (src/chat/inert-text.ts) drops it as it drops other invisible characters.
import { afterEach, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("a lone surrogate in a declared title", () => {
  it.each([
    ["high", "Lone \ud800 surrogate"],
    ["low", "Lone \udfff surrogate"],
  ])("(%s) is dropped, and the incident declared", async (_, typed) => {
    desk = await startConsoleDesk();
    const out = await desk.type(`/inc declare "${typed}"`);
    expect(out).toContain("INC-2026-0001 declared");
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident.title).toBe("Lone surrogate");
  });
});
