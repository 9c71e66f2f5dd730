-- CreateEnum
CREATE TYPE "ProducerKind" AS ENUM ('cooperative', 'cooperative_group', 'enterprise', 'household');

-- CreateEnum
CREATE TYPE "ProductIdeaKind" AS ENUM ('new_product', 'star_upgrade', 're_ranking');

-- CreateEnum
CREATE TYPE "ProductIdeaStatus" AS ENUM ('submitted', 'accepted', 'returned');

-- CreateEnum
CREATE TYPE "OfficialRole" AS ENUM ('province', 'commune');

-- CreateTable
CREATE TABLE "administrative_unit" (
    "commune_code" TEXT NOT NULL,
    "commune_name" TEXT NOT NULL,
    "province_code" TEXT NOT NULL,
    "province_name" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "administrative_unit_pkey" PRIMARY KEY ("commune_code")
);

-- CreateTable
CREATE TABLE "producer" (
    "id" BIGSERIAL NOT NULL,
    "zalo_user_id" TEXT NOT NULL,
    "kind" "ProducerKind" NOT NULL,
    "name" TEXT NOT NULL,
    "registration_number" TEXT,
    "representative" TEXT NOT NULL,
    "position" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "email" TEXT,
    "address" TEXT NOT NULL,
    "commune_code" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "producer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product_idea" (
    "id" BIGSERIAL NOT NULL,
    "producer_id" BIGINT NOT NULL,
    "commune_code" TEXT NOT NULL,
    "province_code" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "sequence" INTEGER NOT NULL,
    "receipt_number" TEXT NOT NULL,
    "rule_set" TEXT NOT NULL,
    "product_name" TEXT NOT NULL,
    "sector_code" TEXT NOT NULL,
    "group_code" TEXT NOT NULL,
    "set_code" TEXT NOT NULL,
    "kind" "ProductIdeaKind" NOT NULL,
    "details" JSONB NOT NULL,
    "business_plan" JSONB,
    "status" "ProductIdeaStatus" NOT NULL DEFAULT 'submitted',
    "review_reason" TEXT,
    "reviewed_by" TEXT,
    "reviewed_at" TIMESTAMP(3),
    "submitted_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "product_idea_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipt_counter" (
    "commune_code" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "last" INTEGER NOT NULL,

    CONSTRAINT "receipt_counter_pkey" PRIMARY KEY ("commune_code","year")
);

-- CreateTable
CREATE TABLE "official" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" "OfficialRole" NOT NULL,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT,
    "zalo_user_id" TEXT,
    "invitation_code" TEXT,
    "invitation_expires_at" TIMESTAMP(3),
    "linked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "official_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" "OfficialRole" NOT NULL,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "administrative_unit_province_code_idx" ON "administrative_unit"("province_code");

-- CreateIndex
CREATE UNIQUE INDEX "producer_zalo_user_id_key" ON "producer"("zalo_user_id");

-- CreateIndex
CREATE INDEX "producer_commune_code_idx" ON "producer"("commune_code");

-- CreateIndex
CREATE UNIQUE INDEX "product_idea_receipt_number_key" ON "product_idea"("receipt_number");

-- CreateIndex
CREATE INDEX "product_idea_commune_code_status_idx" ON "product_idea"("commune_code", "status");

-- CreateIndex
CREATE INDEX "product_idea_province_code_status_idx" ON "product_idea"("province_code", "status");

-- CreateIndex
CREATE INDEX "product_idea_producer_id_idx" ON "product_idea"("producer_id");

-- CreateIndex
CREATE UNIQUE INDEX "product_idea_commune_code_year_sequence_key" ON "product_idea"("commune_code", "year", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "official_zalo_user_id_key" ON "official"("zalo_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "official_invitation_code_key" ON "official"("invitation_code");

-- CreateIndex
CREATE INDEX "official_commune_code_idx" ON "official"("commune_code");

-- CreateIndex
CREATE INDEX "official_province_code_idx" ON "official"("province_code");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- AddForeignKey
ALTER TABLE "producer" ADD CONSTRAINT "producer_commune_code_fkey" FOREIGN KEY ("commune_code") REFERENCES "administrative_unit"("commune_code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_idea" ADD CONSTRAINT "product_idea_producer_id_fkey" FOREIGN KEY ("producer_id") REFERENCES "producer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
