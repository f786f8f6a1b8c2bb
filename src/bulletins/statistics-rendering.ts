// Incident statistics as a message and as an SVG chart: the figures of statistics.ts in the
// digest's language, with trends against the previous period and incidents per day.
import { DateTime } from "luxon";
import type { Block, Message } from "../chat/message.ts";
import { context, fields, heading, table } from "../chat/message.ts";
import { SEVERITY_NAMES } from "../incidents/lifecycle.ts";
import { formatTlp, type TlpLabel } from "../incidents/tlp.ts";
import { formatDuration } from "../oncall/durations.ts";
import type { DigestLanguage } from "./digest.ts";
import type { IncidentStatistics, Interval } from "./statistics.ts";

interface StatisticsStrings {
  title: string;
  comparedWith: string;
  soFar: string;
  opened: string;
  closed: string;
  notCounted: string;
  notCountedValue: (declined: number, merged: number) => string;
  toAcknowledge: string;
  toContain: string;
  toClose: string;
  perDay: string;
  byClass: string;
  bySeverity: string;
  vs: string;
  none: string;
  newValue: string;
  footnote: string;
  chartLegend: { opened: string; closed: string };
}

const STRINGS: Record<DigestLanguage, StatisticsStrings> = {
  en: {
    title: "Incident statistics",
    comparedWith: "Compared with",
    soFar: "so far",
    opened: "Opened",
    closed: "Closed",
    notCounted: "Not counted",
    notCountedValue: (declined, merged) =>
      `${declined} declined (not an incident), ${merged} merged (duplicates)`,
    toAcknowledge: "Median time to acknowledge",
    toContain: "Median time to contain",
    toClose: "Median time to close",
    perDay: "Opened per day",
    byClass: "RSIT class",
    bySeverity: "Severity",
    vs: "vs",
    none: "none",
    newValue: "new",
    footnote:
      "Opened: declared in the period. Closed: closed in the period. Medians from declaration to investigating (acknowledge), contained and closed, over the incidents that reached that point in the period.",
    chartLegend: { opened: "opened", closed: "closed" },
  },
  de: {
    title: "Vorfallstatistik",
    comparedWith: "Verglichen mit",
    soFar: "bisher",
    opened: "Eröffnet",
    closed: "Geschlossen",
    notCounted: "Nicht gezählt",
    notCountedValue: (declined, merged) =>
      `${declined} abgelehnt (kein Vorfall), ${merged} zusammengeführt (Duplikate)`,
    toAcknowledge: "Median bis zur Annahme",
    toContain: "Median bis zur Eindämmung",
    toClose: "Median bis zum Abschluss",
    perDay: "Eröffnet pro Tag",
    byClass: "RSIT-Klasse",
    bySeverity: "Schweregrad",
    vs: "vs.",
    none: "keine",
    newValue: "neu",
    footnote:
      "Eröffnet: im Zeitraum gemeldet. Geschlossen: im Zeitraum abgeschlossen. Mediane von der Meldung bis zur Untersuchung (Annahme), Eindämmung und zum Abschluss, über die Vorfälle, die diesen Punkt im Zeitraum erreichten.",
    chartLegend: { opened: "eröffnet", closed: "geschlossen" },
  },
};

export interface RenderedStatistics {
  message: Message;
  /** Canonical text for clear-signing (own layout: chat rendering may change, a signed text not). */
  text: string;
}

export interface StatisticsRenderOptions {
  tlp: TlpLabel;
  language?: DigestLanguage;
  title?: string;
}

export function renderStatistics(
  stats: IncidentStatistics,
  options: StatisticsRenderOptions,
): RenderedStatistics {
  const strings = STRINGS[options.language ?? "en"];
  const { period, current, previous } = stats;
  const date = (value: Date) => DateTime.fromJSDate(value, { zone: period.timeZone }).toISODate() ?? "";
  // Periods are half-open; people read "to" inclusively, so show the last day that is inside.
  const lastDay = (interval: Interval) => date(new Date(interval.to.getTime() - 1));
  const range = (interval: Interval) => `${date(interval.from)} – ${lastDay(interval)}`;
  const title = `${options.title ?? strings.title}: ${range(period)}${period.inProgress ? ` (${strings.soFar})` : ""}`;

  const count = (now: number, before: number) =>
    `${now} (${trend(now, before, strings)} ${strings.vs} ${before})`;
  const duration = (now: number | undefined, before: number | undefined) => {
    if (now === undefined) return `– (${strings.vs} ${before === undefined ? "–" : formatDuration(before)})`;
    if (before === undefined) return formatDuration(now);
    return `${formatDuration(now)} (${trend(now, before, strings)} ${strings.vs} ${formatDuration(before)})`;
  };
  const headline: Array<[string, string]> = [
    [strings.comparedWith, `${range(period.previous)} (${period.timeZone})`],
    [strings.opened, count(current.opened, previous.opened)],
    [strings.closed, count(current.closed, previous.closed)],
    [strings.toAcknowledge, duration(current.medianToAcknowledgeMs, previous.medianToAcknowledgeMs)],
    [strings.toContain, duration(current.medianToContainMs, previous.medianToContainMs)],
    [strings.toClose, duration(current.medianToCloseMs, previous.medianToCloseMs)],
    [
      strings.perDay,
      `${sparkline(stats.perDay.map((day) => day.opened))} (max ${Math.max(0, ...stats.perDay.map((d) => d.opened))})`,
    ],
    [strings.notCounted, strings.notCountedValue(current.declined, current.merged)],
  ];
  const classRows = stats.byClass.length
    ? stats.byClass.map((row) => [row.className, String(row.opened), String(row.closed)])
    : [[strings.none, "0", "0"]];
  const severityRows = stats.bySeverity.map((row) => [
    `SEV${row.severity} (${SEVERITY_NAMES[row.severity]})`,
    String(row.opened),
    String(row.closed),
  ]);
  const columns = (first: string) => [first, strings.opened, strings.closed];

  const blocks: Block[] = [
    heading(title),
    fields(headline),
    table(columns(strings.byClass), classRows),
    table(columns(strings.bySeverity), severityRows),
    context(strings.footnote),
  ];
  const lines = [
    formatTlp(options.tlp),
    title,
    ...headline.map(([label, value]) => `${label}: ${value}`),
    "",
    ...textTable(columns(strings.byClass), classRows),
    "",
    ...textTable(columns(strings.bySeverity), severityRows),
    "",
    strings.footnote,
  ];
  return { message: { tlp: options.tlp, blocks }, text: lines.map((line) => line.trimEnd()).join("\n") };
}

