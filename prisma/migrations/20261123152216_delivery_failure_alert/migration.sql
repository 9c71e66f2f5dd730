-- AlterTable
ALTER TABLE "delivery" ADD COLUMN     "failure_alerted_at" TIMESTAMP(3);
