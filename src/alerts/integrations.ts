// Alert integrations of the on-call configuration (`integrations:` in ONCALL_CONFIG): who may
// send alerts (an integration key), what they feed (a team), and the rules that map a sender's
// labels to tocsin's severity, team, TLP label and RSIT class. src/oncall/config.ts embeds this
// schema and checks the team references with the rest of the file.
//
// Keys stay out of the YAML where possible: `keyFile` (a file holding the key, like
// Alertmanager's `routing_key_file`) or `keyEnv` (an environment variable); a literal `key` is
// accepted for tests and trials. Only the SHA-256 digest of the key is kept in memory.
//
// Rule matchers are equality, `oneOf` alternatives and `prefix`: linear in the label value.
// Regular expressions are refused on purpose: label values come from whoever holds a key, and
// JavaScript's regex engine backtracks (a pattern like `(a+)+$` takes exponential time).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseRsitType } from "../incidents/taxonomy.ts";
import { parseTlp } from "../incidents/tlp.ts";
import { lazySchema } from "../lazy-schema.ts";
import { durationSchema } from "../oncall/duration-schema.ts";
import { idSchema } from "../oncall/ids.ts";
import type { LabelMatcher } from "./integration-rules.ts";

// The matching and rendering of rules at run time live in integration-rules.ts (what the Slack ack
// thread loads to draft alerts); this module is the configuration's schema, built on first use.
export {
  firstMatchingRule,
  type LabelMatcher,
  MAX_LABEL_VALUE,
  renderSummary,
  stricterTlp,
} from "./integration-rules.ts";

export const INTEGRATION_KINDS = ["alertmanager", "pagerduty", "grafana", "generic"] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** Keys are URL-safe (they may sit in a path) and long enough not to be guessed. */
const KEY_PATTERN = /^[A-Za-z0-9._~-]{32,256}$/;
const KEY_RULE = "a key is 32 to 256 characters of A-Z a-z 0-9 . _ ~ - (e.g. `openssl rand -hex 32`)";

export function keyDigest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

const severitySchema = lazySchema(() =>
  z
    .int({ error: "severity is a whole number from 1 (critical) to 4 (low)" })
    .min(1, "severity is 1 (critical) to 4 (low)")
    .max(4, "severity is 1 (critical) to 4 (low)"),
);

const tlpSchema = lazySchema(() =>
  z.string({ error: "expected a TLP 2.0 label such as amber" }).transform((value, ctx) => {
    const label = parseTlp(value);
    if (!label) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a TLP 2.0 label (clear, green, amber, amber+strict, red)`,
      });
      return z.NEVER;
    }
    return label;
  }),
);

/** An RSIT type (`system-compromise`, `intrusions/system-compromise`), stored as its type id. */
const classSchema = lazySchema(() =>
  z.string({ error: "expected an RSIT type such as system-compromise" }).transform((value, ctx) => {
    const type = parseRsitType(value);
    if (!type) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not an RSIT type; see /inc classes for the list`,
      });
      return z.NEVER;
    }
    return type.id;
  }),
);

const MATCHER_FORMS = 'write a value, { oneOf: [a, b] } or { prefix: "db-" }';

const matcherSchema = lazySchema(() =>
  z.unknown().transform((raw, ctx): LabelMatcher => {
    if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") {
      return { kind: "equals", value: String(raw) };
    }
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
      const entries = Object.entries(raw);
      const [key, value] = entries[0] ?? [];
      if (entries.length === 1 && key === "oneOf" && Array.isArray(value) && value.length > 0) {
        if (value.every((v) => ["string", "number", "boolean"].includes(typeof v))) {
          return { kind: "oneOf", values: value.map(String) };
        }
      }
      if (entries.length === 1 && key === "prefix" && typeof value === "string" && value !== "") {
        return { kind: "prefix", value };
      }
      if (key === "regex" || key === "regexp") {
        ctx.addIssue({
          code: "custom",
          message: `regular expressions are not offered (label values are untrusted and JavaScript regexes backtrack); ${MATCHER_FORMS}`,
        });
        return z.NEVER;
      }
    }
    ctx.addIssue({
      code: "custom",
      message: `a matcher is a value, { oneOf: [...] } or { prefix: "..." }; ${MATCHER_FORMS}`,
    });
    return z.NEVER;
  }),
);

const ruleSchema = lazySchema(() =>
  z
    .strictObject({
      /** Every label listed must match; an empty or absent match matches every alert. */
      match: z.record(z.string(), matcherSchema()).default({}),
      set: z
        .strictObject({
          severity: severitySchema().optional(),
          team: idSchema().optional(),
          tlp: tlpSchema().optional(),
          class: classSchema().optional(),
          /** Replaces the summary; `{{ label }}` inserts a label's value. */
          summary: z.string().min(1).max(1024).optional(),
        })
        .default({}),
      /** Declare an incident at this severity when a matching alert fires. */
      declare: z.strictObject({ severity: severitySchema() }).optional(),
    })
    .superRefine((rule, ctx) => {
      if (Object.keys(rule.set).length === 0 && !rule.declare) {
        ctx.addIssue({ code: "custom", message: "a rule needs set: {...} or declare: {...}" });
      }
    }),
);

