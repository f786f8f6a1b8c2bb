// Recognising what a JSON document fetched from a source is, before validating it against the
// schema of that kind, and explaining in one log line why a document was rejected.
import type { z } from "zod";

export type DocumentKind = "csaf" | "kev" | "provider-metadata" | "rolie-feed" | "rolie-service";

/**
 * Recognises a document by the members each format requires, so that a broken advisory is
 * reported as a broken advisory rather than as "unknown document".
 */
export function documentKind(json: unknown): DocumentKind | undefined {
  if (!isRecord(json)) return undefined;
  if (isRecord(json.document) && "csaf_version" in json.document) return "csaf";
  if ("catalogVersion" in json && "vulnerabilities" in json) return "kev";
  if ("canonical_url" in json && ("distributions" in json || "metadata_version" in json)) {
    return "provider-metadata";
  }
  if (isRecord(json.feed)) return "rolie-feed";
  if (isRecord(json.service)) return "rolie-service";
  return undefined;
}

/** The first few zod issues as `path: message`, short enough for one log line. */
export function describeIssues(error: z.ZodError, limit = 3): string {
  const described = error.issues
    .slice(0, limit)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
  const more = error.issues.length - limit;
  return more > 0 ? `${described.join("; ")}; and ${more} more` : described.join("; ");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
