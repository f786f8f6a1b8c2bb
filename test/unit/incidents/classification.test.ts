import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { LEGACY_TYPES } from "../../../src/incidents/legacy-types.ts";
import {
  describeRsitType,
  parseRsitType,
  RSIT_CLASSES,
  RSIT_TYPES,
  RSIT_VERSION,
  requireRsitType,
} from "../../../src/incidents/taxonomy.ts";
import { formatTlp, parseTlp, requireTlp, TLP_LABELS, tlpAllows } from "../../../src/incidents/tlp.ts";

describe("RSIT taxonomy", () => {
  it("bundles the reference machinev1 file unchanged", async () => {
    // The SHA-256 of ENISA's working_copy/machinev1 as published (examples/data/SOURCES.md).
    const bundled = await readFile(new URL("../../../src/incidents/rsit-machinev1.json", import.meta.url));
    expect(createHash("sha256").update(bundled).digest("hex")).toBe(
      "bfaa07dd3d578ffa628170c49cdaa04b6fea8f27d8b80b2850569503fb0a53d6",
    );
  });

  it("has RSIT 1.3: 11 classes and 39 types", () => {
    expect(RSIT_VERSION).toBe(1003);
    expect(RSIT_CLASSES).toHaveLength(11);
    expect(RSIT_TYPES.size).toBe(39);
  });

  it("accepts a type id and derives its class", () => {
    expect(parseRsitType("phishing")).toMatchObject({ id: "phishing", classId: "fraud", className: "Fraud" });
    expect(parseRsitType("system-compromise")?.classId).toBe("intrusions");
    expect(parseRsitType("unauthorised-information-access")?.classId).toBe("information-content-security");
  });

  it("accepts class/type, class:type and the MISP machine tag", () => {
    expect(parseRsitType("fraud/phishing")?.id).toBe("phishing");
    expect(parseRsitType("fraud:phishing")?.id).toBe("phishing");
    expect(parseRsitType('rsit:fraud="phishing"')?.id).toBe("phishing");
    expect(parseRsitType("PHISHING")?.id).toBe("phishing");
  });

  it("refuses a type under the wrong class", () => {
    expect(parseRsitType("intrusions/phishing")).toBeUndefined();
  });

  it("refuses eCSIRT.net mkVI types that RSIT dropped, suggesting the closest", () => {
    expect(parseRsitType("ransomware")).toBeUndefined();
    expect(() => requireRsitType("phishin")).toThrow(/Did you mean "phishing"/);
  });

  it("points old mkVI types at the RSIT type they mean, not the one spelled alike", () => {
    const advice = (input: string) => {
      try {
        requireRsitType(input);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${input} was accepted`);
    };
    expect(advice("ransomware")).toBe(
      '"ransomware" is an eCSIRT.net mkVI type that RSIT 1.3 dropped. Use infected-system (Malicious Code / Infected System) for the infected systems, or unauthorised-information-modification (Information Content Security / Unauthorised Modification of Information) for the data it encrypted. `/inc classes` lists every class and type.',
    );
    expect(advice("c&c")).toContain("Use c2-server (Malicious Code / C2 Server).");
    expect(advice("botnet-drone")).toContain("Use infected-system (Malicious Code / Infected System).");
    expect(advice("Botnet drone")).toContain("Use infected-system");
    expect(advice("malicious-code/malware")).toContain(
      "Use infected-system (Malicious Code / Infected System) for a system it infected, or malware-distribution",
    );
    expect(advice("defacement")).toContain("Use unauthorised-information-modification");
    expect(advice("compromised")).toContain("Use system-compromise");
    expect(advice("unknown")).toContain("Use undetermined");
    expect(advice("unauthorized-use-of-resources")).toContain("Use unauthorised-use-of-resources");
    for (const input of ["ransomware", "c&c", "botnet-drone"]) {
      expect(advice(input)).not.toMatch(/sabotage|"dos"|brute-force/);
    }
  });

  it("every legacy advice names a real RSIT type, and no RSIT type is treated as legacy", () => {
    for (const [legacy, advice] of LEGACY_TYPES) {
      expect(RSIT_TYPES.has(legacy), legacy).toBe(false);
      expect(RSIT_TYPES.has(advice.use), advice.use).toBe(true);
      if (advice.also) expect(RSIT_TYPES.has(advice.also.use), advice.also.use).toBe(true);
    }
  });

  it("describes a type with its class", () => {
    expect(describeRsitType("ddos")).toBe("Availability / Distributed Denial of Service (availability/ddos)");
    expect(describeRsitType(null)).toBe("unclassified");
  });
});

describe("TLP 2.0", () => {
  it("parses labels as people type them", () => {
    expect(parseTlp("amber")).toBe("amber");
    expect(parseTlp("TLP:AMBER+STRICT")).toBe("amber+strict");
    expect(parseTlp("amber-strict")).toBe("amber+strict");
    expect(parseTlp("Red")).toBe("red");
  });

  it("maps TLP 1.0 WHITE to CLEAR", () => {
    expect(parseTlp("white")).toBe("clear");
    expect(parseTlp("TLP:WHITE")).toBe("clear");
  });

  it("refuses unknown labels with the list", () => {
    expect(parseTlp("orange")).toBeUndefined();
    expect(() => requireTlp("orange")).toThrow("clear, green, amber, amber+strict, red");
  });

  it("writes labels in capitals", () => {
    expect(TLP_LABELS.map(formatTlp)).toEqual([
      "TLP:CLEAR",
      "TLP:GREEN",
      "TLP:AMBER",
      "TLP:AMBER+STRICT",
      "TLP:RED",
    ]);
  });

  it("orders clearances", () => {
    expect(tlpAllows("amber", "green")).toBe(true);
    expect(tlpAllows("amber", "amber+strict")).toBe(false);
    expect(tlpAllows("red", "red")).toBe(true);
    expect(tlpAllows("clear", "green")).toBe(false);
  });
});