function trend(now: number, before: number, strings: StatisticsStrings): string {
  if (before === 0) return now === 0 ? "→ 0%" : `↑ ${strings.newValue}`;
  const percent = Math.round(((now - before) / before) * 100);
  return `${percent > 0 ? "↑" : percent < 0 ? "↓" : "→"} ${Math.abs(percent)}%`;
}

const BARS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** One character per value: `▁` for zero, then seven heights up to the maximum. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => (value <= 0 || max === 0 ? BARS[0] : BARS[Math.max(1, Math.round((value / max) * 7))]))
    .join("");
}

function textTable(columns: string[], rows: string[][]): string[] {
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
  // Indented: a signed line starting with "-" would be dash-escaped ("- ---").
  return [line(columns), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].map(
    (row) => `  ${row}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Chart

/** TLP 2.0 colours (FIRST), shown as coloured text on black as the standard recommends. */
const TLP_COLOURS: Record<TlpLabel, string> = {
  red: "#FF2B2B",
  "amber+strict": "#FFC000",
  amber: "#FFC000",
  green: "#33FF00",
  clear: "#FFFFFF",
};

/**
 * A bar chart of incidents opened and closed per day, as a standalone SVG document built by hand
 * (no renderer dependency); platforms that take files show it as an image or attachment.
 */
export function statisticsChartSvg(stats: IncidentStatistics, options: StatisticsRenderOptions): string {
  const strings = STRINGS[options.language ?? "en"];
  const width = 720;
  const height = 296;
  const plot = { left: 48, right: width - 16, top: 64, bottom: height - 52 };
  const days = stats.perDay;
  const max = Math.max(1, ...days.map((day) => Math.max(day.opened, day.closed)));
  const slot = (plot.right - plot.left) / Math.max(1, days.length);
  const bar = Math.max(1, slot * 0.38);
  const y = (value: number) => plot.bottom - (value / max) * (plot.bottom - plot.top);
  const date = (value: Date) => DateTime.fromJSDate(value, { zone: stats.period.timeZone }).toISODate() ?? "";
  const title = `${options.title ?? strings.title}: ${date(stats.period.from)} – ${date(new Date(stats.period.to.getTime() - 1))}`;
  const tlp = formatTlp(options.tlp);
  const bars = days.flatMap((day, i) => {
    const x = plot.left + i * slot + slot * 0.1;
    const rect = (value: number, offset: number, colour: string, label: string) =>
      value > 0
        ? `<rect x="${fixed(x + offset)}" y="${fixed(y(value))}" width="${fixed(bar)}" height="${fixed(plot.bottom - y(value))}" fill="${colour}"><title>${escapeXml(`${day.day}: ${value} ${label}`)}</title></rect>`
        : "";
    return [
      rect(day.opened, 0, "#d9480f", strings.chartLegend.opened),
      rect(day.closed, bar, "#1971c2", strings.chartLegend.closed),
    ].filter(Boolean);
  });
  const ticks = [0, Math.ceil(max / 2), max].filter((value, i, all) => all.indexOf(value) === i);
  const first = days[0]?.day ?? "";
  const last = days.at(-1)?.day ?? "";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<rect x="${width - 150}" y="8" width="142" height="22" fill="#000000"/>`,
    `<text x="${width - 79}" y="24" text-anchor="middle" font-weight="bold" fill="${TLP_COLOURS[options.tlp]}">${escapeXml(tlp)}</text>`,
    `<text x="16" y="24" font-size="15" font-weight="bold" fill="#212529">${escapeXml(title)}</text>`,
    `<rect x="16" y="34" width="10" height="10" fill="#d9480f"/><text x="30" y="43" fill="#212529">${escapeXml(strings.chartLegend.opened)}</text>`,
    `<rect x="110" y="34" width="10" height="10" fill="#1971c2"/><text x="124" y="43" fill="#212529">${escapeXml(strings.chartLegend.closed)}</text>`,
    ...ticks.map(
      (value) =>
        `<line x1="${plot.left}" y1="${fixed(y(value))}" x2="${plot.right}" y2="${fixed(y(value))}" stroke="#dee2e6"/><text x="${plot.left - 6}" y="${fixed(y(value) + 4)}" text-anchor="end" fill="#495057">${value}</text>`,
    ),
    ...bars,
    `<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#495057"/>`,
    // Day of month under each day when they fit; the full first and last dates below.
    ...(days.length <= 31
      ? days.map(
          (day, i) =>
            `<text x="${fixed(plot.left + (i + 0.5) * slot)}" y="${plot.bottom + 16}" text-anchor="middle" font-size="10" fill="#868e96">${day.day.slice(8)}</text>`,
        )
      : []),
    `<text x="${plot.left}" y="${plot.bottom + 34}" fill="#495057">${escapeXml(first)}</text>`,
    `<text x="${plot.right}" y="${plot.bottom + 34}" text-anchor="end" fill="#495057">${escapeXml(last)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
