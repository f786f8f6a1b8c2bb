import { describe, expect, it } from "vitest";
import type { Advisory } from "../../../src/bulletins/advisory.ts";
import {
  buildDigest,
  type Digest,
  splitDigest,
  unreadableSourcesNotice,
} from "../../../src/bulletins/digest.ts";
import { renderPlainText } from "../../../src/chat/plain-text.ts";
import { madeUpKevEntry, sampleCsafAdvisories, sampleKevAdvisories } from "./fixtures.ts";

const csaf = sampleCsafAdvisories();
const kev = sampleKevAdvisories();
const ciscoInKev = madeUpKevEntry({
  cveID: "CVE-2018-0171",
  vendorProject: "Cisco",
  product: "IOS and IOS XE",
  dateAdded: "2021-11-03",
  dueDate: "2022-05-03",
  knownRansomwareCampaignUse: "Known",
});
const period = { from: new Date("2025-08-01T00:00:00Z"), to: new Date("2025-08-26T00:00:00Z") };

function build(advisories: Advisory[], options: Partial<Parameters<typeof buildDigest>[1]> = {}): Digest {
  const digest = buildDigest(advisories, { period, sourceCount: 2, ...options });
  if (!digest) throw new Error("expected a digest");
  return digest;
}

/** One advisory's lines in the canonical text: from its "* id" line to the blank line after it. */
function entryText(text: string, id: string): string {
  const start = text.indexOf(`\n* ${id}: `);
  const end = text.indexOf("\n\n", start + 1);
  return text.slice(start + 1, end === -1 ? undefined : end);
}

