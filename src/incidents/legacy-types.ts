// eCSIRT.net mkVI incident types that RSIT dropped, mapped by meaning to RSIT 1.3 types, so a
// responder typing an old type is pointed at the type RSIT means, not the one spelled alike
// (Levenshtein sends "ransomware" to "sabotage" and "c&c" to "dos").
//
// Where the mapping comes from (RSIT repository, github.com/enisaeu/Reference-Security-Incident-
// Taxonomy-Task-Force, snapshot b9ad1f8; mkVI values from MISP's ecsirt/machinetag.json):
// - working_copy/machinev1 (bundled as rsit-machinev1.json), the type descriptions:
//   infected-system is "System infected with malware, e.g. ... infected with a rootkit. Most
//   often this refers to a connection to a sinkholed command and control server" (what mkVI's
//   virus, worm, trojan, spyware, dialer, rootkit, malware, bot and botnet-drone reported);
//   c2-server is the "Command and control server contacted by malware" (mkVI c&c);
//   unauthorised-information-modification names "ransomware encrypting data" and "Also includes
//   defacements"; undetermined is "The categorisation of the incident is unknown".
// - Documentation/Minutes/20210126-Internet.md: on ransomware, "incidents are not to be
//   classified by the capabilities of the malware, which is encryption/data inaccessibility"
//   (CERT-AT), so ransomware is not availability/sabotage: the infection is infected-system,
//   the encrypted data unauthorised-information-modification.
// - Documentation/Usage.md: one record may carry several classifications (e.g. infected-system
//   for the client and c2-server for the server); tocsin stores one, so `also` names the other.
// - mkVI's own spelling `unauthorized-use-of-resources` is RSIT's `unauthorised-use-of-resources`.
// Types RSIT has no meaning for (dropzone, blacklist) point at what RSIT classifies instead.

export interface LegacyTypeAdvice {
  /** The RSIT type id to use. */
  use: string;
  /** What it classifies, when the old type covered more than one thing. */
  for?: string;
  also?: { use: string; for: string };
}

const INFECTION: LegacyTypeAdvice = { use: "infected-system" };

export const LEGACY_TYPES: ReadonlyMap<string, LegacyTypeAdvice> = new Map<string, LegacyTypeAdvice>([
  ["virus", INFECTION],
  ["worm", INFECTION],
  ["trojan", INFECTION],
  ["spyware", INFECTION],
  ["dialer", INFECTION],
  ["rootkit", INFECTION],
  ["bot", INFECTION],
  ["botnet-drone", INFECTION],
  [
    "malware",
    {
      use: "infected-system",
      for: "a system it infected",
      also: { use: "malware-distribution", for: "a URL that serves it" },
    },
  ],
  [
    "ransomware",
    {
      use: "infected-system",
      for: "the infected systems",
      also: { use: "unauthorised-information-modification", for: "the data it encrypted" },
    },
  ],
  ["c&c", { use: "c2-server" }],
  ["defacement", { use: "unauthorised-information-modification" }],
  ["compromised", { use: "system-compromise" }],
  [
    "backdoor",
    {
      use: "system-compromise",
      for: "the compromised system",
      also: { use: "infected-system", for: "a backdoor that is malware" },
    },
  ],
  [
    "dropzone",
    {
      use: "data-leak",
      for: "the stolen data found there",
      also: { use: "other", for: "the server itself" },
    },
  ],
  ["vulnerable-service", { use: "vulnerable-system" }],
  ["blacklist", { use: "other", for: "a listing whose reason is unknown" }],
  ["unknown", { use: "undetermined" }],
  ["unauthorized-use-of-resources", { use: "unauthorised-use-of-resources" }],
]);

/** The advice for an mkVI type, as typed (`Botnet drone`, `botnet-drone`, `malicious-code/c&c`). */
export function legacyTypeAdvice(input: string): LegacyTypeAdvice | undefined {
  const normalised = input
    .trim()
    .toLowerCase()
    .replace(/^ecsirt:/, "")
    .replaceAll('"', "");
  const typeId = normalised.split(/[/:=]/).at(-1) ?? "";
  return LEGACY_TYPES.get(typeId.replace(/[\s_]+/g, "-"));
}
