-- AlterTable
ALTER TABLE "IncidentDeadline" ADD COLUMN     "countsFrom" TEXT,
ADD COLUMN     "countsFromAt" TIMESTAMPTZ(3),
ADD COLUMN     "offset" JSONB,
ADD COLUMN     "onRequest" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "warnBefore" JSONB,
ALTER COLUMN "dueAt" DROP NOT NULL;

