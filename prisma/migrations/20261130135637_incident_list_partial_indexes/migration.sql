-- Partial indexes for /inc list (Prisma 6 cannot declare them; schema.prisma states them as /// sql: lines).

-- Stated in schema.prisma (/// sql:)
CREATE INDEX "Incident_open_declaredAt_idx" ON "Incident" ("declaredAt") WHERE status IN ('triage', 'investigating', 'contained', 'eradicated', 'recovered');

-- Stated in schema.prisma (/// sql:)
CREATE INDEX "Incident_unrestricted_declaredAt_idx" ON "Incident" ("declaredAt") WHERE NOT restricted;

-- Stated in schema.prisma (/// sql:)
CREATE INDEX "Incident_open_unrestricted_declaredAt_idx" ON "Incident" ("declaredAt") WHERE NOT restricted AND status IN ('triage', 'investigating', 'contained', 'eradicated', 'recovered');
