-- CreateTable
CREATE TABLE "recognition_decision" (
    "id" BIGSERIAL NOT NULL,
    "province_code" TEXT NOT NULL,
    "meeting_id" BIGINT NOT NULL,
    "number" TEXT NOT NULL,
    "signed_on" TEXT NOT NULL,
    "signer" TEXT NOT NULL,
    "signer_title" TEXT NOT NULL,
    "proposed_idea_ids" BIGINT[],
    "recorded_by" TEXT NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "recognition_decision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificate" (
    "id" BIGSERIAL NOT NULL,
    "decision_id" BIGINT NOT NULL,
    "product_idea_id" BIGINT NOT NULL,
    "evaluation_result_id" BIGINT NOT NULL,
    "number" TEXT NOT NULL,
    "stars" INTEGER NOT NULL,
    "certified_on" TEXT NOT NULL,
    "expires_on" TEXT NOT NULL,
    "rule_set" TEXT NOT NULL,
    "certified_product_id" BIGINT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "certificate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "recognition_decision_province_code_number_key" ON "recognition_decision"("province_code", "number");

-- CreateIndex
CREATE UNIQUE INDEX "recognition_decision_meeting_id_key" ON "recognition_decision"("meeting_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_number_key" ON "certificate"("number");

-- CreateIndex
CREATE INDEX "certificate_product_idea_id_idx" ON "certificate"("product_idea_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_decision_id_product_idea_id_key" ON "certificate"("decision_id", "product_idea_id");

-- AddForeignKey
ALTER TABLE "certificate" ADD CONSTRAINT "certificate_decision_id_fkey" FOREIGN KEY ("decision_id") REFERENCES "recognition_decision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
