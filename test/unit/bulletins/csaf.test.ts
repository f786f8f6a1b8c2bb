import { describe, expect, it } from "vitest";
import { MAX_LISTED_PRODUCTS } from "../../../src/bulletins/advisory.ts";
import { type CsafParseResult, parseCsaf } from "../../../src/bulletins/csaf.ts";
import { CSAF_SAMPLES, readJson, sampleCopy } from "./samples.ts";

function advisoryOf(result: CsafParseResult) {
  if (!result.ok) throw new Error(`expected a valid advisory, got: ${result.reason}`);
  return result.advisory;
}

describe("CSAF 2.0 sample advisories", () => {
  it("reads BSI-2022-0001: one CVE scored CVSS 3.1 6.1, aggregate severity Moderate, TLP:WHITE", () => {
    const advisory = advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.bsi)));
    expect(advisory).toMatchObject({
      source: "csaf",
      id: "BSI-2022-0001",
      title: "CVRF-CSAF-Converter: XML External Entities Vulnerability",
      publisher: "Bundesamt für Sicherheit in der Informationstechnik",
      cves: ["CVE-2022-27193"],
      cvss: {
        baseScore: 6.1,
        version: "3.1",
        vectorString: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C",
      },
      severity: "medium",
      vendors: ["CSAF Tools"],
      products: ["CSAF Tools CVRF-CSAF-Converter"],
      moreProducts: 0,
      tlp: "clear",
    });
    expect(advisory.published.toISOString()).toBe("2022-03-17T13:03:42.105Z");
    expect(advisory.updated.toISOString()).toBe("2022-03-17T13:03:42.105Z");
    // The document has no references at all.
    expect(advisory.link).toBeUndefined();
  });

  it('reads Cisco\'s advisory despite its non-standard category "Cisco Security Advisory"', () => {
    const advisory = advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.cisco)));
    expect(advisory).toMatchObject({
      id: "cisco-sa-20180328-smi2",
      publisher: "Cisco PSIRT",
      cves: ["CVE-2018-0171"],
      cvss: { baseScore: 9.8, version: "3.0" },
      // No aggregate_severity and no threats: the CVSS rating decides.
      severity: "critical",
      vendors: ["Cisco"],
      // 259 affected versions, named by product line.
      products: ["Cisco IOS", "Cisco IOS XE Software"],
      link: "https://tools.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-20180328-smi2",
    });
    expect(advisory.published.toISOString()).toBe("2018-03-28T16:00:00.000Z");
    expect(advisory.updated.toISOString()).toBe("2018-04-17T15:08:41.000Z");
  });

  it("leaves Cisco's unlabelled advisory without TLP, which means not shareable until labelled", () => {
    const advisory = advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.cisco)));
    expect(advisory.tlp).toBeUndefined();
  });

  it("reads RHSA-2021:5186: Critical, two CVEs, no scores, products named by platform", () => {
    const advisory = advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.rhsa5186)));
    expect(advisory).toMatchObject({
      id: "RHSA-2021:5186",
      title: "Red Hat Security Advisory: OpenShift Container Platform 4.6.52 security update",
      publisher: "Red Hat Product Security",
      cves: ["CVE-2021-4104", "CVE-2021-4125"],
      severity: "critical",
      vendors: ["Red Hat"],
      products: ["Red Hat OpenShift Container Platform 4.6"],
      // The first self reference is the human-readable errata page, not the canonical JSON URL.
      link: "https://access.redhat.com/errata/RHSA-2021:5186",
      tlp: "clear",
    });
    expect(advisory.cvss).toBeUndefined();
  });

  it("reads RHSA-2022:0011 as Important (high) for the three RHEL 7.6 server variants", () => {
    const advisory = advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.rhsa0011)));
    expect(advisory).toMatchObject({
      id: "RHSA-2022:0011",
      cves: ["CVE-2020-10188"],
      severity: "high",
      products: [
        "Red Hat Enterprise Linux Server AUS (v. 7.6)",
        "Red Hat Enterprise Linux Server E4S (v. 7.6)",
        "Red Hat Enterprise Linux Server TUS (v. 7.6)",
      ],
      link: "https://access.redhat.com/errata/RHSA-2022:0011",
    });
  });

  it("falls back to the worst threat impact when a Red Hat advisory has no aggregate severity", () => {
    const document = sampleCopy(CSAF_SAMPLES.rhsa5186);
    delete document.document.aggregate_severity;
    // CVE-2021-4104 is Moderate and CVE-2021-4125 Critical.
    expect(advisoryOf(parseCsaf(document)).severity).toBe("critical");
  });

  it("leaves the severity unknown when nothing rates the advisory", () => {
    const document = sampleCopy(CSAF_SAMPLES.rhsa0011);
    delete document.document.aggregate_severity;
    for (const vulnerability of document.vulnerabilities) delete vulnerability.threats;
    expect(advisoryOf(parseCsaf(document)).severity).toBeUndefined();
  });

  it("computes the CVSS base score from the vector, keeping a contradicting stated score aside", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    // The vector gives 6.1.
    document.vulnerabilities[0].scores[0].cvss_v3.baseScore = 9.9;
    const advisory = advisoryOf(parseCsaf(document));
    expect(advisory.cvss).toEqual({
      baseScore: 6.1,
      version: "3.1",
      vectorString: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C",
      statedBaseScore: 9.9,
    });
    // A score that agrees with its vector is not flagged.
    expect(advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.bsi))).cvss?.statedBaseScore).toBeUndefined();
    expect(advisoryOf(parseCsaf(readJson(CSAF_SAMPLES.cisco))).cvss).toMatchObject({ baseScore: 9.8 });
  });

  it("reads RFC 3339 timestamps in lower case and with offsets", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    document.document.tracking.initial_release_date = "2022-03-17t13:03:42.105z";
    document.document.tracking.current_release_date = "2022-03-18T09:00:00.5+01:00";
    const advisory = advisoryOf(parseCsaf(document));
    expect(advisory.published.toISOString()).toBe("2022-03-17T13:03:42.105Z");
    expect(advisory.updated.toISOString()).toBe("2022-03-18T08:00:00.500Z");
    document.document.tracking.current_release_date = "2022-03-18 09:00:00Z";
    expect(parseCsaf(document)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("expected an RFC 3339 date-time"),
    });
  });

  it("caps a long product list and counts what it left out", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    const ids = Array.from({ length: 40 }, (_, i) => `PID-${i}`);
    document.product_tree = {
      full_product_names: ids.map((id, i) => ({ name: `Appliance model ${i}`, product_id: id })),
    };
    document.vulnerabilities[0].product_status = { known_affected: ids };
    document.vulnerabilities[0].scores[0].products = ids;
    const advisory = advisoryOf(parseCsaf(document));
    expect(advisory.products).toHaveLength(MAX_LISTED_PRODUCTS);
    expect(advisory.products[0]).toBe("Appliance model 0");
    expect(advisory.moreProducts).toBe(40 - MAX_LISTED_PRODUCTS);
  });
});

describe("malformed CSAF documents", () => {
  it("names the missing field", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    delete document.document.tracking.id;
    const result = parseCsaf(document);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toMatch(/^not a valid CSAF 2\.0 document: document\.tracking\.id: /);
  });

  it("refuses CSAF 2.1, whose scores live elsewhere, instead of reading it without scores", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    document.document.csaf_version = "2.1";
    const result = parseCsaf(document);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("document.csaf_version");
  });

  it("refuses a TLP label it cannot gate", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    document.document.distribution.tlp.label = "PURPLE";
    const result = parseCsaf(document);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("document.distribution.tlp.label: not a TLP label");
  });

  it("refuses a CVSS score out of range", () => {
    const document = sampleCopy(CSAF_SAMPLES.bsi);
    document.vulnerabilities[0].scores[0].cvss_v3.baseScore = 61;
    expect(parseCsaf(document).ok).toBe(false);
  });
});
