// The modal behind `/inc declare` with no arguments. Its submission is turned back into the
// command line a responder would have typed, so a declaration from the modal takes exactly the
// same path (parsing, permissions, audit) as a typed one.
import type { types } from "@slack/bolt";
import { z } from "zod";
import declareCommand, { type declareOptions } from "../../../commands/inc/declare.ts";
import { DEFAULT_INCIDENT_TLP, formatTlp, TLP_LABELS } from "../../incidents/tlp.ts";
import type { RsitTypeChoice } from "./rsit-types.ts";

export const DECLARE_MODAL_CALLBACK_ID = "tocsin-declare-incident";

/** Block ids of the modal's inputs; each input's action id is `value`. */
export const DECLARE_FIELDS = {
  title: "title",
  severity: "severity",
  rsitType: "rsit_type",
  tlp: "tlp",
  summary: "summary",
} as const;
const INPUT_ACTION_ID = "value";

/**
 * The `/inc declare` option each optional input fills, in the order they are written: keys of
 * the command's own options, so renaming one there fails here instead of drifting.
 */
const OPTION_OF: ReadonlyArray<
  [Exclude<keyof typeof DECLARE_FIELDS, "title">, keyof typeof declareOptions.shape]
> = [
  ["severity", "sev"],
  ["rsitType", "class"],
  ["tlp", "tlp"],
  ["summary", "summary"],
];
/** Free text goes in quotes; chosen values are single words. */
const QUOTED = new Set<keyof typeof DECLARE_FIELDS>(["summary"]);

const SEVERITY_LABELS = ["critical", "high", "medium", "low"] as const;

/** Where `/inc declare` was typed, carried through the modal so the answer goes back there. */
const originSchema = z.object({
  channelId: z.string().min(1),
  channelName: z.string().optional(),
  responseUrl: z.string().url().optional(),
});
export type DeclareModalOrigin = z.infer<typeof originSchema>;

export function declareModalView(
  origin: DeclareModalOrigin,
  rsitTypes: readonly RsitTypeChoice[],
): types.ModalView {
  return {
    type: "modal",
    callback_id: DECLARE_MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify(origin),
    title: { type: "plain_text", text: "Declare an incident" },
    submit: { type: "plain_text", text: "Declare" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: DECLARE_FIELDS.title,
        label: { type: "plain_text", text: "Title" },
        element: {
          type: "plain_text_input",
          action_id: INPUT_ACTION_ID,
          max_length: 150,
          placeholder: { type: "plain_text", text: "Phishing wave against finance" },
        },
      },
      {
        type: "input",
        block_id: DECLARE_FIELDS.severity,
        label: { type: "plain_text", text: "Severity" },
        element: {
          type: "static_select",
          action_id: INPUT_ACTION_ID,
          options: SEVERITY_LABELS.map((label, i) => option(`SEV${i + 1} · ${label}`, String(i + 1))),
        },
      },
      {
        type: "input",
        block_id: DECLARE_FIELDS.rsitType,
        optional: true,
        label: { type: "plain_text", text: "Type (RSIT)" },
        element: {
          type: "static_select",
          action_id: INPUT_ACTION_ID,
          placeholder: { type: "plain_text", text: "Not classified yet" },
          option_groups: groupByClass(rsitTypes),
        },
      },
      {
        type: "input",
        block_id: DECLARE_FIELDS.tlp,
        label: { type: "plain_text", text: "TLP" },
        element: {
          type: "static_select",
          action_id: INPUT_ACTION_ID,
          options: TLP_LABELS.map((label) => option(formatTlp(label), label)),
          initial_option: option(formatTlp(DEFAULT_INCIDENT_TLP), DEFAULT_INCIDENT_TLP),
        },
      },
      {
        type: "input",
        block_id: DECLARE_FIELDS.summary,
        optional: true,
        label: { type: "plain_text", text: "Summary" },
        element: { type: "plain_text_input", action_id: INPUT_ACTION_ID, multiline: true, max_length: 2900 },
      },
    ],
  };
}

function option(text: string, value: string): types.PlainTextOption {
  return { text: { type: "plain_text", text }, value };
}

interface PlainTextOptionGroup {
  label: types.PlainTextElement;
  options: types.PlainTextOption[];
}

function groupByClass(rsitTypes: readonly RsitTypeChoice[]): PlainTextOptionGroup[] {
  const groups = new Map<string, PlainTextOptionGroup>();
  for (const choice of rsitTypes) {
    let group = groups.get(choice.classId);
    if (!group) {
      group = { label: { type: "plain_text", text: truncate(choice.classLabel, 75) }, options: [] };
      groups.set(choice.classId, group);
    }
    group.options.push(option(truncate(choice.label, 75), choice.id));
  }
  return [...groups.values()];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function parseDeclareModalOrigin(privateMetadata: string): DeclareModalOrigin | undefined {
  try {
    const parsed = originSchema.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What a submitted view's `state.values` holds for the inputs this module reads. */
export type SubmittedValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

/**
 * `/inc declare "<title>" sev:N class:<type> tlp:<label> summary:"<summary>"`; optional inputs
 * left empty are left out, as a responder would leave them out.
 */
export function declareCommandLine(values: SubmittedValues): string {
  const read = (blockId: string) => {
    const input = values[blockId]?.[INPUT_ACTION_ID];
    return (input?.selected_option?.value ?? input?.value ?? "").trim();
  };
  const parts = [
    `/${declareCommand.group} ${declareCommand.name}`,
    quoteArgument(read(DECLARE_FIELDS.title)),
  ];
  for (const [field, option] of OPTION_OF) {
    const value = read(DECLARE_FIELDS[field]);
    if (value) parts.push(`${option}:${QUOTED.has(field) ? quoteArgument(value) : value}`);
  }
  return parts.join(" ");
}

/** Double-quotes one argument; `\` and `"` inside are escaped with a backslash. */
export function quoteArgument(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
