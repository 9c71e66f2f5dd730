-- AlterTable
ALTER TABLE "packet_access" ADD COLUMN     "document_id" BIGINT;
