// npm run bulletin -- render --source <dir|file|url>... [options]
// Prints the advisories digest to stdout (clear-signed with --sign), so a bulletin can be
// produced and checked without any chat platform. Skipped documents are reported on stderr; a
// source that could not be read is named in the digest and on stderr, and the exit code is 1.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DateTime } from "luxon";
import { SEVERITIES, type Severity } from "../src/bulletins/advisory.ts";
import { buildDigest, DIGEST_LANGUAGES, type DigestLanguage } from "../src/bulletins/digest.ts";
import { filterAdvisories } from "../src/bulletins/filters.ts";
import { mergeKnownExploited } from "../src/bulletins/kev.ts";
import { clearSign, loadSigningKey } from "../src/bulletins/signing.ts";
import { describeSourceFailure, loadAdvisories, type SourceLogger } from "../src/bulletins/sources.ts";

const USAGE = `Usage: npm run bulletin -- render --source <dir|file|url> [--source ...] [options]

Prints a digest of security advisories (CSAF 2.0 documents, CSAF providers, the CISA KEV
catalog) as plain text.

  --source <s>        a directory of CSAF JSON files, a CSAF or KEV JSON file, a KEV URL, a
                      provider-metadata.json or ROLIE feed (file or URL); repeatable
  --since <date>      only advisories published at or after this date (YYYY-MM-DD or ISO time, UTC)
  --until <date>      only advisories published before this date (default: now)
  --min-cvss <n>      only advisories with a CVSS base score of at least n (0-10); advisories
                      without a score (KEV entries, many vendor advisories) still pass
  --exclude-unscored  with --min-cvss, drop advisories without a CVSS score too
  --min-severity <s>  only advisories at least this severe: ${SEVERITIES.join(", ")}
  --kev-only          only advisories whose CVEs are in the KEV catalog
  --keyword <word>    only advisories naming this vendor or product; repeatable (any matches)
  --lang <en|de>      language of the digest's headings (default en)
  --title <text>      title of the digest
  --announce-empty    print a short "no new advisories" digest instead of nothing
  --sign              clear-sign with the key in BULLETIN_SIGNING_KEY (a file path),
                      unlocked with BULLETIN_SIGNING_PASSPHRASE

Exit codes: 0 done, 1 a source could not be read (the digest, if any, says which) or another
failure, 2 bad arguments.`;

class UsageError extends Error {}

interface RenderRequest {
  sources: string[];
  since?: Date;
  until: Date;
  minCvss?: number;
  excludeUnscored: boolean;
  minSeverity?: Severity;
  kevOnly: boolean;
  keywords: string[];
  language: DigestLanguage;
  title?: string;
  announceEmpty: boolean;
  sign: boolean;
}

