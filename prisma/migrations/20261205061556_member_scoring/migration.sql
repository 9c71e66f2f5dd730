-- CreateEnum
CREATE TYPE "ScoreSheetStatus" AS ENUM ('draft', 'submitted');

-- AlterTable
ALTER TABLE "evaluation_result" ADD COLUMN     "band_stars" INTEGER,
ADD COLUMN     "capped_by" JSONB,
ADD COLUMN     "disqualified_code" TEXT,
ADD COLUMN     "disqualified_reason" TEXT,
ADD COLUMN     "sheet_id" TEXT;

-- AlterTable
ALTER TABLE "meeting" ADD COLUMN     "scoring_closed_at" TIMESTAMP(3),
ADD COLUMN     "scoring_opened_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "meeting_product" ADD COLUMN     "rescore_people" BIGINT[],
ADD COLUMN     "scoring_round" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "score_sheet" (
    "id" BIGSERIAL NOT NULL,
    "meeting_id" BIGINT NOT NULL,
    "product_idea_id" BIGINT NOT NULL,
    "person_id" BIGINT NOT NULL,
    "round" INTEGER NOT NULL,
    "sheet_id" TEXT NOT NULL,
    "answers" JSONB NOT NULL,
    "disqualifiers" TEXT[],
    "note" TEXT,
    "status" "ScoreSheetStatus" NOT NULL DEFAULT 'draft',
    "total_hundredths" INTEGER NOT NULL,
    "entered_by" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "submitted_at" TIMESTAMP(3),

    CONSTRAINT "score_sheet_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "score_sheet_meeting_id_round_idx" ON "score_sheet"("meeting_id", "round");

-- CreateIndex
CREATE UNIQUE INDEX "score_sheet_meeting_id_product_idea_id_person_id_round_key" ON "score_sheet"("meeting_id", "product_idea_id", "person_id", "round");