describe("the advisories digest", () => {
  it("renders the canonical text: header, severity groups, one entry per advisory", () => {
    const digest = build([csaf.bsi, kev[0] as Advisory, ciscoInKev, csaf.cisco]);
    expect(digest.text).toBe(
      [
        "No TLP label: not for sharing until labelled",
        "Security advisories digest",
        "Period: 2025-08-01 to 2025-08-26 (UTC)",
        "Sources: 2",
        "Advisories: 3",
        "",
        "== Critical (1) ==",
        "",
        "* cisco-sa-20180328-smi2: Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability",
        "  CVE: CVE-2018-0171",
        "  CVSS: 9.8 (v3.0)",
        "  Products: Cisco IOS; Cisco IOS XE Software",
        "  Exploited: in CISA KEV since 2021-11-03, remediate by 2022-05-03, used by ransomware",
        "  Published: 2018-03-28 by Cisco PSIRT",
        "  Link: https://tools.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-20180328-smi2",
        "",
        "== Medium (1) ==",
        "",
        "* BSI-2022-0001: CVRF-CSAF-Converter: XML External Entities Vulnerability",
        "  CVE: CVE-2022-27193",
        "  CVSS: 6.1 (v3.1)",
        "  Products: CSAF Tools CVRF-CSAF-Converter",
        "  TLP: TLP:CLEAR",
        "  Published: 2022-03-17 by Bundesamt für Sicherheit in der Informationstechnik",
        "",
        "== Severity unknown (1) ==",
        "",
        "* CVE-2025-48384: Git Link Following Vulnerability",
        "  Products: Git",
        "  Exploited: in CISA KEV since 2025-08-25, remediate by 2025-09-15",
        "  TLP: TLP:CLEAR",
        "  Published: 2025-08-25 by CISA",
        "  Link: https://nvd.nist.gov/vuln/detail/CVE-2025-48384",
      ].join("\n"),
    );
  });

  it("builds the same content as a neutral message with an unlabelled TLP when Cisco's advisory is in it", () => {
    const digest = build([csaf.bsi, csaf.cisco]);
    expect(digest.tlp).toBeUndefined();
    expect(digest.message.tlp).toBeUndefined();
    expect(digest.message.blocks.slice(0, 4)).toEqual([
      { kind: "heading", text: "Security advisories digest" },
      {
        kind: "fields",
        fields: [
          { label: "Period", value: "2025-08-01 to 2025-08-26 (UTC)" },
          { label: "Sources", value: "2" },
          { label: "Advisories", value: "2" },
        ],
      },
      { kind: "heading", text: "Critical (1)" },
      {
        kind: "text",
        text: "cisco-sa-20180328-smi2: Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability",
      },
    ]);
    expect(digest.message.blocks[4]).toMatchObject({
      kind: "fields",
      fields: expect.arrayContaining([{ label: "CVSS", value: "9.8 (v3.0)" }]),
    });
  });

  it("labels the digest with the strictest TLP when every advisory is labelled", () => {
    const amber = { ...csaf.rhsa0011, id: "RHSA-AMBER", tlp: "amber" as const };
    const clear = build([csaf.bsi, csaf.rhsa5186]);
    expect(clear.message.tlp).toBe("clear");
    expect(clear.text.split("\n")[0]).toBe("TLP:CLEAR");
    expect(clear.text).not.toContain("  TLP:");
    const mixed = build([csaf.bsi, amber]);
    expect(mixed.message.tlp).toBe("amber");
    expect(mixed.text.split("\n")[0]).toBe("TLP:AMBER");
    expect(entryText(mixed.text, "BSI-2022-0001")).toContain("  TLP: TLP:CLEAR");
    // TLP 2.0 spells labels without a space after the colon, everywhere.
    for (const digest of [mixed, build([csaf.bsi, amber], { language: "de" })]) {
      expect(digest.text).not.toMatch(/TLP: (CLEAR|GREEN|AMBER|RED)/);
      expect(renderPlainText(digest.message)).not.toMatch(/TLP: (CLEAR|GREEN|AMBER|RED)/);
    }
  });

  it("groups by severity from critical to low, unknown last, known exploited first within a group", () => {
    const lowOne = { ...csaf.bsi, id: "LOW-1", severity: "low" as const };
    const digest = build([
      ...kev.slice(0, 3),
      lowOne,
      csaf.bsi,
      csaf.rhsa0011,
      csaf.rhsa5186,
      csaf.cisco,
      ciscoInKev,
    ]);
    expect(digest.groups.map((group) => [group.severity, group.advisories.map((a) => a.id)])).toEqual([
      ["critical", ["cisco-sa-20180328-smi2", "RHSA-2021:5186"]],
      ["high", ["RHSA-2022:0011"]],
      ["medium", ["BSI-2022-0001"]],
      ["low", ["LOW-1"]],
      [undefined, ["CVE-2024-8068", "CVE-2024-8069", "CVE-2025-48384"]],
    ]);
    expect(digest.text.match(/^== .* ==$/gm)).toEqual([
      "== Critical (2) ==",
      "== High (1) ==",
      "== Medium (1) ==",
      "== Low (1) ==",
      "== Severity unknown (3) ==",
    ]);
  });

  it("lists at most five products and counts the rest", () => {
    const many = {
      ...csaf.bsi,
      products: ["A", "B", "C", "D", "E", "F", "G"],
      moreProducts: 30,
    };
    expect(entryText(build([many]).text, "BSI-2022-0001")).toContain(
      "  Products: A; B; C; D; E; and 32 more",
    );
  });

  it("writes the header in German when asked, leaving titles and TLP labels alone", () => {
    const digest = build([csaf.rhsa5186, csaf.rhsa0011], { language: "de", sourceCount: 1 });
    expect(digest.text.split("\n").slice(0, 9)).toEqual([
      "TLP:CLEAR",
      "Übersicht der Sicherheitshinweise",
      "Zeitraum: 2025-08-01 bis 2025-08-26 (UTC)",
      "Quellen: 1",
      "Hinweise: 2",
      "",
      "== Kritisch (1) ==",
      "",
      "* RHSA-2021:5186: Red Hat Security Advisory: OpenShift Container Platform 4.6.52 security update",
    ]);
    expect(digest.text).toContain("  Produkte: Red Hat OpenShift Container Platform 4.6");
    expect(digest.text).toContain("  Veröffentlicht: 2021-12-16 von Red Hat Product Security");
    expect(digest.text).toContain("== Hoch (1) ==");
  });

  it("shows dates in the configured time zone and takes a custom title", () => {
    const lateEvening = { ...csaf.bsi, published: new Date("2022-03-17T23:30:00Z") };
    const digest = build([lateEvening], { timeZone: "Europe/Berlin", title: "CERT-Example weekly" });
    expect(digest.text).toContain("CERT-Example weekly\nPeriod: 2025-08-01 to 2025-08-26 (Europe/Berlin)");
    expect(digest.text).toContain("  Published: 2022-03-18 by");
  });

  it("returns nothing for an empty period, or a short notice when configured to", () => {
    expect(buildDigest([], { period, sourceCount: 3 })).toBeUndefined();
    const notice = buildDigest([], { period: { to: period.to }, sourceCount: 3, announceEmpty: true });
    expect(notice?.text).toBe(
      [
        "TLP:CLEAR",
        "Security advisories digest",
        "Period: until 2025-08-26 (UTC)",
        "Sources: 3",
        "Advisories: 0",
        "",
        "No new advisories in this period.",
      ].join("\n"),
    );
    expect(notice?.message.blocks.at(-1)).toEqual({
      kind: "text",
      text: "No new advisories in this period.",
    });
  });

  it("shows the score the vector gives and flags a stated score that contradicts it", () => {
    const contradicted = {
      ...csaf.bsi,
      cvss: { ...(csaf.bsi.cvss as NonNullable<Advisory["cvss"]>), baseScore: 6.1, statedBaseScore: 9.9 },
    };
    const digest = build([contradicted]);
    expect(entryText(digest.text, "BSI-2022-0001")).toContain(
      "  CVSS: 6.1 (v3.1; ⚠️ the advisory states 9.9, which its vector does not give)",
    );
    expect(build([contradicted], { language: "de" }).text).toContain(
      "CVSS: 6.1 (v3.1; ⚠️ der Hinweis nennt 9.9, was sein Vektor nicht ergibt)",
    );
    expect(entryText(build([csaf.bsi]).text, "BSI-2022-0001")).toContain("  CVSS: 6.1 (v3.1)\n");
  });

  it("never says there is nothing new when a source could not be read", () => {
    const unreadable = ["/srv/csaf: no such file or directory"];
    expect(
      buildDigest([], { period, sourceCount: 1, announceEmpty: true, unreadableSources: unreadable }),
    ).toBe(undefined);
    const notice = unreadableSourcesNotice(unreadable, { sourceCount: 1 });
    const shown = renderPlainText(notice);
    expect(shown).toContain(
      "⚠️ Security advisories digest: no digest this time. 1 of 1 source could not be read",
    );
    expect(shown).toContain("this does not mean there are no new advisories");
    expect(shown).toContain("/srv/csaf: no such file or directory");
    expect(shown).not.toContain("No new advisories");
    expect(notice.tlp).toBeUndefined();
  });

  it("says at the top which sources could not be read when it lists the others' advisories", () => {
    const unreadable = ["https://csaf.example/provider-metadata.json: HTTP 503 Service Unavailable"];
    const digest = build([csaf.bsi], { sourceCount: 3, unreadableSources: unreadable });
    const lines = digest.text.split("\n");
    expect(lines.slice(4, 8)).toEqual([
      "Advisories: 1",
      "",
      "⚠️ Incomplete: 1 of 3 sources could not be read, so advisories from it may be missing:",
      "  - https://csaf.example/provider-metadata.json: HTTP 503 Service Unavailable",
    ]);
    // In chat right under the header, before any advisory.
    expect(digest.message.blocks.slice(2, 4)).toEqual([
      {
        kind: "text",
        text: "⚠️ Incomplete: 1 of 3 sources could not be read, so advisories from it may be missing:",
      },
      { kind: "list", items: unreadable, ordered: false },
    ]);
    const german = build([csaf.bsi], { sourceCount: 3, unreadableSources: unreadable, language: "de" });
    expect(german.text).toContain("⚠️ Unvollständig: 1 von 3 Quellen konnten nicht gelesen werden");
  });

  it("repeats the warning in every part of a split digest", () => {
    const unreadable = ["/srv/kev.json: not valid JSON: Unexpected end of JSON input"];
    const digest = build([...Object.values(csaf), ...kev], { unreadableSources: unreadable });
    const parts = splitDigest(digest, { maxChars: 3000 });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.text).toContain(`  - ${unreadable[0]}`);
  });

  it("is stable: the same advisories in any order give the same text, fit for clear-signing", () => {
    const advisories = [...Object.values(csaf), ...kev, ciscoInKev];
    const forward = build(advisories).text;
    expect(build([...advisories].reverse()).text).toBe(forward);
    for (const line of forward.split("\n")) expect(line).toBe(line.trimEnd());
    expect(forward.endsWith("\n")).toBe(false);
    expect(forward).not.toMatch(/\r|\t/);
  });

  it("keeps a title with line breaks on one line", () => {
    const sneaky = { ...csaf.bsi, title: "Two\nlines\n-----BEGIN PGP SIGNATURE-----" };
    expect(build([sneaky]).text).toContain("* BSI-2022-0001: Two lines -----BEGIN PGP SIGNATURE-----\n");
  });
});

