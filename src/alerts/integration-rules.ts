// What an integration's rules do to an alert at run time: match its labels, render a summary,
// pick the stricter TLP label. Apart from integrations.ts (the configuration's schema) so that the
// Slack ack thread, which drafts alerts with these, loads no configuration schema (nor what it
// validates durations and ids with).
import type { TlpLabel } from "../incidents/tlp.ts";

/** How a rule tests one label: the value itself, one of several, or a prefix. */
export type LabelMatcher =
  | { kind: "equals"; value: string }
  | { kind: "oneOf"; values: readonly string[] }
  | { kind: "prefix"; value: string };

/** Label values longer than this are cut before matching and storing. */
export const MAX_LABEL_VALUE = 1024;

function matches(matcher: LabelMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  switch (matcher.kind) {
    case "equals":
      return value === matcher.value;
    case "oneOf":
      return matcher.values.includes(value);
    case "prefix":
      return value.startsWith(matcher.value);
  }
}

/** The first rule whose every matcher holds (an own, non-inherited label each). */
export function firstMatchingRule<Rule extends { match: Readonly<Record<string, LabelMatcher>> }>(
  rules: readonly Rule[],
  labels: Readonly<Record<string, string>>,
): Rule | undefined {
  return rules.find((rule) =>
    Object.entries(rule.match).every(([name, matcher]) =>
      matches(matcher, Object.hasOwn(labels, name) ? labels[name] : undefined),
    ),
  );
}

/** `{{ name }}` replaced by the label's value (missing: empty); linear in the template. */
export function renderSummary(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.-]{1,128})\s*\}\}/g, (_, name: string) =>
    Object.hasOwn(labels, name) ? (labels[name] ?? "") : "",
  );
}

const TLP_ORDER: readonly TlpLabel[] = ["clear", "green", "amber", "amber+strict", "red"];

/** The stricter of two labels: a sender may raise its integration's label, not lower it. */
export function stricterTlp(a: TlpLabel, b: TlpLabel): TlpLabel {
  return TLP_ORDER.indexOf(a) >= TLP_ORDER.indexOf(b) ? a : b;
}
