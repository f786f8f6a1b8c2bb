// The advisories digest: a neutral chat message and, from the same content, the canonical plain
// text that gets clear-signed. The canonical text has its own renderer instead of reusing the
// chat plain-text renderer: a signed bulletin must not change when chat rendering changes.
import { DateTime } from "luxon";
import { z } from "zod";
import { type Block, context, fields, heading, list, type Message, text } from "../chat/message.ts";
import { renderPlainText } from "../chat/plain-text.ts";
import { formatTlp, stricterTlp, type TlpLabel } from "../incidents/tlp.ts";
import { type Advisory, SEVERITIES, type Severity } from "./advisory.ts";
import { mergeKnownExploited } from "./kev.ts";

export const DIGEST_LANGUAGES = ["en", "de"] as const;
export const digestLanguageSchema = z.enum(DIGEST_LANGUAGES);
export type DigestLanguage = z.infer<typeof digestLanguageSchema>;

interface DigestStrings {
  title: string;
  period: string;
  periodRange: (from: string, to: string) => string;
  periodUntil: (to: string) => string;
  sources: string;
  advisories: string;
  noAdvisories: string;
  severity: Record<Severity | "unknown", string>;
  cves: string;
  cvss: string;
  cvssContradicted: (stated: string) => string;
  products: string;
  andMore: (count: number) => string;
  knownExploited: string;
  kevDue: (due: string, added: string, ransomware: boolean) => string;
  published: string;
  publishedBy: (date: string, publisher: string) => string;
  link: string;
  unlabelled: string;
  part: (index: number, total: number) => string;
  incomplete: (failed: number, total: number) => string;
  noDigest: (title: string, failed: number, total: number) => string;
  laterDigest: string;
}

// Only the words around the advisories are translated: advisory titles stay as published, and
// TLP labels are never translated (TLP 2.0).
const STRINGS: Record<DigestLanguage, DigestStrings> = {
  en: {
    title: "Security advisories digest",
    period: "Period",
    periodRange: (from, to) => `${from} to ${to}`,
    periodUntil: (to) => `until ${to}`,
    sources: "Sources",
    advisories: "Advisories",
    noAdvisories: "No new advisories in this period.",
    severity: {
      critical: "Critical",
      high: "High",
      medium: "Medium",
      low: "Low",
      none: "None",
      unknown: "Severity unknown",
    },
    cves: "CVE",
    cvss: "CVSS",
    cvssContradicted: (stated) => `⚠️ the advisory states ${stated}, which its vector does not give`,
    products: "Products",
    andMore: (count) => `and ${count} more`,
    knownExploited: "Exploited",
    kevDue: (due, added, ransomware) =>
      `in CISA KEV since ${added}, remediate by ${due}${ransomware ? ", used by ransomware" : ""}`,
    published: "Published",
    publishedBy: (date, publisher) => `${date} by ${publisher}`,
    link: "Link",
    unlabelled: "No TLP label: not for sharing until labelled",
    part: (index, total) => `part ${index} of ${total}`,
    incomplete: (failed, total) =>
      `⚠️ Incomplete: ${failed} of ${total} ${total === 1 ? "source" : "sources"} could not be read, so advisories from ${failed === 1 ? "it" : "them"} may be missing:`,
    noDigest: (title, failed, total) =>
      `⚠️ ${title}: no digest this time. ${failed} of ${total} ${total === 1 ? "source" : "sources"} could not be read, and nothing new came from the rest; this does not mean there are no new advisories.`,
    laterDigest:
      "Advisories from these sources come in a later digest once they can be read, if still within its look-back period.",
  },
  de: {
    title: "Übersicht der Sicherheitshinweise",
    period: "Zeitraum",
    periodRange: (from, to) => `${from} bis ${to}`,
    periodUntil: (to) => `bis ${to}`,
    sources: "Quellen",
    advisories: "Hinweise",
    noAdvisories: "Keine neuen Sicherheitshinweise in diesem Zeitraum.",
    severity: {
      critical: "Kritisch",
      high: "Hoch",
      medium: "Mittel",
      low: "Niedrig",
      none: "Keine",
      unknown: "Schweregrad unbekannt",
    },
    cves: "CVE",
    cvss: "CVSS",
    cvssContradicted: (stated) => `⚠️ der Hinweis nennt ${stated}, was sein Vektor nicht ergibt`,
    products: "Produkte",
    andMore: (count) => `und ${count} weitere`,
    knownExploited: "Ausgenutzt",
    kevDue: (due, added, ransomware) =>
      `in CISA KEV seit ${added}, beheben bis ${due}${ransomware ? ", von Ransomware genutzt" : ""}`,
    published: "Veröffentlicht",
    publishedBy: (date, publisher) => `${date} von ${publisher}`,
    link: "Link",
    unlabelled: "Ohne TLP-Kennzeichnung: nicht weitergeben bis gekennzeichnet",
    part: (index, total) => `Teil ${index} von ${total}`,
    incomplete: (failed, total) =>
      `⚠️ Unvollständig: ${failed} von ${total} Quellen konnten nicht gelesen werden, Hinweise daraus fehlen womöglich:`,
    noDigest: (title, failed, total) =>
      `⚠️ ${title}: diesmal keine Übersicht. ${failed} von ${total} Quellen konnten nicht gelesen werden, die übrigen brachten nichts Neues; das heißt nicht, dass es keine neuen Hinweise gibt.`,
    laterDigest:
      "Hinweise aus diesen Quellen kommen in einer späteren Übersicht, sobald sie lesbar sind und noch im Rückblickzeitraum liegen.",
  },
};

