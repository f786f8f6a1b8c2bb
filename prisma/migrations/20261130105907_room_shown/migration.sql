-- AlterTable
ALTER TABLE "IncidentRoom" ADD COLUMN     "shownVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "summaryShown" TEXT,
ADD COLUMN     "topicShown" TEXT;

