-- Stated in schema.prisma (/// sql:)
ALTER TABLE "Alert" SET (fillfactor = 70);