function parseRequest(argv: string[], now: Date): RenderRequest | "help" {
  let parsed: ReturnType<typeof parseRenderArgs>;
  try {
    parsed = parseRenderArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const [command, ...extra] = positionals;
  if (command !== "render") {
    throw new UsageError(command ? `unknown command "${command}"` : "missing the command (render)");
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const sources = values.source ?? [];
  if (sources.length === 0) throw new UsageError("give at least one --source");
  const minCvss = values["min-cvss"] === undefined ? undefined : Number(values["min-cvss"]);
  if (minCvss !== undefined && !(minCvss >= 0 && minCvss <= 10)) {
    throw new UsageError(`--min-cvss must be a number from 0 to 10, not "${values["min-cvss"]}"`);
  }
  const minSeverity = values["min-severity"];
  if (minSeverity !== undefined && !isOneOf(SEVERITIES, minSeverity)) {
    throw new UsageError(`--min-severity must be one of ${SEVERITIES.join(", ")}, not "${minSeverity}"`);
  }
  const language = values.lang ?? "en";
  if (!isOneOf(DIGEST_LANGUAGES, language)) {
    throw new UsageError(`--lang must be one of ${DIGEST_LANGUAGES.join(", ")}, not "${language}"`);
  }
  const since = values.since === undefined ? undefined : parseDate("--since", values.since);
  const until = values.until === undefined ? now : parseDate("--until", values.until);
  if (since && since >= until) throw new UsageError("--since must be before --until");
  return {
    sources,
    since,
    until,
    minCvss,
    excludeUnscored: values["exclude-unscored"] ?? false,
    minSeverity,
    kevOnly: values["kev-only"] ?? false,
    keywords: values.keyword ?? [],
    language,
    title: values.title,
    announceEmpty: values["announce-empty"] ?? false,
    sign: values.sign ?? false,
  };
}

function parseRenderArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      source: { type: "string", multiple: true },
      since: { type: "string" },
      until: { type: "string" },
      "min-cvss": { type: "string" },
      "exclude-unscored": { type: "boolean" },
      "min-severity": { type: "string" },
      "kev-only": { type: "boolean" },
      keyword: { type: "string", multiple: true },
      lang: { type: "string" },
      title: { type: "string" },
      "announce-empty": { type: "boolean" },
      sign: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function parseDate(option: string, value: string): Date {
  const parsed = DateTime.fromISO(value, { zone: "utc" });
  if (!parsed.isValid) throw new UsageError(`${option} must be a date like 2025-08-01, not "${value}"`);
  return parsed.toJSDate();
}

function isOneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

const stderrLogger: SourceLogger = {
  warn: (_details, message) => process.stderr.write(`${message}\n`),
};

async function render(request: RenderRequest): Promise<void> {
  // Read the key first: a signing problem should not wait for every source to download.
  const key = request.sign ? await readSigningKey() : undefined;
  const loaded = await loadAdvisories(request.sources, { logger: stderrLogger, since: request.since });
  const unreadableSources = loaded.failedSources.map(describeSourceFailure);
  const selected = filterAdvisories(mergeKnownExploited(loaded.advisories), {
    keywords: request.keywords,
    minCvss: request.minCvss,
    unscored: request.excludeUnscored ? "exclude" : "include",
    minSeverity: request.minSeverity,
    kevOnly: request.kevOnly,
    since: request.since,
    until: request.until,
  });
  const digest = buildDigest(selected, {
    language: request.language,
    title: request.title,
    period: { from: request.since, to: request.until },
    sourceCount: request.sources.length,
    announceEmpty: request.announceEmpty,
    unreadableSources,
  });
  if (digest) {
    process.stdout.write(key ? await clearSign(digest.text, key) : `${digest.text}\n`);
  } else if (unreadableSources.length === 0) {
    process.stderr.write(
      `no advisories matched (${loaded.advisories.length} loaded, ${loaded.skipped.length} skipped)\n`,
    );
  }
  if (unreadableSources.length > 0) {
    const count = `${unreadableSources.length} of ${request.sources.length}`;
    const what = digest ? "the digest above is incomplete" : "no digest was made";
    process.stderr.write(
      `bulletin: ${count} sources could not be read; ${what}:\n${unreadableSources.map((line) => `  ${line}\n`).join("")}`,
    );
    process.exitCode = 1;
  }
}

async function readSigningKey() {
  const keyPath = process.env.BULLETIN_SIGNING_KEY;
  if (!keyPath)
    throw new UsageError("--sign needs BULLETIN_SIGNING_KEY, the path of the armored private key");
  let armored: string;
  try {
    armored = await readFile(keyPath, "utf8");
  } catch (error) {
    throw new Error(`cannot read the signing key ${keyPath}: ${(error as Error).message}`);
  }
  return loadSigningKey(armored, process.env.BULLETIN_SIGNING_PASSPHRASE);
}

try {
  const request = parseRequest(process.argv.slice(2), new Date());
  if (request === "help") process.stdout.write(`${USAGE}\n`);
  else await render(request);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`bulletin: ${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`bulletin failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
