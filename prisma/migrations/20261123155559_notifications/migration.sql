-- CreateEnum
CREATE TYPE "NotificationState" AS ENUM ('planned', 'sent', 'done', 'cancelled', 'unreachable');

-- CreateEnum
CREATE TYPE "RecipientKind" AS ENUM ('producer', 'official', 'council_person', 'certified_producer');

-- CreateTable
CREATE TABLE "notification" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "recipient_kind" "RecipientKind" NOT NULL,
    "recipient_id" BIGINT NOT NULL,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT,
    "product_idea_id" BIGINT,
    "meeting_id" BIGINT,
    "certified_product_id" BIGINT,
    "campaign_deadline_id" BIGINT,
    "parent_key" TEXT,
    "level" INTEGER NOT NULL DEFAULT 0,
    "deadline" TIMESTAMP(3),
    "due_at" TIMESTAMP(3) NOT NULL,
    "send_at" TIMESTAMP(3) NOT NULL,
    "routine" BOOLEAN NOT NULL,
    "vars" JSONB NOT NULL,
    "state" "NotificationState" NOT NULL DEFAULT 'planned',
    "channel" TEXT,
    "outbound_ids" BIGINT[],
    "snooze_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL,
    "sent_at" TIMESTAMP(3),
    "closed_at" TIMESTAMP(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_event" (
    "id" BIGSERIAL NOT NULL,
    "notification_id" BIGINT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "detail" JSONB,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "notification_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_deadline" (
    "id" BIGSERIAL NOT NULL,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT,
    "title" TEXT NOT NULL,
    "due_date" TEXT NOT NULL,
    "audience" "OfficialRole"[],
    "remind_working_days_before" INTEGER[],
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "cancelled_at" TIMESTAMP(3),

    CONSTRAINT "campaign_deadline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certified_product" (
    "id" BIGSERIAL NOT NULL,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT NOT NULL,
    "product_name" TEXT NOT NULL,
    "producer_name" TEXT NOT NULL,
    "producer_phone" TEXT,
    "producer_id" BIGINT,
    "stars" INTEGER NOT NULL,
    "certificate_number" TEXT,
    "certified_on" TEXT NOT NULL,
    "expires_on" TEXT NOT NULL,
    "rule_set" TEXT NOT NULL,
    "imported_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "certified_product_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "notification_key_key" ON "notification"("key");

-- CreateIndex
CREATE INDEX "notification_state_send_at_idx" ON "notification"("state", "send_at");

-- CreateIndex
CREATE INDEX "notification_recipient_kind_recipient_id_state_idx" ON "notification"("recipient_kind", "recipient_id", "state");

-- CreateIndex
CREATE INDEX "notification_province_code_state_idx" ON "notification"("province_code", "state");

-- CreateIndex
CREATE INDEX "notification_parent_key_idx" ON "notification"("parent_key");

-- CreateIndex
CREATE INDEX "notification_event_notification_id_id_idx" ON "notification_event"("notification_id", "id");

-- CreateIndex
CREATE INDEX "campaign_deadline_province_code_idx" ON "campaign_deadline"("province_code");

-- CreateIndex
CREATE INDEX "certified_product_expires_on_idx" ON "certified_product"("expires_on");

-- CreateIndex
CREATE UNIQUE INDEX "certified_product_province_code_product_name_producer_name__key" ON "certified_product"("province_code", "product_name", "producer_name", "certified_on");

-- AddForeignKey
ALTER TABLE "notification_event" ADD CONSTRAINT "notification_event_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "notification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
