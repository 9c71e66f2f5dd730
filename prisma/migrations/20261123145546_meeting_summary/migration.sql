-- AlterTable
ALTER TABLE "meeting" ADD COLUMN     "summary_sent_at" TIMESTAMP(3);
