// Help is generated from the command declarations, so it cannot drift from what runs.

import { PERMISSION_HOLDERS } from "../access/permissions.ts";
import { context, fields, heading, type Message, text } from "../chat/message.ts";
import type { IncidentIds } from "../incidents/public-id.ts";
import type { CommandGroup, CommandSpec } from "./command.ts";

export const GROUP_SUMMARIES: Record<CommandGroup, string> = {
  inc: "incidents: declare, track and close security incidents",
  oncall: "on-call: who is on call, schedules, pages",
  bulletin: "security bulletins: advisory digests and statistics",
  alert: "alerts from monitoring: list, acknowledge, resolve, silence, declare incidents from them",
};

export function groupHelp(group: string, commands: readonly CommandSpec[]): Message {
  const summary = GROUP_SUMMARIES[group as CommandGroup] ?? "";
  if (commands.length === 0) {
    return { blocks: [text(`/${group}: ${summary}. No commands are available yet.`)] };
  }
  return {
    blocks: [
      heading(`/${group}: ${summary}`),
      fields(commands.map((c) => [`/${group} ${c.usage}`, c.summary])),
      context(`\`/${group} <command> help\` explains one command.`),
    ],
  };
}

/** `ids` fills the `{id}` placeholders of examples with this desk's ids (configured prefix). */
export function commandHelp(command: CommandSpec, ids: IncidentIds): Message {
  const blocks = [heading(`/${command.group} ${command.usage}`), text(command.summary)];
  if (command.aliases?.length) blocks.push(text(`Also: ${command.aliases.join(", ")}`));
  if (command.examples?.length) {
    blocks.push(
      fields(
        command.examples.map((example, i) => [
          i === 0 ? "Examples" : "",
          `/${command.group} ${ids.fillExample(example)}`,
        ]),
      ),
    );
  }
  blocks.push(context(`Needs ${PERMISSION_HOLDERS[command.permission]}.`));
  return { blocks };
}
