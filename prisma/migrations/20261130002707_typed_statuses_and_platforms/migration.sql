-- Statuses, roles, page delivery kinds and states become enums, so the database refuses a value
-- the code does not know. (Platforms stay text: they come from the platform registry, which a new
-- platform folder extends without a migration.) Written by hand rather than as Prisma's
-- drop-and-add: each column is converted in place, keeping its data, its indexes and its keys.
-- A row holding an unknown value makes the cast (and so the migration) fail, in its transaction,
-- instead of being lost.

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('triage', 'investigating', 'contained', 'eradicated', 'recovered', 'closed', 'declined', 'merged');

-- CreateEnum
CREATE TYPE "IncidentRole" AS ENUM ('commander', 'deputy', 'scribe', 'comms', 'liaison');

-- CreateEnum
CREATE TYPE "PageStatus" AS ENUM ('open', 'acked', 'resolved');

-- CreateEnum
CREATE TYPE "PageDeliveryKind" AS ENUM ('dm', 'room', 'channel', 'notice');

-- CreateEnum
CREATE TYPE "PageDeliveryState" AS ENUM ('pending', 'sent', 'held', 'failed');

-- AlterTable
ALTER TABLE "Incident" ALTER COLUMN "status" TYPE "IncidentStatus" USING "status"::"IncidentStatus";

-- AlterTable
ALTER TABLE "RoleAssignment" ALTER COLUMN "role" TYPE "IncidentRole" USING "role"::"IncidentRole";

-- AlterTable
ALTER TABLE "Page" ALTER COLUMN "status" DROP DEFAULT,
ALTER COLUMN "status" TYPE "PageStatus" USING "status"::"PageStatus",
ALTER COLUMN "status" SET DEFAULT 'open';

-- AlterTable
ALTER TABLE "PageDelivery" ALTER COLUMN "kind" DROP DEFAULT,
ALTER COLUMN "kind" TYPE "PageDeliveryKind" USING "kind"::"PageDeliveryKind",
ALTER COLUMN "kind" SET DEFAULT 'dm',
ALTER COLUMN "state" DROP DEFAULT,
ALTER COLUMN "state" TYPE "PageDeliveryState" USING "state"::"PageDeliveryState",
ALTER COLUMN "state" SET DEFAULT 'pending';
