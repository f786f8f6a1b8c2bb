-- CreateTable
CREATE TABLE "BulletinPostStep" (
    "runKey" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "postedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "BulletinPostStep_pkey" PRIMARY KEY ("runKey","step")
);

