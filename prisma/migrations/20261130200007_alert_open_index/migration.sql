-- DropIndex
DROP INDEX "Alert_status_lastSignalAt_idx";


-- Stated in schema.prisma (/// sql:)
CREATE INDEX "Alert_open_number_idx" ON "Alert" (number) WHERE status IN ('firing', 'acked');
