// An override puts someone on call for a stretch of time, taking or giving a shift from chat
// (`cover @bob for:4h`, `override @bob from:<time> until:<time>`). Overrides live in the database, not in the
// configuration file, so a reload never loses them; schedule.ts only reads them.
import { z } from "zod";

export const overrideSchema = z
  .object({
    id: z.string().min(1),
    /** The configuration's person id (`people[].id`). */
    personId: z.string().min(1),
    start: z.date(),
    end: z.date(),
    /** When several overrides cover the same instant, the most recently created one wins. */
    createdAt: z.date(),
    /**
     * Absent or null: a layerless override, which wins over every layer of the team. A rotation
     * id: the override only replaces that rotation's person, and only while that rotation is the
     * layer that decides (its restriction windows and the layers above it still apply).
     */
    rotationId: z.string().min(1).nullish(),
    /**
     * Set once `/oncall override remove` took it back. Schedules skip removed overrides; calendar
     * feeds still count them, so an event whose times went back gets a higher SEQUENCE.
     */
    removedAt: z.date().nullish(),
  })
  .refine((override) => override.end > override.start, {
    message: "an override must end after it starts",
    path: ["end"],
  });

export type Override = z.infer<typeof overrideSchema>;