describe("splitting a long digest", () => {
  const everything = build([...Object.values(csaf), ...kev, ciscoInKev]);

  it("leaves a digest that fits as it is", () => {
    expect(splitDigest(everything, { maxChars: 100_000 })).toEqual([
      { message: everything.message, text: everything.text },
    ]);
  });

  it("makes parts under the limit, each with the header, without cutting an advisory", () => {
    const maxChars = 1500;
    const parts = splitDigest(everything, { maxChars });
    expect(parts.length).toBeGreaterThan(5);
    parts.forEach((part, index) => {
      expect(part.text.length).toBeLessThanOrEqual(maxChars);
      expect(renderPlainText(part.message).length).toBeLessThanOrEqual(maxChars);
      const lines = part.text.split("\n");
      expect(lines[0]).toBe("No TLP label: not for sharing until labelled");
      expect(lines[1]).toBe(`Security advisories digest (part ${index + 1} of ${parts.length})`);
      expect(lines[2]).toBe("Period: 2025-08-01 to 2025-08-26 (UTC)");
      // Each part starts its advisories under a severity heading.
      expect(lines[6]).toMatch(/^== .* ==$/);
    });
    for (const advisory of everything.groups.flatMap((group) => group.advisories)) {
      const entry = entryText(everything.text, advisory.id);
      expect(parts.filter((part) => part.text.includes(entry))).toHaveLength(1);
    }
    const headlines = parts.flatMap((part) => part.text.match(/^\* .*$/gm) ?? []);
    expect(headlines).toEqual(everything.text.match(/^\* .*$/gm));
  });

  it("respects a block limit for platforms that count blocks", () => {
    const parts = splitDigest(everything, { maxChars: 100_000, maxBlocks: 20 });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.message.blocks.length).toBeLessThanOrEqual(20);
    const entryBlocks = parts.flatMap((part) => part.message.blocks.filter((block) => block.kind === "text"));
    expect(entryBlocks).toHaveLength(everything.advisoryCount);
  });

  it("refuses a limit too small for one advisory instead of cutting it", () => {
    expect(() => splitDigest(everything, { maxChars: 300 })).toThrow(RangeError);
  });
});
