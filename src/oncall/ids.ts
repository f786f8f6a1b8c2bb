// Ids in the on-call configuration (people, teams, rotations, policies, deadline presets).
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";

export const idSchema = lazySchema(() =>
  z
    .string({ error: 'expected an id such as "alice" or "csirt"' })
    .regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      'ids are lowercase letters, digits, ".", "_" and "-", e.g. "alice" or "csirt-l1"',
    ),
);
