-- AlterTable
ALTER TABLE "OncallOverride" ADD COLUMN     "number" SERIAL NOT NULL,
ADD COLUMN     "removedAt" TIMESTAMPTZ(3),
ADD COLUMN     "removedById" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "OncallOverride_number_key" ON "OncallOverride"("number");

