// Calendar feeds over HTTP, for calendar apps to subscribe to:
//   GET /oncall/<team>.ics?token=...          the team's shifts
//   GET /oncall/person/<id>.ics?token=...     one person's shifts in every team
// The token is feedToken(ONCALL_FEED_SECRET, feed id) (see calendar.ts), checked in constant
// time. An unknown feed and a missing or wrong token get the same 404, after the same work (the
// token is checked either way), so the answer never tells which teams or people exist. Without
// ONCALL_FEED_SECRET or an on-call configuration there are no feeds (404). `/oncall feeds` gives
// people their links.
import type { ServerResponse } from "node:http";
import type { Clock } from "../clock.ts";
import type { HttpServer } from "../http/server.ts";
import { sendText } from "../http/server.ts";
import {
  feedToken,
  feedWindow,
  personCalendar,
  personFeedId,
  teamCalendar,
  teamFeedId,
  verifyFeedToken,
} from "./calendar.ts";
import type { OncallDirectory } from "./directory.ts";

export interface FeedSettings {
  /** ONCALL_FEED_SECRET; no feeds without it. */
  secret?: string;
  /** TOCSIN_PUBLIC_URL: where people reach tocsin's HTTP server, for the links. */
  publicUrl?: string;
}

const FEED_PATH = /^\/oncall\/(?:person\/([a-z0-9][a-z0-9._-]*)|([a-z0-9][a-z0-9._-]*))\.ics$/;

export function registerFeedRoutes(
  http: HttpServer,
  options: { directory: OncallDirectory; clock: Clock; settings: FeedSettings },
): void {
  const { directory, clock, settings } = options;
  http.route("GET", "/oncall/*", async (_req, res, url) => {
    const match = FEED_PATH.exec(url.pathname);
    const config = directory.configIfAny;
    if (!match || !config || !settings.secret) return notFound(res);
    const [, personId, teamId] = match;
    const feedId = personId !== undefined ? personFeedId(personId) : teamFeedId(teamId ?? "");
    const known =
      personId !== undefined
        ? config.people.some((p) => p.id === personId)
        : config.teams.some((t) => t.id === teamId);
    const tokenValid = verifyFeedToken(settings.secret, feedId, url.searchParams.get("token") ?? "");
    if (!known || !tokenValid) return notFound(res);
    const now = clock.now();
    const window = feedWindow(now);
    const input = {
      config,
      overridesByTeam: await directory.overrideHistoryByTeam(window.from),
      window,
    };
    const body =
      personId !== undefined
        ? personCalendar({ ...input, personId })
        : teamCalendar({ ...input, teamId: teamId ?? "" });
    sendText(res, 200, body, "text/calendar; charset=utf-8");
  });
}

function notFound(res: ServerResponse): void {
  sendText(res, 404, "not found (ask tocsin for your links: /oncall feeds)\n");
}

/** The links of the feeds a person may subscribe to; undefined when feeds are not set up. */
export function feedLinks(
  settings: FeedSettings,
  feeds: Array<{ label: string; feedId: string; path: string }>,
): Array<{ label: string; url: string }> | undefined {
  if (!settings.secret || !settings.publicUrl) return undefined;
  const base = settings.publicUrl.replace(/\/+$/, "");
  return feeds.map(({ label, feedId, path }) => ({
    label,
    url: `${base}${path}?token=${feedToken(settings.secret!, feedId)}`,
  }));
}
