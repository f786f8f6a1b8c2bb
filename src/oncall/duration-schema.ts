// A duration as the configuration files write it (`after: 5m`, `every: 1h`), parsed to
// milliseconds: one schema for the on-call file and the alert integrations. A module of its own,
// apart from config-fields.ts, because the Slack edge thread loads the integrations' schemas and
// should not load the on-call file's time-zone and time-of-day schemas with them.
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";
import { parseDuration } from "./durations.ts";

export const durationSchema = lazySchema(() =>
  z.string({ error: 'expected a duration such as "5m"' }).transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  }),
);
