// The small field types of the on-call file (time zones, times of day, durations, counts, person
// references), shared by its sections' schemas (config.ts, config-escalation.ts).
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";
import { durationSchema } from "./duration-schema.ts";
import { idSchema } from "./ids.ts";
import { isValidTimeZone, parseTimeOfDay } from "./local-time.ts";

/** A reference to a person's id, checked against `people` once the whole file has parsed. */
export const personRefSchema = idSchema;

export const timeZoneSchema = lazySchema(() =>
  z.string({ error: "expected an IANA time zone such as Europe/Paris" }).superRefine((value, ctx) => {
    if (!isValidTimeZone(value)) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not an IANA time zone; write e.g. Europe/Paris, America/New_York, Australia/Sydney or UTC`,
      });
    }
  }),
);

export function timeOfDaySchema(options: { allowEndOfDay?: boolean } = {}) {
  const range = options.allowEndOfDay ? "00:00 to 24:00" : "00:00 to 23:59";
  return z.string({ error: 'expected a quoted local time such as "09:00"' }).superRefine((value, ctx) => {
    if (parseTimeOfDay(value, options) === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a time of day; write HH:MM from ${range}, e.g. "09:00"`,
      });
    }
  });
}

export const positiveCount = lazySchema(() =>
  z.int({ error: "expected a whole number" }).min(1, "must be at least 1"),
);

export { durationSchema };
