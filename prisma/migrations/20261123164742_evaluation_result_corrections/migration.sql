-- DropIndex
DROP INDEX "evaluation_result_meeting_id_product_idea_id_key";

-- AlterTable
ALTER TABLE "evaluation_result" ADD COLUMN     "correction_reason" TEXT,
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "superseded_at" TIMESTAMP(3);

-- CreateIndex
CREATE UNIQUE INDEX "evaluation_result_meeting_id_product_idea_id_revision_key" ON "evaluation_result"("meeting_id", "product_idea_id", "revision");
