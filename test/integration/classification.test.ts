// Classifying with an old eCSIRT.net mkVI type: every command that takes a type answers with the
// RSIT type it means, the same way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk;
beforeAll(async () => {
  desk = await startConsoleDesk();
});
afterAll(async () => {
  await desk?.close();
});

const RANSOMWARE_ADVICE =
  '"ransomware" is an eCSIRT.net mkVI type that RSIT 1.3 dropped. Use infected-system (Malicious Code / Infected System) for the infected systems, or unauthorised-information-modification (Information Content Security / Unauthorised Modification of Information) for the data it encrypted.';

describe("old mkVI types", () => {
  it("/inc declare class:ransomware and /inc class ransomware give the same advice, changing nothing", async () => {
    const declared = await desk.type("/inc declare File server encrypted class:ransomware");
    expect(declared).toContain(RANSOMWARE_ADVICE);
    expect(await desk.db.prisma.incident.count()).toBe(0);

    await desk.type("/inc declare File server encrypted");
    const classified = await desk.type("/inc class INC-2026-0001 ransomware");
    expect(classified).toContain(RANSOMWARE_ADVICE);
    expect((await desk.db.prisma.incident.findFirstOrThrow()).rsitType).toBeNull();
  });

  it("c&c is the C2 server in both", async () => {
    expect(await desk.type("/inc declare Beaconing class:c&c")).toContain(
      "Use c2-server (Malicious Code / C2 Server).",
    );
    expect(await desk.type("/inc class INC-2026-0001 c&c")).toContain(
      "Use c2-server (Malicious Code / C2 Server).",
    );
  });
});
