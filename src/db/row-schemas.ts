// Zod schemas of whole rows, for raw SQL that selects `*` or `returning *` (see rows.ts). Each
// `satisfies` ties a schema to the generated Prisma type, so a schema change that is not
// reflected here fails the typecheck instead of a query at run time.
import { z } from "zod";
import type { Incident, IncidentRoom, Page, PageDelivery, Person } from "../generated/prisma/client.ts";
import {
  IncidentStatus,
  PageDeliveryKind,
  PageDeliveryState,
  PageStatus,
} from "../generated/prisma/enums.ts";

const timestamp = z.date();

export const incidentRow = z.object({
  id: z.string(),
  publicId: z.string(),
  title: z.string(),
  summary: z.string(),
  status: z.enum(IncidentStatus),
  severity: z.number().int(),
  rsitType: z.string().nullable(),
  tlp: z.string(),
  restricted: z.boolean(),
  resolution: z.string().nullable(),
  mergedIntoId: z.string().nullable(),
  teamId: z.string().nullable(),
  reporterId: z.string(),
  declaredAt: timestamp,
  investigatingAt: timestamp.nullable(),
  containedAt: timestamp.nullable(),
  eradicatedAt: timestamp.nullable(),
  recoveredAt: timestamp.nullable(),
  closedAt: timestamp.nullable(),
  updatedAt: timestamp,
}) satisfies z.ZodType<Incident>;

export const incidentRoomRow = z.object({
  id: z.string(),
  incidentId: z.string(),
  platform: z.string(),
  roomId: z.string(),
  name: z.string(),
  summaryMessageId: z.string().nullable(),
  topicShown: z.string().nullable(),
  summaryShown: z.string().nullable(),
  shownVersion: z.number().int(),
  createdAt: timestamp,
}) satisfies z.ZodType<IncidentRoom>;

export const personRow = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  timeZone: z.string().nullable(),
  createdAt: timestamp,
}) satisfies z.ZodType<Person>;

export const pageRow = z.object({
  id: z.string(),
  number: z.number().int(),
  teamId: z.string().nullable(),
  policyId: z.string().nullable(),
  targetPersonId: z.string().nullable(),
  plan: z.json(),
  incidentId: z.string().nullable(),
  message: z.string(),
  status: z.enum(PageStatus),
  level: z.number().int(),
  round: z.number().int(),
  mergedCount: z.number().int(),
  exhaustedAt: timestamp.nullable(),
  createdById: z.string().nullable(),
  createdAt: timestamp,
  ackedAt: timestamp.nullable(),
  ackedById: z.string().nullable(),
  resolvedAt: timestamp.nullable(),
  resolvedById: z.string().nullable(),
}) satisfies z.ZodType<Page>;

export const pageDeliveryRow = z.object({
  id: z.string(),
  pageId: z.string(),
  kind: z.enum(PageDeliveryKind),
  state: z.enum(PageDeliveryState),
  personId: z.string().nullable(),
  platform: z.string(),
  target: z.string(),
  messageId: z.string().nullable(),
  dmRoomId: z.string().nullable(),
  level: z.number().int(),
  round: z.number().int(),
  createdAt: timestamp,
  deliveredAt: timestamp.nullable(),
}) satisfies z.ZodType<PageDelivery>;
