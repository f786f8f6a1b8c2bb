-- DropIndex
DROP INDEX "PageDelivery_personId_deliveredAt_idx";

-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "teamId" TEXT;

-- AlterTable
ALTER TABLE "OncallOverride" ADD COLUMN     "rotationId" TEXT;

-- AlterTable
ALTER TABLE "Page" ADD COLUMN     "exhaustedAt" TIMESTAMPTZ(3),
ADD COLUMN     "mergedCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "plan" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "targetPersonId" TEXT;

-- AlterTable
ALTER TABLE "PageDelivery" ADD COLUMN     "createdAt" TIMESTAMPTZ(3) NOT NULL,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'dm',
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'pending',
ALTER COLUMN "deliveredAt" DROP NOT NULL;

-- CreateTable
CREATE TABLE "IncidentDeadline" (
    "id" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,
    "preset" TEXT NOT NULL,
    "presetName" TEXT NOT NULL,
    "milestone" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "awareAt" TIMESTAMPTZ(3) NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "warnAt" TIMESTAMPTZ(3),
    "warnedAt" TIMESTAMPTZ(3),
    "dueNotifiedAt" TIMESTAMPTZ(3),
    "metAt" TIMESTAMPTZ(3),
    "metById" TEXT,
    "stoppedAt" TIMESTAMPTZ(3),
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IncidentDeadline_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "IncidentDeadline_incidentId_preset_milestone_key" ON "IncidentDeadline"("incidentId", "preset", "milestone");

-- CreateIndex
CREATE INDEX "Page_teamId_status_createdAt_idx" ON "Page"("teamId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Page_targetPersonId_status_createdAt_idx" ON "Page"("targetPersonId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "PageDelivery_personId_createdAt_idx" ON "PageDelivery"("personId", "createdAt");

-- AddForeignKey
ALTER TABLE "IncidentDeadline" ADD CONSTRAINT "IncidentDeadline_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

