-- CreateEnum
CREATE TYPE "InboundStatus" AS ENUM ('pending', 'processed', 'ignored', 'invalid', 'failed');

-- CreateEnum
CREATE TYPE "OutboundChannel" AS ENUM ('cs', 'template', 'zns');

-- CreateEnum
CREATE TYPE "OutboundStatus" AS ENUM ('pending', 'sending', 'sent', 'failed');

-- CreateTable
CREATE TABLE "inbound_event" (
    "id" BIGSERIAL NOT NULL,
    "event_key" TEXT NOT NULL,
    "event_name" TEXT NOT NULL,
    "user_id" TEXT,
    "zalo_timestamp" TIMESTAMP(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "InboundStatus" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMP(3),

    CONSTRAINT "inbound_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_message" (
    "id" BIGSERIAL NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "channel" "OutboundChannel" NOT NULL DEFAULT 'cs',
    "recipient" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "OutboundStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_attempt_at" TIMESTAMP(3),
    "last_error" TEXT,
    "zalo_message_id" TEXT,
    "cause_event_id" BIGINT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),
    "failed_at" TIMESTAMP(3),
    "received_at" TIMESTAMP(3),
    "seen_at" TIMESTAMP(3),

    CONSTRAINT "outbound_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "zalo_token" (
    "id" TEXT NOT NULL,
    "access_token" TEXT NOT NULL,
    "refresh_token" TEXT NOT NULL,
    "access_expires_at" TIMESTAMP(3),
    "refreshed_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "zalo_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "zalo_user" (
    "id" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'vi',
    "following" BOOLEAN NOT NULL DEFAULT false,
    "last_interaction_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "zalo_user_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "inbound_event_event_key_key" ON "inbound_event"("event_key");

-- CreateIndex
CREATE INDEX "inbound_event_user_id_status_id_idx" ON "inbound_event"("user_id", "status", "id");

-- CreateIndex
CREATE INDEX "inbound_event_status_received_at_idx" ON "inbound_event"("status", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbound_message_idempotency_key_key" ON "outbound_message"("idempotency_key");

-- CreateIndex
CREATE INDEX "outbound_message_recipient_status_id_idx" ON "outbound_message"("recipient", "status", "id");

-- CreateIndex
CREATE INDEX "outbound_message_status_created_at_idx" ON "outbound_message"("status", "created_at");

-- CreateIndex
CREATE INDEX "outbound_message_zalo_message_id_idx" ON "outbound_message"("zalo_message_id");

-- AddForeignKey
ALTER TABLE "outbound_message" ADD CONSTRAINT "outbound_message_cause_event_id_fkey" FOREIGN KEY ("cause_event_id") REFERENCES "inbound_event"("id") ON DELETE SET NULL ON UPDATE CASCADE;
