-- AlterTable
ALTER TABLE "PageDelivery" ADD COLUMN     "dmRoomId" TEXT;

