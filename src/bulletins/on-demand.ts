// Bulletins made on demand: incident statistics for a period (`/bulletin stats`, and the
// scheduled statistics subscriptions) and a manual advisory typed in chat (`/bulletin post`).
import { DateTime } from "luxon";
import { context, heading, type Message, text } from "../chat/message.ts";
import type { Db } from "../db/database.ts";
import { formatTlp, type TlpLabel } from "../incidents/tlp.ts";
import type { Bulletin } from "./delivery.ts";
import type { DigestLanguage } from "./digest.ts";
import { loadStatistics, type PeriodSpec, resolvePeriod } from "./statistics.ts";
import { renderStatistics, statisticsChartSvg } from "./statistics-rendering.ts";

export interface StatisticsBulletinOptions {
  now: Date;
  timeZone: string;
  tlp: TlpLabel;
  language?: DigestLanguage;
  title?: string;
  fileStem?: string;
}

export async function statisticsBulletin(
  db: Db,
  spec: PeriodSpec,
  options: StatisticsBulletinOptions,
): Promise<Bulletin> {
  const period = resolvePeriod(spec, options.now, options.timeZone);
  const stats = await loadStatistics(db, period, options.tlp);
  const renderOptions = { tlp: options.tlp, language: options.language, title: options.title };
  const rendered = renderStatistics(stats, renderOptions);
  const stem =
    options.fileStem ??
    `incident-statistics-${DateTime.fromJSDate(period.from, { zone: options.timeZone }).toISODate()}`;
  return {
    message: rendered.message,
    text: rendered.text,
    filename: `${stem}.txt.asc`,
    title: "Incident statistics",
    attachments: [
      {
        filename: `${stem}.svg`,
        content: statisticsChartSvg(stats, renderOptions),
        mimeType: "image/svg+xml",
        title: "Incidents opened and closed per day",
      },
    ],
  };
}

/** A manual advisory typed in chat (`/bulletin post`), with its author and date in the signed text. */
export function manualAdvisory(body: string, tlp: TlpLabel, author: string, now: Date): Bulletin {
  const stamp = DateTime.fromJSDate(now, { zone: "utc" }).toFormat("yyyy-MM-dd HH:mm 'UTC'");
  // CRLF line ends and trailing spaces do not survive a round trip through chat, and OpenPGP
  // ignores them anyway: the canonical form has neither.
  const clean = body.replace(/\r\n?/g, "\n").trim();
  const message: Message = {
    tlp,
    blocks: [heading("Security advisory"), text(clean), context(`Posted by ${author} · ${stamp}`)],
  };
  const signedText = [
    formatTlp(tlp),
    "Security advisory",
    `Date: ${stamp}`,
    `Posted by: ${author}`,
    "",
    clean,
  ]
    .map((line) => line.trimEnd())
    .join("\n");
  return {
    message,
    text: signedText,
    filename: `advisory-${DateTime.fromJSDate(now, { zone: "utc" }).toFormat("yyyyMMdd-HHmm")}.txt.asc`,
    title: "Security advisory",
  };
}