/** Product names shown per advisory in a digest; the full (capped) list stays on the advisory. */
const PRODUCTS_SHOWN = 5;

export interface DigestOptions {
  language?: DigestLanguage;
  /** Replaces the language's default title, e.g. with the team's name. */
  title?: string;
  /** The period covered; `from` is left out when the digest has no lower bound. */
  period: { from?: Date; to: Date };
  /** How many sources were consulted (shown in the header). */
  sourceCount: number;
  /** IANA zone for the dates shown; UTC by default so a signed text reads the same everywhere. */
  timeZone?: string;
  /** With no advisories, produce a short "no new advisories" digest instead of nothing. */
  announceEmpty?: boolean;
  /**
   * Sources that could not be read, one line each (`describeSourceFailure`): the digest says so
   * at the top, and with none of the advisories left it is not made at all, because "no new
   * advisories" would then be untrue (the caller reports the failure instead).
   */
  unreadableSources?: readonly string[];
}

/**
 * What is posted instead of a digest when sources failed and nothing could be listed: not signed
 * and not a bulletin, since the only thing it could vouch for ("nothing new") is not known.
 */
export function unreadableSourcesNotice(
  unreadableSources: readonly string[],
  options: Pick<DigestOptions, "language" | "title" | "sourceCount">,
): Message {
  const strings = STRINGS[options.language ?? "en"];
  const title = oneLine(options.title ?? strings.title);
  return {
    blocks: [
      text(strings.noDigest(title, unreadableSources.length, options.sourceCount)),
      list(unreadableSources.map(oneLine)),
      context(strings.laterDigest),
    ],
  };
}

export interface DigestGroup {
  /** Undefined for the "severity unknown" group, which comes last. */
  severity: Severity | undefined;
  advisories: Advisory[];
}

/** What a digest says, before rendering; splitting works on this. */
export interface DigestContent {
  language: DigestLanguage;
  title: string;
  period: { from?: Date; to: Date };
  sourceCount: number;
  /** One line per source that could not be read (shown before the advisories). */
  unreadableSources: readonly string[];
  advisoryCount: number;
  timeZone: string;
  /** Strictest label of the advisories; undefined when any advisory is unlabelled. */
  tlp: TlpLabel | undefined;
  groups: DigestGroup[];
}

export interface RenderedDigest {
  message: Message;
  /** Canonical text for clear-signing: LF line ends, no trailing whitespace, no final newline. */
  text: string;
}

export interface Digest extends DigestContent, RenderedDigest {}

/**
 * Builds the digest of the given advisories (already filtered), with KEV entries joined to the
 * CSAF advisories that share their CVEs. Returns undefined when there is nothing to say.
 */
export function buildDigest(advisories: readonly Advisory[], options: DigestOptions): Digest | undefined {
  const merged = mergeKnownExploited(advisories);
  const unreadableSources = options.unreadableSources ?? [];
  if (merged.length === 0 && (!options.announceEmpty || unreadableSources.length > 0)) return undefined;
  const language = options.language ?? "en";
  const content: DigestContent = {
    language,
    title: oneLine(options.title ?? STRINGS[language].title),
    period: options.period,
    sourceCount: options.sourceCount,
    unreadableSources: unreadableSources.map(oneLine),
    advisoryCount: merged.length,
    timeZone: options.timeZone ?? "UTC",
    tlp: digestTlp(merged),
    groups: groupBySeverity(merged),
  };
  return { ...content, ...renderDigest(content) };
}

