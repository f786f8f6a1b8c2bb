// A button carries a command as data (src/chat/button-command.ts), typed from the leaf table of
// the vocabulary. These tests keep that table equal to the declarations in COMMANDS, walk every
// button tocsin draws to check it names a command, sub-command and word count the router
// accepts, and check that the command line a button is written as reads back as the same words.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../commands/index.ts";
import { type ButtonCommand, commandLine } from "../../../src/chat/button-command.ts";
import { COMMAND_TABLE } from "../../../src/chat/command-words.ts";
import type { Action } from "../../../src/chat/message.ts";
import type { Incident, IncidentDeadline } from "../../../src/generated/prisma/client.ts";
import { deadlineWarning } from "../../../src/incidents/deadline-messages.ts";
import { STATUSES } from "../../../src/incidents/lifecycle.ts";
import { commanderReminder } from "../../../src/incidents/reminders.ts";
import { summaryActions } from "../../../src/incidents/render.ts";
import { pageActions } from "../../../src/paging/messages.ts";
import { tokenize } from "../../../src/router/tokenizer.ts";

const incident = { publicId: "INC-2026-0042", status: "triage" } as Incident;

/** Every button tocsin draws, from each of its builders. */
function everyButton(): Action[] {
  const deadline = {
    preset: "nis2",
    milestone: "early-warning",
    presetName: "NIS2",
    name: "early warning",
    dueAt: new Date("2026-03-11T09:00:00Z"),
    awareAt: new Date("2026-03-10T09:00:00Z"),
  } as IncidentDeadline & { dueAt: Date };
  const warning = deadlineWarning(deadline, incident, "due", new Date("2026-03-11T10:00:00Z"), "UTC", null);
  return [
    ...pageActions({ number: 7 }),
    ...STATUSES.flatMap((status) => summaryActions({ ...incident, status })),
    ...[commanderReminder(incident, 900_000), warning].flatMap((message) =>
      message.blocks.flatMap((block) => (block.kind === "actions" ? block.actions : [])),
    ),
  ];
}

describe("button commands", () => {
  it("are typed from a table equal to the command declarations", () => {
    const declared = Object.fromEntries(
      [...new Set(COMMANDS.map((c) => c.group))].map((group) => [
        group,
        Object.fromEntries(
          COMMANDS.filter((c) => c.group === group).map((c) => [
            c.name,
            (c.subcommands ?? []).flatMap((sub) => (sub.name ? [sub.name] : [])),
          ]),
        ),
      ]),
    );
    expect(COMMAND_TABLE).toEqual(declared);
  });

  it("each button tocsin draws names a command, sub-command and words the router accepts", () => {
    const buttons = everyButton();
    expect(buttons.map((b) => b.label)).toEqual(
      expect.arrayContaining(["Ack", "Resolve", "Reopen", "Mark done"]),
    );
    for (const { label, command } of buttons) {
      const spec = COMMANDS.find((c) => c.group === command.group && c.name === command.name);
      expect(spec, label).toBeDefined();
      if (!spec) continue;
      if (command.incident !== undefined) expect(spec.incident, label).not.toBe("none");
      const words = [
        ...(command.subcommand === undefined ? [] : [command.subcommand]),
        ...(command.args ?? []),
      ];
      if (spec.positional === "none") expect(words, label).toEqual([]);
      if (spec.subcommands) {
        const sub = spec.subcommands.find((s) => s.name === command.subcommand);
        expect(sub, label).toBeDefined();
        const [min, max] = typeof sub!.words === "number" ? [sub!.words, sub!.words] : sub!.words;
        expect(command.args?.length ?? 0, label).toBeGreaterThanOrEqual(min);
        expect(command.args?.length ?? 0, label).toBeLessThanOrEqual(max);
      }
    }
  });

  it("are written as lines that read back as the same words", () => {
    const command: ButtonCommand = {
      group: "inc",
      name: "deadlines",
      incident: "INC-2026-0042",
      subcommand: "done",
      args: ["nis2", "early-warning"],
    };
    expect(commandLine(command)).toBe("/inc deadlines INC-2026-0042 done nis2 early-warning");
    expect(commandLine({ group: "oncall", name: "ack", args: [7] }, "!")).toBe("!oncall ack 7");
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20, unit: "grapheme" }), { maxLength: 5 }), (args) => {
        const line = commandLine({ group: "inc", name: "note", args });
        expect(tokenize(line).map((t) => t.value)).toEqual(["/inc", "note", ...args]);
      }),
    );
  });
});
