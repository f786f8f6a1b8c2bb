-- AlterTable
ALTER TABLE "Heartbeat" ADD COLUMN     "missedAt" TIMESTAMPTZ(3);