export type AlertRule = z.infer<ReturnType<typeof ruleSchema>>;

const heartbeatSchema = lazySchema(() =>
  z.strictObject({
    id: idSchema(),
    /** A ping is expected this often... */
    every: durationSchema(),
    /** ...and tolerated this late before the alert fires. */
    grace: durationSchema().default(0),
    summary: z.string().min(1).max(1024).optional(),
    severity: severitySchema().default(2),
  }),
);

export type HeartbeatConfig = z.infer<ReturnType<typeof heartbeatSchema>>;

export const integrationSchema = lazySchema(() =>
  z
    .strictObject({
      id: idSchema(),
      kind: z.enum(INTEGRATION_KINDS, { error: `kind is one of ${INTEGRATION_KINDS.join(", ")}` }),
      /** The team paged for its alerts unless a rule says otherwise. */
      team: idSchema(),
      key: z.string().optional(),
      keyFile: z.string().min(1).optional(),
      keyEnv: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, "keyEnv names an environment variable such as TOCSIN_AM_KEY")
        .optional(),
      /** The label of alert content unless a rule or (stricter) the sender says otherwise. */
      tlp: tlpSchema().default("amber"),
      /** When the sender gives no severity tocsin understands. */
      severity: severitySchema().default(3),
      rules: z.array(ruleSchema()).default([]),
      heartbeats: z.array(heartbeatSchema()).default([]),
    })
    .transform((integration, ctx) => {
      const { key, keyFile, keyEnv, ...rest } = integration;
      const given = [key, keyFile, keyEnv].filter((v) => v !== undefined).length;
      if (given !== 1) {
        ctx.addIssue({
          code: "custom",
          path: given === 0 ? [] : ["key"],
          message: "give exactly one of keyFile (preferred), keyEnv or key",
        });
        return z.NEVER;
      }
      let secret: string | undefined;
      let where: "key" | "keyFile" | "keyEnv" = "key";
      if (key !== undefined) secret = key;
      else if (keyEnv !== undefined) {
        where = "keyEnv";
        secret = process.env[keyEnv]?.trim();
        if (!secret) {
          ctx.addIssue({
            code: "custom",
            path: ["keyEnv"],
            message: `environment variable ${keyEnv} is not set`,
          });
          return z.NEVER;
        }
      } else if (keyFile !== undefined) {
        where = "keyFile";
        try {
          secret = readFileSync(keyFile, "utf8").trim();
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          ctx.addIssue({
            code: "custom",
            path: ["keyFile"],
            message: `cannot read ${keyFile}: ${code === "ENOENT" ? "no such file" : String(code ?? error)}`,
          });
          return z.NEVER;
        }
      }
      if (secret === undefined || !KEY_PATTERN.test(secret)) {
        ctx.addIssue({ code: "custom", path: [where], message: KEY_RULE });
        return z.NEVER;
      }
      return { ...rest, keyDigest: keyDigest(secret) };
    }),
);

export type Integration = z.output<ReturnType<typeof integrationSchema>>;

export const integrationsSchema = lazySchema(() => z.array(integrationSchema()).default([]));

type Path = (string | number)[];

/** Cross-checks needing the whole file: unique ids and keys, known teams. */
export function checkIntegrations(
  integrations: readonly Integration[],
  teamIds: ReadonlySet<string>,
  problem: (path: Path, message: string) => void,
  unknownTeam: (id: string) => string,
): void {
  const ids = new Map<string, number>();
  const digests = new Map<string, string>();
  integrations.forEach((integration, index) => {
    const at = (...rest: Path): Path => ["integrations", index, ...rest];
    const first = ids.get(integration.id);
    if (first !== undefined)
      problem(
        at("id"),
        `duplicate integration id "${integration.id}" (first declared at integrations[${first}])`,
      );
    else ids.set(integration.id, index);
    const sameKey = digests.get(integration.keyDigest);
    if (sameKey !== undefined)
      problem(at(), `uses the same key as integration "${sameKey}"; give each its own`);
    else digests.set(integration.keyDigest, integration.id);
    if (!teamIds.has(integration.team)) problem(at("team"), unknownTeam(integration.team));
    integration.rules.forEach((rule, r) => {
      if (rule.set.team !== undefined && !teamIds.has(rule.set.team)) {
        problem(at("rules", r, "set", "team"), unknownTeam(rule.set.team));
      }
    });
    const heartbeatIds = new Set<string>();
    integration.heartbeats.forEach((heartbeat, h) => {
      if (heartbeatIds.has(heartbeat.id))
        problem(at("heartbeats", h, "id"), `duplicate heartbeat id "${heartbeat.id}"`);
      heartbeatIds.add(heartbeat.id);
    });
  });
}
