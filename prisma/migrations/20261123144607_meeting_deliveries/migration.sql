-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('planned', 'acknowledged', 'unreachable', 'superseded');

-- AlterTable
ALTER TABLE "meeting" ADD COLUMN     "distributed_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "delivery" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "meeting_id" BIGINT NOT NULL,
    "person_id" BIGINT NOT NULL,
    "product_idea_id" BIGINT,
    "packet_id" BIGINT,
    "packet_version" INTEGER,
    "packet_sha256" TEXT,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'planned',
    "channel" TEXT NOT NULL,
    "outbound_ids" BIGINT[],
    "created_at" TIMESTAMP(3) NOT NULL,
    "acknowledged_at" TIMESTAMP(3),
    "superseded_at" TIMESTAMP(3),

    CONSTRAINT "delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "delivery_key_key" ON "delivery"("key");

-- CreateIndex
CREATE INDEX "delivery_meeting_id_person_id_idx" ON "delivery"("meeting_id", "person_id");
