// Usage lines are generated from the declarations: options, incident scope, positional words and
// sub-command forms. These pin the generator and that no command's usage can leave out an option.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { COMMANDS } from "../../../commands/index.ts";
import { defineCommand } from "../../../src/router/command.ts";

const noop = async () => ({});

describe("generated usage", () => {
  it("shows the incident id, the positional words and each option with its hint", () => {
    const command = defineCommand({
      group: "inc",
      name: "probe",
      summary: "A probe.",
      words: "<title>",
      permission: "viewer",
      incident: "optional",
      positional: "words",
      options: z.object({
        sev: z.string().optional().meta({ usage: "1-4" }),
        due: z.string().meta({ usage: "<date>" }),
        team: z.string().optional(),
      }),
      handler: noop,
    });
    expect(command.usage).toBe("probe [<id>] <title> [sev:1-4] due:<date> [team:<team>]");
  });

  it("joins two options that exclude each other into one choice", () => {
    const command = defineCommand({
      group: "oncall",
      name: "probe",
      summary: "A probe.",
      permission: "viewer",
      incident: "none",
      positional: "none",
      options: z.object({
        for: z.string().optional().meta({ usage: "4h", or: "until" }),
        until: z.string().optional().meta({ usage: "18:00" }),
      }),
      handler: noop,
    });
    expect(command.usage).toBe("probe [for:4h|until:18:00]");
  });

  it("makes one form per sub-command, and dispatches on the first word", async () => {
    const ran: string[] = [];
    const command = defineCommand({
      group: "inc",
      name: "probe",
      summary: "A probe.",
      permission: "viewer",
      incident: "required",
      positional: "words",
      subcommands: [
        {
          usage: "",
          words: 0,
          say: "nothing",
          run: async () => {
            ran.push("list");
            return {};
          },
        },
        {
          name: "stop",
          usage: "stop <what>",
          words: 1,
          say: "what",
          run: async (_c, _a, w) => {
            ran.push(`stop ${w}`);
            return {};
          },
        },
      ],
    });
    expect(command.usage).toBe("probe [<id>] | probe [<id>] stop <what>");
    const args = (words: string[]) => ({
      text: words.join(" "),
      words,
      options: {},
      mentions: [],
      strangers: [],
    });
    const ctx = {} as Parameters<typeof command.handler>[0];
    await command.handler(ctx, args([]));
    await command.handler(ctx, args(["stop", "nis2"]));
    expect(ran).toEqual(["list", "stop nis2"]);
    await expect(command.handler(ctx, args(["stop"]))).rejects.toThrow("Say what.");
    await expect(command.handler(ctx, args(["start"]))).rejects.toThrow(
      '"start" is not something probe does.',
    );
  });

  it("names every declared option in every command's usage", () => {
    for (const command of COMMANDS) {
      expect(command.usage.startsWith(command.name), command.name).toBe(true);
      if (command.incident !== "none") expect(command.usage, command.name).toContain("[<id>]");
      if (command.subcommands) continue; // each form names the options it takes
      for (const key of Object.keys(command.options?.shape ?? {})) {
        expect(command.usage, `${command.name} ${key}`).toContain(`${key}:`);
      }
    }
  });

  it("keeps the usage lines people know", () => {
    const usage = (group: string, name: string) =>
      COMMANDS.find((c) => c.group === group && c.name === name)?.usage;
    expect(usage("inc", "declare")).toBe(
      'declare <title> [sev:1-4] [class:<rsit type>] [tlp:<label>] [restricted:yes] [team:<on-call team>] [summary:"..."]',
    );
    expect(usage("oncall", "cover")).toBe(
      "cover <@person|me> [for:4h|until:18:00] [team:<id>] [rotation:<id>]",
    );
    expect(usage("bulletin", "stats")).toBe("stats [7d|30d|4w|month|2026-10] [tlp:<label>] [lang:en|de]");
    expect(usage("inc", "status")).toBe("status [<id>] <status> [note]");
    expect(usage("inc", "deadlines")).toContain("deadlines [<id>] start <preset> [aware:<time>]");
  });
});
