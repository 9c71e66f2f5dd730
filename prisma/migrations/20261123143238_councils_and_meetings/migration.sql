-- CreateEnum
CREATE TYPE "CouncilLevel" AS ENUM ('district', 'province', 'central');

-- CreateEnum
CREATE TYPE "CouncilRole" AS ENUM ('chair', 'member', 'helper', 'secretary');

-- CreateEnum
CREATE TYPE "MeetingStatus" AS ENUM ('scheduled', 'locked', 'cancelled');

-- CreateTable
CREATE TABLE "council" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "level" "CouncilLevel" NOT NULL,
    "province_code" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "council_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "council_person" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT,
    "province_code" TEXT NOT NULL,
    "zalo_user_id" TEXT,
    "invitation_code" TEXT,
    "invitation_expires_at" TIMESTAMP(3),
    "linked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "council_person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "council_member" (
    "council_id" BIGINT NOT NULL,
    "person_id" BIGINT NOT NULL,
    "role" "CouncilRole" NOT NULL,

    CONSTRAINT "council_member_pkey" PRIMARY KEY ("council_id","person_id")
);

-- CreateTable
CREATE TABLE "meeting" (
    "id" BIGSERIAL NOT NULL,
    "council_id" BIGINT NOT NULL,
    "date" TEXT NOT NULL,
    "time" TEXT NOT NULL,
    "place" TEXT NOT NULL,
    "status" "MeetingStatus" NOT NULL DEFAULT 'scheduled',
    "lead_working_days" INTEGER NOT NULL,
    "delivery_deadline" TIMESTAMP(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "meeting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "meeting_product" (
    "meeting_id" BIGINT NOT NULL,
    "product_idea_id" BIGINT NOT NULL,

    CONSTRAINT "meeting_product_pkey" PRIMARY KEY ("meeting_id","product_idea_id")
);

-- CreateIndex
CREATE INDEX "council_province_code_year_idx" ON "council"("province_code", "year");

-- CreateIndex
CREATE UNIQUE INDEX "council_person_zalo_user_id_key" ON "council_person"("zalo_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "council_person_invitation_code_key" ON "council_person"("invitation_code");

-- CreateIndex
CREATE INDEX "meeting_status_delivery_deadline_idx" ON "meeting"("status", "delivery_deadline");

-- AddForeignKey
ALTER TABLE "council_member" ADD CONSTRAINT "council_member_council_id_fkey" FOREIGN KEY ("council_id") REFERENCES "council"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "council_member" ADD CONSTRAINT "council_member_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "council_person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meeting" ADD CONSTRAINT "meeting_council_id_fkey" FOREIGN KEY ("council_id") REFERENCES "council"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meeting_product" ADD CONSTRAINT "meeting_product_meeting_id_fkey" FOREIGN KEY ("meeting_id") REFERENCES "meeting"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
