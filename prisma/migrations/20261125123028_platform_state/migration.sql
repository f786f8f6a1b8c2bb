-- CreateTable
CREATE TABLE "PlatformState" (
    "platform" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PlatformState_pkey" PRIMARY KEY ("platform","key")
);

