// What the on-call part of the desk hands to commands (the directory, paging, deadlines, the
// calendar feed settings) and what it is configured with. The composition root (src/app.ts)
// constructs these and registers their incident hooks; nothing is wired here.
import type { IncidentDeadlines } from "../incidents/deadlines.ts";
import type { Paging } from "../paging/paging.ts";
import type { OncallConfig } from "./config.ts";
import type { OncallDirectory } from "./directory.ts";
import type { FeedSettings } from "./feeds.ts";

export interface OncallSettings {
  /** The configuration validated at start-up (ONCALL_CONFIG); none: on-call is off. */
  config?: OncallConfig;
  /** ONCALL_CONFIG, read again by `/oncall reload`. */
  path?: string;
  feeds?: FeedSettings;
}

export interface OncallServices {
  directory: OncallDirectory;
  paging: Paging;
  deadlines: IncidentDeadlines;
  feeds: FeedSettings;
}
