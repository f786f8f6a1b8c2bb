// Loading advisories from the places a team names as sources: local files and directories of
// CSAF documents, KEV catalogs, and CSAF providers over HTTP (provider-metadata.json, ROLIE
// feeds, directories with index.txt). A document that cannot be read or is malformed is
// skipped with a log line naming it; nothing here aborts a run, but every source that could not
// be read completely is reported, so a digest never passes a gap off as "nothing new".
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { z } from "zod";
import type { Advisory } from "./advisory.ts";
import { parseCsaf } from "./csaf.ts";
import {
  changedPathsSince,
  directoryIndexPaths,
  feedDocumentLinks,
  providerListings,
  providerMetadataSchema,
  rolieFeedSchema,
  rolieServiceSchema,
  serviceFeedLinks,
} from "./csaf-distribution.ts";
import { type DocumentKind, describeIssues, documentKind } from "./documents.ts";
import { parseKevCatalog } from "./kev.ts";
import {
  describeFetchError,
  describeFileError,
  describeLocation,
  mapWithConcurrency,
  type ReadResult,
  readLimited,
  tooLarge,
} from "./source-reading.ts";

/** The subset of a pino logger used here, so a pino child logger can be passed as it is. */
export interface SourceLogger {
  warn(details: Record<string, unknown>, message: string): void;
  info?(details: Record<string, unknown>, message: string): void;
}

export interface LoadOptions {
  logger?: SourceLogger;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof globalThis.fetch;
  /** Per HTTP request, including reading the body. */
  timeoutMs?: number;
  /** Largest document read, from disk or HTTP; the full KEV catalog is about 1.5 MB. */
  maxBytes?: number;
  /** Documents fetched from one feed or directory at most (the newest first where dated). */
  maxDocumentsPerListing?: number;
  /** Parallel HTTP requests while following a feed or directory. */
  concurrency?: number;
  /**
   * Feed entries and directory changes dated before this are not fetched at all: a provider's
   * feed lists every advisory it ever published. Callers still filter the advisories themselves.
   */
  since?: Date;
}

export interface SkippedDocument {
  /** A file path or URL, as a person would look it up. */
  where: string;
  reason: string;
  /**
   * Set for JSON in a source directory that is not an advisory or catalog (a feed, a
   * package.json): nothing is missing because of it. Every other skip is a failure.
   */
  ignored?: true;
}

/** A configured source that could not be read completely: advisories from it may be missing. */
export interface SourceFailure {
  /** The source as configured (a path or URL). */
  source: string;
  problems: SkippedDocument[];
}

/** What reading one source (or one document of it) gave. */
interface LoadedDocuments {
  advisories: Advisory[];
  skipped: SkippedDocument[];
}

export interface LoadedAdvisories extends LoadedDocuments {
  /** One entry per source with failures (skips that are not `ignored`), in source order. */
  failedSources: SourceFailure[];
}

const USER_AGENT = "tocsin-bulletins (CSAF/KEV reader)";

const DEFAULTS = {
  timeoutMs: 15_000,
  maxBytes: 20 * 1024 * 1024,
  maxDocumentsPerListing: 1000,
  concurrency: 6,
};

/**
 * Loads every source in order and returns the advisories found, one per (source, id): when the
 * same advisory comes from two places the latest revision is kept.
 */
export async function loadAdvisories(
  specs: readonly string[],
  options: LoadOptions = {},
): Promise<LoadedAdvisories> {
  const loader = new SourceLoader(options);
  const loaded: LoadedDocuments[] = [];
  const failedSources: SourceFailure[] = [];
  for (const spec of specs) {
    const result = await loader.loadSpec(spec);
    options.logger?.info?.(
      { source: spec, advisories: result.advisories.length, skipped: result.skipped.length },
      `loaded ${result.advisories.length} advisories from ${spec}`,
    );
    loaded.push(result);
    const problems = result.skipped.filter((skip) => !skip.ignored);
    if (problems.length > 0) failedSources.push({ source: spec, problems });
  }
  const combined = combine(loaded);
  return { advisories: latestRevisions(combined.advisories), skipped: combined.skipped, failedSources };
}

/**
 * One line on why a source failed: its first problem, and how many more there were.
 * `csaf/: bad.json: not valid JSON (and 2 more problems)`.
 */
