// What to type next, added by the router to a refusal by its code: the domain says what is wrong
// and knows no command syntax; the router knows the commands and says how to go on.
import type { UserError } from "../errors.ts";
import type { IncidentIds } from "../incidents/public-id.ts";
import type { CommandSpec } from "./command.ts";

interface HintContext {
  command: CommandSpec | undefined;
  ids: IncidentIds;
}

const HINTS: Record<string, (context: HintContext) => string> = {
  "incident.not_found": () => "`/inc list all` shows them.",
  "task.not_found": () => "`/inc tasks` lists them.",
  "status.resolution_missing": () => "`/inc close <resolution>`, e.g. `/inc close phishing site taken down`.",
  "status.decline_reason_missing": () =>
    "`/inc status declined <reason>`, e.g. `/inc status declined scanner test`.",
  "status.merge_target_missing": ({ ids }) => `\`/inc status merged ${ids.example(2)}\`.`,
  "deadline.already_running": () => "`/inc deadlines` lists them.",
  "deadline.none_running": () => "`/inc deadlines start <preset>` starts some.",
  "team.not_found": () => "`/oncall teams` lists them.",
  "override.not_found": () => "`/oncall override list` shows them.",
  "page.not_found": () => "`/oncall pages` lists open pages.",
  "page.none_open": ({ command }) =>
    `\`/oncall pages\` lists open pages; give one's number, e.g. \`/oncall ${command?.name === "resolve" ? "resolve" : "ack"} 12\`.`,
};

/** The refusal's text with its hint, if its code has one. */
export function withHint(error: UserError, context: HintContext): string {
  const hint = error.code ? HINTS[error.code]?.(context) : undefined;
  return hint ? `${error.message} ${hint}` : error.message;
}
