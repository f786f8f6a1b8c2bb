// Who may do what: roles granted by platform identity, email or group, from a YAML file
// (ACCESS_CONFIG). Example: examples/access.yaml.
import { z } from "zod";
import { findPlatform, platformDescriptors } from "../chat/platforms.ts";
import { type ConfigFileKind, loadConfigFile, parseConfigFile } from "../config-file.ts";
import type { Permission } from "./permissions.ts";

export const ROLE_NAMES = [
  "viewer",
  "responder",
  "commander",
  "team-lead",
  "bulletin-editor",
  "admin",
] as const;

/**
 * Who a grant names: `slack:U123`, `matrix:@alice:example.org`, `console:alice`,
 * `email:alice@example.org`, or `group:<name>` for a group of the same file.
 */
const subject = z
  .string()
  .trim()
  .refine(
    (value) => {
      const match = /^([a-z][a-z0-9-]*):\S+$/.exec(value);
      return (
        match?.[1] !== undefined &&
        (["email", "group"].includes(match[1]) || findPlatform(match[1]) !== undefined)
      );
    },
    {
      error: () =>
        `write platform:id (${platformDescriptors()
          .map((p) => `${p.name}:${p.userId.example}`)
          .join(", ")}), email:address or group:name`,
    },
  );

/** A Matrix server name: `example.org`, `matrix.example.org:8448`. */
const serverName = z
  .string()
  .trim()
  .regex(/^[a-z0-9.-]+(:\d+)?$/i, "write a Matrix server name such as example.org (no @user: part)");

export const accessConfigSchema = z
  .strictObject({
    /**
     * The role of everyone in the organisation the file does not name; `none` locks them out.
     * People from outside it (other Matrix homeservers) get only what grants name them for.
     */
    default: z.enum(["none", "viewer", "responder"]).default("viewer"),
    /**
     * Who is "the organisation": Matrix users of these homeservers, besides the bot's own (the
     * server of MATRIX_USER_ID). Slack users are the installation's workspace; console users are
     * whoever runs the terminal.
     */
    organisation: z
      .strictObject({ homeservers: z.array(serverName).default([]) })
      .default({ homeservers: [] }),
    groups: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, "a group name is letters, digits, - and _"),
        z.array(subject),
      )
      .default({}),
    grants: z
      .array(
        z.strictObject({
          role: z.enum(ROLE_NAMES),
          to: z.array(subject).min(1, "name at least one subject"),
        }),
      )
      .default([]),
  })
  .superRefine((config, ctx) => {
    const groups = new Set(Object.keys(config.groups));
    const check = (value: string, path: (string | number)[]) => {
      if (value.startsWith("group:") && !groups.has(value.slice(6))) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `unknown group "${value.slice(6)}"; declare it under groups`,
        });
      }
    };
    for (const [g, grant] of config.grants.entries()) {
      for (const [i, subject] of grant.to.entries()) check(subject, ["grants", g, "to", i]);
    }
    for (const [name, members] of Object.entries(config.groups)) {
      members.forEach((s, i) => {
        if (s.startsWith("group:"))
          ctx.addIssue({
            code: "custom",
            path: ["groups", name, i],
            message: "groups cannot contain groups",
          });
      });
    }
  });

export type AccessConfig = z.infer<typeof accessConfigSchema>;
export type RoleName = (typeof ROLE_NAMES)[number];

const ACCESS_FILE: ConfigFileKind<typeof accessConfigSchema> = {
  what: "access configuration",
  example: "examples/access.yaml",
  schema: () => accessConfigSchema,
};

export const parseAccessConfig = (text: string, fileName: string): AccessConfig =>
  parseConfigFile(ACCESS_FILE, text, fileName);
export const loadAccessConfig = (path: string): Promise<AccessConfig> => loadConfigFile(ACCESS_FILE, path);

/**
 * What each role includes: an admin may do everything; a commander everything a responder may.
 * Taking and handing out incident roles (`incident-roles`) comes with commander, team-lead and
 * admin, never from a role held in an incident.
 */
export const ROLE_INCLUDES: Record<RoleName, readonly Permission[]> = {
  viewer: ["viewer"],
  responder: ["viewer", "responder"],
  commander: ["viewer", "responder", "commander", "incident-roles"],
  "team-lead": ["viewer", "responder", "team-lead", "incident-roles"],
  "bulletin-editor": ["viewer", "bulletin-editor"],
  admin: ["viewer", "responder", "commander", "incident-roles", "team-lead", "bulletin-editor", "admin"],
};
