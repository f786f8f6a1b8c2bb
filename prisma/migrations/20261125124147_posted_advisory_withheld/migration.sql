-- AlterTable
ALTER TABLE "PostedAdvisory" ADD COLUMN     "withheld" BOOLEAN NOT NULL DEFAULT false;
