-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "leasedUntil" TIMESTAMPTZ(3),
    "leasedBy" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "outcome" TEXT,
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OncallOverride" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OncallOverride_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Page" (
    "id" TEXT NOT NULL,
    "number" SERIAL NOT NULL,
    "teamId" TEXT,
    "policyId" TEXT,
    "incidentId" TEXT,
    "message" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "level" INTEGER NOT NULL DEFAULT 0,
    "round" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "ackedAt" TIMESTAMPTZ(3),
    "ackedById" TEXT,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolvedById" TEXT,

    CONSTRAINT "Page_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PageDelivery" (
    "id" TEXT NOT NULL,
    "pageId" TEXT NOT NULL,
    "personId" TEXT,
    "platform" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "messageId" TEXT,
    "level" INTEGER NOT NULL,
    "round" INTEGER NOT NULL,
    "deliveredAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PageDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PostedAdvisory" (
    "destination" TEXT NOT NULL,
    "advisoryId" TEXT NOT NULL,
    "postedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PostedAdvisory_pkey" PRIMARY KEY ("destination","advisoryId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Job_key_key" ON "Job"("key");

-- CreateIndex
CREATE INDEX "Job_outcome_dueAt_idx" ON "Job"("outcome", "dueAt");

-- CreateIndex
CREATE INDEX "OncallOverride_teamId_endsAt_idx" ON "OncallOverride"("teamId", "endsAt");

-- CreateIndex
CREATE UNIQUE INDEX "Page_number_key" ON "Page"("number");

-- CreateIndex
CREATE INDEX "Page_status_idx" ON "Page"("status");

-- CreateIndex
CREATE INDEX "PageDelivery_personId_deliveredAt_idx" ON "PageDelivery"("personId", "deliveredAt");

-- CreateIndex
CREATE UNIQUE INDEX "PageDelivery_pageId_level_round_platform_target_key" ON "PageDelivery"("pageId", "level", "round", "platform", "target");

-- AddForeignKey
ALTER TABLE "PageDelivery" ADD CONSTRAINT "PageDelivery_pageId_fkey" FOREIGN KEY ("pageId") REFERENCES "Page"("id") ON DELETE CASCADE ON UPDATE CASCADE;

