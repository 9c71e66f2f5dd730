-- CreateTable
CREATE TABLE "official_request" (
    "id" BIGSERIAL NOT NULL,
    "zalo_user_id" TEXT NOT NULL,
    "producer_id" BIGINT,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "answered_at" TIMESTAMP(3),
    "answered_by" TEXT,
    "answer_note" TEXT,

    CONSTRAINT "official_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "official_request_province_code_commune_code_answered_at_idx" ON "official_request"("province_code", "commune_code", "answered_at");