export function describeSourceFailure(failure: SourceFailure): string {
  const [first, ...rest] = failure.problems;
  if (!first) return failure.source;
  const where =
    first.where === failure.source || first.where === path.resolve(failure.source) ? "" : `${first.where}: `;
  const more =
    rest.length === 0 ? "" : ` (and ${rest.length} more ${rest.length === 1 ? "problem" : "problems"})`;
  return `${failure.source}: ${where}${oneLine(first.reason)}${more}`;
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

function latestRevisions(advisories: Advisory[]): Advisory[] {
  const byKey = new Map<string, Advisory>();
  for (const advisory of advisories) {
    const key = `${advisory.source}:${advisory.id}`;
    const seen = byKey.get(key);
    if (!seen || advisory.updated > seen.updated) byKey.set(key, advisory);
  }
  return [...byKey.values()];
}

/** What a document reached through a link may be; this also stops link loops. */
type Expectation = "anything" | "feed" | "advisory" | "advisory-or-catalog";

const EXPECTED_KINDS: Record<Expectation, readonly DocumentKind[]> = {
  anything: ["csaf", "kev", "provider-metadata", "rolie-feed", "rolie-service"],
  feed: ["rolie-feed"],
  advisory: ["csaf"],
  "advisory-or-catalog": ["csaf", "kev"],
};

const KIND_NAMES: Record<DocumentKind, string> = {
  csaf: "a CSAF advisory",
  kev: "a KEV catalog",
  "provider-metadata": "a CSAF provider-metadata.json",
  "rolie-feed": "a ROLIE feed",
  "rolie-service": "a ROLIE service document",
};

class SourceLoader {
  readonly #options: Required<Omit<LoadOptions, "logger" | "since">> & Pick<LoadOptions, "logger" | "since">;

  constructor(options: LoadOptions) {
    this.#options = {
      ...DEFAULTS,
      fetch: options.fetch ?? globalThis.fetch,
      ...definedOnly(options),
    };
  }

  async loadSpec(spec: string): Promise<LoadedDocuments> {
    if (/^https?:\/\//i.test(spec)) {
      let url: URL;
      try {
        url = new URL(spec);
      } catch {
        return this.#skip(spec, "not a valid URL");
      }
      return this.#loadDocument(url, "anything");
    }
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(spec)) {
      return this.#skip(spec, "only local paths and http(s) URLs are supported");
    }
    const resolved = path.resolve(spec);
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(resolved)).isDirectory();
    } catch (error) {
      return this.#skip(resolved, describeFileError(error));
    }
    return isDirectory
      ? this.#loadLocalDirectory(resolved)
      : this.#loadDocument(pathToFileURL(resolved), "anything");
  }

  /** Every `.json` file below the directory, in name order; signatures and hashes are ignored. */
  async #loadLocalDirectory(directory: string): Promise<LoadedDocuments> {
    let entries: string[];
    try {
      entries = (await readdir(directory, { recursive: true })).filter(
        (entry) =>
          entry.toLowerCase().endsWith(".json") &&
          !entry.split(path.sep).some((part) => part.startsWith(".")),
      );
    } catch (error) {
      return this.#skip(directory, describeFileError(error));
    }
    entries.sort();
    const results: LoadedDocuments[] = [];
    for (const entry of entries) {
      results.push(
        await this.#loadDocument(pathToFileURL(path.join(directory, entry)), "advisory-or-catalog"),
      );
    }
    return combine(results);
  }

  async #loadDocument(url: URL, expected: Expectation): Promise<LoadedDocuments> {
    const where = describeLocation(url);
    const read = await this.#read(url);
    if (!read.ok) return this.#skip(where, read.reason);
    let json: unknown;
    try {
      json = JSON.parse(read.text);
    } catch (error) {
      return this.#skip(where, `not valid JSON: ${(error as Error).message}`);
    }
    const kind = documentKind(json);
    // In a source directory, other JSON is expected now and then and hides no advisory.
    const inDirectory = expected === "advisory-or-catalog";
    if (!kind) {
      return this.#skip(
        where,
        "not a CSAF advisory, KEV catalog, provider-metadata.json or ROLIE feed",
        inDirectory,
      );
    }
    if (!EXPECTED_KINDS[expected].includes(kind)) {
      const hint = inDirectory ? "; name it as a source of its own to follow it" : "";
      return this.#skip(
        where,
        `expected ${describeExpectation(expected)} but found ${KIND_NAMES[kind]}${hint}`,
        inDirectory,
      );
    }
    switch (kind) {
      case "csaf": {
        const parsed = parseCsaf(json);
        const cvss = parsed.ok ? parsed.advisory.cvss : undefined;
        if (parsed.ok && cvss?.statedBaseScore !== undefined) {
          this.#options.logger?.warn(
            { where, advisory: parsed.advisory.id, stated: cvss.statedBaseScore, computed: cvss.baseScore },
            `${parsed.advisory.id} states CVSS ${cvss.statedBaseScore} but its vector ${cvss.vectorString} gives ${cvss.baseScore}; the digest shows ${cvss.baseScore}`,
          );
        }
        return parsed.ok ? { advisories: [parsed.advisory], skipped: [] } : this.#skip(where, parsed.reason);
      }
      case "kev":
        return this.#loadKevCatalog(json, where);
      case "provider-metadata":
        return this.#followProvider(json, url, where);
      case "rolie-feed":
        return this.#followFeed(json, url, where);
      case "rolie-service":
        return this.#followService(json, url, where);
    }
  }

  #loadKevCatalog(json: unknown, where: string): LoadedDocuments {
    const parsed = parseKevCatalog(json);
    if (!parsed.ok) return this.#skip(where, parsed.reason);
    const skipped = parsed.invalidEntries.map((entry) =>
      this.#report(
        `${where}#vulnerabilities[${entry.index}]${entry.cve ? ` (${entry.cve})` : ""}`,
        `invalid KEV entry: ${entry.reason}`,
      ),
    );
    return { advisories: parsed.advisories, skipped };
  }

  async #followProvider(json: unknown, base: URL, where: string): Promise<LoadedDocuments> {
    const metadata = this.#validate(providerMetadataSchema(), json, where, "provider-metadata.json");
    if (!metadata.ok) return metadata.result;
    const { feeds, directories } = providerListings(metadata.value);
    if (feeds.length === 0 && directories.length === 0) {
      return this.#skip(where, "provider-metadata.json lists no ROLIE feed and no directory");
    }
    const results: LoadedDocuments[] = [];
    for (const feed of feeds) {
      const link = this.#resolveLink(feed, base, where);
      results.push(link.ok ? await this.#loadDocument(link.url, "feed") : link.result);
    }
    for (const directory of directories) {
      const link = this.#resolveLink(directory.endsWith("/") ? directory : `${directory}/`, base, where);
      results.push(link.ok ? await this.#followRemoteDirectory(link.url) : link.result);
    }
    return combine(results);
  }

  async #followService(json: unknown, base: URL, where: string): Promise<LoadedDocuments> {
    const service = this.#validate(rolieServiceSchema(), json, where, "ROLIE service document");
    if (!service.ok) return service.result;
    const results: LoadedDocuments[] = [];
    for (const href of serviceFeedLinks(service.value)) {
      const link = this.#resolveLink(href, base, where);
      results.push(link.ok ? await this.#loadDocument(link.url, "feed") : link.result);
    }
    return combine(results);
  }

  async #followFeed(json: unknown, base: URL, where: string): Promise<LoadedDocuments> {
    const feed = this.#validate(rolieFeedSchema(), json, where, "ROLIE feed");
    if (!feed.ok) return feed.result;
    const links = feedDocumentLinks(feed.value, this.#options.since);
    return this.#followDocumentLinks(links, base, where);
  }

  /**
   * The CSAF directory model: `changes.csv` (path, date; newest first) when only recent changes
   * are wanted, else `index.txt`.
   */
  async #followRemoteDirectory(directory: URL): Promise<LoadedDocuments> {
    const where = describeLocation(directory);
    const { since } = this.#options;
    if (since) {
      const changes = await this.#read(new URL("changes.csv", directory));
      if (changes.ok) {
        return this.#followDocumentLinks(changedPathsSince(changes.text, since), directory, where);
      }
    }
    const indexUrl = new URL("index.txt", directory);
    const index = await this.#read(indexUrl);
    if (!index.ok) return this.#skip(describeLocation(indexUrl), index.reason);
    // index.txt is in no particular order; later names are usually newer advisories.
    return this.#followDocumentLinks(directoryIndexPaths(index.text).reverse(), directory, where);
  }

  async #followDocumentLinks(links: string[], base: URL, where: string): Promise<LoadedDocuments> {
    const limit = this.#options.maxDocumentsPerListing;
    const results = await mapWithConcurrency(
      links.slice(0, limit),
      this.#options.concurrency,
      async (href) => {
        const link = this.#resolveLink(href, base, where);
        return link.ok ? this.#loadDocument(link.url, "advisory") : link.result;
      },
    );
    if (links.length > limit) {
      results.push(
        this.#skip(where, `${links.length - limit} more documents listed; only ${limit} were read`),
      );
    }
    return combine(results);
  }

  /**
   * Resolves a link against the document that contains it. A remote document may only point to
   * http(s): a feed on someone's server must not make tocsin read local files.
   */
  #resolveLink(
    href: string,
    base: URL,
    where: string,
  ): { ok: true; url: URL } | { ok: false; result: LoadedDocuments } {
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      return { ok: false, result: this.#skip(where, `link "${href}" is not a valid URL`) };
    }
    const isHttp = url.protocol === "http:" || url.protocol === "https:";
    const fromLocal = base.protocol === "file:";
    if (!isHttp && !(fromLocal && url.protocol === "file:")) {
      return {
        ok: false,
        result: this.#skip(where, `refusing to follow link "${href}": not an http(s) URL`),
      };
    }
    return { ok: true, url };
  }

  #validate<T>(
    schema: z.ZodType<T>,
    json: unknown,
    where: string,
    name: string,
  ): { ok: true; value: T } | { ok: false; result: LoadedDocuments } {
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, result: this.#skip(where, `not a valid ${name}: ${describeIssues(parsed.error)}`) };
  }

  async #read(url: URL): Promise<ReadResult> {
    return url.protocol === "file:" ? this.#readFile(fileURLToPath(url)) : this.#fetch(url);
  }

  async #readFile(file: string): Promise<ReadResult> {
    try {
      const { size } = await stat(file);
      if (size > this.#options.maxBytes) return { ok: false, reason: tooLarge(this.#options.maxBytes) };
      return { ok: true, text: await readFile(file, "utf8") };
    } catch (error) {
      return { ok: false, reason: describeFileError(error) };
    }
  }

  async #fetch(url: URL): Promise<ReadResult> {
    const { maxBytes, timeoutMs } = this.#options;
    try {
      const response = await this.#options.fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        // Some CDNs in front of advisory feeds refuse requests that do not say who is asking.
        headers: { accept: "application/json, text/plain;q=0.9, */*;q=0.1", "user-agent": USER_AGENT },
      });
      if (!response.ok) {
        await response.body?.cancel();
        return {
          ok: false,
          reason: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
        };
      }
      const declared = Number(response.headers.get("content-length"));
      if (declared > maxBytes) {
        await response.body?.cancel();
        return { ok: false, reason: tooLarge(maxBytes) };
      }
      return await readLimited(response, maxBytes);
    } catch (error) {
      return { ok: false, reason: describeFetchError(error, timeoutMs) };
    }
  }

  #skip(where: string, reason: string, ignored = false): LoadedDocuments {
    return { advisories: [], skipped: [this.#report(where, reason, ignored)] };
  }

  #report(where: string, reason: string, ignored = false): SkippedDocument {
    this.#options.logger?.warn({ where, reason }, `skipped ${where}: ${reason}`);
    return ignored ? { where, reason, ignored } : { where, reason };
  }
}

function combine(results: LoadedDocuments[]): LoadedDocuments {
  return {
    advisories: results.flatMap((result) => result.advisories),
    skipped: results.flatMap((result) => result.skipped),
  };
}

function describeExpectation(expected: Expectation): string {
  switch (expected) {
    case "feed":
      return "a ROLIE feed";
    case "advisory":
      return "a CSAF advisory";
    case "advisory-or-catalog":
      return "a CSAF advisory or KEV catalog";
    case "anything":
      return "a source document";
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
