-- AlterTable
ALTER TABLE "TimelineEntry" ADD COLUMN     "announcementPending" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "TimelineEntry_announcementPending_idx" ON "TimelineEntry"("announcementPending");

