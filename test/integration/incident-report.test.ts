// The post-incident report through the console: Markdown with the TLP marking first, phase
// durations from the phase stamps, tasks and follow-ups, clear-signed and posted as a file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GeneratedKeyPair,
  generateSigningKey,
  loadSigningKey,
  verifyClearSigned,
} from "../../src/bulletins/signing.ts";
import { ManualClock } from "../../src/clock.ts";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";
import { postedFile, postedFileNames, roomLines } from "../support/console-output.ts";
import { verifyWithGpgv } from "../unit/bulletins/gpg.ts";

const ROOM = "#inc-2026-0001-phishing-wave-against-finance";
const MINUTE = 60_000;

let pair: GeneratedKeyPair;
let desk: ConsoleDesk;

beforeAll(async () => {
  pair = await generateSigningKey({
    name: "CERT-Test",
    passphrase: "x",
    date: new Date("2025-01-01T00:00:00Z"),
  });
  desk = await startConsoleDesk({
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    bulletins: { signingKey: await loadSigningKey(pair.privateKeyArmored, "x") },
  });
  await desk.type(
    '/inc declare "Phishing wave against finance" sev:2 class:phishing summary:"Mass mail to finance"',
  );
  await desk.type(`/room ${ROOM}`);
  desk.clock.advance(25 * MINUTE);
  await desk.type("/inc status investigating confirmed by the SOC");
  desk.clock.advance(MINUTE);
  await desk.type("/inc lead @bob");
  desk.clock.advance(179 * MINUTE);
  await desk.type("/inc status contained sender blocked");
  desk.clock.advance(MINUTE);
  await desk.type("/inc task reset the passwords of the 12 victims");
  desk.clock.advance(MINUTE);
  await desk.type("/inc task brief finance staff");
  desk.clock.advance(MINUTE);
  await desk.type("/inc done 1");
  desk.clock.advance(26 * 60 * MINUTE - 3 * MINUTE);
  await desk.type("/inc close mailboxes cleaned");
  desk.clock.advance(60 * MINUTE);
});

afterAll(async () => {
  await desk?.close();
});

describe("/inc report", () => {
  let signedText: string;

  it("posts a summary and the clear-signed Markdown report in the incident room", async () => {
    const out = await desk.type("/inc report");
    const posted = roomLines(out, "INC-2026-0001");
    expect(posted.slice(0, 6)).toEqual([
      "TLP:AMBER",
      "== Post-incident report: INC-2026-0001 ==",
      "Status:   closed",
      "Severity: SEV2 (high)",
      "Phases:   Triage 25m → Investigating 3h → Contained 1d2h",
      "Tasks:    1 done, 1 open",
    ]);
    expect(postedFileNames(out, "INC-2026-0001")).toEqual(["INC-2026-0001-post-incident-report.md.asc"]);
    const signed = postedFile(out, "INC-2026-0001", ".md.asc");
    const verified = await verifyClearSigned(signed, pair.publicKeyArmored, { date: desk.clock.now() });
    expect(verified).toMatchObject({ valid: true, fingerprint: pair.fingerprint });
    if (!verified.valid) return;
    signedText = verified.signedText;
    expect(verifyWithGpgv(signed, pair.publicKeyArmored).ok).toBe(true);
    // Lists use `*`, so no line of the signed text is dash-escaped.
    expect(signed).not.toMatch(/^- /m);
  });

  it("puts the TLP marking at the top and says what happened, when and for how long", () => {
    const lines = signedText.split("\n");
    expect(lines[0]).toBe("**TLP:AMBER**: own organisation and its clients, need-to-know.");
    expect(lines).toContain("# Post-incident report: INC-2026-0001: Phishing wave against finance");
    expect(lines).toContain("| Classification | Fraud / Phishing |");
    expect(lines).toContain("| Duration | 1d5h25m |");
    expect(signedText).toContain("## Summary\n\nMass mail to finance\n\nResolution: mailboxes cleaned");
    expect(signedText).toContain("* RSIT class: Fraud (`fraud`)");
    expect(signedText).toContain("* Commander: bob\n* Also involved: alice");
    expect(signedText).toContain(
      [
        "| Phase | Entered | Left | Time in phase |",
        "|---|---|---|---|",
        "| Triage | 2026-03-10 09:00 UTC | 2026-03-10 09:25 UTC | 25m |",
        "| Investigating | 2026-03-10 09:25 UTC | 2026-03-10 12:25 UTC | 3h |",
        "| Contained | 2026-03-10 12:25 UTC | 2026-03-11 14:25 UTC | 1d2h |",
      ].join("\n"),
    );
    expect(signedText).toContain(
      "* 2026-03-10 09:25 UTC: [status] status triage → investigating: confirmed by the SOC (alice)",
    );
    expect(signedText).toContain(
      "## Tasks\n\n1 done, 1 open.\n\n* [x] #1 reset the passwords of the 12 victims (done 2026-03-10 12:28 UTC)\n* [ ] #2 brief finance staff",
    );
    expect(signedText).toContain("## Follow-ups\n\n* #2 brief finance staff");
    expect(lines.at(-1)).toBe("**TLP:AMBER**");
  });

  it("from another room, posts in the incident's room and says where", async () => {
    await desk.type("/room #general");
    const out = await desk.type("/inc report INC-2026-0001");
    expect(out).toContain(`[#general · you] The report on INC-2026-0001 is posted in ${ROOM}.`);
    expect(postedFileNames(out, "INC-2026-0001")).toEqual(["INC-2026-0001-post-incident-report.md.asc"]);
    expect(roomLines(out, "#general").some((line) => line.includes("Post-incident report"))).toBe(false);
  });

  it("keeps a TLP:RED report in the incident's own room", async () => {
    await desk.type("/inc declare Ransomware on the file server sev:1 tlp:red");
    // A restricted (RED) incident's room is named by its id alone.
    const room = "#inc-2026-0002";
    await desk.type(`/room ${room}`);
    const out = await desk.type("/inc report");
    expect(roomLines(out, "INC-2026-0002")[0]).toBe("TLP:RED");
    expect(postedFile(out, "INC-2026-0002", ".md.asc")).toContain(
      "**TLP:RED**: named recipients only (the incident room).",
    );
    expect(roomLines(out, "#general")).toEqual([]);
  });
});