function digestTlp(advisories: readonly Advisory[]): TlpLabel | undefined {
  let strictest: TlpLabel = "clear";
  for (const advisory of advisories) {
    if (!advisory.tlp) return undefined;
    strictest = stricterTlp(strictest, advisory.tlp);
  }
  return strictest;
}

export function groupBySeverity(advisories: readonly Advisory[]): DigestGroup[] {
  const order: Array<Severity | undefined> = [...SEVERITIES, undefined];
  return order
    .map((severity) => ({
      severity,
      advisories: advisories.filter((advisory) => advisory.severity === severity).sort(digestOrder),
    }))
    .filter((group) => group.advisories.length > 0);
}

/** Known exploited first, then by CVSS score, newest, and id, so the order never depends on input. */
function digestOrder(a: Advisory, b: Advisory): number {
  return (
    Number(Boolean(b.knownExploited)) - Number(Boolean(a.knownExploited)) ||
    (b.cvss?.baseScore ?? -1) - (a.cvss?.baseScore ?? -1) ||
    b.published.getTime() - a.published.getTime() ||
    // Code-point order, not locale order: the same on every machine and ICU version.
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function renderDigest(content: DigestContent, part?: { index: number; total: number }): RenderedDigest {
  const strings = STRINGS[content.language];
  const date = (value: Date) => DateTime.fromJSDate(value, { zone: content.timeZone }).toISODate() ?? "";
  const title = part ? `${content.title} (${strings.part(part.index, part.total)})` : content.title;
  const period = content.period.from
    ? strings.periodRange(date(content.period.from), date(content.period.to))
    : strings.periodUntil(date(content.period.to));
  const headerFields: Array<[string, string]> = [
    [strings.period, `${period} (${content.timeZone})`],
    [strings.sources, String(content.sourceCount)],
    [strings.advisories, String(content.advisoryCount)],
  ];

  const blocks: Block[] = [heading(title), fields(headerFields)];
  const lines: string[] = [];
  lines.push(content.tlp ? formatTlp(content.tlp) : strings.unlabelled);
  lines.push(title, ...headerFields.map(([label, value]) => `${label}: ${value}`));
  if (content.unreadableSources.length > 0) {
    const warning = strings.incomplete(content.unreadableSources.length, content.sourceCount);
    blocks.push(text(warning), list([...content.unreadableSources]));
    lines.push("", warning, ...content.unreadableSources.map((source) => `  - ${source}`));
  }

  if (content.groups.length === 0) {
    blocks.push(text(strings.noAdvisories));
    lines.push("", strings.noAdvisories);
  }
  for (const group of content.groups) {
    const groupHeading = `${strings.severity[group.severity ?? "unknown"]} (${group.advisories.length})`;
    blocks.push(heading(groupHeading));
    lines.push("", `== ${groupHeading} ==`);
    for (const advisory of group.advisories) {
      const entry = describeAdvisory(advisory, content, strings, date);
      blocks.push(text(entry.headline), fields(entry.fields));
      lines.push("", `* ${entry.headline}`, ...entry.fields.map(([label, value]) => `  ${label}: ${value}`));
    }
  }
  const message: Message = { blocks };
  if (content.tlp) message.tlp = content.tlp;
  return { message, text: lines.map((line) => line.trimEnd()).join("\n") };
}

function describeAdvisory(
  advisory: Advisory,
  content: DigestContent,
  strings: DigestStrings,
  date: (value: Date) => string,
): { headline: string; fields: Array<[string, string]> } {
  const entryFields: Array<[string, string]> = [];
  if (advisory.cves.length > 0 && !(advisory.source === "kev" && advisory.cves[0] === advisory.id)) {
    entryFields.push([strings.cves, advisory.cves.join(", ")]);
  }
  if (advisory.cvss) {
    const { baseScore, version, statedBaseScore } = advisory.cvss;
    const contradicted =
      statedBaseScore === undefined ? "" : `; ${strings.cvssContradicted(statedBaseScore.toFixed(1))}`;
    entryFields.push([strings.cvss, `${baseScore.toFixed(1)} (v${version}${contradicted})`]);
  }
  const products = describeProducts(advisory, strings);
  if (products) entryFields.push([strings.products, products]);
  if (advisory.knownExploited) {
    const { dueDate, dateAdded, ransomwareUse } = advisory.knownExploited;
    entryFields.push([strings.knownExploited, strings.kevDue(dueDate, dateAdded, ransomwareUse === "known")]);
  }
  // Only a digest mixing labels (or holding unlabelled advisories) labels entries one by one.
  // TLP 2.0 spells a label TLP:CLEAR, never "TLP: CLEAR".
  if (advisory.tlp && advisory.tlp !== content.tlp) entryFields.push(["TLP", formatTlp(advisory.tlp)]);
  entryFields.push([strings.published, strings.publishedBy(date(advisory.published), advisory.publisher)]);
  if (advisory.link) entryFields.push([strings.link, advisory.link]);
  return {
    headline: `${advisory.id}: ${oneLine(advisory.title)}`,
    fields: entryFields.map(([label, value]) => [label, oneLine(value)]),
  };
}

function describeProducts(advisory: Advisory, strings: DigestStrings): string | undefined {
  if (advisory.products.length === 0) return undefined;
  const shown = advisory.products.slice(0, PRODUCTS_SHOWN).map(oneLine);
  const hidden = advisory.products.length - shown.length + advisory.moreProducts;
  return hidden > 0 ? `${shown.join("; ")}; ${strings.andMore(hidden)}` : shown.join("; ");
}

/** Collapses whitespace so no field can break the line structure (or start an armor line). */
function oneLine(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

export interface SplitLimits {
  /** Maximum characters per part, checked on the canonical text and on the chat message's plain text. */
  maxChars: number;
  /** Maximum blocks per message (Slack allows 50). */
  maxBlocks?: number;
}

/**
 * Splits a digest into parts that each fit the limits, never cutting an advisory in half: each
 * part repeats the header (marked "part i of n") and the heading of the severity group it
 * continues, so every part can be signed and read on its own. Leave room for the signature
 * (about 400 characters) when the parts will be clear-signed.
 */
export function splitDigest(digest: Digest, limits: SplitLimits): RenderedDigest[] {
  const maxBlocks = limits.maxBlocks ?? Number.POSITIVE_INFINITY;
  const fits = (rendered: RenderedDigest) =>
    rendered.message.blocks.length <= maxBlocks && measure(rendered) <= limits.maxChars;
  const whole = { message: digest.message, text: digest.text };
  if (fits(whole)) return [whole];

  // Parts are filled with a placeholder part marker as wide as any final one could be.
  const placeholder = { index: 999, total: 999 };
  const parts: DigestGroup[][] = [];
  let current: DigestGroup[] = [];
  const withEntry = (groups: DigestGroup[], severity: Severity | undefined, advisory: Advisory) => {
    const last = groups.at(-1);
    return last && last.severity === severity
      ? [...groups.slice(0, -1), { severity, advisories: [...last.advisories, advisory] }]
      : [...groups, { severity, advisories: [advisory] }];
  };
  for (const group of digest.groups) {
    for (const advisory of group.advisories) {
      const candidate = withEntry(current, group.severity, advisory);
      if (fits(renderDigest({ ...digest, groups: candidate }, placeholder))) {
        current = candidate;
        continue;
      }
      if (current.length > 0) parts.push(current);
      current = [{ severity: group.severity, advisories: [advisory] }];
      const alone = renderDigest({ ...digest, groups: current }, placeholder);
      if (!fits(alone)) {
        throw new RangeError(
          `advisory ${advisory.id} needs ${measure(alone)} characters and ${alone.message.blocks.length} ` +
            `blocks with the digest header, more than the limits of ${limits.maxChars} characters and ${maxBlocks} blocks`,
        );
      }
    }
  }
  if (current.length > 0) parts.push(current);
  return parts.map((groups, index) =>
    renderDigest({ ...digest, groups }, { index: index + 1, total: parts.length }),
  );
}

// The chat fallback text is usually shorter than the canonical text, but its layout is not ours
// to rely on, so both are measured.
function measure(rendered: RenderedDigest): number {
  return Math.max(rendered.text.length, renderPlainText(rendered.message).length);
}
