-- AlterTable
ALTER TABLE "TimelineEntry" ADD COLUMN     "seq" SERIAL NOT NULL;

