// The real sample documents shipped in examples/data (provenance in its SOURCES.md), read-only.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SAMPLE_DATA = fileURLToPath(new URL("../../../examples/data/", import.meta.url));
export const CSAF_DIR = `${SAMPLE_DATA}csaf`;
export const CSAF_SAMPLES = {
  bsi: `${CSAF_DIR}/bsi-2022-0001.json`,
  cisco: `${CSAF_DIR}/cisco-sa-20180328-smi2.json`,
  rhsa5186: `${CSAF_DIR}/rhsa-2021_5186.json`,
  rhsa0011: `${CSAF_DIR}/rhsa-2022_0011.json`,
} as const;
export const DISTRIBUTION_EXAMPLES = {
  providerMetadata: `${CSAF_DIR}/distribution-examples/example-01-provider-metadata.json`,
  feed: `${CSAF_DIR}/distribution-examples/example-01-feed-tlp-white.json`,
  service: `${CSAF_DIR}/distribution-examples/example-01-service.json`,
} as const;
export const KEV_SAMPLE = `${SAMPLE_DATA}kev/known_exploited_vulnerabilities-first30.json`;

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8"));
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary paths of sample JSON to break it.
type EditableJson = Record<string, any>;

/** A deep copy to change in a test without touching the sample. */
export function sampleCopy(file: string): EditableJson {
  return structuredClone(readJson(file)) as EditableJson;
}
