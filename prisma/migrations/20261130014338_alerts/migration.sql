-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('firing', 'acked', 'resolved');

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "number" SERIAL NOT NULL,
    "integrationId" TEXT NOT NULL,
    "dedupKey" TEXT NOT NULL,
    "openKey" TEXT,
    "status" "AlertStatus" NOT NULL DEFAULT 'firing',
    "summary" TEXT NOT NULL,
    "source" TEXT,
    "severity" INTEGER NOT NULL,
    "tlp" TEXT NOT NULL DEFAULT 'amber',
    "rsitType" TEXT,
    "teamId" TEXT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "links" JSONB NOT NULL DEFAULT '[]',
    "details" JSONB NOT NULL DEFAULT '{}',
    "members" JSONB NOT NULL DEFAULT '{}',
    "signalCount" INTEGER NOT NULL DEFAULT 1,
    "pageId" TEXT,
    "incidentId" TEXT,
    "silencedUntil" TIMESTAMPTZ(3),
    "firstSignalAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSignalAt" TIMESTAMPTZ(3) NOT NULL,
    "ackedAt" TIMESTAMPTZ(3),
    "ackedById" TEXT,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolvedById" TEXT,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Heartbeat" (
    "integrationId" TEXT NOT NULL,
    "heartbeatId" TEXT NOT NULL,
    "lastPingAt" TIMESTAMPTZ(3) NOT NULL,
    "alertId" TEXT,

    CONSTRAINT "Heartbeat_pkey" PRIMARY KEY ("integrationId","heartbeatId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Alert_number_key" ON "Alert"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_pageId_key" ON "Alert"("pageId");

-- CreateIndex
CREATE INDEX "Alert_status_lastSignalAt_idx" ON "Alert"("status", "lastSignalAt");

-- CreateIndex
CREATE INDEX "Alert_incidentId_idx" ON "Alert"("incidentId");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_integrationId_openKey_key" ON "Alert"("integrationId", "openKey");

