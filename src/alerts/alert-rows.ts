// The Alert row as raw SQL returns it (see src/db/rows.ts), and the shapes of its JSON columns,
// which are checked on the way out like any untrusted value.
import { z } from "zod";
import type { Alert } from "../generated/prisma/client.ts";
import { AlertStatus } from "../generated/prisma/enums.ts";

const timestamp = z.date();

export const alertRow = z.object({
  id: z.string(),
  number: z.number().int(),
  integrationId: z.string(),
  dedupKey: z.string(),
  openKey: z.string().nullable(),
  status: z.enum(AlertStatus),
  summary: z.string(),
  source: z.string().nullable(),
  severity: z.number().int(),
  tlp: z.string(),
  rsitType: z.string().nullable(),
  teamId: z.string().nullable(),
  labels: z.json(),
  links: z.json(),
  details: z.json(),
  members: z.json(),
  signalCount: z.number().int(),
  pageId: z.string().nullable(),
  incidentId: z.string().nullable(),
  silencedUntil: timestamp.nullable(),
  firstSignalAt: timestamp,
  lastSignalAt: timestamp,
  ackedAt: timestamp.nullable(),
  ackedById: z.string().nullable(),
  resolvedAt: timestamp.nullable(),
  resolvedById: z.string().nullable(),
}) satisfies z.ZodType<Alert>;

export const labelsValue = z.record(z.string(), z.string()).catch({});
export const linksValue = z.array(z.object({ href: z.string(), text: z.string().optional() })).catch([]);
export const detailsValue = z.record(z.string(), z.unknown()).catch({});
export const membersValue = z.record(z.string(), z.enum(["firing", "resolved"])).catch({});

export type Members = z.output<typeof membersValue>;
