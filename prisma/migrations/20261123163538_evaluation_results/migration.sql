-- CreateTable
CREATE TABLE "evaluation_result" (
    "id" BIGSERIAL NOT NULL,
    "meeting_id" BIGINT NOT NULL,
    "product_idea_id" BIGINT NOT NULL,
    "rule_set" TEXT NOT NULL,
    "present_ids" BIGINT[],
    "scores" JSONB NOT NULL,
    "score_sum_hundredths" INTEGER NOT NULL,
    "score_count" INTEGER NOT NULL,
    "stars" INTEGER NOT NULL,
    "certifying_level" "CouncilLevel",
    "recorded_by" TEXT NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "evaluation_result_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "evaluation_result_product_idea_id_idx" ON "evaluation_result"("product_idea_id");

-- CreateIndex
CREATE INDEX "evaluation_result_recorded_at_idx" ON "evaluation_result"("recorded_at");

-- CreateIndex
CREATE UNIQUE INDEX "evaluation_result_meeting_id_product_idea_id_key" ON "evaluation_result"("meeting_id", "product_idea_id");

-- AddForeignKey
ALTER TABLE "evaluation_result" ADD CONSTRAINT "evaluation_result_meeting_id_fkey" FOREIGN KEY ("meeting_id") REFERENCES "meeting"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluation_result" ADD CONSTRAINT "evaluation_result_product_idea_id_fkey" FOREIGN KEY ("product_idea_id") REFERENCES "product_idea"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
