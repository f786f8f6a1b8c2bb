import { context, fields, heading } from "../../src/chat/message.ts";
import { RSIT_CLASSES, RSIT_TYPES, RSIT_VERSION } from "../../src/incidents/taxonomy.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "classes",
  aliases: ["taxonomy"],
  summary: "List the RSIT incident classes and types accepted by class: and /inc class.",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler() {
    const types = [...RSIT_TYPES.values()];
    return {
      reply: {
        visibility: "ephemeral",
        message: {
          blocks: [
            heading(`Reference Security Incident Taxonomy ${RSIT_VERSION / 1000}`),
            fields(
              RSIT_CLASSES.map((c) => [
                `${c.name} (${c.id})`,
                types
                  .filter((t) => t.classId === c.id)
                  .map((t) => t.id)
                  .join(", "),
              ]),
            ),
            context("Use the type id: class:phishing"),
          ],
        },
      },
    };
  },
});
